"""Delivering newsletter issues by SMTP, exactly once per subscriber and issue.

The send log has one row per (issue, subscriber). Each copy's whole message goes to the
server first; then the copy is recorded ``committing`` and only then is the end-of-data
line sent that makes the server accept it; its 250 reply turns the record into ``sent``.
A restarted send skips every recorded copy. So a kill before the record leaves a message
the server never accepted (it discards data that did not end) and the copy is sent again;
a kill after it leaves a record, and the server has the complete message. The only
window left is the microseconds between the commit of ``committing`` and the write of
the end-of-data line, in which a kill would lose that copy; this is the sender's side of
the ambiguity RFC 1047 describes for all of SMTP, made as small as it can be. Every copy
also carries a stable Message-ID, so a receiver can drop a duplicate.

Temporary failures (4xx replies, lost connections) are retried with backoff and, if they
persist, left for the next run; a permanent failure (5xx) marks the copy ``failed`` and
the subscriber ``bounced`` when it refused the recipient (a refused message marks the copy
only). A server that refuses the session itself (STARTTLS, certificate, login, sender)
or cannot be reached after the retries stops the send: no subscriber is marked, and
every copy not sent is left for the next run. ``max_per_second`` throttles the whole
send.
"""

from __future__ import annotations

import base64
import contextlib
import email.policy
import os
import queue
import re
import secrets
import smtplib
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from html import escape
from typing import Any

from sqlalchemy import Connection, select, text

from broadsheet.newsletters.catalogue import newsletter
from broadsheet.newsletters.compose import PREFERENCES, UNSUBSCRIBE
from broadsheet.newsletters.subscriptions import manage_token
from broadsheet.store import Store
from broadsheet.store.schema import NewsletterIssueRow, SendLogRow, SubscriberRow


class SmtpConfigError(ValueError):
    """The [smtp] settings are unusable."""


@dataclass(slots=True)
class SmtpSettings:
    host: str = "127.0.0.1"
    port: int = 25
    security: str = "none"  # none | starttls | tls
    username: str | None = None
    password_env: str | None = None  # the password comes from this environment variable
    from_addr: str = "Broadsheet <newsletters@localhost>"
    max_per_second: float = 0.0  # 0: as fast as the server takes them
    timeout_s: float = 30.0
    retries: int = 3
    backoff_s: float = 1.0
    connections: int = 4  # SMTP sessions used in parallel by one send

    @classmethod
    def from_settings(cls, section: dict[str, Any] | None) -> SmtpSettings:
        settings = cls()
        for key, value in (section or {}).items():
            if not hasattr(settings, key):
                raise SmtpConfigError(f"unknown setting smtp.{key}")
            current = getattr(settings, key)
            expected = type(current) if current is not None else str
            if expected is float and isinstance(value, int):
                value = float(value)
            if not isinstance(value, expected) or isinstance(value, bool):
                raise SmtpConfigError(f"smtp.{key} must be {expected.__name__}")
            setattr(settings, key, value)
        if settings.connections < 1:
            raise SmtpConfigError("smtp.connections must be at least 1")
        if settings.security not in ("none", "starttls", "tls"):
            raise SmtpConfigError("smtp.security must be none, starttls or tls")
        return settings

    @property
    def password(self) -> str | None:
        return os.environ.get(self.password_env) if self.password_env else None


class TemporaryFailure(Exception):
    pass


class PermanentFailure(Exception):
    """The server refused this copy for good (5xx). ``bounce``: it refused the recipient
    (at RCPT), so the address is bad; a refused message (at DATA) says nothing of it."""

    def __init__(self, message: str, *, bounce: bool = True) -> None:
        super().__init__(message)
        self.bounce = bounce


