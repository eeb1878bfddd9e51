"""`broadsheet eval build`: a whole build timed next to clustering alone."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from broadsheet.cli import app
from broadsheet.eval.build import benchmark_build
from tests.test_eval_clustering import _write_sources


def write_sources(path: Path) -> None:
    """The invented stories of the clustering tests, each article under a URL of its own
    (ingest takes a URL seen before for the same article)."""
    _write_sources(path)
    stories = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    for story in stories:
        for doc in story["docs"]:
            doc["url"] = f"https://x.example/{doc['doc_id']}"
    path.write_text("\n".join(json.dumps(s) for s in stories) + "\n", encoding="utf-8")


def test_the_build_benchmark_stores_builds_and_times_every_article(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    write_sources(path)
    told: list[int] = []
    result = benchmark_build([path], progress=told.append)
    assert result.articles == 5  # every article stored,
    assert sum(told) == 10  # then built twice: in one process, and with a worker process
    assert result.same_stories and result.build_parallel_articles_per_second > 0
    assert result.files == ["s.jsonl"] and result.batches == 1
    assert result.new_stories == 3  # the quake, the takeover, the final
    assert result.build_seconds > 0 and result.build_articles_per_second > 0
    assert result.cluster_articles_per_second > 0 and result.peak_rss_mb > 0
    table = result.to_markdown()
    assert "| build (near-duplicates" in table and "| clustering alone" in table
    assert "worker process" in table and "the same stories" in table
    assert json.loads(json.dumps(result.to_json()))["articles"] == 5


def test_eval_build_cli_prints_the_table_or_a_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    write_sources(path)
    result = CliRunner().invoke(app, ["eval", "build", str(path)])
    assert result.exit_code == 0, result.output
    assert "5 articles stored" in result.output and "articles/s" in result.output
    result = CliRunner().invoke(app, ["eval", "build", "--json", str(path)])
    assert json.loads(result.output.strip().splitlines()[-1])["new_stories"] == 3
    missing = CliRunner().invoke(app, ["eval", "build", str(tmp_path / "nope.jsonl")])
    assert missing.exit_code == 1 and "no such file" in missing.output



def test_the_build_benchmark_can_store_a_synthetic_stream_instead(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    write_sources(path)
    result = benchmark_build([path], synthetic=60)
    assert result.synthetic == 60 and 0 < result.articles <= 60
    assert result.same_stories and result.new_stories > 0
    assert result.to_markdown().startswith("**A synthetic stream of 60 articles built on s.jsonl")
