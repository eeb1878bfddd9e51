"""Evaluation files that cannot be read stop the evaluation with the file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from broadsheet.cli import app
from broadsheet.eval.clustering import load_stories
from broadsheet.eval.datafiles import EvalDataError, json_lines


def test_json_lines_reads_objects_and_names_the_bad_line(tmp_path: Path) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text('{"a": 1}\n\n{"a": 2}\n{"a": 3}\n', encoding="utf-8")
    assert list(json_lines(good)) == [(1, {"a": 1}), (3, {"a": 2}), (4, {"a": 3})]
    assert [n for n, _ in json_lines(good, limit=2)] == [1, 3]
    cases = {
        b'{"a": 1}\n{"a": \n': r"bad\.jsonl:2: not JSON",
        b'{"a": 1}\n[1, 2]\n': r"bad\.jsonl:2: not a JSON object",
        b'{"a": "\xff"}\n': r"bad\.jsonl: not UTF-8 text",
    }
    bad = tmp_path / "bad.jsonl"
    for content, message in cases.items():
        bad.write_bytes(content)
        with pytest.raises(EvalDataError, match=message):
            list(json_lines(bad))
    with pytest.raises(EvalDataError, match="cannot be read"):
        list(json_lines(tmp_path))  # a directory


def test_a_story_file_without_its_ids_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text('{"docs": []}\n', encoding="utf-8")
    with pytest.raises(EvalDataError, match=r"s\.jsonl:1: a story without a story_id"):
        load_stories(path)
    path.write_text('{"story_id": 1, "docs": [{"title": "T"}]}\n', encoding="utf-8")
    with pytest.raises(EvalDataError, match="docs must be objects with a doc_id"):
        load_stories(path)


@pytest.mark.parametrize("command", ["clustering", "build", "sections", "briefs"])
def test_each_eval_command_says_which_line_is_bad_in_one_line(
    tmp_path: Path, command: str
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text("not json\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", command, str(path)])
    assert result.exit_code == 1
    assert "bad.jsonl:1: not JSON" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("clustering", "no articles to cluster"),
        ("build", "no articles to build"),
        ("sections", "no articles with a category to score"),
        ("briefs", "no stories with articles to brief"),
    ],
)
def test_each_eval_command_refuses_a_file_with_nothing_to_score(
    tmp_path: Path, command: str, message: str
) -> None:
    # Before, each printed a table of vacuous scores (1.000, or 0 of 0) and exit 0.
    path = tmp_path / "empty.jsonl"
    path.write_text('{"story_id": 1, "category": "world", "docs": []}\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", command, str(path)])
    assert result.exit_code == 1, result.output
    assert message in result.output and "Traceback" not in result.output


def test_eval_attributions_on_a_directory_without_the_corpus_is_one_line(
    tmp_path: Path,
) -> None:
    result = CliRunner().invoke(app, ["eval", "attributions", str(tmp_path)])
    assert result.exit_code == 1
    assert "no text/ directory" in result.output and "Traceback" not in result.output
    (tmp_path / "text").mkdir()
    (tmp_path / "attributions").mkdir()
    (tmp_path / "text" / "a.txt").write_bytes(b"caf\xe9 said\n")
    (tmp_path / "attributions" / "a.ann").write_text("", encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", "attributions", str(tmp_path)])
    assert result.exit_code == 1
    assert "not UTF-8 text" in result.output and "Traceback" not in result.output