class SessionFailure(Exception):
    """No session the server would take mail in: it cannot be reached, or it refuses
    STARTTLS, the certificate, the login or the sender itself (MAIL FROM). Nothing is
    wrong with any recipient and every copy would fail alike, so a send stops there,
    marks no subscriber and leaves the rest for the next run. ``temporary``: worth
    retrying (no connection, a 4xx reply)."""

    def __init__(self, message: str, *, temporary: bool) -> None:
        super().__init__(message)
        self.temporary = temporary


_LEADING_DOT = re.compile(rb"(?m)^\.")


class SmtpConnection:
    """One SMTP session, reopened when the server drops it."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def _open(self) -> smtplib.SMTP:
        try:
            return self._connect()
        except smtplib.SMTPResponseException as exc:  # STARTTLS or login refused
            raise SessionFailure(
                f"{exc.smtp_code} {_text(exc.smtp_error)}", temporary=exc.smtp_code < 500
            ) from exc
        except (smtplib.SMTPNotSupportedError, ssl.SSLCertVerificationError) as exc:
            raise SessionFailure(f"{exc}", temporary=False) from exc
        except (smtplib.SMTPException, OSError) as exc:  # unreachable, dropped, TLS failed
            raise SessionFailure(f"connection: {exc}", temporary=True) from exc

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context()
        if s.security == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout_s,
                                                  context=context)
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout_s)
        try:
            if s.security == "starttls":
                smtp.starttls(context=context)
            if s.username:
                smtp.login(s.username, s.password or "")
        except BaseException:
            with contextlib.suppress(OSError):
                smtp.close()
            raise
        # The end-of-data line is a tiny write right after the message; with Nagle's
        # algorithm it would wait for the peer's delayed ACK (~40 ms) on every copy.
        if smtp.sock is not None:
            smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return smtp

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[smtplib.SMTP]:
        """The open connection (opened if needed: ``SessionFailure`` when it cannot be),
        with SMTP errors turned into ``TemporaryFailure`` / ``PermanentFailure`` /
        ``SessionFailure`` and a lost connection closed."""
        if self._smtp is None:
            self._smtp = self._open()
        try:
            yield self._smtp
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            self._fail(code, reply)
        except smtplib.SMTPSenderRefused as exc:
            self._fail(exc.smtp_code, exc.smtp_error, stage="mail")
        except smtplib.SMTPDataError as exc:
            self._fail(exc.smtp_code, exc.smtp_error, stage="data")
        except smtplib.SMTPResponseException as exc:
            self._fail(exc.smtp_code, exc.smtp_error)
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self.close()
            raise TemporaryFailure(f"connection: {exc}") from exc

    def send(self, message: EmailMessage | bytes, sender: str, recipient: str) -> None:
        with self._transaction() as smtp:
            if isinstance(message, bytes):
                smtp.sendmail(sender, [recipient], message)
            else:
                smtp.send_message(message, from_addr=sender, to_addrs=[recipient])

    def send_logged(self, data: bytes, sender: str, recipient: str,
                    before_end: Callable[[], None]) -> None:
        """One SMTP transaction that calls ``before_end`` after the whole message is with
        the server and just before the end-of-data line that commits it.

        This is what makes a killed send safe to rerun: ``before_end`` records the copy as
        being committed, so a kill after it leaves a record (the server has the full data
        and its end follows in microseconds), and a kill before it leaves none (the server
        discards data that never ended, and the copy is sent again).
        """
        with self._transaction() as smtp:
            smtp.ehlo_or_helo_if_needed()
            options = [f"size={len(data)}"] if smtp.does_esmtp and smtp.has_extn("size") else []
            code, reply = smtp.mail(sender, options)
            if code != 250:
                self._fail(code, reply, stage="mail")
            code, reply = smtp.rcpt(recipient)
            if code not in (250, 251):
                self._fail(code, reply)
            code, reply = smtp.docmd("data")
            if code != 354:
                self._fail(code, reply, stage="data")
            body = _LEADING_DOT.sub(b"..", data)  # RFC 5321 dot-stuffing
            smtp.send(body if body.endswith(b"\r\n") else body + b"\r\n")
            before_end()
            smtp.send(b".\r\n")
            code, reply = smtp.getreply()
            if code != 250:
                self._fail(code, reply, stage="data")

    def _fail(self, code: int, reply: bytes | str, *, stage: str = "rcpt") -> None:
        """Raise the failure a refusal at ``stage`` (mail, rcpt or data) means."""
        text = _text(reply)
        if self._smtp is not None:
            try:
                self._smtp.rset()
            except (smtplib.SMTPException, OSError):
                self.close()
        if stage == "mail":  # the sender is refused, whoever the recipient
            raise SessionFailure(f"sender refused: {code} {text}", temporary=code < 500)
        if 400 <= code < 500:
            raise TemporaryFailure(f"{code} {text}")
        raise PermanentFailure(f"{code} {text}", bounce=stage == "rcpt")

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            self._smtp = None


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)


def _address(from_addr: str) -> str:
    return from_addr.rsplit("<", 1)[-1].rstrip(">").strip()


def _b64_lines(text: str) -> bytes:
    return base64.encodebytes(text.encode("utf-8")).replace(b"\n", b"\r\n")


class IssueMessages:
    """Every subscriber's copy of one issue, as wire-ready bytes.

    The shared headers are encoded once by the email package; each copy then only adds its
    own To, Date, Message-ID and unsubscribe headers and the two parts with that
    subscriber's links, base64-encoded (by the C codec). Rendering a copy is a few string
    operations, which is what lets one process send hundreds of copies a second.
    """

    def __init__(self, issue: NewsletterIssueRow, *, secret: bytes, site_url: str,
                 from_addr: str) -> None:
        self.issue = issue
        self.secret = secret
        self.site_url = site_url.rstrip("/")
        self.domain = _address(from_addr).rsplit("@", 1)[-1] or "localhost"
        shared = EmailMessage(policy=email.policy.SMTP)
        shared["Subject"] = issue.subject
        shared["From"] = from_addr
        shared["List-Id"] = f"{newsletter(issue.newsletter).title} " \
                            f"<{issue.newsletter}.{self.domain}>"
        shared["MIME-Version"] = "1.0"
        self.shared_headers = bytes(shared).split(b"\r\n\r\n", 1)[0] + b"\r\n"
        self.boundary = f"=_broadsheet_{secrets.token_hex(12)}"

    def message_id(self, subscriber_id: int) -> str:
        # Stable per copy, so a copy resent after a crash carries the same id.
        i = self.issue
        return f"<{i.newsletter}.{i.issue_date}.{i.edition}.{i.id}.{subscriber_id}@{self.domain}>"

    def render(self, subscriber: SubscriberRow) -> bytes:
        token = manage_token(self.secret, subscriber)
        unsubscribe_url = f"{self.site_url}/unsubscribe/{token}/"
        preferences_url = f"{self.site_url}/preferences/{token}/"
        text = self.issue.text.replace(UNSUBSCRIBE, unsubscribe_url).replace(
            PREFERENCES, preferences_url)
        html = self.issue.html.replace(UNSUBSCRIBE, escape(unsubscribe_url)).replace(
            PREFERENCES, escape(preferences_url))
        b = self.boundary
        head = (
            f"To: {subscriber.email}\r\n"
            f"Date: {format_datetime(datetime.now(UTC))}\r\n"
            f"Message-ID: {self.message_id(subscriber.id)}\r\n"
            # RFC 8058 one-click unsubscribe: the mail client POSTs to this URL.
            f"List-Unsubscribe: <{unsubscribe_url}>\r\n"
            "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
            f'Content-Type: multipart/alternative; boundary="{b}"\r\n\r\n'
            f"--{b}\r\nContent-Type: text/plain; charset=\"utf-8\"\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n"
        ).encode()
        middle = (f"--{b}\r\nContent-Type: text/html; charset=\"utf-8\"\r\n"
                  "Content-Transfer-Encoding: base64\r\n\r\n").encode()
        return b"".join((self.shared_headers, head, _b64_lines(text), middle, _b64_lines(html),
                         f"--{b}--\r\n".encode()))


def build_message(
    issue: NewsletterIssueRow, subscriber: SubscriberRow, *, secret: bytes, site_url: str,
    from_addr: str,
) -> bytes:
    """One subscriber's copy: text and HTML parts, and one-click unsubscribe headers."""
    return IssueMessages(issue, secret=secret, site_url=site_url,
                         from_addr=from_addr).render(subscriber)


