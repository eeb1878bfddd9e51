"""`broadsheet run`, the main job, through the real CLI against loopback feeds."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
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

    result = runner.invoke(app, ["--config", str(config), "run", "--no-serve"],
                           catch_exceptions=False)
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


def test_run_ends_serving_the_site_and_says_where(
    tmp_path: Path, http_server: LoopbackServer
) -> None:
    """The main job as `make run` starts it: fetch, build, then the site on loopback."""
    s = http_server
    s.route("/a", Response(article_page("bridge"), content_type="text/html"))
    s.route("/feed.xml", Response(rss(s, [("A", "/a", "a")]), content_type="application/rss+xml"))
    config = _config(tmp_path, s, ["/feed.xml"])
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "broadsheet", "--config", str(config), "run", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path,
        env={**os.environ, "COLUMNS": "200"},
    )
    try:
        said = ""
        deadline = time.monotonic() + 90
        while f"http://127.0.0.1:{port}/" not in said:
            line = process.stdout.readline()
            assert line or process.poll() is None, said
            said += line
            assert time.monotonic() < deadline, said
        assert "Stored 1 new articles" in said and "Briefings: 1 written" in said
        for _ in range(100):
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert page.status_code == 200 and 'class="card' in page.text
    finally:
        process.terminate()
        process.wait(timeout=20)
