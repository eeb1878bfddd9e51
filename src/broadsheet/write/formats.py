"""Briefing formats: how a briefing is presented, chosen from the story's features.

* **In the Spotlight** (``spotlight``): one person is at the centre. They speak in at least
  half of the attributed statements and quotes and are named in the headline. Their quotes
  come first and the kicker names them.
* **Talking Point** (``talking-point``): commentary dominates. At least 40% of the
  articles are opinion pieces, or attributed statements outnumber facts two to one with
  two or more sides speaking. What they're saying comes before the facts.
* **Today's Big Question** (``big-question``): the headline, or two or more outlets'
  headlines, ask a question. The question leads and the sides answer it.
* **The Explainer** (``explainer``): a developing matter. Its thread has three or more
  stories, or eight or more outlets cover it. Background and the timeline come before the
  sides.
* **Speed Read** (``speed-read``): everything else, a short story. The summary is cut to
  about 60 words, with three facts, one voice per side and two quotes.

The first rule that holds wins, in this order. Any story's format can be fixed by
configuration (``[formats] "STORY_ID" = "explainer"``) or ``broadsheet brief --format``.
The format only selects and orders sentences the briefing already has: it never writes
new text, so the faithfulness guarantee is unchanged.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

FORMATS: dict[str, str] = {
    "spotlight": "In the Spotlight",
    "talking-point": "Talking Point",
    "big-question": "Today's Big Question",
    "explainer": "The Explainer",
    "speed-read": "Speed Read",
}
# The order of the story page's parts in each format.
ORDER: dict[str, list[str]] = {
    "spotlight": ["summary", "quotes", "facts", "perspectives", "timeline", "players"],
    "talking-point": ["summary", "perspectives", "quotes", "facts", "timeline", "players"],
    "big-question": ["summary", "perspectives", "facts", "quotes", "timeline", "players"],
    "explainer": ["summary", "facts", "timeline", "perspectives", "quotes", "players"],
    "speed-read": ["summary", "facts", "perspectives", "quotes", "timeline", "players"],
}
SPEED_READ_WORDS = 60
OPINION_SHARE = 0.4
SPOTLIGHT_SHARE = 0.5
EXPLAINER_THREAD = 3
EXPLAINER_OUTLETS = 8


@dataclass(slots=True)
class StoryFeatures:
    headline: str
    titles: list[str]
    outlets: int
    thread_size: int = 1
    opinion_share: float = 0.0


def _speakers(record: dict[str, Any]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for p in record.get("perspectives") or []:
        if p.get("speaker"):
            counts[p["speaker"]] += len(p.get("statements") or [])
    for q in record.get("quotes") or []:
        if q.get("speaker"):
            counts[q["speaker"]] += 1
    return counts


def spotlight_person(record: dict[str, Any], headline: str) -> str | None:
    counts = _speakers(record)
    total = sum(counts.values())
    if not counts or total < 3:
        return None
    name, n = counts.most_common(1)[0]
    surname = name.split()[-1]
    if n / total >= SPOTLIGHT_SHARE and (name in headline or surname in headline):
        return name
    return None


def choose_format(record: dict[str, Any], features: StoryFeatures) -> str:
    if spotlight_person(record, features.headline):
        return "spotlight"
    statements = sum(len(p.get("statements") or []) for p in record.get("perspectives") or [])
    sides = {p.get("lean") for p in record.get("perspectives") or []} - {None, "unknown"}
    facts = len(record.get("facts") or [])
    if features.opinion_share >= OPINION_SHARE or (
        statements >= 2 * max(facts, 1) and len(sides) >= 2
    ):
        return "talking-point"
    questions = sum(1 for t in features.titles if t.strip().endswith("?"))
    if features.headline.strip().endswith("?") or questions >= 2:
        return "big-question"
    if features.thread_size >= EXPLAINER_THREAD or features.outlets >= EXPLAINER_OUTLETS:
        return "explainer"
    return "speed-read"


def _first_words(sentences: list[dict[str, Any]], words: int) -> list[dict[str, Any]]:
    """Whole sentences up to about ``words`` words (at least one)."""
    out: list[dict[str, Any]] = []
    total = 0
    for s in sentences:
        n = len(s["text"].split())
        if out and total + n > words:
            break
        out.append(s)
        total += n
    return out


def apply_format(record: dict[str, Any], fmt: str, features: StoryFeatures) -> dict[str, Any]:
    """Set ``format``, its label and the part order on ``record``; trim for Speed Read."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    record["format"] = fmt
    record["format_label"] = FORMATS[fmt]
    record["order"] = ORDER[fmt]
    if fmt == "spotlight":
        person = spotlight_person(record, features.headline)
        if person:
            record["spotlight"] = person
            record["format_label"] = f"In the Spotlight: {person}"
            record["quotes"] = sorted(record.get("quotes") or [],
                                      key=lambda q: q.get("speaker") != person)
    elif fmt == "big-question":
        question = next((t for t in [features.headline, *features.titles]
                         if t.strip().endswith("?")), None)
        if question:
            record["question"] = question
    elif fmt == "speed-read":
        sentences = record.get("summary_sentences")
        if sentences:
            kept = _first_words(sentences, SPEED_READ_WORDS)
            record["summary_sentences"] = kept
            record["summary"] = " ".join(s["text"] for s in kept)
        record["facts"] = (record.get("facts") or [])[:3]
        seen: set[str] = set()
        voices = []
        for p in record.get("perspectives") or []:
            side = p.get("lean") or "unknown"
            if side not in seen:
                seen.add(side)
                voices.append(p)
        record["perspectives"] = voices
        record["quotes"] = (record.get("quotes") or [])[:2]
    return record