def build_confirmation(email: str, confirm_url: str, *, from_addr: str, site_title: str,
                       site_url: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = f"Confirm your {site_title} subscription"
    message["From"] = from_addr
    message["To"] = email
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=_address(from_addr).rsplit("@", 1)[-1] or None)
    message.set_content(
        f"Someone (we hope you) asked to receive {site_title}'s newsletters at this address.\n\n"
        f"Confirm within 48 hours by opening this link:\n{confirm_url}\n\n"
        f"If it was not you, ignore this email: nothing will be sent.\n{site_url}/\n"
    )
    message.add_alternative(
        f"<p>Someone (we hope you) asked to receive {escape(site_title)}'s newsletters at "
        f"this address.</p><p><a href=\"{escape(confirm_url)}\">Confirm your subscription"
        f"</a> (the link works for 48 hours).</p><p>If it was not you, ignore this email: "
        f"nothing will be sent.</p>", subtype="html")
    return message


def send_confirmation(settings: SmtpSettings, email: str, confirm_url: str, *,
                      site_title: str, site_url: str) -> None:
    """Send one double opt-in email on its own SMTP session."""
    message = build_confirmation(email, confirm_url, from_addr=settings.from_addr,
                                 site_title=site_title, site_url=site_url)
    connection = SmtpConnection(settings)
    try:
        connection.send(message, _address(settings.from_addr), email)
    finally:
        connection.close()


