"""Sentence embeddings in the clusterer (hand-made vectors: no model needed) and the
``stories.embed`` loader's errors. A real sentence-transformers model is exercised only
where the ``embeddings`` extra is installed (a tiny one built offline in the test)."""

from __future__ import annotations

import math
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from broadsheet.cli import app
from broadsheet.stories.cluster import (
    Assignment,
    ClusterConfig,
    ClusterDoc,
    OnlineClusterer,
    story_id_for,
)
from broadsheet.stories.embed import (
    EmbeddingError,
    EmbeddingFailures,
    SentenceEmbedder,
    embed_documents,
    embed_each,
    embedding_text,
)
from tests.test_stories_cluster import BANK, TALKS, VOLCANO, at, run

DIM = 8


def axis(i: int, dim: int = DIM) -> np.ndarray:
    vector = np.zeros(dim, dtype=np.float32)
    vector[i] = 1.0
    return vector


def with_vector(docs: list[ClusterDoc], vector: np.ndarray) -> list[ClusterDoc]:
    return [replace(d, embedding=vector) for d in docs]


def test_without_embeddings_nothing_changes_and_with_agreeing_ones_the_grouping_holds() -> None:
    docs = sorted(VOLCANO + BANK, key=lambda d: (d.published, d.id))
    plain = [(a.doc_id, a.story_id) for a in run(docs)]
    agreeing = [d if d.id.startswith("v") else replace(d, embedding=axis(1)) for d in docs]
    agreeing = [replace(d, embedding=axis(0)) if d.id.startswith("v") else d for d in agreeing]
    assert [(a.doc_id, a.story_id) for a in run(agreeing)] == plain


def test_an_embedding_that_disagrees_vetoes_a_join_the_words_would_make() -> None:
    first, rest = BANK[:2], BANK[2:]
    same = run(with_vector(first, axis(0)) + with_vector(rest, axis(0)))
    assert {a.story_id for a in same} == {story_id_for(BANK[0].id)}
    # The same words, but the embeddings say another thing happened (cosine 0 < 0.3).
    split = run(with_vector(first, axis(0)) + with_vector(rest, axis(1)))
    assert {a.story_id for a in split[:2]} == {story_id_for(BANK[0].id)}
    assert split[2].new_story
    # Turned off (a minimum of -1 passes every cosine, weight 0 blends nothing): joined.
    off = ClusterConfig(dense_join_min=-1.0, dense_weight=0.0)
    assert {
        a.story_id for a in run(with_vector(first, axis(0)) + with_vector(rest, axis(1)), off)
    } == {story_id_for(BANK[0].id)}


def test_the_dense_cosine_is_blended_into_the_similarity() -> None:
    cfg = ClusterConfig()
    docs = BANK[:2]
    plain = run(docs)[1].similarity
    assert plain > 0
    # Same time (no decay), identical vectors: dense cosine 1, lifted to 1 over the floor.
    same_time = [replace(d, published=docs[0].published, embedding=axis(2)) for d in docs]
    textual = run([replace(d, embedding=None) for d in same_time])[1].similarity
    blended = run(same_time)[1].similarity
    assert blended == pytest.approx((1 - cfg.dense_weight) * textual + cfg.dense_weight)
    # A dense cosine at the floor adds nothing and takes the textual part's share away.
    tilted = np.array(
        [math.cos(math.acos(cfg.dense_floor)), math.sin(math.acos(cfg.dense_floor))]
        + [0] * (DIM - 2),
        np.float32,
    )
    at_floor = [same_time[0], replace(same_time[1], embedding=tilted)]
    low = ClusterConfig(dense_join_min=0.0)
    joined = run(at_floor, low)[1]
    assert not joined.new_story
    assert joined.similarity == pytest.approx((1 - cfg.dense_weight) * textual, rel=1e-6)


def test_a_remembered_story_is_reopened_only_if_the_embeddings_agree() -> None:
    # As in test_stories_cluster: the volcano story closes, and a late copy reopens it,
    # unless its embedding says something else happened.
    def late_copy(vector: np.ndarray) -> Assignment:
        clusterer = OnlineClusterer()
        for doc in with_vector(VOLCANO, axis(0)):
            clusterer.add(doc)
        clusterer.add(replace(BANK[0], published=at(24 * 8), embedding=axis(5)))
        assert clusterer.remembered_story_count() == 1
        return clusterer.add(
            replace(VOLCANO[1], id="v-late", published=at(24 * 9), embedding=vector)
        )

    reopened = late_copy(axis(0))
    assert reopened.story_id == story_id_for("v1") and not reopened.new_story
    assert late_copy(axis(3)).new_story


