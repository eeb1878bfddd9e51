"""A send to 2,000 subscribers killed part-way (SIGKILL) and restarted: one copy each.

With one SMTP connection the kill lands at an exact point (the RCPT of one message), so
every subscriber must get exactly one copy. With several, another connection may be
inside the window ``newsletters/mailer.py`` documents (its copy recorded as being
committed, its end-of-data line not yet written) when the kill lands: that copy is lost,
never duplicated, and at most one per other connection.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from broadsheet.newsletters.compose import latest_day
from broadsheet.newsletters.subscriptions import add_confirmed
from broadsheet.store import Store
from broadsheet.store.schema import SendLogRow, SubscriberRow
from tests.support.site import build_site_store
from tests.support.smtp_server import smtp_sink

SUBSCRIBERS = 2000
KILL_AT = 700  # the sender dies during the SMTP conversation for this message


def _config(tmp_path: Path, port: int, connections: int) -> Path:
    config = tmp_path / "broadsheet.toml"
    config.write_text(
        f'data_dir = "{tmp_path / "data"}"\n'
        '[site]\nbase_url = "http://news.test"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nfrom_addr = "News <news@news.test>"\n'
        f"connections = {connections}\n"
    )
    return config


def _send(config: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "broadsheet", "--config", str(config), "send",
         "morning-briefing"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "COLUMNS": "200"},
    )


def _killed_and_resumed(tmp_path: Path, connections: int):  # type: ignore[no-untyped-def]
    """Send to every subscriber, SIGKILL the sender at the RCPT of message ``KILL_AT``,
    send again: (emails, copies per recipient, delivered before the restart, the
    restart's output, the store)."""
    store = Store(f"sqlite:///{tmp_path / 'data' / 'broadsheet.db'}")
    build_site_store(store, events=6, hostile=False)
    emails = [f"reader{n:04d}@example.org" for n in range(SUBSCRIBERS)]
    with store.session() as s:
        for email in emails:
            add_confirmed(s, email, ["morning-briefing"])
        assert latest_day(s) is not None

    with smtp_sink() as sink:
        config = _config(tmp_path, sink.port, connections)
        first = _send(config)
        killed = []

        def kill_part_way(count: int) -> None:
            if count == KILL_AT and not killed:
                os.kill(first.pid, signal.SIGKILL)
                killed.append(time.monotonic())

        sink.on_rcpt = kill_part_way
        first.wait(timeout=300)
        assert first.returncode == -signal.SIGKILL and killed
        # A copy whose end-of-data line left just before the kill is still being taken in
        # by the server thread: count once the server has gone quiet.
        delivered_before = _settled_count(sink)
        assert 0 < delivered_before < SUBSCRIBERS

        sink.on_rcpt = None
        second = _send(config)
        output, _ = second.communicate(timeout=300)
        assert second.returncode == 0, output
        copies = Counter(r for m in sink.messages for r in m.recipients)
    return emails, copies, delivered_before, output, store


def test_killed_send_resumes_and_everyone_gets_exactly_one_copy(tmp_path: Path) -> None:
    emails, copies, delivered_before, output, store = _killed_and_resumed(tmp_path, 1)
    store.close()
    assert f"{SUBSCRIBERS - delivered_before} sent" in output
    assert f"{delivered_before} already sent" in output
    assert set(copies) == set(emails)
    assert max(copies.values()) == 1 and sum(copies.values()) == SUBSCRIBERS


def test_a_parallel_send_killed_part_way_never_sends_a_copy_twice(tmp_path: Path) -> None:
    connections = 4
    emails, copies, delivered_before, output, store = _killed_and_resumed(tmp_path, connections)
    assert max(copies.values()) == 1  # never a duplicate
    missing = set(emails) - set(copies)
    assert len(missing) <= connections - 1, sorted(missing)
    # Each lost copy is one the killed sender had recorded as being committed.
    with store.session() as s:
        committing = set(s.scalars(
            select(SubscriberRow.email).join(SendLogRow, SendLogRow.subscriber_id ==
                                             SubscriberRow.id)
            .where(SendLogRow.status == "committing")
        ))
    store.close()
    assert missing <= committing
    # The restart skipped what was delivered and what was lost, and sent the rest.
    already = delivered_before + len(missing)
    assert f"{SUBSCRIBERS - already} sent, {already} already sent" in output


def _settled_count(sink, quiet_s: float = 0.5, limit_s: float = 10.0) -> int:  # type: ignore[no-untyped-def]
    """The sink's message count once it has not changed for ``quiet_s``."""
    deadline = time.monotonic() + limit_s
    count, since = len(sink.messages), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.05)
        now = len(sink.messages)
        if now != count:
            count, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet_s:
            break
    return count
