"""Tone: is this good news or bad news? A score in [-1, 1] from the headline and lead.

Lexicon: VADER (``vaderSentiment``), whose 7,500-term lexicon ships inside the PyPI
package (``vaderSentiment/vader_lexicon.txt``), MIT-licensed (see the package's
``LICENSE.txt`` and its ``License: MIT License`` metadata). Nothing is downloaded at run
time, it is pure Python, it scores a sentence in microseconds, and its rules handle what a
bare word list gets wrong in headlines: negation ("no survivors"), intensifiers, "but"
shifts, and capitals. No model, no torch.

VADER was built for social media, so it lacks the vocabulary of hard news: "earthquake",
"wildfire", "deaths", "cures" and "breakthrough" are not in it at all, and it scores a
disease named as a subject ("cancer", -3.4) as if it were an event. ``NEWS_LEXICON``
(ours, on VADER's -4..+4 scale, written from general knowledge) adds disaster and
casualty terms, the good-news verbs of rescue, cure and discovery, and damps disease
names so "drug cures cancer" reads as good news. It is merged over VADER's lexicon.

Scoring: the title's compound score counts ``TITLE_WEIGHT`` times, each of the first
``LEAD_SENTENCES`` sentences once (headline tone matters most; later paragraphs drift into
background and quotes). Limitation: a lexicon reads words, not events, so "cancer deaths
fall" stays negative; good enough to rank "good news" candidates, not to judge them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from functools import lru_cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

TITLE_WEIGHT = 2.0
LEAD_SENTENCES = 3

NEWS_LEXICON: dict[str, float] = {
    # Disasters and their consequences.
    "earthquake": -2.5, "earthquakes": -2.5, "quake": -2.5, "aftershock": -1.8,
    "tsunami": -2.8, "flood": -2.0, "floods": -2.0, "flooding": -2.0, "flooded": -2.0,
    "hurricane": -2.0, "typhoon": -2.0, "cyclone": -2.0, "tornado": -2.0, "storm": -1.2,
    "wildfire": -2.2, "wildfires": -2.2, "blaze": -1.8, "inferno": -2.5, "drought": -1.8,
    "famine": -3.0, "landslide": -2.2, "mudslide": -2.2, "avalanche": -2.0,
    "eruption": -1.5, "derailment": -2.2, "derailed": -2.2, "shipwreck": -2.5,
    "capsized": -2.5, "capsizes": -2.5, "sank": -1.8, "sinks": -1.8, "explodes": -2.3,
    "collapses": -2.2, "outbreak": -1.8, "epidemic": -2.0, "pandemic": -2.0,
    "explosion": -2.3, "blast": -2.0, "bombing": -3.0, "bombings": -3.0, "shelling": -2.5,
    "airstrike": -2.5, "airstrikes": -2.5, "shooting": -2.8, "shootings": -2.8,
    "gunman": -2.5, "gunmen": -2.5, "massacre": -3.5, "stabbing": -2.8, "hostage": -2.5,
    "hostages": -2.5, "invasion": -2.0, "casualties": -2.5, "deaths": -2.6, "dies": -2.6,
    "dying": -2.6, "drowned": -3.0, "drowning": -2.8, "toll": -1.5, "wounded": -2.3,
    "homeless": -1.5, "displaced": -1.5, "evacuated": -1.2, "evacuation": -1.0,
    # The premise of a rescue story: bad, but not so bad that the rescue reads as bad news.
    "trapped": -1.2, "stranded": -0.8, "overdose": -2.5, "overdoses": -2.5, "recession": -2.0,
    "layoffs": -1.8, "bankruptcy": -2.0, "plunge": -1.5, "plunges": -1.5, "slump": -1.5,
    # Good-news verbs and nouns.
    "cure": 2.5, "cures": 2.5, "cured": 2.5, "breakthrough": 2.5, "breakthroughs": 2.5,
    "rescued": 2.8, "rescues": 2.5, "rescuers": 1.5, "survivors": 1.5, "survive": 1.5,
    "reunited": 2.2, "recovered": 1.5, "recovery": 1.2, "recovers": 1.5,
    "lifesaving": 2.5, "life-saving": 2.5, "saves": 2.2, "saving": 1.8, "milestone": 1.5,
    "discovery": 1.2, "discovers": 1.2, "donated": 1.5, "donation": 1.5,
    "volunteers": 1.0, "ceasefire": 1.0, "reopens": 1.0, "reopened": 1.0,
    # Diseases named as a topic: negative, but not so much that a cure reads as bad news.
    "cancer": -1.2, "cancers": -1.2, "disease": -1.0, "diseases": -1.0, "tumour": -1.2,
    "tumor": -1.2, "malaria": -1.0, "dementia": -1.0,
}

# A sentence ends at . ! or ? (and any closing quote) before a capital or digit.
_SENTENCE_END_RE = re.compile(r"([.!?][\"'”’)]*)\s+(?=[\"'“‘(]?[A-Z0-9])")


@lru_cache(maxsize=1)
def _analyzer() -> SentimentIntensityAnalyzer:
    analyzer = SentimentIntensityAnalyzer()  # reads the bundled lexicon once
    analyzer.lexicon.update(NEWS_LEXICON)
    return analyzer


def sentences(text: str, limit: int | None = None) -> list[str]:
    """Split ``text`` into sentences (punctuation followed by a capital, or a newline)."""
    parts = [p.strip() for p in _SENTENCE_END_RE.sub("\\1\n", text).splitlines()]
    found = [p for p in parts if p]
    return found if limit is None else found[:limit]


def compound(sentence: str) -> float:
    """VADER's compound score of one sentence, with the news lexicon, in [-1, 1]."""
    return float(_analyzer().polarity_scores(sentence)["compound"])


def tone(text: str, title: str | None = None) -> float:
    """Tone in [-1, 1] (negative = bad news) of an article's title and lead sentences.

    Without ``title``, the first sentence of ``text`` is taken as the headline (a lede
    carries the headline's tone). Returns 0.0 for empty input.
    """
    lead = sentences(text or "", LEAD_SENTENCES + (0 if title else 1))
    headline = title.strip() if title else (lead.pop(0) if lead else "")
    weighted = [(TITLE_WEIGHT, headline)] if headline else []
    weighted += [(1.0, sentence) for sentence in lead]
    if not weighted:
        return 0.0
    total = sum(weight for weight, _ in weighted)
    score = sum(weight * compound(sentence) for weight, sentence in weighted) / total
    return max(-1.0, min(1.0, score))


def story_tone(article_tones: Sequence[float]) -> float:
    """A story's tone: the mean of its articles' tones, clipped to [-1, 1]; 0.0 if none.

    Non-finite values (a failed score) are left out rather than poisoning the mean."""
    values = [max(-1.0, min(1.0, t)) for t in article_tones if math.isfinite(t)]
    if not values:
        return 0.0
    return max(-1.0, min(1.0, math.fsum(values) / len(values)))
