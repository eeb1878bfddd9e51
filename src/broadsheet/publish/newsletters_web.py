"""The newsletter pages: sign-up, confirmation, preferences, unsubscribe, archive, preview.

Forms carry a CSRF token (a signed double-submit cookie). Sign-ups are rate-limited per
client address and in total, and answer the same whether or not the address was already
subscribed. The unsubscribe URL accepts RFC 8058 one-click POSTs from mail clients: the
signed token in the URL is what authorises it, so it needs no CSRF token.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from broadsheet.newsletters.catalogue import NEWSLETTERS
from broadsheet.newsletters.compose import PREFERENCES, UNSUBSCRIBE, compose_issue, latest_day
from broadsheet.newsletters.mailer import (
    PermanentFailure,
    SessionFailure,
    SmtpSettings,
    TemporaryFailure,
)
from broadsheet.newsletters.mailer import send_confirmation as send_confirmation_email
from broadsheet.newsletters.subscriptions import (
    InvalidSubscription,
    confirm,
    manage_token,
    subscribe,
    subscriber_for,
    unsubscribe,
    update_preferences,
)
from broadsheet.newsletters.tokens import BadToken
from broadsheet.publish.security import CsrfTokens
from broadsheet.publish.site import Site
from broadsheet.store import Store
from broadsheet.store.schema import NewsletterIssueRow

SIGNUPS_PER_CLIENT = 5
CLIENT_WINDOW_S = 15 * 60
SIGNUPS_PER_HOUR = 200
# An issue's web copy keeps the email's inline styles, so this page allows inline style
# (and nothing else inline: still no script at all).
ISSUE_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
             "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
THANKS = ("Thank you. If that address can receive our newsletters, a confirmation email is "
          "on its way: open the link in it within 48 hours to start receiving them.")
NOT_SENT = ("We could not send the confirmation email just now. Please sign up again in a "
            "few minutes: a new link will be sent.")


class RateLimiter:
    """Sliding-window limits: per client address and for the whole site."""

    def __init__(self, per_client: int = SIGNUPS_PER_CLIENT, window_s: float = CLIENT_WINDOW_S,
                 total_per_hour: int = SIGNUPS_PER_HOUR) -> None:
        self.per_client = per_client
        self.window_s = window_s
        self.total_per_hour = total_per_hour
        self._clients: dict[str, deque[float]] = defaultdict(deque)
        self._total: deque[float] = deque()
        self._lock = threading.Lock()

    def allow(self, client: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._clients[client]
            while hits and now - hits[0] > self.window_s:
                hits.popleft()
            while self._total and now - self._total[0] > 3600:
                self._total.popleft()
            if len(hits) >= self.per_client or len(self._total) >= self.total_per_hour:
                return False
            hits.append(now)
            self._total.append(now)
            return True


def make_newsletter_router(
    store: Store, site: Site, *, secret: bytes, smtp: SmtpSettings | None,
    limiter: RateLimiter | None = None,
    send_confirmation: Callable[..., None] | None = None,
) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    csrf = CsrfTokens(secret)
    limiter = limiter or RateLimiter()
    base_url = site.config.base_url.rstrip("/")

    def deliver_confirmation(email: str, url: str) -> None:
        if smtp is not None:
            send_confirmation_email(smtp, email, url, site_title=site.config.title,
                                    site_url=base_url)

    deliver = send_confirmation or deliver_confirmation

    def page(template: str, status: int = 200, cookie_token: str | None = None,
             **context: object) -> HTMLResponse:
        with store.session() as session:
            html = site.render_template(session, template, "/",
                                        newsletters=list(NEWSLETTERS.values()), **context)
        response = HTMLResponse(html, status_code=status,
                                headers={"cache-control": "no-store"})
        if cookie_token:
            response.set_cookie(CsrfTokens.COOKIE, cookie_token, max_age=csrf.max_age_s,
                                httponly=True, samesite="lax",
                                secure=base_url.startswith("https://"))
        return response

    def form_page(template: str = "subscribe.html", status: int = 200, **context: object
                  ) -> HTMLResponse:
        token = csrf.issue()
        return page(template, status, cookie_token=token, csrf_token=token, **context)

    async def checked_form(request: Request) -> dict[str, list[str]] | None:
        form = await request.form()
        fields: dict[str, list[str]] = defaultdict(list)
        for key, value in form.multi_items():
            if isinstance(value, str):
                fields[key].append(value[:400])
        token = (fields.get(CsrfTokens.FIELD) or [None])[0]
        if not csrf.valid(request.cookies.get(CsrfTokens.COOKIE), token):
            return None
        return fields

    def subscribe_context(**extra: object) -> dict[str, object]:
        return {"heading": "Newsletters", "form_action": "/subscribe/", "ask_email": True,
                "chosen": ["morning-briefing"], "chosen_edition": site.config.default_edition,
                "submit_label": "Subscribe", "archive": True, **extra}

    @router.get("/subscribe/")
    @router.get("/newsletters/")
    async def subscribe_form() -> HTMLResponse:
        return await run_in_threadpool(lambda: form_page(**subscribe_context()))

    @router.post("/subscribe/")
    async def subscribe_post(request: Request) -> HTMLResponse:
        fields = await checked_form(request)
        if fields is None:
            return await run_in_threadpool(lambda: form_page(
                status=403, **subscribe_context(error="The form had expired: please try again.")))
        client = request.client.host if request.client else "unknown"
        if not limiter.allow(client):
            return await run_in_threadpool(lambda: page(
                "message.html", 429, heading="Slow down",
                message="Too many sign-ups from here: please try again in a few minutes."))
        email = (fields.get("email") or [""])[0]
        chosen = fields.get("newsletters") or []
        edition = (fields.get("edition") or [site.config.default_edition])[0]

        def work() -> HTMLResponse:
            try:
                with store.session() as session:
                    result = subscribe(session, secret, email, chosen, edition)
            except InvalidSubscription as exc:
                return form_page(status=400, **subscribe_context(error=str(exc)))
            if result.confirm_token:
                try:
                    deliver(email, f"{base_url}/newsletters/confirm/{result.confirm_token}/")
                except PermanentFailure:  # the mail server refused this address
                    return form_page(status=400, **subscribe_context(
                        error="Our mail server refused that address: please check it."))
                except (TemporaryFailure, SessionFailure):
                    # The sign-up is kept; signing up again sends a new link.
                    return page("message.html", 503, heading="Not sent yet",
                                message=NOT_SENT)
            return page("message.html", heading="Check your inbox", message=THANKS)

        return await run_in_threadpool(work)

    @router.get("/newsletters/confirm/{token}/")
    async def confirm_link(token: str) -> Response:
        def work() -> Response:
            try:
                with store.session() as session:
                    row = confirm(session, secret, token[:600])
                    manage = manage_token(secret, row)
            except BadToken as exc:
                return page("message.html", 400, heading="Link not valid", message=str(exc))
            return RedirectResponse(f"/preferences/{manage}/?welcome=1", status_code=303)

        return await run_in_threadpool(work)

    def preferences_context(token: str, row, **extra: object) -> dict[str, object]:  # type: ignore[no-untyped-def]
        return {"heading": "Your newsletters", "form_action": f"/preferences/{token}/",
                "unsubscribe_action": f"/unsubscribe/{token}/", "ask_email": False,
                "chosen": list(row.newsletters or []) if row.status != "unsubscribed" else [],
                "chosen_edition": row.edition, "submit_label": "Save", **extra}

    @router.get("/preferences/{token}/")
    async def preferences(token: str, welcome: int = 0) -> HTMLResponse:
        def work() -> HTMLResponse:
            try:
                with store.session() as session:
                    row = subscriber_for(session, secret, token[:600])
            except BadToken as exc:
                return page("message.html", 400, heading="Link not valid", message=str(exc))
            note = (f"Welcome: {row.email} is confirmed." if welcome
                    else f"Newsletters for {row.email}.")
            return form_page(**preferences_context(token, row, message=note))

        return await run_in_threadpool(work)

    @router.post("/preferences/{token}/")
    async def preferences_post(request: Request, token: str) -> HTMLResponse:
        fields = await checked_form(request)

        def work() -> HTMLResponse:
            try:
                with store.session() as session:
                    row = subscriber_for(session, secret, token[:600])
                    if fields is None:
                        return form_page(status=403, **preferences_context(
                            token, row, error="The form had expired: please try again."))
                    row = update_preferences(
                        session, secret, token[:600], fields.get("newsletters") or [],
                        (fields.get("edition") or [row.edition])[0])
                    context = preferences_context(token, row, message="Saved.")
            except BadToken as exc:
                return page("message.html", 400, heading="Link not valid", message=str(exc))
            except InvalidSubscription as exc:
                return page("message.html", 400, heading="Not saved", message=str(exc))
            return form_page(**context)

        return await run_in_threadpool(work)

    @router.get("/unsubscribe/{token}/")
    async def unsubscribe_page(token: str) -> HTMLResponse:
        def work() -> HTMLResponse:
            try:
                with store.session() as session:
                    row = subscriber_for(session, secret, token[:600])
                    email = row.email
            except BadToken as exc:
                return page("message.html", 400, heading="Link not valid", message=str(exc))
            return page("subscribe.html", heading="Unsubscribe", newsletters_shown=False,
                        message=f"Stop all newsletters to {email}?",
                        unsubscribe_action=f"/unsubscribe/{token}/")

        return await run_in_threadpool(work)

    @router.post("/unsubscribe/{token}/")
    async def unsubscribe_post(token: str) -> HTMLResponse:
        def work() -> HTMLResponse:
            try:
                with store.session() as session:
                    row = unsubscribe(session, secret, token[:600])
                    email = row.email
            except BadToken as exc:
                return page("message.html", 400, heading="Link not valid", message=str(exc))
            return page("message.html", heading="Unsubscribed",
                        message=f"{email} will receive no more newsletters from us.")

        return await run_in_threadpool(work)

    @router.get("/newsletters/{key}/")
    async def archive(key: str) -> HTMLResponse:
        if key not in NEWSLETTERS:
            return await run_in_threadpool(lambda: page(
                "message.html", 404, heading="Not found", message="No such newsletter."))

        def work() -> HTMLResponse:
            from sqlalchemy import select

            with store.session() as session:
                issues = list(session.scalars(
                    select(NewsletterIssueRow).where(NewsletterIssueRow.newsletter == key)
                    .order_by(NewsletterIssueRow.issue_date.desc()).limit(400)))
            return page("issues.html", newsletter=NEWSLETTERS[key], issues=issues)

        return await run_in_threadpool(work)

    def web_copy(html: str) -> HTMLResponse:
        html = html.replace(UNSUBSCRIBE, "/subscribe/").replace(PREFERENCES, "/subscribe/")
        return HTMLResponse(html, headers={"content-security-policy": ISSUE_CSP,
                                           "cache-control": "public, max-age=300"})

    @router.get("/newsletters/{key}/preview/")
    async def preview(key: str, edition: str = "world") -> HTMLResponse:
        def work() -> HTMLResponse:
            with store.session() as session:
                day = latest_day(session) or date.today()
                issue = compose_issue(session, key, day, edition=edition, site_url=base_url,
                                      site_title=site.config.title)
            return web_copy(issue.html)

        if key not in NEWSLETTERS or edition not in ("us", "uk", "world"):
            return await run_in_threadpool(lambda: page(
                "message.html", 404, heading="Not found", message="No such newsletter."))
        return await run_in_threadpool(work)

    @router.get("/newsletters/{key}/{day}/{edition}/")
    async def issue_page(key: str, day: str, edition: str) -> HTMLResponse:
        def work() -> HTMLResponse:
            from sqlalchemy import select

            with store.session() as session:
                row = session.scalar(select(NewsletterIssueRow).where(
                    NewsletterIssueRow.newsletter == key, NewsletterIssueRow.issue_date == day,
                    NewsletterIssueRow.edition == edition))
                if row is None:
                    return page("message.html", 404, heading="Not found",
                                message="No such issue.")
                return web_copy(row.html)

        return await run_in_threadpool(work)

    return router
