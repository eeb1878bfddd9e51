"""Invented news articles for story tests: many events, several outlets each.

Each event gets its own made-up names, place and subject words, so which articles belong
together is known exactly; filler sentences are shared by all events, as real reporting
shares its everyday vocabulary.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

SYLLABLES = [
    "ka", "lo", "mir", "zan", "tev", "or", "bel", "qu", "ris", "dan", "vo", "sel", "tra",
    "nim", "pha", "gul", "ext", "yor", "fen", "sha", "ul", "bra", "kor", "vin", "ta", "mel",
]
SUBJECTS = [
    "ferry", "reservoir", "tariff", "vaccine", "election", "strike", "bridge", "satellite",
    "wildfire", "merger", "court ruling", "summit", "budget", "stadium", "earthquake",
    "pipeline", "museum", "pension", "drought", "festival", "cyberattack", "rail line",
]
FILLER = [
    "Officials said more details would be released later in the week.",
    "The announcement came after months of discussion behind closed doors.",
    "Critics argued that the decision had been rushed and poorly explained.",
    "Supporters said the move was long overdue and would help families.",
    "Local residents gathered to watch as the news spread across the region.",
    "Analysts expect the consequences to be felt for several years.",
    "A spokesperson declined to comment on the record when contacted.",
    "The figures were published in a report released on the same day.",
]


def _name(rng: random.Random, parts: int = 2) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(parts)).capitalize()


@dataclass(slots=True)
class FakeArticle:
    event: int
    title: str
    text: str
    published: datetime
    outlet: str


def make_events(
    events: int, per_event: int, outlets: list[str], *, seed: int = 7,
    start: datetime = datetime(2026, 3, 1, 6, tzinfo=UTC), spacing_h: float = 5.0,
) -> list[FakeArticle]:
    """``events`` events of ``per_event`` articles, returned in publication order."""
    rng = random.Random(seed)
    articles: list[FakeArticle] = []
    for event in range(events):
        person = f"{_name(rng)} {_name(rng, 3)}"
        place = _name(rng, 3)
        subject = rng.choice(SUBJECTS)
        agency = f"{_name(rng)} {rng.choice(['Council', 'Authority', 'Institute', 'Group'])}"
        figure = rng.randint(12, 9800)
        when = start + timedelta(hours=event * spacing_h)
        for i in range(per_event):
            core = [
                f"{person} said the {subject} in {place} would change how the {agency} works.",
                f"The {agency} confirmed that {figure} people in {place} were affected.",
                f"According to {person}, the {subject} plan for {place} had been agreed.",
                f"In {place}, the {agency} and {person} met again to discuss the {subject}.",
            ]
            rng.shuffle(core)
            body = core + rng.sample(FILLER, 3)
            rng.shuffle(body)
            title = rng.choice([
                f"{person} unveils {place} {subject} plan",
                f"{place} {subject}: {agency} responds to {person}",
                f"What the {place} {subject} means, according to {person}",
            ])
            articles.append(FakeArticle(
                event=event, title=title, text=" ".join(body),
                published=when + timedelta(minutes=17 * i), outlet=outlets[i % len(outlets)],
            ))
    articles.sort(key=lambda a: a.published)
    return articles
