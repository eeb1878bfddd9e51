"""Newsletters end to end over a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import re
import socket
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from broadsheet.newsletters.compose import issue_for, latest_day
from broadsheet.newsletters.mailer import (
    PermanentFailure,
    SessionFailure,
    SmtpSettings,
    send_issue,
)
from broadsheet.newsletters.subscriptions import add_confirmed, subscribe
from broadsheet.newsletters.tokens import BadToken, make_token, verify_token
from broadsheet.publish.app import create_app
from broadsheet.publish.newsletters_web import RateLimiter
from broadsheet.publish.site import SiteConfig
from broadsheet.store import Store
from broadsheet.store.schema import SendLogRow, SubscriberRow
from tests.support.site import build_site_store
from tests.support.smtp_server import SmtpSink, smtp_sink

SECRET = b"s" * 32
SITE = SiteConfig(base_url="http://news.test")


@pytest.fixture
def built(store: Store) -> Store:
    build_site_store(store, events=8, hostile=False)
    return store


@pytest.fixture
def sink() -> SmtpSink:
    with smtp_sink() as server:
        yield server


def _smtp(sink: SmtpSink, **kw: object) -> SmtpSettings:
    return SmtpSettings(host=sink.host, port=sink.port, from_addr="Broadsheet <news@news.test>",
                        backoff_s=0.01, **kw)  # type: ignore[arg-type]


def _csrf(client: TestClient, path: str = "/subscribe/") -> str:
    page = client.get(path)
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def _day(store: Store) -> date:
    with store.session() as s:
        return latest_day(s)


def test_subscribe_confirm_receive_and_one_click_unsubscribe(built: Store, sink: SmtpSink) -> None:
    smtp = _smtp(sink)
    client = TestClient(create_app(built, SITE, secret=SECRET, smtp=smtp))
    token = _csrf(client)
    answer = client.post("/subscribe/", data={
        "csrf_token": token, "email": "reader@example.org",
        "newsletters": ["morning-briefing", "good-news"], "edition": "world"})
    assert answer.status_code == 200 and "Check your inbox" in answer.text

    confirmation = sink.to("reader@example.org")
    assert len(confirmation) == 1
    link = re.search(r"http://news\.test(/newsletters/confirm/[^/\s]+/)",
                     confirmation[0].message.get_body(("plain",)).get_content()).group(1)
    confirmed = client.get(link, follow_redirects=False)
    assert confirmed.status_code == 303
    assert confirmed.headers["location"].startswith("/preferences/")
    prefs = client.get(confirmed.headers["location"])
    assert "reader@example.org is confirmed" in prefs.text

    with built.session() as s:
        assert s.scalar(select(SubscriberRow.status)) == "confirmed"
    issue = issue_for(built, "morning-briefing", _day(built), site_url=SITE.base_url)
    report = send_issue(built, issue.id, smtp, secret=SECRET, site_url=SITE.base_url)
    assert (report.sent, report.recipients) == (1, 1)

    received = sink.to("reader@example.org")[-1].message
    assert received["Subject"] == issue.subject
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert received["Message-ID"].startswith("<morning-briefing.")
    assert received.get_content_type() == "multipart/alternative"
    parts = [p.get_content_type() for p in received.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    html = received.get_body(("html",)).get_content()
    assert "<table" in html and 'style="' in html and "<style" not in html  # CSS inlined
    text = received.get_body(("plain",)).get_content()
    assert "1. " in text and "http://news.test/story/" in text
    assert "%%" not in html and "%%" not in text

    unsubscribe = re.match(r"<http://news\.test(/unsubscribe/[^>]+)>",
                           received["List-Unsubscribe"]).group(1)
    assert unsubscribe.rstrip("/").split("/")[-1] in text  # also a link in the body
    one_click = client.post(unsubscribe, content=b"List-Unsubscribe=One-Click",
                            headers={"content-type": "application/x-www-form-urlencoded"})
    assert one_click.status_code == 200 and "no more newsletters" in one_click.text
    with built.session() as s:
        assert s.scalar(select(SubscriberRow.status)) == "unsubscribed"
    later = issue_for(built, "good-news", _day(built), site_url=SITE.base_url)
    assert send_issue(built, later.id, smtp, secret=SECRET, site_url=SITE.base_url).sent == 0


def test_same_answer_for_new_and_existing_addresses_and_csrf(built: Store, sink: SmtpSink) -> None:
    client = TestClient(create_app(built, SITE, secret=SECRET, smtp=_smtp(sink)))
    with built.session() as s:
        add_confirmed(s, "known@example.org", ["morning-briefing"])

    def post(email: str) -> str:
        form = {"csrf_token": _csrf(client), "email": email,
                "newsletters": ["morning-briefing"], "edition": "uk"}
        return client.post("/subscribe/", data=form).text

    fresh, known = post("new@example.org"), post("known@example.org")
    assert "Check your inbox" in fresh and fresh == known
    assert len(sink.to("new@example.org")) == 1 and sink.to("known@example.org") == []
    forged = client.post("/subscribe/", data={"csrf_token": "x.1.y", "email": "a@example.org",
                                              "newsletters": ["good-news"]})
    assert forged.status_code == 403
    bad = client.post("/subscribe/", data={"csrf_token": _csrf(client), "email": "not-an-email",
                                           "newsletters": ["good-news"]})
    assert bad.status_code == 400 and "valid email" in bad.text


def test_a_confirmation_that_cannot_be_sent_is_said_so(built: Store) -> None:
    def down(email: str, url: str) -> None:
        raise SessionFailure("connection: refused", temporary=True)

    def refused(email: str, url: str) -> None:
        raise PermanentFailure("550 5.1.1 No such user here")

    for deliver, status, words in ((down, 503, "could not send"), (refused, 400, "refused")):
        client = TestClient(create_app(built, SITE, secret=SECRET, send_confirmation=deliver))
        answer = client.post("/subscribe/", data={
            "csrf_token": _csrf(client), "email": "reader@example.org",
            "newsletters": ["good-news"]})
        assert answer.status_code == status and words in answer.text


def test_signups_are_rate_limited(built: Store) -> None:
    sent: list[str] = []
    client = TestClient(create_app(built, SITE, secret=SECRET, limiter=RateLimiter(per_client=3),
                                   send_confirmation=lambda email, url: sent.append(email)))
    codes = []
    for n in range(5):
        form = {"csrf_token": _csrf(client), "email": f"r{n}@example.org",
                "newsletters": ["good-news"]}
        codes.append(client.post("/subscribe/", data=form).status_code)
    assert codes == [200, 200, 200, 429, 429] and len(sent) == 3


def test_tokens_expire_and_cannot_be_forged() -> None:
    token = make_token(SECRET, 7, "key", "confirm", now=1000)
    assert verify_token(SECRET, token, "key", "confirm", now=2000).subscriber_id == 7
    with pytest.raises(BadToken, match="expired"):
        verify_token(SECRET, token, "key", "confirm", now=1000 + 49 * 3600)
    with pytest.raises(BadToken):
        verify_token(SECRET, token, "rotated-key", "confirm", now=2000)
    with pytest.raises(BadToken):
        verify_token(SECRET, token, "key", "manage", now=2000)
    with pytest.raises(BadToken):
        verify_token(b"other" * 8, token, "key", "confirm", now=2000)
    with pytest.raises(BadToken):
        verify_token(SECRET, "garbage", "key", "confirm")


def test_bounces_and_temporary_failures(built: Store, sink: SmtpSink) -> None:
    with built.session() as s:
        for email in ("ok@example.org", "bounce@example.org", "tempfail@example.org"):
            add_confirmed(s, email, ["best-articles"])
    issue = issue_for(built, "best-articles", _day(built), site_url=SITE.base_url)
    report = send_issue(built, issue.id, _smtp(sink), secret=SECRET, site_url=SITE.base_url)
    assert (report.sent, report.failed, report.deferred) == (2, 1, 0)
    with built.session() as s:
        status = dict(s.execute(select(SubscriberRow.email, SubscriberRow.status)).all())
        assert status["bounce@example.org"] == "bounced"
        log = dict(s.execute(select(SendLogRow.subscriber_id, SendLogRow.status)).all())
        assert sorted(log.values()) == ["failed", "sent", "sent"]
    assert len(sink.to("tempfail@example.org")) == 1  # retried once, delivered once
    again = send_issue(built, issue.id, _smtp(sink), secret=SECRET, site_url=SITE.base_url)
    assert again.sent == 0 and again.already_sent == 2


def test_an_unreachable_server_stops_the_send_and_loses_nothing(built: Store) -> None:
    with built.session() as s:
        for n in range(5):
            add_confirmed(s, f"reader{n}@example.org", ["best-articles"])
    issue = issue_for(built, "best-articles", _day(built), site_url=SITE.base_url)
    with socket.socket() as probe:  # a loopback port with nothing listening
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    down = SmtpSettings(host="127.0.0.1", port=closed, retries=2, backoff_s=0.01,
                        from_addr="Broadsheet <news@news.test>")
    report = send_issue(built, issue.id, down, secret=SECRET, site_url=SITE.base_url)
    assert report.stopped is not None and report.stopped.startswith("connection")
    assert (report.sent, report.failed, report.deferred) == (0, 0, 0)
    with built.session() as s:
        assert set(s.scalars(select(SubscriberRow.status))) == {"confirmed"}
        assert s.scalars(select(SendLogRow)).all() == []
    with smtp_sink() as sink:  # back up: the next run sends every copy
        again = send_issue(built, issue.id, _smtp(sink), secret=SECRET, site_url=SITE.base_url)
        assert again.sent == 5 and len(sink.messages) == 5


def test_archive_preview_and_preferences_pages(built: Store, sink: SmtpSink) -> None:
    client = TestClient(create_app(built, SITE, secret=SECRET, smtp=_smtp(sink)))
    issue = issue_for(built, "morning-briefing", _day(built), site_url=SITE.base_url)
    listing = client.get("/newsletters/morning-briefing/").text
    link = f"/newsletters/morning-briefing/{issue.issue_date}/world/"
    assert link in listing
    web = client.get(link)
    assert web.status_code == 200 and "<table" in web.text and "%%" not in web.text
    assert "script-src" not in web.headers["content-security-policy"]
    preview = client.get("/newsletters/good-news/preview/")
    assert preview.status_code == 200 and "Good News" in preview.text
    with built.session() as s:
        result = subscribe(s, SECRET, "prefs@example.org", ["good-news"], "us")
        row = s.get(SubscriberRow, result.subscriber_id)
        row.status = "confirmed"
        from broadsheet.newsletters.subscriptions import manage_token

        token = manage_token(SECRET, row)
    page = client.get(f"/preferences/{token}/")
    form = {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1),
            "newsletters": ["morning-briefing", "best-articles"], "edition": "uk"}
    saved = client.post(f"/preferences/{token}/", data=form)
    assert saved.status_code == 200 and "Saved." in saved.text
    with built.session() as s:
        row = s.get(SubscriberRow, result.subscriber_id)
        assert row.newsletters == ["morning-briefing", "best-articles"] and row.edition == "uk"
    assert client.get("/preferences/forged.token/").status_code == 400


def test_cli_invites_and_adds(tmp_path, sink: SmtpSink) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from broadsheet.cli import app

    config = tmp_path / "broadsheet.toml"
    config.write_text(f'data_dir = "{tmp_path / "data"}"\n[site]\nbase_url = "http://news.test"\n'
                      f'[smtp]\nhost = "127.0.0.1"\nport = {sink.port}\n')
    runner = CliRunner()
    invited = runner.invoke(app, ["--config", str(config), "subscribers", "add", "--invite",
                                  "--newsletter", "good-news", "friend@example.org"])
    assert invited.exit_code == 0, invited.output
    assert "1 confirmation email(s) sent" in invited.output
    assert "/newsletters/confirm/" in sink.to("friend@example.org")[0].message.get_body(
        ("plain",)).get_content()
    added = runner.invoke(app, ["--config", str(config), "subscribers", "add", "boss@example.org"])
    assert added.exit_code == 0 and sink.to("boss@example.org") == []
    listed = runner.invoke(app, ["--config", str(config), "subscribers", "list", "--json"])
    status = {r["email"]: r["status"] for r in map(__import__("json").loads,
                                                   listed.stdout.splitlines())}
    assert status == {"friend@example.org": "pending", "boss@example.org": "confirmed"}
    bad = runner.invoke(app, ["--config", str(config), "subscribers", "add", "nope"])
    assert bad.exit_code == 1 and "valid email" in bad.output