def test_mixed_streams_use_embeddings_only_where_both_sides_have_one() -> None:
    # Stories begun without vectors and articles without one: the TF-IDF clusterer's
    # decisions, whatever vectors the other side has.
    docs = sorted(VOLCANO + BANK, key=lambda d: (d.published, d.id))
    plain = [a.story_id for a in run(docs)]
    half = [replace(d, embedding=axis(i % DIM)) if i % 2 else d for i, d in enumerate(docs)]
    first_has_none = [a.story_id for a in run(half)]
    assert first_has_none[0] == plain[0]
    for bad in (np.zeros(DIM), np.full(DIM, np.nan), np.array([])):
        assert [a.story_id for a in run(with_vector(docs, bad))] == plain


def test_snapshot_restore_with_embeddings_equals_an_uninterrupted_run() -> None:
    docs = sorted(VOLCANO + BANK + TALKS, key=lambda d: (d.published, d.id))
    docs = [replace(d, embedding=axis(i % 3)) for i, d in enumerate(docs)]
    whole = run(docs)
    for cut in range(0, len(docs) + 1, 3):
        clusterer = OnlineClusterer()
        first = [clusterer.add(d) for d in docs[:cut]]
        data = clusterer.snapshot()
        restored = OnlineClusterer.restore(data)
        assert restored.snapshot() == data
        stories = [*restored._active.values(), *restored._memory.values()]
        assert all(story.dense is not None for story in stories)  # the vectors came back
        assert first + [restored.add(d) for d in docs[cut:]] == whole


# ------------------------------------------------------------------------- the loader


def fake_embedder(texts: list[str]) -> np.ndarray:
    """A deterministic stand-in: a vector from the text's length and first letter."""
    return np.array([[len(t), ord(t[0]) if t else 0, 1.0] for t in texts], np.float32)


def test_embed_documents_keeps_order_across_batches_and_reports_progress() -> None:
    docs = sorted(VOLCANO + BANK + TALKS, key=lambda d: d.id)
    seen: list[int] = []
    out = list(embed_documents(docs, fake_embedder, batch=4, progress=seen.append))
    assert [d.id for d in out] == [d.id for d in docs]
    assert sum(seen) == len(docs) and max(seen) == 4
    for doc, got in zip(docs, out, strict=True):
        assert np.array_equal(
            got.embedding, fake_embedder([embedding_text(doc.title, doc.text)])[0]
        )


def choking(texts: list[str]) -> np.ndarray:
    """A model that fails on any text that mentions a volcano (or returns too few rows
    for a batch with "short" in it), and gives the same unit vector otherwise."""
    if any("volcano" in t.lower() for t in texts):
        raise RuntimeError("the model choked")
    rows = len(texts) - 1 if any("short" in t for t in texts) else len(texts)
    return np.ones((rows, 4), np.float32) / 2.0


def test_a_text_the_model_fails_on_costs_only_its_own_vector() -> None:
    failures = EmbeddingFailures()
    texts = ["bank rates", "Volcano erupts", "bank shares", "a short one"]
    vectors = embed_each(texts, choking, failures)
    assert [v is None for v in vectors] == [False, True, False, True]
    assert failures.count == 2
    assert failures.first == "RuntimeError: the model choked"
    assert "failed on 2 article(s)" in failures.warning()
    assert EmbeddingFailures().warning() == ""
    long = EmbeddingFailures()
    long(ValueError("line one\nline two " + "x" * 500))
    assert "\n" not in long.warning() and long.first.startswith("ValueError: line one line two")
    assert len(long.first) <= len("ValueError: ") + 200
    # Without a tally the failure is raised, as before.
    docs = sorted(VOLCANO + BANK, key=lambda d: d.published)
    with pytest.raises(RuntimeError):
        list(embed_documents(docs, choking))
    tally = EmbeddingFailures()
    got = list(embed_documents(docs, choking, batch=3, on_failure=tally))
    assert [d.id for d in got] == [d.id for d in docs]
    assert tally.count == sum("volcano" in embedding_text(d.title, d.text).lower() for d in docs)
    assert all((d.embedding is None) == ("volcano" in embedding_text(d.title, d.text).lower())
               for d in got)


