"""Subscribing, confirming, changing preferences and unsubscribing.

Double opt-in: a new address is ``pending`` until its signed, expiring confirmation link
is opened. ``subscribe`` gives its caller the same result shape whatever the address's
state, so the web form can answer identically for a new and an existing subscriber.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from broadsheet.newsletters.catalogue import NEWSLETTERS
from broadsheet.newsletters.tokens import BadToken, make_token, read_token, verify_token
from broadsheet.store.schema import SubscriberRow

EDITIONS = ("us", "uk", "world")
# Deliberately plain: one @, a dotted domain of DNS labels, no spaces, quotes or brackets.
# Real deliverability is proven by the confirmation email, not by a cleverer pattern.
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@"
    r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)


class InvalidSubscription(ValueError):
    """The address, newsletter or edition is not acceptable."""


@dataclass(slots=True)
class SubscribeResult:
    subscriber_id: int
    confirm_token: str | None  # set when a confirmation email should go out


def normalise_email(value: str) -> str:
    email = value.strip()
    if not _EMAIL.match(email) or ".." in email:
        raise InvalidSubscription("please give a valid email address")
    local, domain = email.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def _check(newsletters: list[str], edition: str) -> list[str]:
    chosen = [n for n in NEWSLETTERS if n in set(newsletters)]
    unknown = set(newsletters) - set(NEWSLETTERS)
    if unknown:
        raise InvalidSubscription(f"unknown newsletter {sorted(unknown)[0]!r}")
    if not chosen:
        raise InvalidSubscription("choose at least one newsletter")
    if edition not in EDITIONS:
        raise InvalidSubscription(f"unknown edition {edition!r}")
    return chosen


def _new_key() -> str:
    return secrets.token_hex(16)


def subscribe(session: Session, secret: bytes, email: str, newsletters: list[str],
              edition: str = "world") -> SubscribeResult:
    email = normalise_email(email)
    chosen = _check(newsletters, edition)
    row = session.scalar(select(SubscriberRow).where(SubscriberRow.email == email))
    if row is None:
        row = SubscriberRow(email=email, status="pending", newsletters=chosen, edition=edition,
                            token_key=_new_key())
        session.add(row)
        session.flush()
    elif row.status == "confirmed":
        # Already subscribed: nothing changes and no email goes out (the form answers the
        # same either way, so it reveals nothing about who subscribes).
        return SubscribeResult(row.id, None)
    else:
        if row.status in ("unsubscribed", "bounced"):
            row.token_key = _new_key()
        row.status = "pending"
        row.newsletters = chosen
        row.edition = edition
    return SubscribeResult(row.id, make_token(secret, row.id, row.token_key, "confirm"))


def _subscriber(session: Session, secret: bytes, token: str, purpose: str) -> SubscriberRow:
    claims = read_token(token)
    row = session.get(SubscriberRow, claims.subscriber_id)
    if row is None:
        raise BadToken("this link is not valid")
    verify_token(secret, token, row.token_key, purpose)
    return row


def confirm(session: Session, secret: bytes, token: str) -> SubscriberRow:
    row = _subscriber(session, secret, token, "confirm")
    if row.status == "pending":
        row.status = "confirmed"
        row.confirmed_at = datetime.now(UTC)
    return row


def manage_token(secret: bytes, row: SubscriberRow) -> str:
    return make_token(secret, row.id, row.token_key, "manage")


def subscriber_for(session: Session, secret: bytes, token: str) -> SubscriberRow:
    """The subscriber a preferences or unsubscribe link belongs to."""
    return _subscriber(session, secret, token, "manage")


def unsubscribe(session: Session, secret: bytes, token: str) -> SubscriberRow:
    row = subscriber_for(session, secret, token)
    if row.status != "unsubscribed":
        row.status = "unsubscribed"
        row.unsubscribed_at = datetime.now(UTC)
    return row


def update_preferences(session: Session, secret: bytes, token: str, newsletters: list[str],
                       edition: str) -> SubscriberRow:
    row = subscriber_for(session, secret, token)
    if not newsletters:
        return unsubscribe(session, secret, token)
    row.newsletters = _check(newsletters, edition)
    row.edition = edition
    if row.status == "unsubscribed":
        row.status = "confirmed"  # the manage link proves the address; no new opt-in needed
        row.unsubscribed_at = None
    return row


def add_confirmed(session: Session, email: str, newsletters: list[str],
                  edition: str = "world") -> SubscriberRow:
    """For operators (the CLI): an address they vouch for, confirmed at once."""
    email = normalise_email(email)
    chosen = _check(newsletters, edition)
    row = session.scalar(select(SubscriberRow).where(SubscriberRow.email == email))
    if row is None:
        row = SubscriberRow(email=email, token_key=_new_key())
        session.add(row)
    row.status = "confirmed"
    row.newsletters = chosen
    row.edition = edition
    row.confirmed_at = datetime.now(UTC)
    session.flush()
    return row
