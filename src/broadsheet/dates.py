"""Dates: everything Broadsheet stores and compares is timezone-aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def as_utc(value: datetime | None) -> datetime | None:
    """Aware as given; naive values are UTC (SQLite hands datetimes back without a zone)."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def parse_published(value: str | datetime | None) -> datetime | None:
    """An ISO 8601 string or datetime as aware UTC; None when missing or unreadable."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return as_utc(value)
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return as_utc(parsed)
