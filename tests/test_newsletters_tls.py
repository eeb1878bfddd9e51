"""SMTP over TLS (STARTTLS and implicit TLS) against a loopback server with its own CA."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select

from broadsheet.newsletters.compose import issue_for, latest_day
from broadsheet.newsletters.mailer import (
    SessionFailure,
    SmtpConnection,
    SmtpSettings,
    send_issue,
)
from broadsheet.newsletters.subscriptions import add_confirmed
from broadsheet.store import Store
from broadsheet.store.schema import SendLogRow, SubscriberRow
from tests.support.site import build_site_store
from tests.support.smtp_server import smtp_sink

trustme = pytest.importorskip("trustme", reason="the TLS tests make their CA with trustme")


@pytest.fixture
def server_tls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ssl.SSLContext]:
    """A server context whose certificate (for 127.0.0.1) the client trusts: the test
    CA is the client's only CA file, as a self-hoster's private CA would be."""
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    yield context


def _message() -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = "Morning briefing"
    message["From"] = "news@example.test"
    message["To"] = "reader@example.test"
    message.set_content("Ferry service resumes.")
    return message


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_mail_goes_over_tls(server_tls: ssl.SSLContext, security: str) -> None:
    with smtp_sink(server_tls, implicit_tls=security == "tls") as sink:
        connection = SmtpConnection(
            SmtpSettings(host=sink.host, port=sink.port, security=security, timeout_s=5)
        )
        connection.send(_message(), "news@example.test", "reader@example.test")
        connection.close()
        (received,) = sink.to("reader@example.test")
        assert received.message["Subject"] == "Morning briefing"


def test_the_starttls_server_refuses_mail_sent_in_clear(server_tls: ssl.SSLContext) -> None:
    # The sink used above really insists on TLS: plain "none" gets no mail through, and
    # the refusal is the session's (the sender's), not the recipient's.
    with smtp_sink(server_tls) as sink:
        connection = SmtpConnection(SmtpSettings(host=sink.host, port=sink.port, timeout_s=5))
        with pytest.raises(SessionFailure, match="530") as refused:
            connection.send(_message(), "news@example.test", "reader@example.test")
        assert not refused.value.temporary
        connection.close()
        assert sink.messages == []


def test_a_send_the_server_refuses_stops_and_marks_no_subscriber(
    store: Store, server_tls: ssl.SSLContext
) -> None:
    build_site_store(store, events=4, hostile=False)
    readers = [f"reader{n}@example.org" for n in range(6)]
    with store.session() as session:
        for email in readers:
            add_confirmed(session, email, ["best-articles"])
        day = latest_day(session)
    issue = issue_for(store, "best-articles", day, site_url="http://news.test")
    with smtp_sink(server_tls) as sink:
        def settings(security: str) -> SmtpSettings:
            return SmtpSettings(host=sink.host, port=sink.port, security=security,
                                from_addr="Broadsheet <news@news.test>", backoff_s=0.01)

        # Misconfigured: in clear to a server that requires STARTTLS.
        report = send_issue(store, issue.id, settings("none"), secret=b"s" * 32,
                            site_url="http://news.test")
        assert report.stopped is not None and "530" in report.stopped
        assert (report.sent, report.failed, report.deferred) == (0, 0, 0)
        with store.session() as session:
            statuses = set(session.scalars(select(SubscriberRow.status)))
            assert statuses == {"confirmed"}  # nobody was marked bounced
            assert session.scalars(select(SendLogRow)).all() == []
        # Fixed: the rerun sends every copy, once.
        again = send_issue(store, issue.id, settings("starttls"), secret=b"s" * 32,
                           site_url="http://news.test")
        assert again.stopped is None and again.sent == len(readers)
        assert all(len(sink.to(email)) == 1 for email in readers)


def test_an_untrusted_certificate_is_refused(
    server_tls: ssl.SSLContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other_ca = trustme.CA()  # the client trusts only this one
    other_file = tmp_path / "other-ca.pem"
    other_ca.cert_pem.write_to_path(str(other_file))
    monkeypatch.setenv("SSL_CERT_FILE", str(other_file))
    with smtp_sink(server_tls) as sink:
        connection = SmtpConnection(
            SmtpSettings(host=sink.host, port=sink.port, security="starttls", timeout_s=5)
        )
        with pytest.raises(SessionFailure, match="CERTIFICATE_VERIFY_FAILED") as refused:
            connection.send(_message(), "news@example.test", "reader@example.test")
        assert not refused.value.temporary
        assert sink.messages == []
