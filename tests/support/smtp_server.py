"""A real SMTP server on loopback for tests (aiosmtpd), keeping every message it accepts.

``SmtpSink`` runs in a background thread of the test process. Recipients whose address
starts with "bounce" are refused permanently (550); "tempfail" ones are refused once with
451 and accepted on the retry. ``on_rcpt`` is called with the running count of RCPT
commands, so a test can act (kill a sender) at an exact point of the conversation.
"""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller


@dataclass
class Received:
    recipients: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)  # type: ignore[return-value]


@dataclass
class SmtpSink:
    host: str = "127.0.0.1"
    port: int = 0
    messages: list[Received] = field(default_factory=list)
    rcpt_count: int = 0
    on_rcpt: Callable[[int], None] | None = None
    _tempfailed: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def to(self, address: str) -> list[Received]:
        with self._lock:
            return [m for m in self.messages if address in m.recipients]

    # aiosmtpd handler hooks
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        with self._lock:
            self.rcpt_count += 1
            count = self.rcpt_count
        if self.on_rcpt:
            self.on_rcpt(count)
        if address.startswith("bounce"):
            return "550 5.1.1 No such user here"
        if address.startswith("tempfail") and address not in self._tempfailed:
            self._tempfailed.add(address)
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        with self._lock:
            self.messages.append(Received(list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


@contextmanager
def smtp_sink(
    tls: ssl.SSLContext | None = None, *, implicit_tls: bool = False
) -> Iterator[SmtpSink]:
    """A running sink. With ``tls`` (a server context) it offers STARTTLS and refuses
    mail without it; with ``implicit_tls`` as well, it speaks TLS from the first byte
    (SMTPS)."""
    sink = SmtpSink()
    # aiosmtpd's start-up probe cannot use port 0, so take a free port first.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        sink.port = probe.getsockname()[1]
    if tls is None:
        controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    elif implicit_tls:
        controller = Controller(sink, hostname="127.0.0.1", port=sink.port, ssl_context=tls)
    else:
        controller = Controller(
            sink, hostname="127.0.0.1", port=sink.port, tls_context=tls, require_starttls=True
        )
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()