def test_cli_cluster_goes_on_when_the_model_fails_on_an_article(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import broadsheet.cli as cli

    monkeypatch.setattr(cli, "_embedder", lambda option, load=True: choking)
    articles = tmp_path / "a.jsonl"
    articles.write_text(
        '{"id": "1", "title": "Volcano erupts", "text": "Ash over the island."}\n'
        '{"id": "2", "title": "Bank rates", "text": "The bank held its rates."}\n'
    )
    result = CliRunner().invoke(
        app, ["cluster", "--json", "--embeddings", str(tmp_path), str(articles)]
    )
    assert result.exit_code == 0, result.output
    assert "the embedding model failed on 1 article(s)" in result.output
    assert result.output.count('"story"') == 2


def test_embedding_text_is_the_title_then_the_lead() -> None:
    assert embedding_text("Ash grounds flights", "word " * 1000).startswith(
        "Ash grounds flights. word"
    )
    assert len(embedding_text("T", "word " * 1000)) <= 1200 + 3
    assert embedding_text("", "Body only") == "Body only"
    assert embedding_text("Title only", "") == "Title only"


def test_a_missing_model_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(EmbeddingError, match=r"not found.*nothing is downloaded"):
        SentenceEmbedder(tmp_path / "no-such-model")


def test_an_unknown_number_format_is_a_clear_error(tmp_path: Path) -> None:
    # Checked before anything is imported or loaded.
    with pytest.raises(EmbeddingError, match=r"one of float32, bfloat16, got 'float8'"):
        SentenceEmbedder(tmp_path, dtype="float8")


def test_without_the_extra_installed_the_error_names_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # import fails
    with pytest.raises(EmbeddingError, match=r"broadsheet\[embeddings\]"):
        SentenceEmbedder(tmp_path)


def fake_library(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """A stand-in ``sentence_transformers`` module (in this process); returns the keyword
    arguments each model was loaded with. It refuses devices other than cpu and cuda."""
    import types

    loaded: list[dict] = []

    class SentenceTransformer:
        def __init__(self, path: str, **kwargs: object) -> None:
            if kwargs.get("device") not in ("cpu", "cuda"):
                raise RuntimeError(f"Expected one of cpu, cuda device type: {kwargs}")
            loaded.append({"path": path, **kwargs})

        def encode(self, texts: list[str], **kwargs: object) -> np.ndarray:
            return np.ones((len(texts), 4), np.float32) / 2.0

    module = types.ModuleType("sentence_transformers")
    module.SentenceTransformer = SentenceTransformer  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "sentence_transformers", module)
    return loaded


def test_the_configured_device_reaches_the_library(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import broadsheet.cli as cli

    loaded = fake_library(monkeypatch)
    SentenceEmbedder(tmp_path, device="cuda")
    assert loaded[-1]["device"] == "cuda" and loaded[-1]["local_files_only"] is True
    with pytest.raises(EmbeddingError, match=r"cannot load the embedding model.*device"):
        SentenceEmbedder(tmp_path, device="tpu")

    articles = tmp_path / "a.jsonl"
    articles.write_text('{"id": "1", "title": "A", "text": "Some text here."}\n')
    config = tmp_path / "broadsheet.toml"
    monkeypatch.setattr(cli, "_loaded_embedders", {})
    for device, expected in (
        ('"tpu"', "cannot load the embedding model"),
        ("7", "stories.embedding_device must be a device name (cpu, cuda, mps), got 7"),
    ):
        config.write_text(
            f'[stories]\nembedding_model = "{tmp_path}"\nembedding_device = {device}\n'
        )
        result = CliRunner().invoke(app, ["--config", str(config), "cluster", str(articles)])
        assert result.exit_code == 1 and expected in result.output, result.output
        assert "Traceback" not in result.output
    config.write_text(f'[stories]\nembedding_model = "{tmp_path}"\nembedding_device = "cuda"\n')
    result = CliRunner().invoke(app, ["--config", str(config), "cluster", "--json", str(articles)])
    assert result.exit_code == 0, result.output
    assert loaded[-1]["device"] == "cuda" and "failed" not in result.output


def test_cli_reports_a_bad_embedding_model_in_one_line(tmp_path: Path) -> None:
    articles = tmp_path / "a.jsonl"
    articles.write_text('{"id": "1", "title": "A", "text": "Some text here."}\n')
    result = CliRunner().invoke(
        app, ["cluster", "--embeddings", str(tmp_path / "missing"), str(articles)]
    )
    assert result.exit_code == 1
    assert "embedding model directory not found" in result.output
    config = tmp_path / "broadsheet.toml"
    config.write_text("[stories]\nembedding_model = 5\n")
    result = CliRunner().invoke(app, ["--config", str(config), "cluster", str(articles)])
    assert result.exit_code == 1
    assert "stories.embedding_model must be a directory path" in result.output
    config.write_text(
        f'[stories]\nembedding_model = "{tmp_path}"\nembedding_dtype = "half"\n'
    )
    result = CliRunner().invoke(app, ["--config", str(config), "cluster", str(articles)])
    assert result.exit_code == 1
    assert "stories.embedding_dtype must be one of float32, bfloat16, got 'half'" in (
        result.output
    )


# ------------------------------------------------------------------------- the build


def test_build_passes_each_article_through_the_embedder_once(tmp_path: Path) -> None:
    from broadsheet.store import Store
    from broadsheet.store.schema import BuildStateRow
    from broadsheet.stories.build import STATE_ID, build_stories
    from tests.test_stories_build import assignments, populate

    seen: list[str] = []

    def agreeing(texts: list[str]) -> np.ndarray:
        seen.extend(texts)
        return np.ones((len(texts), 4), np.float32)

    db = tmp_path / "e.db"
    store = Store(f"sqlite:///{db}")
    gold = populate(store, events=6, per_event=3)
    embedded: list[int] = []
    build_stories(store, batch_size=5, embedder=agreeing, on_embedded=embedded.append)
    assert len(seen) == len(gold) == len(set(seen))
    assert sum(embedded) == len(gold)
    story_of = assignments(db)
    by_event: dict[int, set[str]] = {}
    for article_id, event in gold.items():
        by_event.setdefault(event, set()).add(story_of[article_id])
    assert all(len(stories) == 1 for stories in by_event.values())  # none split
    with store.session() as session:
        state = session.get(BuildStateRow, STATE_ID)
        restored = OnlineClusterer.restore(state.clusterer)
    assert all(s.dense is not None for s in restored._active.values())
    assert build_stories(store, embedder=agreeing).articles == 0 and len(seen) == len(gold)

    # A model that fails on some articles: they are clustered by TF-IDF alone, the build
    # goes on to the end and reports them.
    db3 = tmp_path / "g.db"
    store3 = Store(f"sqlite:///{db3}")
    populate(store3, events=6, per_event=3)
    calls: list[int] = []

    def failing_on_every_fifth(texts: list[str]) -> np.ndarray:
        calls.append(1)
        if len(calls) % 5 == 0:
            raise MemoryError("out of memory")
        return np.ones((len(texts), 4), np.float32)

    report = build_stories(store3, batch_size=4, embedder=failing_on_every_fifth)
    assert report.articles == len(gold) == len(assignments(db3))
    assert report.embedding_failures.count == len(gold) // 5
    assert report.embedding_failures.first == "MemoryError: out of memory"

    # Vectors that disagree on everything (random in 512 dimensions: cosines near 0)
    # keep every article apart: the build really uses them.
    rng = np.random.default_rng(7)
    db2 = tmp_path / "f.db"
    store2 = Store(f"sqlite:///{db2}")
    populate(store2, events=6, per_event=3)
    build_stories(store2, embedder=lambda texts: rng.standard_normal((len(texts), 512)))
    assert len(set(assignments(db2).values())) == len(gold)


# ---------------------------------------------------- a real model (where the extra is)


def test_a_real_sentence_transformers_model_loads_offline_and_embeds(tmp_path: Path) -> None:
    st = pytest.importorskip(
        "sentence_transformers", reason="the embeddings extra is not installed"
    )
    from transformers import BertConfig, BertModel, BertTokenizerFast

    # A tiny random model written here: the loading code is the real one, no download.
    words = sorted({w.lower() for d in VOLCANO + BANK for w in d.title.split()})
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words]))
    raw = tmp_path / "raw"
    BertModel(
        BertConfig(
            vocab_size=len(words) + 5, hidden_size=16, num_hidden_layers=1,
            num_attention_heads=2, intermediate_size=32, max_position_embeddings=64,
        )
    ).save_pretrained(raw)
    BertTokenizerFast(vocab_file=str(vocab)).save_pretrained(raw)
    try:  # where recent sentence-transformers keeps them; older ones: .models
        from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    except ImportError:
        from sentence_transformers.models import Pooling, Transformer
    modules = [Transformer(str(raw), max_seq_length=32), Pooling(16)]
    st.SentenceTransformer(modules=modules).save(str(tmp_path / "tiny"))

    embedder = SentenceEmbedder(tmp_path / "tiny")
    assert embedder.dimensions == 16
    vectors = embedder([VOLCANO[0].title, BANK[0].title, VOLCANO[0].title])
    assert vectors.shape == (3, 16)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.allclose(vectors[0], vectors[2], atol=1e-6)
    docs = list(embed_documents(sorted(VOLCANO + BANK, key=lambda d: d.published), embedder))
    assert all(d.embedding is not None and d.embedding.shape == (16,) for d in docs)
    assert len(run(docs)) == len(docs)

    # bfloat16: the same vectors to within its precision, still of unit length.
    import torch

    half = SentenceEmbedder(tmp_path / "tiny", dtype="bfloat16")
    assert next(half._model.parameters()).dtype == torch.bfloat16
    rounded = half([VOLCANO[0].title, BANK[0].title])
    assert rounded.dtype == np.float32
    assert np.allclose(np.linalg.norm(rounded, axis=1), 1.0, atol=1e-5)
    assert (rounded * vectors[:2]).sum(axis=1).min() > 0.98

    (tmp_path / "empty").mkdir()
    with pytest.raises(EmbeddingError, match="cannot load the embedding model"):
        SentenceEmbedder(tmp_path / "empty")


