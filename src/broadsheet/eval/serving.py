"""Serving benchmark: story-page latency under concurrent load, on loopback.

``seed_stories`` fills a store with N synthetic stories whose briefings have the size and
shape of real ones (facts, perspectives, quotes, sources); the benchmark then serves that
store with ``broadsheet serve`` in its own process and loads random story pages with
``wrk`` (Debian package ``wrk``; a C load generator, so the client does not compete with
the server for Python's time), reporting the latency percentiles wrk measures.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert, select, update

from broadsheet.models import LEANS
from broadsheet.store import Store
from broadsheet.store.schema import BriefingRow, OutletRow, StoryRow
from broadsheet.stories.sections import SECTIONS

_WORDS = (
    "council", "harbour", "budget", "vote", "minister", "court", "ruling", "ferry", "plan",
    "river", "bridge", "election", "strike", "talks", "tariff", "summit", "wildfire",
    "vaccine", "pension", "museum", "drought", "festival", "pipeline", "report", "figures",
    "region", "residents", "officials", "critics", "supporters", "families", "analysts",
    "week",
)


def _sentence(rng: random.Random, words: int) -> str:
    body = " ".join(rng.choice(_WORDS) for _ in range(words))
    return body[0].upper() + body[1:] + "."


def _record(rng: random.Random, story_id: str, outlets: list[tuple[str, str]]) -> dict:
    sources = [
        {"outlet": name, "title": _sentence(rng, 9)[:-1], "lean": lean,
         "url": f"https://{name.lower().replace(' ', '')}.example/{story_id}/{i}"}
        for i, (name, lean) in enumerate(outlets)
    ]
    n = len(sources)

    def extract(words: int) -> dict:
        art = rng.randrange(n)
        return {"text": _sentence(rng, words), "citations": sorted({art + 1, rng.randrange(n) + 1}),
                "source": {"article": art + 1, "start": 0, "end": words * 6}}

    perspectives = [
        {"speaker": f"Speaker {k}", "outlet": sources[k % n]["outlet"],
         "lean": sources[k % n]["lean"], "article": k % n + 1,
         "statements": [{"text": _sentence(rng, 14), "kind": "indirect",
                         "source": {"article": k % n + 1, "start": 0, "end": 80}}]}
        for k in range(6)
    ]
    quotes = [
        {"text": f"\u201c{_sentence(rng, 16)}\u201d", "speaker": f"Speaker {k}",
         "outlet": sources[k % n]["outlet"], "lean": sources[k % n]["lean"],
         "source": {"article": k % n + 1, "start": 0, "end": 90}}
        for k in range(4)
    ]
    return {
        "story": story_id, "headline": _sentence(rng, 10)[:-1],
        "summary": " ".join(_sentence(rng, 20) for _ in range(4)),
        "facts": [extract(22) for _ in range(6)], "perspectives": perspectives,
        "quotes": quotes, "coverage": {"by_lean": {}, "blindspot": None}, "sources": sources,
    }


def scratch_store(workdir: Path | None, name: str) -> tuple[Path, Store]:
    """A benchmark's folder (``workdir`` or a new temporary one) and a new, empty SQLite
    store ``NAME.db`` in it (an old one there is deleted)."""
    work = Path(workdir or tempfile.mkdtemp(prefix=f"broadsheet-{name}-"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / f"{name}.db"
    if db.exists():
        db.unlink()
    return work, Store(f"sqlite:///{db}")


def seed_stories(store: Store, count: int, *, seed: int = 11) -> list[str]:
    """``count`` stories with briefings, in threads of three, spread over 60 days."""
    rng = random.Random(seed)
    outlet_names = [(f"Outlet {i}", LEANS[i % 5]) for i in range(40)]
    with store.session() as session:
        session.execute(insert(OutletRow), [
            {"slug": f"outlet-{i}", "name": name, "domains": [f"outlet{i}.example"],
             "country": "US", "edition": "us", "lean": lean, "enabled": True}
            for i, (name, lean) in enumerate(outlet_names)
        ])
    start = datetime(2026, 1, 1, tzinfo=UTC)
    ids = [f"s{i:012x}" for i in range(count)]
    for chunk_start in range(0, count, 1000):
        stories, briefings = [], []
        for i in range(chunk_start, min(count, chunk_start + 1000)):
            sid = ids[i]
            outlets = rng.sample(outlet_names, rng.randint(3, 14))
            coverage = {lean: sum(1 for _, le in outlets if le == lean) for lean in LEANS}
            first = start + timedelta(minutes=9 * i)
            record = _record(rng, sid, outlets)
            stories.append({
                "id": sid, "thread_id": ids[i - i % 3], "headline": record["headline"],
                "section": SECTIONS[i % len(SECTIONS)], "tone": rng.uniform(-1, 1),
                "importance": rng.random(), "article_count": len(outlets),
                "outlet_count": len(outlets), "coverage": coverage, "countries": ["US"],
                "editions": ["us", "world"], "blindspot": None, "first_published": first,
                "last_published": first + timedelta(hours=rng.randint(0, 30)),
                "created_at": first, "updated_at": first,
            })
            briefings.append({
                "story_id": sid, "headline": record["headline"],
                "standfirst": record["summary"].split(". ")[0] + ".", "format": "",
                "record": record, "article_ids": list(range(len(outlets))),
                "article_count": len(outlets), "faithful": True, "problems": [],
                "built_at": first,
            })
        with store.session() as session:
            session.execute(insert(StoryRow), stories)
            session.execute(insert(BriefingRow), briefings)
    return ids


@dataclass(slots=True)
class LoadResult:
    stories: int
    connections: int
    workers: int
    duration_s: int
    requests: int
    requests_per_s: float
    p50_ms: float
    p75_ms: float
    p90_ms: float
    p99_ms: float
    errors: str
    command: str


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def parse_wrk(output: str) -> dict[str, float | str]:
    out: dict[str, float | str] = {}
    for pct in ("50", "75", "90", "99"):
        match = re.search(rf"^\s*{pct}(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\b", output, re.M)
        if not match:
            raise ValueError(f"wrk printed no {pct}% latency:\n{output}")
        out[f"p{pct}_ms"] = _ms(*match.groups())
    out["requests"] = float(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    out["requests_per_s"] = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Socket errors:.*|Non-2xx or 3xx responses: \d+", output)
    out["errors"] = errors.group(0) if errors else "none"
    return out


_LUA = """
local ids = {}
for line in io.lines("%s") do ids[#ids + 1] = line end
math.randomseed(7)
request = function()
  return wrk.format("GET", "/story/" .. ids[math.random(#ids)] .. "/")
end
"""


def free_port() -> int:
    """A port on loopback that is free now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_server(env: dict[str, str], port: int, warm: bool,
                  workers: int = 1, stale: bool = True) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "broadsheet", "serve", "--port", str(port),
         "--warm" if warm else "--no-warm", "--workers", str(workers),
         "--stale" if stale else "--no-stale"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def _rebuild_one_briefing(database_url: str) -> None:
    """What a build that rewrites one briefing does to the store's content version (the
    server's whole page cache then belongs to the previous version)."""
    store = Store(database_url, migrate=False)
    try:
        with store.session() as session:
            story_id = session.scalars(select(BriefingRow.story_id).limit(1)).one()
            session.execute(update(BriefingRow).where(BriefingRow.story_id == story_id)
                            .values(built_at=datetime.now(UTC)))
    finally:
        store.close()


# (phase, warm the cache first, serve stale pages, a build just changed the store)
PHASES = (
    ("cold", False, True, False),
    ("warm", True, True, False),
    ("after a build", True, True, True),
    ("after a build, --no-stale", True, False, True),
)


def _wait_until(check, server: subprocess.Popen, timeout_s: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if check():
                return
        except httpx.HTTPError:
            pass
        if server.poll() is not None:
            raise RuntimeError(f"the server exited: {server.stderr.read().decode()[-500:]}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.5)


def benchmark_story_pages(
    count: int = 10_000, *, connections: int = 50, duration_s: int = 20, threads: int = 2,
    workdir: Path | None = None, on_phase=None, workers: int = 1,  # type: ignore[no-untyped-def]
) -> list[tuple[str, LoadResult]]:
    """Runs of wrk over random story pages (``PHASES``): "cold" (a fresh server; each
    page is rendered on its first visit), "warm" (after the server has rendered every
    page into its cache, as it does in the background after start-up and after each
    build), and "after a build" (warm, then the store changes, so every cached page is
    the previous version's: served stale while it is rendered again, or, with
    ``--no-stale``, rendered while the reader waits)."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("the load tool wrk is not installed (apt-get install -y wrk)")
    work, store = scratch_store(workdir, "load")
    ids = seed_stories(store, count)
    store.close()
    (work / "ids.txt").write_text("\n".join(ids) + "\n")
    (work / "load.lua").write_text(_LUA % (work / "ids.txt"))
    env = dict(os.environ, BROADSHEET_DATABASE_URL=store.url,
               BROADSHEET_DATA_DIR=str(work))
    results: list[tuple[str, LoadResult]] = []
    for phase, warm, stale, rebuilt in PHASES:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        if on_phase:
            on_phase(phase)
        server = _start_server(env, port, warm, workers, stale)
        try:
            _wait_until(lambda b=base: httpx.get(b + "/api/v1/status", timeout=2).is_success,
                        server, 60, "the server to start")
            if warm:
                readings: list[bool] = []

                def warmed(base: str = base, readings: list[bool] = readings) -> bool:
                    # Each worker answers for its own cache: wait until several answers in
                    # a row (reaching every worker) say it is full.
                    status = httpx.get(base + "/api/v1/status", timeout=5).json()
                    readings.append(status["cached_pages"] >= count)
                    return len(readings) >= 4 * workers and all(readings[-4 * workers:])

                _wait_until(warmed, server, 900, "the page cache to warm up")
            if rebuilt:
                _rebuild_one_briefing(store.url)
                first_story = f"{base}/story/{ids[0]}/"

                def seen(base: str = base, first_story: str = first_story) -> bool:
                    httpx.get(first_story, timeout=5)  # a page request checks the version
                    status = httpx.get(base + "/api/v1/status", timeout=5).json()
                    return status["cached_pages"] < count // 2

                _wait_until(seen, server, 60, "the server to see the build")
            command = [wrk, f"-t{threads}", f"-c{connections}", f"-d{duration_s}s",
                       "--latency", "-s", str(work / "load.lua"), base]
            done = subprocess.run(command, capture_output=True, text=True, check=True,
                                  timeout=duration_s + 60)
            parsed = parse_wrk(done.stdout)
        finally:
            server.terminate()
            server.wait(timeout=20)
        results.append((phase, LoadResult(
            stories=count, connections=connections, workers=workers, duration_s=duration_s,
            requests=int(parsed["requests"]), requests_per_s=float(parsed["requests_per_s"]),
            p50_ms=float(parsed["p50_ms"]), p75_ms=float(parsed["p75_ms"]),
            p90_ms=float(parsed["p90_ms"]), p99_ms=float(parsed["p99_ms"]),
            errors=str(parsed["errors"]),
            command=" ".join(command[:-3]) + " -s <random story pages> URL",
        )))
    return results


def load_markdown(results: list[tuple[str, LoadResult]]) -> str:
    lines = [
        "| phase | stories | clients | workers | requests | req/s | p50 ms | p90 ms | p99 ms "
        "| errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for phase, r in results:
        lines.append(
            f"| {phase} | {r.stories:,} | {r.connections} | {r.workers} | {r.requests:,} | "
            f"{r.requests_per_s:,.0f} | {r.p50_ms:.1f} | {r.p90_ms:.1f} | {r.p99_ms:.1f} | "
            f"{r.errors} |"
        )
    return "\n".join(lines)
