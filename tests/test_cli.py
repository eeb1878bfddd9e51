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


def test_attributions_and_brief_commands(tmp_path: Path) -> None:
    text = (
        "The harbour ferry will run again on Monday, the council said on Thursday. "
        '"We know how much people rely on this crossing," said Tomasz Okafor, '
        "the committee chair.\n"
    )
    article = tmp_path / "a.txt"
    article.write_text(text, encoding="utf-8")
    result = invoke("attributions", "--json", str(article))
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert records, "no attribution found"
    for record in records:
        for role in ("cue", "content"):
            span = record[role]
            assert text[span["start"]:span["end"]] == span["text"]

    stories = tmp_path / "arts.jsonl"
    rows = [
        {"id": "1", "story": "s", "outlet": "Left Daily", "lean": "left",
         "title": "Ferry returns after storm repairs",
         "text": "The harbour ferry returns on Monday after storm repairs. "
                 "Engineers replaced two pontoons over the weekend."},
        {"id": "2", "story": "s", "outlet": "Right Post", "lean": "right",
         "title": "Harbour ferry back on Monday",
         "text": "The harbour ferry returns on Monday after storm repairs. "
                 "Season tickets will be extended by three weeks."},
    ]
    stories.write_text("\n".join(json.dumps(r) for r in rows) + "\nnot json\n")
    result = invoke("brief", "--json", "--words", "40", str(stories))
    assert result.exit_code == 1  # the malformed line is reported
    assert "skipped" in result.stderr
    (briefing,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert set(briefing) >= {"story", "headline", "summary", "facts", "perspectives",
                             "quotes", "coverage", "sources"}
    assert briefing["story"] == "s" and len(briefing["sources"]) == 2


def test_a_bad_line_in_a_jsonl_file_loses_only_that_line(tmp_path: Path) -> None:
    def line(doc_id: str, title: str) -> bytes:
        return json.dumps({"id": doc_id, "title": title, "text": title}).encode() + b"\n"

    path = tmp_path / "articles.jsonl"
    path.write_bytes(
        b"\xef\xbb\xbf"  # a byte-order mark, as some editors write
        + line("a", "Harbour ferry returns")
        + b'{"id": "b", "title": "Caf\xe9 owners"}\n'  # Latin-1, not UTF-8
        + line("a", "The same id again")
        + json.dumps({"id": "c", "title": "Line\u2028separator inside"}, ensure_ascii=False)
        .encode() + b"\n"
        + line("d", "Tram strike called off")
    )
    result = invoke("cluster", "--json", str(path))
    assert result.exit_code == 1
    assert ":2: skipped: not UTF-8 (byte 0xe9 at column 26)" in result.stderr
    assert ":3: skipped: id 'a' already on line 1" in result.stderr
    assert [json.loads(row)["id"] for row in result.stdout.splitlines()] == ["a", "c", "d"]


def test_cluster_command_groups_events_and_reports_bad_lines(tmp_path: Path) -> None:
    from tests.support.articles import make_events

    fakes = make_events(3, 3, ["a", "b", "c"])
    rows = [
        {"id": f"x{n}", "outlet": f.outlet, "title": f.title, "text": f.text,
         "published": f.published.isoformat(), "url": f"https://{f.outlet}.example/{n}"}
        for n, f in enumerate(fakes)
    ]
    path = tmp_path / "articles.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + '\n{"title": "no id"}\n')
    result = invoke("cluster", "--json", str(path))
    assert result.exit_code == 1 and ':10: skipped' in result.stderr
    story = {r["id"]: r["story"] for r in map(json.loads, result.stdout.splitlines())}
    assert list(story) == [r["id"] for r in rows]  # input order
    by_event: dict[int, set[str]] = {}
    for n, fake in enumerate(fakes):
        by_event.setdefault(fake.event, set()).add(story[f"x{n}"])
    assert all(len(ids) == 1 for ids in by_event.values())
    assert len({next(iter(ids)) for ids in by_event.values()}) == 3
    again = invoke("cluster", "--json", str(path))
    assert again.stdout == result.stdout  # stable ids


# Talks announced, then a walkout eight days later: two stories, one thread.
TALKS_ROWS = [
    {"id": "a", "title": "Norland and Sudria agree to hold ceasefire talks in Geneva",
     "text": "Norland and Sudria will hold ceasefire talks in Geneva next week, minister "
     "Anna Kessler said. Omar Faisal said Sudria would attend.",
     "published": "2021-03-01T09:00:00Z", "outlet": "Daily Ledger",
     "url": "https://ledger.example/talks"},
    {"id": "b", "title": "Walkout as shelling resumes",
     "text": "Faisal walked out of the ceasefire talks in Geneva accusing Kessler of bad "
     "faith, as shelling resumed between Norland and Sudria.",
     "published": "2021-03-09T09:00:00Z", "outlet": "Morning Star",
     "url": "https://star.example/walkout"},
]


def test_cluster_prints_each_articles_thread(tmp_path: Path) -> None:
    rows = TALKS_ROWS
    path = tmp_path / "talks.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    got = [json.loads(line) for line in invoke("cluster", "--json", str(path)).stdout.splitlines()]
    assert [set(r) for r in got] == [{"id", "story", "thread"}] * 2
    assert got[0]["story"] != got[1]["story"]
    assert got[0]["thread"] == got[1]["thread"] == got[0]["story"]
    table = runner.invoke(app, ["cluster", str(path)], env={"COLUMNS": "200"}).stdout
    assert "2 articles in 2 stories, 1 following on from another" in table
    assert f"{got[1]['story']} │ {got[0]['story']} │" in table  # the walkout follows the talks


def test_cluster_takes_the_thresholds_and_windows_of_the_config(tmp_path: Path) -> None:
    rows = TALKS_ROWS
    path = tmp_path / "talks.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    config = tmp_path / "broadsheet.toml"
    config.write_text("[stories]\nthread_days = 5\n")  # the walkout came 8 days later
    got = invoke("--config", str(config), "cluster", "--json", str(path))
    threads = [json.loads(line)["thread"] for line in got.stdout.splitlines()]
    assert threads[0] != threads[1]
    config.write_text("[stories]\nthread_days = 'long'\n")
    bad = invoke("--config", str(config), "cluster", "--json", str(path))
    assert bad.exit_code == 1 and bad.stdout == ""
    assert "stories.thread_days must be a number from 0 to 3650, got 'long'" in bad.stderr


def test_build_takes_the_thresholds_and_windows_of_the_config(tmp_path: Path) -> None:
    from sqlalchemy import select

    from broadsheet.store import Store
    from broadsheet.store.schema import StoryRow

    path = tmp_path / "talks.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in TALKS_ROWS) + "\n")
    threads = {}
    for thread_days in (14, 5):  # the walkout came 8 days after the talks were announced
        data = tmp_path / f"data{thread_days}"
        config = tmp_path / f"b{thread_days}.toml"
        config.write_text(f"[stories]\nthread_days = {thread_days}\n")
        common = ["--data-dir", str(data), "--config", str(config)]
        assert invoke(*common, "ingest", str(path)).exit_code == 0
        assert invoke(*common, "build").exit_code == 0
        store = Store(f"sqlite:///{data / 'broadsheet.db'}")
        with store.session() as session:
            threads[thread_days] = set(session.scalars(select(StoryRow.thread_id)))
    assert len(threads[14]) == 1 and len(threads[5]) == 2


def test_cluster_reads_unix_times_and_says_which_dates_it_could_not_read(
    tmp_path: Path,
) -> None:
    rows = [
        {"id": "seconds", "title": "t", "text": "x", "published": 1_796_000_000},
        {"id": "millis", "title": "t", "text": "x", "published": 1_796_000_000_000},
        {"id": "typo", "title": "t", "text": "x", "published": "2026-13-45"},
        {"id": "flag", "title": "t", "text": "x", "published": True},
        {"id": "huge", "title": "t", "text": "x", "published": "x" * 1_000_000},
    ]
    path = tmp_path / "dates.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    result = invoke("cluster", "--json", str(path))
    assert result.exit_code == 0, result.output  # a number no longer crashes the command
    assert [json.loads(r)["id"] for r in result.stdout.splitlines()] == [r["id"] for r in rows]
    assert result.stderr.count("\n") == 1 and len(result.stderr) < 400  # not the megabyte
    assert "3 article(s) with an unreadable \"published\" (first: id 'typo'" in result.stderr


def test_every_commands_help_is_wrapped_by_the_terminal_not_the_source() -> None:
    # Typer's rich help keeps a docstring's line breaks inside a paragraph (and the command
    # list shows the first paragraph with them), so a paragraph wrapped in the source
    # printed as ragged half lines. Each paragraph is one source line.
    import inspect

    import typer

    def commands(group, path):  # type: ignore[no-untyped-def]
        for name, sub in getattr(group, "commands", {}).items():
            if getattr(sub, "commands", None):
                yield from commands(sub, [*path, name])
            else:
                yield " ".join([*path, name]), sub

    ragged = [
        name for name, command in commands(typer.main.get_command(app), [])
        if any("\n" in p for p in inspect.cleandoc(command.help or "").split("\n\n"))
    ]
    assert ragged == []
