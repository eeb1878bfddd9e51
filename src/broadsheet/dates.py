"""Dates: everything Broadsheet stores and compares is timezone-aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def as_utc(value: datetime | None) -> datetime | None:
    """Aware as given; naive values are UTC (SQLite hands datetimes back without a zone)."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# Unix times at or above this are in milliseconds (in seconds it is the year 5138).
_MILLISECONDS_FROM = 10**11


def parse_published(value: object) -> datetime | None:
    """An ISO 8601 string, a datetime, or a Unix time (seconds, or milliseconds as
    JavaScript writes them) as aware UTC; None when missing or unreadable."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return as_utc(value)
    if isinstance(value, int | float):
        seconds = value / 1000 if abs(value) >= _MILLISECONDS_FROM else value
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):  # NaN, or beyond the year 9999
            return None
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return as_utc(parsed)