@dataclass(slots=True)
class SendReport:
    recipients: int = 0
    sent: int = 0
    already_sent: int = 0
    failed: int = 0
    deferred: int = 0
    errors: list[str] = field(default_factory=list)
    # Why the send stopped before the end (the server refused the session), if it did;
    # the copies not tried are left for the next run.
    stopped: str | None = None


_UPSERT = text(
    "INSERT INTO send_log (issue_id, subscriber_id, status, attempts, message_id, last_error,"
    " updated_at) VALUES (:issue, :subscriber, :status, 1, :message_id, :error, :now)"
    " ON CONFLICT (issue_id, subscriber_id) DO UPDATE SET status = excluded.status,"
    " attempts = send_log.attempts + 1, last_error = excluded.last_error,"
    " updated_at = excluded.updated_at"
)


def _record(conn: Connection, issue_id: int, subscriber_id: int, status: str,
            message_id: str, error: str | None) -> None:
    # Its own short transaction: this commit is what makes a delivered copy count as
    # delivered, so it follows the server's 250 at once. (ON CONFLICT works in SQLite and
    # PostgreSQL alike.)
    conn.execute(_UPSERT, {"issue": issue_id, "subscriber": subscriber_id, "status": status,
                           "message_id": message_id, "error": error,
                           "now": datetime.now(UTC)})
    conn.commit()


class _Throttle:
    def __init__(self, per_second: float) -> None:
        self.interval = 1.0 / per_second if per_second > 0 else 0.0
        self.next_at = time.monotonic()
        self.lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self.lock:
            now = time.monotonic()
            at = max(self.next_at, now)
            self.next_at = at + self.interval
        if at > now:
            time.sleep(at - now)


