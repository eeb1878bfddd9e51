"""Newsletter delivery benchmark: N messages to a local SMTP server, messages per second.

The SMTP server is aiosmtpd in its own process (``python -m broadsheet.eval.newsletters
sink PORT``), accepting and counting every message, so the sender does not share Python's
time with it. The store is a fresh SQLite file with seeded stories and N confirmed
subscribers; the timed part is ``send_issue`` alone, send log included.
"""

from __future__ import annotations

import asyncio
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert

from broadsheet.eval.serving import free_port, scratch_store, seed_stories
from broadsheet.newsletters.compose import issue_for, latest_day
from broadsheet.newsletters.mailer import SmtpSettings, send_issue
from broadsheet.store.schema import SubscriberRow


@dataclass(slots=True)
class SendBenchmark:
    messages: int
    seconds: float
    per_second: float
    received: int
    unique_recipients: int


def benchmark_send(count: int = 10_000, workdir: Path | None = None, *, connections: int = 4,
                   on_progress=None) -> SendBenchmark:  # type: ignore[no-untyped-def]
    _, store = scratch_store(workdir, "send")
    seed_stories(store, 60)
    now = datetime.now(UTC)
    with store.session() as session:
        session.execute(insert(SubscriberRow), [
            {"email": f"reader{n:06d}@example.org", "status": "confirmed",
             "newsletters": ["morning-briefing"], "edition": "world",
             "token_key": secrets.token_hex(16), "created_at": now, "confirmed_at": now}
            for n in range(count)
        ])
        day = latest_day(session)
    issue = issue_for(store, "morning-briefing", day)
    port = free_port()
    sink = subprocess.Popen([sys.executable, "-m", "broadsheet.eval.newsletters", "sink",
                             str(port)], stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or sink.poll() is not None:
                    raise RuntimeError("the SMTP sink did not start") from None
                time.sleep(0.1)
        settings = SmtpSettings(host="127.0.0.1", port=port, from_addr="News <news@bench.test>",
                                connections=connections)
        started = time.perf_counter()
        report = send_issue(store, issue.id, settings, secret=b"k" * 32,
                            site_url="http://bench.test", on_sent=on_progress)
        elapsed = time.perf_counter() - started
    finally:
        sink.send_signal(signal.SIGTERM)
        out, _ = sink.communicate(timeout=30)
    received, unique = (int(x) for x in out.split())
    return SendBenchmark(report.sent, elapsed, report.sent / elapsed, received, unique)


def _sink(port: int) -> None:
    from aiosmtpd.controller import Controller

    counts = {"messages": 0}
    recipients: set[str] = set()

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
            counts["messages"] += 1
            recipients.update(envelope.rcpt_tos)
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    stop = asyncio.Event()
    loop = asyncio.new_event_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.run_until_complete(stop.wait())
    controller.stop()
    print(counts["messages"], len(recipients), flush=True)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "sink":
        _sink(int(sys.argv[2]))
