"""Tone: hard news negative, rescues / cures / breakthroughs positive, bounded."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from broadsheet.stories.tone import compound, sentences, story_tone, tone

BAD = [
    "Earthquake kills 300 in northern province",
    "Floods leave thousands homeless after river bursts its banks",
    "Wildfire destroys hundreds of homes as residents flee",
    "Gunman opens fire at school, killing five",
    "Death toll rises after train derailment",
    "Ferry capsizes with 200 aboard",
    "Bombing in market square leaves dozens dead",
    "Plane crash: no survivors",
]
GOOD = [
    "Miners rescued after ten days trapped underground",
    "New drug cures rare childhood cancer in trial",
    "Scientists announce breakthrough in malaria vaccine",
    "Toddler found alive after three days in rubble",
    "Volunteers save stranded whales on beach",
    "Firefighters rescue family from blaze",
]


@pytest.mark.parametrize("headline", BAD)
def test_disasters_score_negative(headline: str) -> None:
    assert compound(headline) < -0.3
    assert tone("Officials gave an update on Tuesday.", title=headline) < -0.1


@pytest.mark.parametrize("headline", GOOD)
def test_rescues_cures_and_breakthroughs_score_positive(headline: str) -> None:
    assert compound(headline) > 0.1
    assert tone("Officials gave an update on Tuesday.", title=headline) > 0.05


def test_neutral_news_is_near_zero() -> None:
    lead = "The committee will meet again in May."
    assert abs(tone(lead, title="Parliament debates budget")) < 0.1


def test_headline_outweighs_a_lead_sentence() -> None:
    lead = "Two people were hurt."
    good = tone(lead, title="Hikers rescued alive after week lost in mountains")
    assert good > 0
    assert good > tone("Hikers rescued alive after week lost in mountains.", title=lead)


def test_first_sentence_is_the_headline_without_a_title() -> None:
    text = "Earthquake kills hundreds. The government met on Monday. Schools will reopen."
    assert tone(text) < 0
    assert tone(text) == pytest.approx(
        (2 * compound("Earthquake kills hundreds.")
         + compound("The government met on Monday.") + compound("Schools will reopen."))
        / 4
    )


def test_only_the_lead_counts() -> None:
    lead = "A rescue team reached the climbers. All were safe. They were flown home."
    assert tone(lead + " " + "Disaster struck a week later. " * 20, title="Climbers saved") == (
        tone(lead, title="Climbers saved")
    )


def test_empty_text() -> None:
    assert tone("") == 0.0
    assert tone("", title="") == 0.0


def test_sentence_split() -> None:
    assert sentences('He said "Stop." Then he left. U.S. officials met at 3 p.m.\nNew') == [
        'He said "Stop."', "Then he left.", "U.S. officials met at 3 p.m.", "New",
    ]
    assert sentences("One. Two. Three. Four.", limit=2) == ["One.", "Two."]


def test_story_tone_is_the_clipped_mean() -> None:
    assert story_tone([0.5, -0.1]) == pytest.approx(0.2)
    assert story_tone([]) == 0.0
    assert story_tone([3.0, 1.0]) == 1.0
    assert story_tone([-3.0]) == -1.0
    assert story_tone([0.4, float("nan"), float("inf")]) == pytest.approx(0.4)


@given(st.text(max_size=400), st.one_of(st.none(), st.text(max_size=80)))
def test_tone_is_bounded(text: str, title: str | None) -> None:
    assert -1.0 <= tone(text, title=title) <= 1.0


@given(st.lists(st.floats(), max_size=20))
def test_story_tone_is_bounded(values: list[float]) -> None:
    assert -1.0 <= story_tone(values) <= 1.0
