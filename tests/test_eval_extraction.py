"""The extraction benchmark: scorer parity with the AEB evaluate.py, and the runner."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from broadsheet.eval.extraction import (
    ExtractionReport,
    corpus_prf,
    evaluate_extraction,
    shingle_counts,
    shingle_prf,
    shingles,
)

AEB_DIR = Path(__file__).parents[1].parent / "shared" / "data/extraction/aeb"


# --------------------------------------------------------------------------- scorer


def test_shingles_are_four_token_multisets() -> None:
    assert shingles("a b c d e") == {("a", "b", "c", "d"): 1, ("b", "c", "d", "e"): 1}
    assert shingles("x y x y x y x") == {("x", "y", "x", "y"): 2, ("y", "x", "y", "x"): 2}


def test_short_and_empty_texts() -> None:
    # fewer than n tokens: one shorter shingle; no tokens: none
    assert shingles("two words") == {("two", "words"): 1}
    assert shingles("") == {}
    assert shingles(None) == {}
    assert shingles(" -- ,, !! ") == {}


def test_tokens_are_unicode_words_case_kept() -> None:
    assert shingles("Ünïcode wörds, ok? Yes", n=2) == {
        ("Ünïcode", "wörds"): 1,
        ("wörds", "ok"): 1,
        ("ok", "Yes"): 1,
    }
    assert shingle_prf("The Cat", "the cat") == (0.0, 0.0, 0.0)


def test_known_partial_match() -> None:
    gold = "the cat sat on the mat today"  # 4 shingles
    pred = "the cat sat on the mat"  # 3 shingles, all in gold
    tp, fp, fn = shingle_counts(pred, gold)
    assert (tp, fp, fn) == pytest.approx((0.75, 0.0, 0.25))
    p, r, f1 = shingle_prf(pred, gold)
    assert p == 1.0
    assert r == pytest.approx(0.75)
    assert f1 == pytest.approx(2 * 0.75 / 1.75)


def test_extra_text_costs_precision() -> None:
    p, r, _ = shingle_prf("one two three four five six", "one two three four")
    assert r == 1.0
    assert p == pytest.approx(1 / 3)


def test_empty_prediction_and_empty_gold() -> None:
    assert shingle_prf("", "some gold text here") == (0.0, 0.0, 0.0)
    assert shingle_prf("some predicted text here", "")[:2] == (0.0, 0.0)
    # both empty: the benchmark scores the page as perfect
    assert shingle_prf("", "") == (1.0, 1.0, 1.0)


def test_corpus_aggregation_follows_the_benchmark() -> None:
    empty_pred = shingle_counts("", "a b c d")  # (0, 0, 1)
    perfect = shingle_counts("a b c d", "a b c d")  # (1, 0, 0)
    half = shingle_counts("a b c d e f g", "a b c d")  # P = 1/4, R = 1
    p, r, f1 = corpus_prf([empty_pred, perfect, half])
    # the empty prediction is left out of precision but counts (as 0) in recall
    assert p == pytest.approx((1.0 + 0.25) / 2)
    assert r == pytest.approx((0.0 + 1.0 + 1.0) / 3)
    assert f1 == pytest.approx(2 * p * r / (p + r))


_text = st.text(
    alphabet=st.characters(categories=("L", "N", "Zs", "P")), min_size=1, max_size=300
).filter(lambda s: bool(shingles(s)))


@given(_text)
def test_prf_of_text_with_itself_is_one(text: str) -> None:
    assert shingle_prf(text, text) == (1.0, 1.0, 1.0)


@given(_text, _text)
def test_prf_is_bounded_and_symmetric_in_p_r(a: str, b: str) -> None:
    p, r, f1 = shingle_prf(a, b)
    assert 0.0 <= p <= 1.0 and 0.0 <= r <= 1.0 and 0.0 <= f1 <= 1.0
    p2, r2, _ = shingle_prf(b, a)
    assert p == pytest.approx(r2) and r == pytest.approx(p2)


# --------------------------------------------------------------------------- runner


def _write_dataset(root: Path, pages: dict[str, tuple[str, str]]) -> Path:
    (root / "html").mkdir(parents=True)
    truth = {}
    for key, (html, gold) in pages.items():
        with gzip.open(root / "html" / f"{key}.html.gz", "wt", encoding="utf-8") as f:
            f.write(html)
        truth[key] = {"articleBody": gold, "url": f"https://example.test/{key}"}
    (root / "ground-truth.json").write_text(json.dumps(truth), encoding="utf-8")
    return root


def test_evaluate_extraction_runs_systems_side_by_side(tmp_path: Path) -> None:
    dataset = _write_dataset(
        tmp_path / "aeb",
        {
            "a": ("<p>alpha beta gamma delta epsilon</p>", "alpha beta gamma delta epsilon"),
            "b": ("<p>one two three four</p>", "one two three four five six"),
            "c": ("<p>ignored</p>", "zeta eta theta iota"),
        },
    )

    def echo(html: str) -> str:  # the paragraph text, as a perfect-ish system would
        return html.removeprefix("<p>").removesuffix("</p>")

    calls: list[tuple[int, int]] = []
    report = evaluate_extraction(
        dataset,
        systems={"echo": echo, "nothing": lambda html: None},
        progress=lambda done, total: calls.append((done, total)),
    )
    assert isinstance(report, ExtractionReport)
    assert report.pages == 3
    assert calls[-1] == (3, 3)
    echo_row, nothing_row = report.row("echo"), report.row("nothing")
    # echo: page a perfect, b misses two shingles, c is all wrong
    assert echo_row.precision == pytest.approx((1 + 1 + 0) / 3)
    assert echo_row.recall == pytest.approx((1 + 1 / 3 + 0) / 3)
    assert nothing_row.empty == 3
    assert nothing_row.recall == 0.0
    assert echo_row.pages_per_second > 0

    markdown = report.to_markdown()
    assert "| echo | 3 |" in markdown and "| nothing | 3 |" in markdown
    data = report.to_json()
    assert json.loads(json.dumps(data)) == data
    assert [s["name"] for s in data["systems"]] == ["echo", "nothing"]


def test_limit_takes_the_first_pages_in_id_order(tmp_path: Path) -> None:
    dataset = _write_dataset(
        tmp_path / "aeb",
        {k: ("<p>w x y z</p>", "w x y z") for k in ("c", "a", "b")},
    )
    report = evaluate_extraction(dataset, limit=2, systems={"s": lambda html: "w x y z"})
    assert report.pages == 2
    assert report.row("s").f1 == 1.0


@pytest.mark.realdata
def test_real_benchmark_sample() -> None:
    if not (AEB_DIR / "ground-truth.json").exists():
        pytest.skip(f"article-extraction-benchmark data not found at {AEB_DIR}")
    report = evaluate_extraction(AEB_DIR, limit=15)
    ours, baseline = report.row("broadsheet"), report.row("trafilatura")
    assert ours.pages == baseline.pages == 15
    assert ours.empty == 0
    assert ours.f1 >= baseline.f1
    assert ours.f1 > 0.9
