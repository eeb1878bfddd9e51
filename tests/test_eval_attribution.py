"""Attribution benchmark: brat parsing, the Citron overlap metric on toy data, PolNeAR."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from broadsheet.eval.attribution import (
    SpanSet,
    broadsheet_system,
    evaluate_attributions,
    load_split,
    overlap_scores,
    parse_brat,
    regex_baseline,
)

POLNEAR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "attribution" / "polnear"

TEXT = "Smith said the plan failed. Jones said it worked."
# Tokens: Smith said the plan failed . Jones said it worked .
ANN = "\n".join(
    [
        "T1\tSource 0 5\tSmith",
        "T2\tCue 6 10\tsaid",
        "T3\tContent 11 26\tthe plan failed",
        "T4\tAttribution 6 10\tsaid",
        "E1\tAttribution:T4 Content:T3 Cue:T2 Source:T1",
        "T5\tCue 34 38\tsaid",
        "T6\tContent 39 41;42 48\tit worked",
        "T7\tAttribution-no-source 34 38\tsaid",
        "E2\tAttribution-no-source:T7 Cue:T5 Content:T6",
        "T8\tDiscard 0 5\tSmith",
        "#1\tAnnotatorNotes T1\ta note",
        "",
    ]
)


def test_parse_brat_joins_events_and_keeps_fragments() -> None:
    gold = parse_brat(ANN)
    assert gold == [
        SpanSet(source=((0, 5),), cue=((6, 10),), content=((11, 26),)),
        SpanSet(source=(), cue=((34, 38),), content=((39, 41), (42, 48))),
    ]


def test_overlap_metric_on_toy_data() -> None:
    gold = [
        SpanSet(((0, 5),), ((6, 10),), ((11, 26),)),  # Smith / said / the plan failed
        SpanSet(((28, 33),), ((34, 38),), ((39, 48),)),  # Jones / said / it worked
    ]
    pred = [SpanSet(((0, 10),), ((6, 10),), ((11, 27),))]  # "Smith said", "the plan failed."
    scores = overlap_scores([(TEXT, pred, gold)])
    # source: 1 shared token of 2 predicted, of 2 gold
    assert scores["source"].overlap == 1
    assert (scores["source"].precision, scores["source"].recall) == (0.5, 0.5)
    # cue: 1 of 1 predicted, of 2 gold
    assert (scores["cue"].precision, scores["cue"].recall) == (1.0, 0.5)
    # content: 3 shared of 4 predicted ("." counts), of 3 + 2 gold
    assert scores["content"].precision == pytest.approx(0.75)
    assert scores["content"].recall == pytest.approx(0.6)
    assert scores["content"].f1 == pytest.approx(2 * 0.75 * 0.6 / 1.35)


def test_overlap_sums_over_every_gold_attribution() -> None:
    # Citron adds the overlap with every gold attribution: a predicted span covering two
    # gold spans of the same role earns both.
    gold = [SpanSet((), ((6, 10),), ((11, 19),)), SpanSet((), ((6, 10),), ((20, 26),))]
    pred = [SpanSet((), ((6, 10),), ((11, 26),))]
    scores = overlap_scores([(TEXT, pred, gold)])
    assert scores["content"].overlap == 3
    assert scores["content"].precision == 1.0 and scores["content"].recall == 1.0
    assert scores["cue"].overlap == 2  # the one predicted cue matches both gold cues


def test_empty_predictions_score_zero() -> None:
    gold = parse_brat(ANN)
    scores = overlap_scores([(TEXT, [], gold)])
    assert all(s.precision == 0.0 and s.recall == 0.0 and s.f1 == 0.0 for s in scores.values())


def _toy_corpus(root: Path) -> None:
    split = root / "dev"
    (split / "text").mkdir(parents=True)
    (split / "attributions").mkdir()
    (split / "text" / "wire_2016-01-01_story.txt").write_text(TEXT, "utf-8")
    # Two annotators' files: the first by name is used.
    (split / "attributions" / "wire_2016-01-01_story_ab12.ann").write_text(ANN, "utf-8")
    (split / "attributions" / "wire_2016-01-01_story_cd34.ann").write_text("", "utf-8")
    (split / "text" / "unannotated.txt").write_text("Nobody said anything.", "utf-8")


def test_load_split_matches_annotator_suffixed_files(tmp_path: Path) -> None:
    _toy_corpus(tmp_path)
    docs = load_split(tmp_path / "dev")
    assert [d[0] for d in docs] == ["wire_2016-01-01_story"]
    assert len(docs[0][2]) == 2


def test_evaluate_report_shapes(tmp_path: Path) -> None:
    _toy_corpus(tmp_path)
    report = evaluate_attributions(tmp_path, split="dev")
    assert report.documents == 1 and report.gold_attributions == 2
    assert set(report.systems) == {"broadsheet", "regex-baseline"}
    ours = report.systems["broadsheet"]
    assert ours.overlap["content"].f1 == pytest.approx(1.0)
    assert ours.token_set["content"].f1 == pytest.approx(1.0)
    assert ours.docs_per_second > 0
    md = report.to_markdown()
    assert "| broadsheet | source |" in md and "docs/s" in md
    json.dumps(report.to_json())
    # split=None accepts a split directory itself
    assert evaluate_attributions(tmp_path / "dev").documents == 1


def test_systems_give_valid_spans() -> None:
    text = "“We won,” Smith said. Jones said that it worked."
    for system in (broadsheet_system, regex_baseline):
        for a in system(text):
            for frags in (a.source, a.cue, a.content):
                assert all(0 <= s < e <= len(text) for s, e in frags)


@pytest.mark.realdata
def test_polnear_dev_sample_beats_the_baseline() -> None:
    if not (POLNEAR / "dev" / "text").is_dir():
        pytest.skip(f"realdata: PolNeAR is absent at {POLNEAR} (evaluation data in ../shared)")
    report = evaluate_attributions(POLNEAR, split="dev", limit=12)
    ours = report.systems["broadsheet"].overlap
    base = report.systems["regex-baseline"].overlap
    assert report.documents == 12
    for role in ("content", "source"):
        assert ours[role].f1 > base[role].f1, (role, ours[role], base[role])
    assert ours["content"].f1 > 0.6 and ours["source"].f1 > 0.55
