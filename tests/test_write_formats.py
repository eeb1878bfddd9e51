"""Briefing formats: chosen from the story's features, overridable, never new text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from broadsheet.cli import app
from broadsheet.store import Store
from broadsheet.store.schema import BriefingRow
from broadsheet.write.formats import FORMATS, StoryFeatures, apply_format, choose_format
from broadsheet.write.stored import build_briefings, stale_story_ids
from tests.support.site import build_site_store


def _statement(speaker: str, lean: str, n: int = 1) -> dict:
    return {"speaker": speaker, "outlet": "X", "lean": lean,
            "statements": [{"text": f"s{i}", "source": {"article": 1}} for i in range(n)]}


def _features(**kw) -> StoryFeatures:  # type: ignore[no-untyped-def]
    base = {"headline": "Council freezes ferry fares", "titles": ["Fares frozen"], "outlets": 3}
    return StoryFeatures(**(base | kw))


def test_choice_follows_the_documented_rules() -> None:
    plain = {"facts": [{"text": "f"}] * 4, "perspectives": [], "quotes": []}
    assert choose_format(plain, _features()) == "speed-read"
    assert choose_format(plain, _features(outlets=9)) == "explainer"
    assert choose_format(plain, _features(thread_size=3)) == "explainer"
    assert choose_format(plain, _features(headline="Will fares ever fall?")) == "big-question"
    assert choose_format(plain, _features(titles=["Why now?", "Who pays?"])) == "big-question"
    assert choose_format(plain, _features(opinion_share=0.5)) == "talking-point"
    talk = {"facts": [{"text": "f"}], "quotes": [],
            "perspectives": [_statement("A B", "left", 2), _statement("C D", "right", 2)]}
    assert choose_format(talk, _features()) == "talking-point"
    star = {"facts": [{"text": "f"}] * 5, "quotes": [{"speaker": "Quilla Brenn", "text": "q"}],
            "perspectives": [_statement("Quilla Brenn", "left", 3), _statement("C D", "right")]}
    assert choose_format(star, _features(headline="Brenn defends the ferry plan")) == "spotlight"
    assert choose_format(star, _features()) != "spotlight"  # not named in the headline


def test_speed_read_only_trims_and_spotlight_reorders() -> None:
    sentences = [{"text": " ".join(["word"] * 25), "citations": [1]} for _ in range(4)]
    record = {"summary_sentences": sentences, "summary": "x",
              "facts": [{"text": f"fact {i}"} for i in range(6)],
              "perspectives": [_statement("A", "left"), _statement("B", "left"),
                               _statement("C", "right")],
              "quotes": [{"text": f"q{i}", "speaker": "A"} for i in range(5)]}
    out = apply_format(json.loads(json.dumps(record)), "speed-read", _features())
    assert out["format"] == "speed-read" and out["format_label"] == "Speed Read"
    assert len(out["summary_sentences"]) == 2 and len(out["facts"]) == 3
    assert [p["speaker"] for p in out["perspectives"]] == ["A", "C"]
    assert len(out["quotes"]) == 2
    assert all(s in sentences for s in out["summary_sentences"])  # nothing rewritten
    star = {"facts": [], "perspectives": [_statement("Quilla Brenn", "left", 3)],
            "quotes": [{"speaker": "Other", "text": "a"}, {"speaker": "Quilla Brenn", "text": "b"}]}
    out = apply_format(star, "spotlight", _features(headline="Brenn under fire"))
    assert out["spotlight"] == "Quilla Brenn" and out["quotes"][0]["speaker"] == "Quilla Brenn"
    assert out["order"][:2] == ["summary", "quotes"]
    with pytest.raises(ValueError):
        apply_format({}, "haiku", _features())
    assert set(FORMATS) == {"spotlight", "talking-point", "big-question", "explainer",
                            "speed-read"}


def test_stored_briefings_get_a_format_and_overrides_rebuild(store: Store) -> None:
    build_site_store(store, events=4, hostile=False)
    with store.session() as s:
        rows = list(s.scalars(select(BriefingRow)))
        assert rows and all(r.format in FORMATS and r.record["format"] == r.format for r in rows)
        assert all(r.record["order"] and "key_players" in r.record for r in rows)
        target = rows[0].story_id
        other = next(f for f in FORMATS if f != rows[0].format)
    overrides = {target: other}
    assert stale_story_ids(store, overrides) == [target]
    assert build_briefings(store, format_overrides=overrides).composed == 1
    assert stale_story_ids(store, overrides) == []
    with store.session() as s:
        assert s.get(BriefingRow, target).format == other


def test_brief_command_formats(tmp_path: Path) -> None:
    lines = [
        {"id": f"a{i}", "outlet": outlet, "title": "Will the ferry fares fall?",
         "text": "The Harbour Board voted on Monday to freeze ferry fares for 12 months. "
                 "Mayor Quilla Brenn said the decision would help 4,000 daily riders.",
         "story": "s1"}
        for i, outlet in enumerate(["Harbour Gazette", "Valley Times"])
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines))
    runner = CliRunner()
    auto = json.loads(runner.invoke(app, ["brief", "--json", str(path)]).stdout)
    assert auto["format"] == "big-question" and auto["question"].endswith("?")
    fixed = json.loads(runner.invoke(app, ["brief", "--json", "--format", "explainer",
                                           str(path)]).stdout)
    assert fixed["format"] == "explainer"
    plain = json.loads(runner.invoke(app, ["brief", "--json", "--format", "none",
                                           str(path)]).stdout)
    assert "format" not in plain
    bad = runner.invoke(app, ["brief", "--format", "sonnet", str(path)])
    assert bad.exit_code == 1 and "unknown format" in bad.output
