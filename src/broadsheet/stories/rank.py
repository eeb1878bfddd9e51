"""Ranking stories: how important is a story right now, and who is (not) covering it.

``importance`` is a score in [0, 1):

    recency × (0.55 · reach + 0.20 · lean spread + 0.15 · country spread + 0.10 · depth)

* **reach** = ``log1p(n) / (log1p(n) + log1p(8))`` for ``n`` distinct outlets: strictly
  increasing with diminishing returns (8 outlets = 0.5, 80 ≈ 0.67), never 1, so a story
  covered by everyone still differs from one covered by everyone but one.
* **lean spread**: the effective number of sides covering it (the exponential of the
  Shannon entropy over left / center / right, where left = left + lean-left and right =
  right + lean-right), rescaled from 1..3 to 0..1. "unknown" outlets count for nothing:
  being unrated says nothing about who cares about a story.
* **country spread**: ``1 - 1 / effective number of countries`` (one country 0, two evenly
  0.5, four evenly 0.75): a story the whole world reports matters beyond one market.
* **depth**: ``log1p(a) / (log1p(a) + log1p(20))`` of ``a = max(article_count, n)``, a
  small bonus for follow-ups; taking the max keeps the score monotonic in outlets.
* **recency** = ``0.5 ** (age / 18 h)`` since the last article: a news day is ~18 waking
  hours, so yesterday's story has half its weight this morning. Undated stories count as
  one half-life old; timestamps in the future (clock skew) count as now.

``blindspot`` follows the usual definition: a story one side of the spectrum barely covers.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from broadsheet.models import LEANS

HALF_LIFE = timedelta(hours=18)
WEIGHTS = {"reach": 0.55, "lean": 0.20, "country": 0.15, "depth": 0.10}
REACH_HALF = 8  # outlets at which reach is 0.5
DEPTH_HALF = 20  # articles at which depth is 0.5
BLINDSPOT_SHARE = 1 / 5
BLINDSPOT_MIN_RATED = 3

_SIDES = {"left": "left", "lean-left": "left", "center": "center",
          "lean-right": "right", "right": "right"}


def normalise_lean(lean: str | None) -> str:
    """A lean label in the registry's vocabulary (``models.LEANS``); else "unknown"."""
    if not lean:
        return "unknown"
    folded = lean.strip().casefold().replace("_", "-").replace(" ", "-")
    folded = {"centre": "center", "leans-left": "lean-left", "leans-right": "lean-right",
              "left-center": "lean-left", "right-center": "lean-right"}.get(folded, folded)
    return folded if folded in LEANS else "unknown"


def coverage_by_lean(leans: Sequence[str]) -> dict[str, int]:
    """How many of the covering outlets (or articles) fall in each lean, all leans listed."""
    counts = Counter(normalise_lean(lean) for lean in leans)
    return {lean: counts.get(lean, 0) for lean in LEANS}


def _sides(leans: Sequence[str]) -> Counter[str]:
    return Counter(_SIDES[lean] for lean in map(normalise_lean, leans) if lean in _SIDES)


def blindspot(leans: Sequence[str]) -> str | None:
    """The side ("left" or "right") that barely covers a story, or None.

    A blindspot needs at least ``BLINDSPOT_MIN_RATED`` rated outlets, and one side at or
    under ``BLINDSPOT_SHARE`` of the rated coverage while the other side is over it; when
    both sides are under it (a centre-only story) neither has a blindspot.
    """
    sides = _sides(leans)
    rated = sum(sides.values())
    if rated < BLINDSPOT_MIN_RATED:
        return None
    left_low = sides["left"] <= BLINDSPOT_SHARE * rated
    right_low = sides["right"] <= BLINDSPOT_SHARE * rated
    if left_low and not right_low:
        return "left"
    if right_low and not left_low:
        return "right"
    return None


def _effective_number(counts: Sequence[int]) -> float:
    """exp(Shannon entropy): 1 for one group, k for k equal groups, 0 for none."""
    total = sum(counts)
    if total == 0:
        return 0.0
    entropy = -sum(c / total * math.log(c / total) for c in counts if c)
    return math.exp(entropy)


def lean_spread(leans: Sequence[str]) -> float:
    """0 (no rated outlet, or one side only) to 1 (left, center and right equally)."""
    effective = _effective_number(list(_sides(leans).values()))
    return max(0.0, min(1.0, (effective - 1.0) / 2.0))


def country_spread(countries: Sequence[str]) -> float:
    """0 for one (or no) country, ``1 - 1/k`` for ``k`` countries covering it equally."""
    counts = Counter(c.strip().casefold() for c in countries if c and c.strip())
    effective = _effective_number(list(counts.values()))
    return 0.0 if effective <= 1.0 else max(0.0, min(1.0, 1.0 - 1.0 / effective))


def recency(last_published: datetime | None, now: datetime) -> float:
    """``0.5 ** (age / HALF_LIFE)`` in [0, 1]; undated = one half-life old."""
    if last_published is None:
        return 0.5
    age = _as_utc(now) - _as_utc(last_published)
    hours = max(0.0, age.total_seconds() / 3600.0)
    return 0.5 ** (hours / (HALF_LIFE.total_seconds() / 3600.0))


def _saturating(n: float, half: float) -> float:
    return math.log1p(n) / (math.log1p(n) + math.log1p(half)) if n > 0 else 0.0


def importance(
    *,
    outlet_count: int,
    leans: Sequence[str],
    countries: Sequence[str],
    last_published: datetime | None,
    now: datetime,
    article_count: int,
) -> float:
    """How important a story is now, in [0, 1); see the module docstring for the formula."""
    outlets = max(0, outlet_count)
    articles = max(outlets, article_count, 0)
    core = (
        WEIGHTS["reach"] * _saturating(outlets, REACH_HALF)
        + WEIGHTS["lean"] * lean_spread(leans)
        + WEIGHTS["country"] * country_spread(countries)
        + WEIGHTS["depth"] * _saturating(articles, DEPTH_HALF)
    )
    return core * recency(last_published, now)


def _as_utc(moment: datetime) -> datetime:
    # Naive datetimes are taken as UTC, the store's convention.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
