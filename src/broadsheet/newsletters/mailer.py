"""Delivering newsletter issues by SMTP, exactly once per subscriber and issue.

The send log has one row per (issue, subscriber). A copy is recorded ``sent`` in the
same moment the SMTP server accepts it (its 250 reply to the message data), and a
restarted send skips every recorded copy, so a send killed at any point and run again
delivers each remaining copy once. The one window left is the one RFC 1047 describes for
all of SMTP: between the server's 250 and our commit (microseconds). A copy caught in it is
sent again with the same Message-ID, which receiving systems use to drop duplicates.

Temporary failures (4xx replies, lost connections) are retried with backoff and, if they
persist, left for the next run; a permanent failure (5xx) marks the copy ``failed`` and
the subscriber ``bounced``. ``max_per_second`` throttles the whole send.
"""

from __future__ import annotations

import contextlib
import os
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from html import escape
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

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
        if settings.security not in ("none", "starttls", "tls"):
            raise SmtpConfigError("smtp.security must be none, starttls or tls")
        return settings

    @property
    def password(self) -> str | None:
        return os.environ.get(self.password_env) if self.password_env else None


class TemporaryFailure(Exception):
    pass


class PermanentFailure(Exception):
    pass


class SmtpConnection:
    """One SMTP session, reopened when the server drops it."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def _open(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context()
        if s.security == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout_s,
                                                  context=context)
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout_s)
            if s.security == "starttls":
                smtp.starttls(context=context)
        if s.username:
            smtp.login(s.username, s.password or "")
        return smtp

    def send(self, message: EmailMessage, sender: str, recipient: str) -> None:
        try:
            if self._smtp is None:
                self._smtp = self._open()
            self._smtp.send_message(message, from_addr=sender, to_addrs=[recipient])
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            self._fail(code, reply)
        except smtplib.SMTPResponseException as exc:
            self._fail(exc.smtp_code, exc.smtp_error)
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self.close()
            raise TemporaryFailure(f"connection: {exc}") from exc

    def _fail(self, code: int, reply: bytes | str) -> None:
        text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
        if self._smtp is not None:
            try:
                self._smtp.rset()
            except (smtplib.SMTPException, OSError):
                self.close()
        if 400 <= code < 500:
            raise TemporaryFailure(f"{code} {text}")
        raise PermanentFailure(f"{code} {text}")

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            self._smtp = None


def _address(from_addr: str) -> str:
    return from_addr.rsplit("<", 1)[-1].rstrip(">").strip()


def build_message(
    issue: NewsletterIssueRow, subscriber: SubscriberRow, *, secret: bytes, site_url: str,
    from_addr: str,
) -> EmailMessage:
    """The subscriber's copy: text and HTML parts, and one-click unsubscribe headers."""
    token = manage_token(secret, subscriber)
    unsubscribe_url = f"{site_url}/unsubscribe/{token}/"
    preferences_url = f"{site_url}/preferences/{token}/"
    message = EmailMessage()
    message["Subject"] = issue.subject
    message["From"] = from_addr
    message["To"] = subscriber.email
    message["Date"] = format_datetime(datetime.now(UTC))
    domain = _address(from_addr).rsplit("@", 1)[-1] or "localhost"
    # Stable per copy, so a copy resent after a crash carries the same id.
    message["Message-ID"] = f"<{issue.newsletter}.{issue.issue_date}.{issue.edition}." \
                            f"{issue.id}.{subscriber.id}@{domain}>"
    message["List-Id"] = f"{newsletter(issue.newsletter).title} <{issue.newsletter}.{domain}>"
    # RFC 8058 one-click unsubscribe: the mail client POSTs to the https URL.
    message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(issue.text.replace(UNSUBSCRIBE, unsubscribe_url)
                        .replace(PREFERENCES, preferences_url))
    html = issue.html.replace(UNSUBSCRIBE, escape(unsubscribe_url)).replace(
        PREFERENCES, escape(preferences_url))
    message.add_alternative(html, subtype="html")
    return message


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


