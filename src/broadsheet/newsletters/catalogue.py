"""The newsletters Broadsheet publishes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Newsletter:
    key: str
    title: str
    cadence: str  # daily | weekly
    description: str


NEWSLETTERS: dict[str, Newsletter] = {
    n.key: n for n in (
        Newsletter("morning-briefing", "The Morning Briefing", "daily",
                   "The ten things you need to know today, two lines each."),
        Newsletter("good-news", "Good News", "weekly",
                   "The most positive stories of the week."),
        Newsletter("best-articles", "Today's Best Articles", "daily",
                   "The strongest briefings and the most-cited pieces of the day."),
    )
}


def newsletter(key: str) -> Newsletter:
    try:
        return NEWSLETTERS[key]
    except KeyError:
        raise ValueError(
            f"unknown newsletter {key!r}: use one of {', '.join(NEWSLETTERS)}"
        ) from None
