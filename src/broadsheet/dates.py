"""Dates: everything Broadsheet stores and compares is timezone-aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from dateutil import parser as dateutil_parser


def as_utc(value: datetime | None) -> datetime | None:
    """Aware as given; naive values are UTC (SQLite hands datetimes back without a zone)."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# Unix times at or above this are in milliseconds (in seconds it is the year 5138).
_MILLISECONDS_FROM = 10**11


# Two defaults that differ in every part a date needs: a part taken from the default
# would differ between the two readings.
_DEFAULTS = (datetime(2000, 1, 1), datetime(2001, 2, 2))
_LONGEST_DATE = 80  # "Wednesday, 3 January 2018 10:00:00 Central European Summer Time" fits


def parse_published(value: object) -> datetime | None:
    """A date as aware UTC, or None when missing or unreadable: an ISO 8601 string, a
    datetime, a Unix time (seconds, or milliseconds as JavaScript writes them; also as a
    string), an RFC 2822 date as feeds and mail write them, or another written-out date
    with a year, month and day ("January 3, 2018"). A naive time is taken as UTC."""
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
    text = value.strip()
    try:
        return as_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        pass
    if text.isdigit():  # a Unix time as text; "2018" or "12" alone is no date
        return parse_published(int(text)) if len(text) >= 9 else None
    if len(text) > _LONGEST_DATE:
        return None  # no date: not worth the parsers' time (a hostile feed may send MBs)
    try:
        return as_utc(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError):
        pass
    return _written_out(text)


def _written_out(text: str) -> datetime | None:
    """Any other date dateutil reads, if it names a year, a month and a day: "2018" or
    "Monday" alone would otherwise be completed from today's date."""
    try:
        first, second = (dateutil_parser.parse(text, default=d) for d in _DEFAULTS)
    except (ValueError, OverflowError):
        return None
    if (first.year, first.month, first.day) != (second.year, second.month, second.day):
        return None
    return as_utc(first)
