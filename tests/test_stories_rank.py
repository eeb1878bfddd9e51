"""Story ranking: reach with diminishing returns, spread across leans and countries, decay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from broadsheet.models import LEANS
from broadsheet.stories.rank import (
    HALF_LIFE,
    blindspot,
    country_spread,
    coverage_by_lean,
    importance,
    lean_spread,
    normalise_lean,
    recency,
)

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def score(n: int, leans: list[str] | None = None, countries: list[str] | None = None,
          age: timedelta = timedelta(0), articles: int | None = None) -> float:
    return importance(
        outlet_count=n,
        leans=leans if leans is not None else ["unknown"] * n,
        countries=countries if countries is not None else ["us"] * n,
        last_published=NOW - age,
        now=NOW,
        article_count=articles if articles is not None else n,
    )


def test_more_outlets_rank_higher_with_diminishing_returns() -> None:
    scores = [score(n) for n in (1, 2, 4, 8, 16, 32)]
    assert scores == sorted(scores) and len(set(scores)) == len(scores)
    gains = [b - a for a, b in pairwise(scores)]
    assert gains == sorted(gains, reverse=True)  # each doubling adds less


def test_spread_across_the_spectrum_beats_one_side_with_the_same_count() -> None:
    spread = score(6, leans=["left", "lean-left", "center", "center", "lean-right", "right"])
    one_side = score(6, leans=["left", "left", "lean-left", "left", "lean-left", "left"])
    assert spread > one_side
    assert lean_spread(["left", "center", "right"]) == pytest.approx(1.0)
    assert lean_spread(["left", "lean-left"]) == 0.0


def test_unknown_lean_counts_for_nothing() -> None:
    assert lean_spread(["unknown", "unknown", "left"]) == lean_spread(["left"]) == 0.0
    assert score(3, leans=["left", "right", "unknown"]) == score(3, leans=["left", "right"])


def test_more_countries_rank_higher() -> None:
    assert score(4, countries=["us", "gb", "fr", "in"]) > score(4, countries=["us"] * 4)
    assert country_spread(["us"]) == 0.0
    assert country_spread(["us", "gb"]) == pytest.approx(0.5)
    assert country_spread([]) == 0.0


def test_score_decays_with_a_half_life() -> None:
    fresh = score(5)
    assert score(5, age=HALF_LIFE) == pytest.approx(fresh / 2)
    assert score(5, age=2 * HALF_LIFE) == pytest.approx(fresh / 4)
    # A big story from two days ago sinks below a modest story from this hour.
    assert score(30, age=timedelta(days=2)) < score(5)


def test_recency_edge_cases() -> None:
    assert recency(None, NOW) == 0.5
    assert recency(NOW + timedelta(hours=3), NOW) == 1.0  # clock skew: treated as now
    naive = datetime(2024, 5, 1, 12, 0)
    assert recency(naive, NOW) == 1.0


def test_more_articles_per_outlet_adds_a_little() -> None:
    assert score(3, articles=12) > score(3, articles=3)
    assert score(3, articles=12) < score(4, articles=4) + 0.1


def test_no_coverage_scores_zero() -> None:
    assert score(0, leans=[], countries=[]) == 0.0


def test_coverage_by_lean_lists_every_lean() -> None:
    counts = coverage_by_lean(["left", "Lean Left", "centre", "right", "??", "lean_right"])
    assert list(counts) == list(LEANS)
    assert counts == {"left": 1, "lean-left": 1, "center": 1, "lean-right": 1, "right": 1,
                      "unknown": 1}
    assert normalise_lean(None) == "unknown"


def test_blindspot() -> None:
    # 1 of 6 rated outlets on the left: a blindspot for the left.
    assert blindspot(["left", "right", "right", "lean-right", "center", "right"]) == "left"
    assert blindspot(["lean-left", "left", "left", "center", "left"]) == "right"
    # Balanced coverage, too few rated outlets, or a centre-only story: none.
    assert blindspot(["left", "right", "center"]) is None
    assert blindspot(["right", "right", "unknown", "unknown"]) is None
    assert blindspot(["center", "center", "center"]) is None
    # Exactly 1/5 is still a blindspot.
    assert blindspot(["left", "right", "right", "right", "right"]) == "left"


LEAN = st.sampled_from([*LEANS, "Lean Left", "centre", "bogus"])
COUNTRY = st.sampled_from(["us", "gb", "fr", "de", "in", "", "US"])


@given(
    n=st.integers(min_value=0, max_value=500),
    extra=st.integers(min_value=1, max_value=50),
    articles=st.integers(min_value=0, max_value=2000),
    leans=st.lists(LEAN, max_size=30),
    countries=st.lists(COUNTRY, max_size=30),
    age_h=st.one_of(st.none(), st.floats(min_value=-48, max_value=24 * 60)),
)
def test_importance_is_bounded_and_monotonic_in_outlets(
    n: int, extra: int, articles: int, leans: list[str], countries: list[str],
    age_h: float | None,
) -> None:
    last = None if age_h is None else NOW - timedelta(hours=age_h)

    def at(outlets: int) -> float:
        return importance(outlet_count=outlets, leans=leans, countries=countries,
                          last_published=last, now=NOW, article_count=articles)

    low, high = at(n), at(n + extra)
    assert 0.0 <= low < 1.0 and 0.0 <= high < 1.0
    assert high > low  # within 60 days the decay never flattens the difference away


@given(
    n=st.integers(min_value=1, max_value=200),
    leans=st.lists(LEAN, max_size=20),
    a=st.floats(min_value=0, max_value=24 * 30),
    b=st.floats(min_value=0, max_value=24 * 30),
)
def test_importance_never_rises_with_age(n: int, leans: list[str], a: float, b: float) -> None:
    younger, older = sorted((a, b))

    def at(age_h: float) -> float:
        return importance(outlet_count=n, leans=leans, countries=["us"],
                          last_published=NOW - timedelta(hours=age_h), now=NOW,
                          article_count=n)

    assert at(older) <= at(younger)


@given(st.lists(LEAN, max_size=40))
def test_blindspot_and_spread_are_well_formed(leans: list[str]) -> None:
    assert blindspot(leans) in (None, "left", "right")
    assert 0.0 <= lean_spread(leans) <= 1.0
    assert sum(coverage_by_lean(leans).values()) == len(leans)
