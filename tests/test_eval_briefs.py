"""The briefs evaluation: baselines, the report, and a real-data sample."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from broadsheet.eval.briefs import evaluate_briefs, lead_baseline, sumy_baseline
from broadsheet.write.sentences import split_sentences

STORIES = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "stories"

DOCS = [
    "The council approved the bridge on Tuesday. It will cost $40 million. Work starts soon.",
    "A new bridge was approved by the council. Critics said it costs too much.",
]


def test_lead_is_round_robin_and_truncated() -> None:
    out = lead_baseline(DOCS, 12)
    assert out.startswith("The council approved the bridge on Tuesday. A new bridge")
    assert len(out.split()) == 12


@pytest.mark.parametrize("method", ["textrank", "lexrank"])
def test_sumy_baselines_fill_the_budget(method: str) -> None:
    out = sumy_baseline(DOCS, 10, method)
    assert len(out.split()) == 10


def test_whole_sentence_rule_skips_what_does_not_fit() -> None:
    # Round-robin: 7 words, then the other doc's 8-word lead does not fit, the 5-word one does.
    out = lead_baseline(DOCS, 12, whole_sentences=True)
    assert out == "The council approved the bridge on Tuesday. It will cost $40 million."
    sentences = {s.text for d in DOCS for s in split_sentences(d)}
    for method in ("textrank", "lexrank"):
        got = sumy_baseline(DOCS, 12, method, whole_sentences=True)
        assert 0 < len(got.split()) <= 12
        assert all(s.text in sentences for s in split_sentences(got))


def test_report_on_a_tiny_file(tmp_path: Path) -> None:
    story = {"story_id": 1, "title": "Council approves bridge",
             "summary": "The council approved a $40 million bridge on Tuesday.",
             "docs": [{"doc_id": f"d{i}", "source": f"Outlet {i}", "lean": lean,
                       "title": "Council approves bridge", "text": text, "url": None}
                      for i, (lean, text) in enumerate(zip(["left", "right"], DOCS,
                                                           strict=True))]}
    path = tmp_path / "s.jsonl"
    path.write_text(json.dumps(story) + "\n" + json.dumps({"story_id": 2, "docs": []}) + "\n")
    report = evaluate_briefs(path)
    assert report.stories == 1 and report.skipped_empty == 1
    assert report.faithfulness_rate == 1.0
    assert set(report.rouge[100]) == {"broadsheet", "broadsheet, filled and cut at N", "lead",
                                      "textrank", "lexrank"}
    assert "| 60 | lead |" in report.to_markdown()
    assert report.to_json()["stories"] == 1
    # Each system's mean length is reported; the baselines fill the budget exactly.
    assert report.rouge[60]["lead"]["words"] == min(60, sum(len(d.split()) for d in DOCS))
    assert report.rouge[100]["broadsheet"]["words"] <= 100
    assert set(report.rouge_whole[60]) == {"broadsheet", "lead", "textrank", "lexrank"}
    assert "whole sentences that fit" in report.to_markdown()


@pytest.mark.realdata
def test_allsides_sample_is_faithful_and_beats_lead() -> None:
    path = STORIES / "allsides-roundups.jsonl"
    if not path.exists():
        pytest.skip(f"realdata: {path} is absent (evaluation data lives in ../shared)")
    report = evaluate_briefs(path, limit=20)
    assert report.faithfulness_rate == 1.0, report.problems[:5]
    for budget in (60, 100):
        ours = report.rouge[budget]["broadsheet"]
        assert ours["words"] <= budget
        assert ours["rouge2"] > report.rouge[budget]["lead"]["rouge2"]
    assert report.rouge[100]["broadsheet"]["rouge1"] > report.rouge[100]["lead"]["rouge1"]