def test_vectors_of_another_size_are_ignored_not_a_crash() -> None:
    # A model changed mid-stream: stories keep the first size, and a snapshot holds both.
    docs = sorted(VOLCANO + BANK, key=lambda d: (d.published, d.id))
    mixed = [replace(d, embedding=axis(0, 8 if d.id.startswith("v") else 5)) for d in docs]
    mixed.append(replace(BANK[1], id="b-other-model", embedding=axis(0, 8)))
    clusterer = OnlineClusterer()
    got = [clusterer.add(d) for d in mixed]
    assert len(got) == len(mixed)
    data = clusterer.snapshot()
    restored = OnlineClusterer.restore(data)
    assert restored.snapshot() == data
    sizes = {s.dense.size for s in restored._active.values() if s.dense is not None}
    assert sizes == {8, 5}


# A stand-in for the sentence-transformers package, put first on a subprocess's path: the
# CLI's real loading and embedding code runs against it, without torch or a model. Its
# vectors are hashed bags of words (deterministic, so similar texts agree), and it is
# slow like a model, so a kill lands mid-build.
STAND_IN = '''
import time, zlib
import numpy as np

class SentenceTransformer:
    def __init__(self, path, device=None, local_files_only=False):
        self.path = path

    def get_sentence_embedding_dimension(self):
        return 32

    def encode(self, texts, batch_size=32, normalize_embeddings=False,
               show_progress_bar=False, convert_to_numpy=True):
        out = np.zeros((len(texts), 32), dtype=np.float32)
        for row, text in zip(out, texts):
            time.sleep(0.004)
            for word in text.lower().split():
                row[zlib.crc32(word.encode()) % 32] += 1.0
            row /= np.linalg.norm(row) or 1.0
        return out
'''


