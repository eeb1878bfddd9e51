"""Clustering metrics on hand-checked toys, the evaluation protocol, and the real giveme set."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from broadsheet.eval.clustering import (
    BaselineSkipped,
    GoldDoc,
    _interleaved_costs,
    _title_words,
    bcubed_prf,
    benchmark_throughput,
    cluster_broadsheet,
    cluster_broadsheet_threads,
    cluster_tfidf_agglomerative,
    cluster_title_jaccard,
    evaluate_clustering,
    load_stories,
    order_spread,
    order_spread_markdown,
    pairwise_prf,
    read_stories,
    score,
    stream_order,
    synthetic_stream,
    throughput_markdown,
)
from broadsheet.stories.cluster import ClusterConfig, ClusterDoc

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
GIVEME = SHARED / "data" / "stories" / "giveme-newscluster.jsonl"

# gold {a,b} {c,d}; predicted {a,b,c} {d}
GOLD = {"a": "1", "b": "1", "c": "2", "d": "2"}
PRED = {"a": "x", "b": "x", "c": "x", "d": "y"}


def test_pairwise_on_a_toy() -> None:
    # predicted pairs ab ac bc, gold pairs ab cd: one shared
    p, r, f = pairwise_prf(PRED, GOLD)
    assert (p, r) == pytest.approx((1 / 3, 1 / 2))
    assert f == pytest.approx(0.4)


def test_bcubed_on_a_toy() -> None:
    # precision per item: a 2/3, b 2/3, c 1/3, d 1; recall: a 1, b 1, c 1/2, d 1/2
    p, r, f = bcubed_prf(PRED, GOLD)
    assert p == pytest.approx(2 / 3) and r == pytest.approx(3 / 4)
    assert f == pytest.approx(2 * (2 / 3) * (3 / 4) / (2 / 3 + 3 / 4))


def test_metrics_at_the_extremes() -> None:
    assert pairwise_prf(GOLD, GOLD) == (1.0, 1.0, 1.0)
    assert bcubed_prf(GOLD, GOLD) == (1.0, 1.0, 1.0)
    singletons = {k: k for k in GOLD}
    assert pairwise_prf(singletons, GOLD) == (1.0, 0.0, 0.0)  # no predicted pairs: P = 1
    p, r, _ = bcubed_prf(singletons, GOLD)
    assert (p, r) == (1.0, 0.5)
    one = {k: "all" for k in GOLD}
    p, r, _ = bcubed_prf(one, GOLD)
    assert (p, r) == (0.5, 1.0)
    assert score(PRED, GOLD).clusters == 2


def _write(path: Path) -> None:
    stories = [
        {"story_id": 7, "title": "A", "date": "2020-05-01T00:00:00", "docs": [
            {"doc_id": "a1", "source": "x", "title": "Quake hits Pelmar", "text": "t",
             "url": "u", "date": "2020-05-02T10:00:00"},
            {"doc_id": "a2", "source": "y", "title": "Pelmar quake toll rises", "text": "t",
             "url": "u"},
        ]},
        {"story_id": 8, "title": "B", "date": "2020-05-03T00:00:00", "docs": [
            {"doc_id": "b1", "source": "x", "title": "Vote in Ostrada", "text": "t",
             "url": "u", "date": "2020-05-01T09:00:00+00:00"},
        ]},
        {"story_id": 9, "title": "C", "docs": []},
    ]
    path.write_text("\n".join(json.dumps(s) for s in stories) + "\n", encoding="utf-8")


def test_load_uses_each_docs_own_date_never_its_storys(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    _write(path)
    docs = {g.doc.id: g for g in load_stories(path)}
    assert docs["a1"].doc.published == datetime(2020, 5, 2, 10, tzinfo=UTC)
    assert docs["a2"].doc.published is None  # the story's date is not leaked
    assert docs["a2"].gold == "7" and docs["b1"].gold == "8"
    assert [g.doc.id for g in load_stories(path, limit=1)] == ["a1", "a2"]


def test_stream_order_sorts_dated_and_keeps_undated_in_shuffled_slots() -> None:
    def doc(i: int, day: int | None) -> GoldDoc:
        when = None if day is None else datetime(2020, 1, day, tzinfo=UTC)
        return GoldDoc(ClusterDoc(f"d{i}", "", "", when), str(i % 3))

    docs = [doc(i, None if i % 4 == 0 else 1 + i) for i in range(20)]
    first, again = stream_order(docs), stream_order(docs)
    assert [g.doc.id for g in first] == [g.doc.id for g in again]  # seeded
    assert sorted(g.doc.id for g in first) == sorted(g.doc.id for g in docs)
    dated = [g.doc.published for g in first if g.doc.published is not None]
    assert dated == sorted(dated)
    assert [g.doc.id for g in first] != [g.doc.id for g in docs]  # file order is gone


def test_title_jaccard_baseline_groups_similar_titles() -> None:
    docs = [
        GoldDoc(ClusterDoc("1", "Quake hits Pelmar coast", ""), "a"),
        GoldDoc(ClusterDoc("2", "Pelmar coast quake kills dozens", ""), "a"),
        GoldDoc(ClusterDoc("3", "Ostrada election result", ""), "b"),
    ]
    got = cluster_title_jaccard(docs, threshold=0.3)
    assert got["1"] == got["2"] != got["3"]


def _partition(labels: dict[str, str]) -> list[list[str]]:
    groups: dict[str, list[str]] = {}
    for doc_id, label in labels.items():
        groups.setdefault(label, []).append(doc_id)
    return sorted(sorted(group) for group in groups.values())


# Invented words, a few shared by many "articles", so that clusters of every size form.
_WORDS = ["pelmar", "ostrada", "quake", "vote", "harbour", "strike", "ferry", "budget",
          "mayor", "flood", "tunnel", "orchestra"]
_ARTICLES = st.lists(
    st.lists(st.sampled_from(_WORDS), min_size=1, max_size=8).map(" ".join),
    min_size=2, max_size=30,
)


# scikit-learn's own call warns when two articles' distances look like a square matrix.
@pytest.mark.filterwarnings("ignore::scipy.cluster.hierarchy.ClusterWarning")
@settings(max_examples=40, deadline=None)
@given(texts=_ARTICLES, threshold=st.sampled_from([0.3, 0.6, 0.85, 0.95]))
def test_agglomerative_baseline_makes_scikit_learns_clusters(
    texts: list[str], threshold: float
) -> None:
    # The sparse distances must not change the baseline: the same partition as the
    # dense scikit-learn call it replaced.
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = [GoldDoc(ClusterDoc(str(i), "", text), "g") for i, text in enumerate(texts)]
    matrix = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(
        [f"\n{text}" for text in texts]
    )
    labels = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=threshold
    ).fit_predict(matrix.toarray())
    expected = {str(i): str(label) for i, label in enumerate(labels)}
    assert _partition(cluster_tfidf_agglomerative(docs, threshold)) == _partition(expected)


def test_agglomerative_baseline_copes_with_empty_articles_and_refuses_huge_sets() -> None:
    docs = [
        GoldDoc(ClusterDoc("1", "Quake in Pelmar", "quake pelmar harbour"), "a"),
        GoldDoc(ClusterDoc("2", "Pelmar quake", "quake pelmar harbour damage"), "a"),
        GoldDoc(ClusterDoc("3", "", ""), "b"),  # scikit-learn refused a zero vector
        GoldDoc(ClusterDoc("4", "The", "and the of"), "c"),
    ]
    got = cluster_tfidf_agglomerative(docs)
    assert got["1"] == got["2"] and len({got["2"], got["3"], got["4"]}) == 3
    nothing = [GoldDoc(ClusterDoc(str(i), "", "the"), "a") for i in range(3)]
    assert len(set(cluster_tfidf_agglomerative(nothing).values())) == 3  # no vocabulary
    with pytest.raises(BaselineSkipped, match="over its limit of 3"):
        cluster_tfidf_agglomerative(docs, max_articles=3)


def _quadratic_title_jaccard(docs: list[GoldDoc], threshold: float) -> dict[str, str]:
    """The baseline as first written: every title of every cluster compared."""
    clusters: list[list[frozenset[str]]] = []
    out = {}
    for g in docs:
        words = _title_words(g.doc.title)
        best, best_sim = -1, 0.0
        for index, titles in enumerate(clusters):
            for other in titles:
                union = len(words | other)
                sim = len(words & other) / union if union else 0.0
                if sim > best_sim:
                    best, best_sim = index, sim
        if best >= 0 and best_sim >= threshold:
            clusters[best].append(words)
        else:
            best = len(clusters)
            clusters.append([words])
        out[g.doc.id] = str(best)
    return out


@settings(max_examples=60, deadline=None)
@given(titles=_ARTICLES, threshold=st.sampled_from([0.1, 0.15, 0.3, 0.5, 1.0]))
def test_indexed_title_jaccard_is_the_quadratic_one(titles: list[str], threshold: float) -> None:
    docs = [GoldDoc(ClusterDoc(str(i), title, ""), "g") for i, title in enumerate(titles)]
    assert cluster_title_jaccard(docs, threshold) == _quadratic_title_jaccard(docs, threshold)


def test_a_baseline_too_large_is_skipped_and_said(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    _write(path)
    report = evaluate_clustering(path, agglomerative_limit=2)
    assert [s.name for s in report.systems] == ["broadsheet", "broadsheet threads", "title-jaccard"]
    assert "3 articles are over its limit of 2" in report.skipped["tfidf-agglomerative"]
    assert "| tfidf-agglomerative | skipped: 3 articles" in report.to_markdown()
    _write_sources(path)
    spreads = order_spread(path, 2, agglomerative_limit=2)
    assert [s.system for s in spreads] == ["broadsheet", "broadsheet threads", "title-jaccard"]


def test_loading_reads_other_date_forms_and_reports_what_it_left_out(tmp_path: Path) -> None:
    def doc(doc_id: str, date: object) -> dict:
        return {"doc_id": doc_id, "title": "t", "text": "x", "date": date}

    stories = [
        {"story_id": 1, "docs": [doc("a", "Wed, 03 Jan 2018 10:00:00 GMT"),
                                 doc("b", "January 4, 2018"), doc("c", 1515060000)]},
        {"story_id": 2, "docs": [doc("d", "last Tuesday"), doc("a", "2018-01-05"),
                                 doc("e", None)]},
    ]
    path = tmp_path / "s.jsonl"
    path.write_text("\n".join(json.dumps(s) for s in stories) + "\n", encoding="utf-8")
    docs, notes = read_stories(path)
    dates = {g.doc.id: g.doc.published for g in docs}
    assert dates == {
        "a": datetime(2018, 1, 3, 10, tzinfo=UTC),
        "b": datetime(2018, 1, 4, tzinfo=UTC),
        "c": datetime(2018, 1, 4, 10, tzinfo=UTC),
        "d": None,
        "e": None,
    }
    assert (notes.unreadable_dates, notes.duplicate_ids) == (1, 1)  # "last Tuesday"; "a"
    assert {g.doc.id: g.gold for g in docs}["a"] == "1"  # the first "a" is kept
    report = evaluate_clustering(path, systems={"title-jaccard": cluster_title_jaccard})
    assert "(1 dates unreadable: taken as undated) (1 repeated doc_ids dropped)" in (
        report.to_markdown()
    )


def test_body_chars_cuts_every_text_for_every_system(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    _write_sources(path)
    full = {g.doc.id: g.doc.text for g in read_stories(path)[0]}
    cut = {g.doc.id: g.doc.text for g in read_stories(path, body_chars=12)[0]}
    assert cut == {doc_id: text[:12] for doc_id, text in full.items()}
    assert all(text == "" for text in (g.doc.text for g in read_stories(path, None, 0)[0]))
    report = evaluate_clustering(path, body_chars=0)
    assert report.dataset == "s (text cut to 0)" and len(report.systems) == 4
    assert order_spread(path, 1, body_chars=0)[0].dataset == "s (text cut to 0)"


def test_order_spread_runs_the_offline_baseline_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import broadsheet.eval.clustering as evaluation

    calls = []
    real = evaluation.cluster_tfidf_agglomerative

    def counted(docs: list[GoldDoc], *args: object, **kwargs: object) -> dict[str, str]:
        calls.append(len(docs))
        return real(docs, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(evaluation, "cluster_tfidf_agglomerative", counted)
    path = tmp_path / "s.jsonl"
    _write_sources(path)
    spreads = {s.system: s for s in order_spread(path, 4)}
    assert len(calls) == 1
    assert len(set(spreads["tfidf-agglomerative"].bcubed_f1)) == 1
    assert len(spreads["tfidf-agglomerative"].bcubed_f1) == 4


def test_a_file_without_articles_is_an_error_not_a_perfect_score(tmp_path: Path) -> None:
    from broadsheet.eval.datafiles import EvalDataError

    path = tmp_path / "s.jsonl"
    path.write_text('{"story_id": 1, "docs": []}\n', encoding="utf-8")
    with pytest.raises(EvalDataError, match="no articles to cluster"):
        evaluate_clustering(path)
    with pytest.raises(EvalDataError, match="no articles to cluster"):
        order_spread(path, 2)


def test_evaluate_runs_on_a_small_file(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    _write(path)
    report = evaluate_clustering(path, systems={"title-jaccard": cluster_title_jaccard})
    assert report.articles == 3 and report.stories == 2 and report.dated == 2
    assert "title-jaccard" in report.to_markdown()
    assert json.loads(json.dumps(report.to_json()))["systems"][0]["name"] == "title-jaccard"


def _write_sources(path: Path) -> None:
    """Three invented stories, their articles worded alike, to synthesise streams from."""
    def doc(i: int, title: str, text: str) -> dict:
        return {"doc_id": f"x{i}", "source": "x", "title": title, "text": text, "url": "u"}

    stories = [
        {"story_id": 1, "title": "A", "docs": [
            doc(1, "Quake hits Pelmar coast", "A strong earthquake struck the Pelmar coast "
                "on Sunday, Governor Ilse Varga said; 40 homes collapsed in Ostrada."),
            doc(2, "Pelmar quake: dozens of homes collapse", "Governor Ilse Varga said the "
                "earthquake destroyed 40 homes in Ostrada on the Pelmar coast."),
        ]},
        {"story_id": 2, "title": "B", "docs": [
            doc(3, "Tolvane Bank buys Merrow Trust", "Tolvane Bank agreed to buy Merrow Trust "
                "for 3 billion, chief executive Odile Fane said; 90 branches will close."),
            doc(4, "Merrow Trust shares jump on Tolvane deal", "Shares in Merrow Trust rose "
                "after Tolvane Bank agreed the takeover; Odile Fane said 90 branches close."),
        ]},
        {"story_id": 3, "title": "C", "docs": [
            doc(5, "Brightmoor wins the Calder Cup", "Brightmoor beat Duneholm 3-1 to win the "
                "Calder Cup final, with two goals from captain Reza Tamm."),
        ]},
    ]
    path.write_text("\n".join(json.dumps(s) for s in stories) + "\n", encoding="utf-8")


def test_synthetic_stream_reports_its_events_and_is_time_ordered(tmp_path: Path) -> None:
    path = tmp_path / "src.jsonl"
    _write_sources(path)
    events: list[int] = []
    docs = list(synthetic_stream(300, [path], events=events))
    assert len(docs) == len(events) == 300
    assert [d.published for d in docs] == sorted(d.published for d in docs)
    assert len(set(events)) > 50  # many events, built on only three real stories


def test_synthetic_vectors_are_close_within_an_event_and_apart_across(tmp_path: Path) -> None:
    path = tmp_path / "src.jsonl"
    _write_sources(path)
    events: list[int] = []
    docs = list(synthetic_stream(300, [path], events=events, embedding_dim=64))
    vectors = np.array([d.embedding for d in docs], dtype=np.float64)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    same, other = [], []
    for i in range(len(docs)):
        for j in range(i + 1, min(i + 40, len(docs))):
            (same if events[i] == events[j] else other).append(vectors[i] @ vectors[j])
    assert same and other
    assert np.mean(same) > 0.8 and np.mean(other) < 0.5
    # The same stream, vectors and all, every time.
    again = list(synthetic_stream(300, [path], embedding_dim=64))
    assert all(np.array_equal(a.embedding, b.embedding) for a, b in zip(docs, again, strict=True))
    assert next(synthetic_stream(1, [path])).embedding is None


ALL_SYSTEMS = [
    "broadsheet", "broadsheet+embeddings", "broadsheet threads", "tfidf-agglomerative",
    "title-jaccard",
]


def counting_embedder(seen: list[str]):  # type: ignore[no-untyped-def]
    """An embedder that notes every text it is given (all get the same vector)."""

    def embed(texts: list[str]) -> np.ndarray:
        seen.extend(texts)
        return np.ones((len(texts), 4), np.float32)

    return embed


def test_evaluate_with_an_embedder_adds_the_embedded_row(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    _write(path)
    seen: list[str] = []
    report = evaluate_clustering(path, embedder=counting_embedder(seen))
    assert [s.name for s in report.systems] == ALL_SYSTEMS
    assert len(seen) == report.articles


def test_order_spread_scores_every_system_in_each_order_and_embeds_once(
    tmp_path: Path,
) -> None:
    path = tmp_path / "s.jsonl"
    _write_sources(path)
    seen: list[str] = []
    spreads = order_spread(path, 3, embedder=counting_embedder(seen))
    articles = len(load_stories(path))
    assert [s.system for s in spreads] == ALL_SYSTEMS
    assert len(seen) == articles  # once, not once per order
    for spread in spreads:
        assert spread.seeds == [1, 2, 3] and len(spread.bcubed_f1) == 3
        assert all(0.0 < f <= 1.0 for f in spread.bcubed_f1)
        assert min(spread.bcubed_f1) <= spread.mean <= max(spread.bcubed_f1)
    table = order_spread_markdown(spreads)
    assert "over 3 stream orders (seeds 1–3" in table
    assert table.count("\n| ") == 1 + len(spreads)  # the header, then a row per system


def test_throughput_rows_score_the_stories_against_the_synthetic_events(
    tmp_path: Path,
) -> None:
    path = tmp_path / "src.jsonl"
    _write_sources(path)
    rows = benchmark_throughput((200, 400), [path])
    assert [r.articles for r in rows] == [200, 400]
    for r in rows:
        assert r.articles_per_second > 0 and r.active_stories > 0
        assert 0.5 < r.events_bcubed_precision <= 1 and 0.5 < r.events_bcubed_recall <= 1
    assert "events B³ P" in throughput_markdown(rows)
    assert all(r.tail_microseconds_per_article > 0 for r in rows)
    assert all(r.next_microseconds_per_article > 0 for r in rows)
    assert all(r.snapshot_seconds > 0 and r.restore_seconds > 0 for r in rows)
    assert 0 < rows[0].snapshot_mb < rows[1].snapshot_mb
    assert "next 5,000" in throughput_markdown(rows)
    # Two processes cluster the same stream into the same stories.
    parallel = benchmark_throughput((400,), [path], processes=2)[0]
    assert parallel.processes == 2
    assert (parallel.active_stories, parallel.closed_stories) == (
        rows[1].active_stories, rows[1].closed_stories
    )
    assert parallel.events_bcubed_precision == rows[1].events_bcubed_precision


def test_interleaved_costs_alternate_the_clusterers_batch_by_batch() -> None:
    calls: list[tuple[str, int]] = []

    class Recorder:
        def __init__(self, name: str) -> None:
            self.name = name

        def add(self, doc: int) -> None:
            calls.append((self.name, doc))

    probes = [(Recorder("a"), list(range(5))), (Recorder("b"), list(range(10, 13)))]
    costs = _interleaved_costs(probes, batch=2)  # type: ignore[arg-type]
    assert calls == [
        ("a", 0), ("a", 1), ("b", 10), ("b", 11),  # round 1: a first
        ("b", 12), ("a", 2), ("a", 3),  # round 2: b first
        ("a", 4),  # round 3: a first; b has no articles left
    ]
    assert len(costs) == 2 and all(c > 0 for c in costs)


def _talks(day: int, doc_id: str, title: str, text: str) -> GoldDoc:
    when = datetime(2021, 3, 1, 9, tzinfo=UTC) + timedelta(days=day)
    return GoldDoc(ClusterDoc(doc_id, title, text, when), "talks")


def test_threads_label_each_article_with_its_storys_thread() -> None:
    # Announced, held, broken off: three stories of one developing matter, one thread.
    names = "Norland and Sudria envoys Kessler and Faisal"
    docs = [
        _talks(0, "a1", "Norland and Sudria agree to ceasefire talks in Geneva",
               f"{names} agreed to hold ceasefire talks in Geneva next week."),
        _talks(0, "a2", "Ceasefire talks announced in Geneva",
               f"{names} will meet in Geneva for ceasefire talks, both ministries said."),
        _talks(6, "b1", "Delegations open first session at the Palais",
               f"{names} sat across one table at the Palais as the ceasefire talks opened."),
        _talks(11, "c1", "Walkout as shelling resumes along the front",
               f"Faisal walked out of the ceasefire talks accusing Kessler of bad faith; "
               f"{names} traded blame in Geneva as shelling resumed."),
    ]
    stories = cluster_broadsheet(docs)
    threads = cluster_broadsheet_threads(docs)
    assert len(set(stories.values())) == 3
    assert set(threads.values()) == {stories["a1"]}  # the thread is named after its root


def test_threads_follow_a_merge_as_the_clusterer_does() -> None:
    # B's follow-up T threads to B; then an article merges B into the older A, and T's
    # thread becomes A's (as in the clusterer and the store).
    config = ClusterConfig(
        merge_threshold=0.3, join_threshold=0.25, title_factor=0, novel_weight=1,
        thread_threshold=0.05,
    )
    base = datetime(2021, 3, 1, tzinfo=UTC)
    others = " ".join(f"Zeph{c}ar Morv{c}en" for c in "abcde")
    docs = [
        GoldDoc(ClusterDoc(doc_id, title, text, base + timedelta(hours=h)), "g")
        for doc_id, title, text, h in [
            ("t1", "Alpha", "Quorn vellar ostrada Pinnacle Tessaly", 0),
            ("t2", "Beta", "Quorn vellar ostrada Brightmoor Calder", 69),
            ("t3", "Delta", f"Brightmoor Calder {others}", 69.5),
            ("t4", "Gamma", "Quorn vellar ostrada Pinnacle Tessaly Brightmoor Calder", 70),
        ]
    ]
    stories = cluster_broadsheet(docs, config)
    assert stories["t2"] == stories["t1"] != stories["t3"]  # B merged into A; T its own
    threads = cluster_broadsheet_threads(docs, config)
    assert set(threads.values()) == {stories["t1"]}


@pytest.mark.realdata
def test_giveme_threads_do_not_link_other_storylines() -> None:
    # giveme's gold stories are storylines, which is what a thread should gather. At the
    # old thread threshold (0.12) 12 % of the thread pairs joined two of them (B³
    # precision 0.878 against the stories' 0.933).
    if not GIVEME.exists():
        pytest.skip(f"realdata: {GIVEME} is absent (evaluation data lives in ../shared)")
    report = evaluate_clustering(GIVEME, systems={
        "broadsheet": cluster_broadsheet, "broadsheet threads": cluster_broadsheet_threads,
    })
    stories, threads = (report.row(n).scores for n in ("broadsheet", "broadsheet threads"))
    assert threads.bcubed_precision >= 0.90
    assert threads.bcubed_recall >= stories.bcubed_recall
    assert threads.bcubed_f1 >= stories.bcubed_f1 - 0.01


@pytest.mark.realdata
def test_giveme_broadsheet_beats_both_baselines() -> None:
    if not GIVEME.exists():
        pytest.skip(f"realdata: {GIVEME} is absent (evaluation data lives in ../shared)")
    pytest.importorskip("sklearn", reason="the tfidf-agglomerative baseline needs scikit-learn")
    report = evaluate_clustering(GIVEME)
    ours = report.row("broadsheet").scores.bcubed_f1
    # The brief asks for >= 0.95: 0.956 since weak joins are provisional (0.940 before;
    # docs/benchmarks.md, "Provisional joins").
    assert ours >= 0.95
    assert ours > report.row("tfidf-agglomerative").scores.bcubed_f1
    assert ours > report.row("title-jaccard").scores.bcubed_f1
    assert report.row("broadsheet").articles_per_second > 100


@pytest.mark.realdata
def test_giveme_broadsheet_beats_both_baselines_in_other_stream_orders() -> None:
    if not GIVEME.exists():
        pytest.skip(f"realdata: {GIVEME} is absent (evaluation data lives in ../shared)")
    pytest.importorskip("sklearn", reason="the tfidf-agglomerative baseline needs scikit-learn")
    spreads = {s.system: s for s in order_spread(GIVEME, 5)}
    ours = min(spreads["broadsheet"].bcubed_f1)
    assert ours > max(spreads["tfidf-agglomerative"].bcubed_f1)
    assert ours > max(spreads["title-jaccard"].bcubed_f1)
    # Seeds 1-20 give 0.941-0.956, mean 0.950 (0.929-0.940 before provisional joins;
    # docs/benchmarks.md); guard against decay.
    assert spreads["broadsheet"].mean >= 0.945


@pytest.mark.realdata
def test_giveme_headlines_alone_still_beat_both_baselines() -> None:
    # Headline-only data (and feed items without a summary): before the title gave names,
    # the clusterer fell below both baselines here (0.751 against 0.850 and 0.814).
    if not GIVEME.exists():
        pytest.skip(f"realdata: {GIVEME} is absent (evaluation data lives in ../shared)")
    pytest.importorskip("sklearn", reason="the tfidf-agglomerative baseline needs scikit-learn")
    report = evaluate_clustering(GIVEME, body_chars=0)
    assert report.dataset == "giveme-newscluster (text cut to 0)"
    ours = report.row("broadsheet").scores.bcubed_f1
    assert ours > report.row("tfidf-agglomerative").scores.bcubed_f1
    assert ours > report.row("title-jaccard").scores.bcubed_f1


def test_other_settings_are_scored_and_named(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from broadsheet.cli import app

    path = tmp_path / "s.jsonl"
    _write(path)
    events = ClusterConfig(reopen_as_thread=True, reopen_threshold=0.3)
    report = evaluate_clustering(path, config=events)
    assert report.dataset == "s (with reopen_threshold=0.3, reopen_as_thread=true)"
    assert evaluate_clustering(path, config=ClusterConfig()).dataset == "s"
    runner = CliRunner()
    got = runner.invoke(app, [
        "eval", "clustering", str(path), "--setting", "reopen_as_thread=true",
        "--setting", "reopen_threshold = 0.3", "--orders", "2",
    ])
    assert got.exit_code == 0, got.output
    assert got.stdout.count("**s (with reopen_threshold=0.3, reopen_as_thread=true)**") == 2
    for setting, message in [
        ("reopen", "--setting must be KEY=VALUE"),
        ("reopen_threshold=high", "--setting must be KEY=VALUE"),
        ("reopen_threshold=2", "stories.reopen_threshold must be a number from 0 to 1"),
        ("window=3", "unknown setting stories.window"),
        ("embedding_model='m'", "use --embeddings"),
    ]:
        bad = runner.invoke(app, ["eval", "clustering", str(path), "--setting", setting])
        assert bad.exit_code == 1 and message in bad.stderr, (setting, bad.output)
