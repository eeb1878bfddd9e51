"""`broadsheet run`, the main job, through the real CLI against loopback feeds."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from broadsheet.cli import app
from tests.support.http_server import LoopbackServer, Response
from tests.test_fetch_run import article_page, rss

runner = CliRunner()


def _config(tmp_path: Path, server: LoopbackServer, feeds: list[str]) -> Path:
    feed_tables = "".join(
        f'[[outlet.feed]]\nurl = "{server.url(p)}"\nsection = "news"\n' for p in feeds
    )
    config = tmp_path / "broadsheet.toml"
    config.write_text(
        f'data_dir = "{tmp_path / "data"}"\n'
        "[fetch]\nallow_private_networks = true\nper_host_delay_s = 0.0\nretries = 0\n"
        "[outlets]\nbundled = false\n"
        '[[outlet]]\nslug = "loopback"\nname = "Loopback Gazette"\n'
        'domains = ["loopback.example"]\ncountry = "GB"\nedition = "uk"\n' + feed_tables
    )
    return config


def test_run_fetches_stores_and_summarises(tmp_path: Path, http_server: LoopbackServer) -> None:
    s = http_server
    s.route("/a", Response(article_page("bridge"), content_type="text/html"))
    s.route("/b", Response(article_page("orchard"), content_type="text/html"))
    s.route("/feed.xml", Response(rss(s, [("A", "/a", "a"), ("B", "/b", "b")]),
                                  content_type="application/rss+xml", etag='"1"'))
    s.route("/bad.xml", Response("<html><body>Not a feed</body></html>",
                                 content_type="text/html"))
    config = _config(tmp_path, s, ["/feed.xml", "/bad.xml"])

    result = runner.invoke(app, ["--config", str(config), "run"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Fetch summary" in result.stdout
    assert "Loopback Gazette" in result.stdout
    assert "1 feeds failed" in result.stdout
    assert "Stored 2 new articles" in result.stdout
    assert "Traceback" not in result.output

    again = runner.invoke(app, ["--config", str(config), "fetch", "--json"])
    records = {Path(r["feed"]).name: r for r in map(json.loads, again.stdout.splitlines())}
    assert records["feed.xml"]["status"] == "not_modified"
    assert records["bad.xml"]["status"] == "failed"
    assert records["bad.xml"]["reason"]

    listed = runner.invoke(app, ["--config", str(config), "feeds", "list", "--json"])
    health = {Path(r["url"]).name: r for r in map(json.loads, listed.stdout.splitlines())}
    assert set(health) == {"feed.xml", "bad.xml"}  # bundled outlets are switched off
    assert health["bad.xml"]["consecutive_failures"] == 2
    assert health["feed.xml"]["last_success"] is not None
