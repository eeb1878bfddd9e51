from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from broadsheet.cli import app
from tests.conftest import FIXTURES

runner = CliRunner()
PAGE = FIXTURES / "pages" / "harbour-ferry.html"


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_extract_json_follows_the_contract(tmp_path: Path) -> None:
    junk = tmp_path / "junk.html"
    junk.write_bytes(b"\x00\x01\x02" * 500)
    result = invoke("extract", "--json", str(PAGE), str(junk), str(tmp_path / "absent.html"))
    assert result.exit_code == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 3
    good, bad, missing = records
    assert set(good) >= {
        "path", "url", "title", "standfirst", "authors", "published", "outlet", "language",
        "text", "paragraphs", "related", "error",
    }
    assert good["error"] is None
    assert good["title"] == "Harbour ferry service to resume after storm repairs"
    assert good["text"] == "\n\n".join(good["paragraphs"])
    assert bad["error"] and "binary" in bad["error"]
    assert missing["error"].startswith("cannot read")


def test_feeds_add_list_remove_export_import(tmp_path: Path) -> None:
    data = ["--data-dir", str(tmp_path / "data")]
    result = invoke(*data, "feeds", "add", "https://news.example.org/rss.xml", "--section",
                    "world")
    assert result.exit_code == 0, result.output
    listed = invoke(*data, "feeds", "list", "--json")
    urls = {json.loads(line)["url"] for line in listed.stdout.splitlines()}
    assert "https://news.example.org/rss.xml" in urls
    assert len(urls) >= 60  # the bundled registry is synced too

    opml = tmp_path / "out.opml"
    assert invoke(*data, "feeds", "export", "-o", str(opml)).exit_code == 0
    assert "https://news.example.org/rss.xml" in opml.read_text()

    removed = invoke(*data, "feeds", "remove", "https://news.example.org/rss.xml")
    assert removed.exit_code == 0
    listed = invoke(*data, "feeds", "list", "--json")
    assert "https://news.example.org/rss.xml" not in listed.stdout

    fresh = ["--data-dir", str(tmp_path / "fresh")]
    imported = invoke(*fresh, "feeds", "import", str(opml))
    assert imported.exit_code == 0, imported.output
    assert "imported" in imported.stdout


def test_bad_inputs_are_one_line_errors(tmp_path: Path) -> None:
    result = invoke("--data-dir", str(tmp_path), "feeds", "add", "ftp://x.example/feed")
    assert result.exit_code == 1
    assert "not an http(s) URL" in result.stderr
    evil = tmp_path / "evil.opml"
    evil.write_text(
        '<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        '<opml version="2.0"><body><outline text="&b;" xmlUrl="https://x.example/&b;"/>'
        "</body></opml>"
    )
    result = invoke("--data-dir", str(tmp_path), "feeds", "import", str(evil))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    result = invoke("eval", "extraction", str(tmp_path))
    assert result.exit_code == 1
    assert "ScrapingHub layout" in result.stderr
    bad_config = tmp_path / "bad.toml"
    bad_config.write_text("[fetch]\nbogus = 1\n")
    result = invoke("--config", str(bad_config), "feeds", "list")
    assert result.exit_code == 1
    assert "unknown setting" in result.stderr