@dataclass(slots=True)
class SendReport:
    recipients: int = 0
    sent: int = 0
    already_sent: int = 0
    failed: int = 0
    deferred: int = 0
    errors: list[str] = field(default_factory=list)


def _record(store: Store, issue_id: int, subscriber_id: int, status: str, message_id: str,
            error: str | None) -> None:
    # A plain INSERT ... ON CONFLICT in its own short transaction: this commit is what
    # makes a delivered copy count as delivered, so it follows the server's 250 at once.
    now = datetime.now(UTC)
    values = {"issue_id": issue_id, "subscriber_id": subscriber_id, "status": status,
              "attempts": 1, "message_id": message_id, "last_error": error, "updated_at": now}
    with store.session() as session:
        if session.get_bind().dialect.name == "sqlite":
            stmt = sqlite_insert(SendLogRow).values(**values)
            stmt = stmt.on_conflict_do_update(
                index_elements=["issue_id", "subscriber_id"],
                set_={"status": status, "last_error": error, "updated_at": now,
                      "attempts": SendLogRow.attempts + 1},
            )
            session.execute(stmt)
        else:
            row = session.get(SendLogRow, (issue_id, subscriber_id))
            if row is None:
                session.add(SendLogRow(**values))
            else:
                row.status, row.last_error, row.updated_at = status, error, now
                row.attempts += 1


def send_issue(
    store: Store, issue_id: int, settings: SmtpSettings, *, secret: bytes, site_url: str,
    on_sent: Callable[[int, int], None] | None = None,
    connection: SmtpConnection | None = None,
) -> SendReport:
    """Send the issue to every confirmed subscriber of its newsletter and edition who has
    not had it yet. Safe to kill and run again."""
    report = SendReport()
    with store.session() as session:
        issue = session.get(NewsletterIssueRow, issue_id)
        if issue is None:
            raise ValueError(f"no newsletter issue {issue_id}")
        done = set(session.scalars(select(SendLogRow.subscriber_id).where(
            SendLogRow.issue_id == issue_id, SendLogRow.status.in_(("sent", "failed")))))
        subscribers = [
            s for s in session.scalars(select(SubscriberRow).where(
                SubscriberRow.status == "confirmed").order_by(SubscriberRow.id))
            if issue.newsletter in (s.newsletters or [])
            and (issue.edition == "world" or s.edition == issue.edition)
        ]
    report.recipients = len(subscribers)
    sender = _address(settings.from_addr)
    smtp = connection or SmtpConnection(settings)
    interval = 1.0 / settings.max_per_second if settings.max_per_second > 0 else 0.0
    next_at = time.monotonic()
    try:
        for subscriber in subscribers:
            if subscriber.id in done:
                report.already_sent += 1
                continue
            message = build_message(issue, subscriber, secret=secret, site_url=site_url,
                                    from_addr=settings.from_addr)
            for attempt in range(settings.retries + 1):
                if interval:
                    delay = next_at - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                    next_at = max(next_at, time.monotonic()) + interval
                try:
                    smtp.send(message, sender, subscriber.email)
                except TemporaryFailure as exc:
                    if attempt < settings.retries:
                        time.sleep(settings.backoff_s * 2 ** attempt)
                        continue
                    _record(store, issue_id, subscriber.id, "deferred", message["Message-ID"],
                            str(exc))
                    report.deferred += 1
                    report.errors.append(f"{subscriber.email}: {exc}")
                except PermanentFailure as exc:
                    _record(store, issue_id, subscriber.id, "failed", message["Message-ID"],
                            str(exc))
                    with store.session() as session:
                        row = session.get(SubscriberRow, subscriber.id)
                        row.status, row.last_error = "bounced", str(exc)
                    report.failed += 1
                    report.errors.append(f"{subscriber.email}: {exc}")
                else:
                    _record(store, issue_id, subscriber.id, "sent", message["Message-ID"], None)
                    report.sent += 1
                    if on_sent:
                        on_sent(report.sent, report.recipients)
                break
    finally:
        if connection is None:
            smtp.close()
    return report