def send_issue(
    store: Store, issue_id: int, settings: SmtpSettings, *, secret: bytes, site_url: str,
    on_sent: Callable[[int, int], None] | None = None,
) -> SendReport:
    """Send the issue to every confirmed subscriber of its newsletter and edition who has
    not had it yet, over ``settings.connections`` SMTP sessions. Safe to kill and rerun."""
    report = SendReport()
    with store.session() as session:
        issue = session.get(NewsletterIssueRow, issue_id)
        if issue is None:
            raise ValueError(f"no newsletter issue {issue_id}")
        done = set(session.scalars(select(SendLogRow.subscriber_id).where(
            SendLogRow.issue_id == issue_id,
            SendLogRow.status.in_(("sent", "committing", "failed")))))
        subscribers = [
            s for s in session.scalars(select(SubscriberRow).where(
                SubscriberRow.status == "confirmed").order_by(SubscriberRow.id))
            if issue.newsletter in (s.newsletters or [])
            and (issue.edition == "world" or s.edition == issue.edition)
        ]
    report.recipients = len(subscribers)
    report.already_sent = sum(1 for s in subscribers if s.id in done)
    todo: queue.SimpleQueue[SubscriberRow] = queue.SimpleQueue()
    for subscriber in subscribers:
        if subscriber.id not in done:
            todo.put(subscriber)
    messages = IssueMessages(issue, secret=secret, site_url=site_url,
                             from_addr=settings.from_addr)
    sender = _address(settings.from_addr)
    throttle = _Throttle(settings.max_per_second)
    lock = threading.Lock()
    # One writer at a time from this process: SQLite would otherwise answer a busy writer
    # by sleeping in growing steps, which costs far more than this brief wait.
    write_lock = threading.Lock()

    def record(conn: Connection, subscriber_id: int, status: str, message_id: str,
               error: str | None) -> None:
        with write_lock:
            _record(conn, issue_id, subscriber_id, status, message_id, error)

    stop = threading.Event()

    def worker() -> None:
        smtp = SmtpConnection(settings)
        with store.engine.connect() as conn:
            try:
                while not stop.is_set():
                    try:
                        subscriber = todo.get_nowait()
                    except queue.Empty:
                        return
                    _deliver(subscriber, smtp, conn)
            finally:
                smtp.close()

    def _deliver(subscriber: SubscriberRow, smtp: SmtpConnection, conn: Connection) -> None:
        data = messages.render(subscriber)
        message_id = messages.message_id(subscriber.id)
        for attempt in range(settings.retries + 1):
            throttle.wait()
            try:
                smtp.send_logged(data, sender, subscriber.email, lambda: record(
                    conn, subscriber.id, "committing", message_id, None))
            except SessionFailure as exc:
                if exc.temporary and attempt < settings.retries and not stop.is_set():
                    time.sleep(settings.backoff_s * 2 ** attempt)
                    continue
                # This copy is not recorded: it stays to do, like every one not tried.
                with lock:
                    if not stop.is_set():
                        stop.set()
                        report.stopped = str(exc)
                        report.errors.append(f"send stopped: {exc}")
            except TemporaryFailure as exc:
                if attempt < settings.retries:
                    time.sleep(settings.backoff_s * 2 ** attempt)
                    continue
                record(conn, subscriber.id, "deferred", message_id, str(exc))
                with lock:
                    report.deferred += 1
                    report.errors.append(f"{subscriber.email}: {exc}")
            except PermanentFailure as exc:
                record(conn, subscriber.id, "failed", message_id, str(exc))
                if exc.bounce:
                    with write_lock:
                        conn.execute(text("UPDATE subscribers SET status = 'bounced',"
                                          " last_error = :e WHERE id = :id"),
                                     {"e": str(exc), "id": subscriber.id})
                        conn.commit()
                with lock:
                    report.failed += 1
                    report.errors.append(f"{subscriber.email}: {exc}")
            else:
                record(conn, subscriber.id, "sent", message_id, None)
                with lock:
                    report.sent += 1
                    sent = report.sent
                if on_sent:
                    on_sent(sent, report.recipients - report.already_sent)
            return

    workers = [threading.Thread(target=worker, name=f"broadsheet-send-{n}")
               for n in range(min(settings.connections, max(1, todo.qsize())))]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    return report
