"""Signed links for subscribers: confirm (expiring), preferences and unsubscribe.

A token is ``base64url(json payload) . hmac``; the HMAC covers the payload and the
subscriber's ``token_key``, so rotating that key (on unsubscribe and re-subscribe)
invalidates every link issued before. The confirmation link expires; preferences and
unsubscribe links must keep working from old emails, so they do not.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass

CONFIRM_TTL_S = 48 * 3600
PURPOSES = ("confirm", "manage")


class BadToken(ValueError):
    """The link is malformed, forged, expired or no longer valid."""


@dataclass(frozen=True, slots=True)
class TokenClaims:
    subscriber_id: int
    purpose: str
    expires: int | None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: bytes, payload: str, token_key: str) -> str:
    return _b64(hmac.new(secret, f"{payload}|{token_key}".encode(), hashlib.sha256).digest()[:20])


def make_token(secret: bytes, subscriber_id: int, token_key: str, purpose: str,
               *, now: float | None = None) -> str:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown token purpose {purpose!r}")
    expires = int((now or time.time()) + CONFIRM_TTL_S) if purpose == "confirm" else None
    payload = _b64(json.dumps({"s": subscriber_id, "p": purpose, "e": expires},
                              separators=(",", ":")).encode())
    return f"{payload}.{_sign(secret, payload, token_key)}"


def read_token(token: str) -> TokenClaims:
    """The claims of a token, unverified: the caller looks up the subscriber's key and
    then calls ``verify_token``."""
    try:
        payload, _signature = token.split(".")
        data = json.loads(_unb64(payload))
        return TokenClaims(int(data["s"]), str(data["p"]), data.get("e"))
    except (ValueError, KeyError, TypeError) as exc:
        raise BadToken("this link is not valid") from exc


def verify_token(secret: bytes, token: str, token_key: str, purpose: str,
                 *, now: float | None = None) -> TokenClaims:
    claims = read_token(token)
    payload, signature = token.split(".")
    if not hmac.compare_digest(signature.encode(), _sign(secret, payload, token_key).encode()):
        raise BadToken("this link is not valid")
    if claims.purpose != purpose:
        raise BadToken("this link is for something else")
    if claims.expires is not None and (now or time.time()) > claims.expires:
        raise BadToken("this link has expired: subscribe again for a new one")
    return claims