def test_killing_a_build_with_embeddings_and_rerunning_gives_the_same_stories(
    tmp_path: Path,
) -> None:
    import os
    import sqlite3
    import subprocess

    from tests.test_stories_build import kill_build_midway, rerun_and_compare, seeded_data_dirs

    package = tmp_path / "stand-in" / "sentence_transformers"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(STAND_IN)
    model = tmp_path / "model"
    model.mkdir()
    straight_dir, killed_dir = seeded_data_dirs(tmp_path, events=100, per_event=4)

    def build_cmd(data_dir: Path) -> tuple[list[str], dict[str, str]]:
        env = {
            **os.environ,
            "BROADSHEET_DATA_DIR": str(data_dir),
            "PYTHONPATH": os.pathsep.join([str(package.parent), os.getcwd()]),
        }
        cmd = [sys.executable, "-m", "broadsheet.cli", "build", "--batch-size", "10",
               "--embeddings", str(model)]
        return cmd, env

    cmd, env = build_cmd(straight_dir)
    straight = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert straight.returncode == 0, straight.stderr

    cmd, env = build_cmd(killed_dir)
    assert kill_build_midway(cmd, env, killed_dir / "broadsheet.db") < 400
    rerun_and_compare(cmd, env, killed_dir / "broadsheet.db", straight_dir / "broadsheet.db")
    # The stand-in's vectors really reached the clusterer (and its snapshot).
    with sqlite3.connect(killed_dir / "broadsheet.db") as conn:
        (state,) = conn.execute("SELECT clusterer FROM build_state").fetchone()
    restored = OnlineClusterer.restore(state)
    assert any(s.dense is not None and s.dense.size == 32 for s in restored._active.values())
