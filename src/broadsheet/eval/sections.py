"""Section classifier benchmark against labelled story clusters (giveme-newscluster layout).

Input: JSON lines ``{"story_id", "category", "docs": [{"title", "text", ...}]}``; every
article inherits its story's ``category``. Articles are classified with
``classify_section(title, text)`` (the dataset has no feed sections, so this measures the
lexicon alone) and stories with ``story_section`` over their articles' sections.

Gold categories are mapped to Broadsheet sections by ``CATEGORY_TO_SECTION``
(entertainment -> culture, sports -> sport, the rest by name). Two views are reported:

* **strict**: a prediction is right only if it is the mapped gold section;
* **folded**: giveme has only six categories (world, entertainment, science, business,
  technology, sports), so a prediction in a section it lacks is first folded into the
  nearest one it has (``FOLD``: politics and opinion -> world, health and environment ->
  science). This is the fair view of the classifier on this label set; strict is the
  view of how it would look with those labels as they are.

The baseline always predicts the most frequent gold section of the units scored.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from broadsheet.eval.datafiles import EvalDataError, json_lines
from broadsheet.stories.sections import SECTIONS, classify_section, story_section

CATEGORY_TO_SECTION: dict[str, str] = {
    "world": "world",
    "politics": "politics",
    "business": "business",
    "economy": "business",
    "science": "science",
    "technology": "technology",
    "tech": "technology",
    "health": "health",
    "entertainment": "culture",
    "culture": "culture",
    "arts": "culture",
    "sports": "sport",
    "sport": "sport",
    "environment": "environment",
    "opinion": "opinion",
}
# Sections giveme has no category for, folded into the nearest one it has.
FOLD: dict[str, str] = {
    "politics": "world",
    "opinion": "world",
    "health": "science",
    "environment": "science",
}


@dataclass(slots=True)
class ClassScore:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(slots=True)
class ViewScore:
    """Accuracy and per-class scores of one system on one unit (articles or stories)."""

    accuracy: float
    macro_f1: float
    per_class: dict[str, ClassScore] = field(default_factory=dict)


@dataclass(slots=True)
class SectionReport:
    path: str
    articles: int
    stories: int
    gold_distribution: dict[str, int]
    # scores[unit][view][system], unit in {"articles", "stories"}, view in {"strict",
    # "folded"}, system in {"lexicon", "majority"}.
    scores: dict[str, dict[str, dict[str, ViewScore]]]
    predicted_distribution: dict[str, int]
    confusion: dict[str, dict[str, int]]  # articles, strict: gold -> predicted -> count
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def format(self) -> str:
        lines = [
            f"{self.path}: {self.articles} articles in {self.stories} stories "
            f"({self.articles / self.seconds:.0f} articles/s)",
            "gold: " + ", ".join(f"{k} {v}" for k, v in sorted(self.gold_distribution.items())),
            "",
            f"{'unit':<9}{'view':<8}{'system':<10}{'accuracy':>9}{'macro F1':>10}",
        ]
        for unit, views in self.scores.items():
            for view, systems in views.items():
                for system, score in systems.items():
                    lines.append(
                        f"{unit:<9}{view:<8}{system:<10}{score.accuracy:>9.3f}"
                        f"{score.macro_f1:>10.3f}"
                    )
        lines += ["", "per class (articles, strict, lexicon):"]
        lines.append(f"{'section':<13}{'P':>7}{'R':>7}{'F1':>7}{'n':>6}")
        for name, c in self.scores["articles"]["strict"]["lexicon"].per_class.items():
            lines.append(
                f"{name:<13}{c.precision:>7.3f}{c.recall:>7.3f}{c.f1:>7.3f}{c.support:>6}"
            )
        lines += ["", "confusion (articles, strict; rows gold, columns predicted):"]
        columns = [s for s in SECTIONS if s in self.predicted_distribution]
        lines.append(f"{'':<13}" + "".join(f"{c[:7]:>8}" for c in columns))
        for gold, row in self.confusion.items():
            lines.append(f"{gold:<13}" + "".join(f"{row.get(c, 0):>8}" for c in columns))
        return "\n".join(lines)


def score(gold: Sequence[str], predicted: Sequence[str]) -> ViewScore:
    """Accuracy, macro F1 over the gold classes, and per-class P/R/F1."""
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted differ in length")
    pairs = list(zip(gold, predicted, strict=True))
    accuracy = sum(g == p for g, p in pairs) / len(pairs) if pairs else 0.0
    per_class: dict[str, ClassScore] = {}
    for name in sorted(set(gold) | set(predicted), key=_section_order):
        tp = sum(g == p == name for g, p in pairs)
        n_pred = sum(p == name for p in predicted)
        n_gold = sum(g == name for g in gold)
        precision = tp / n_pred if n_pred else 0.0
        recall = tp / n_gold if n_gold else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[name] = ClassScore(precision, recall, f1, n_gold)
    gold_classes = [c for name, c in per_class.items() if name in set(gold)]
    macro = sum(c.f1 for c in gold_classes) / len(gold_classes) if gold_classes else 0.0
    return ViewScore(accuracy, macro, per_class)


def _section_order(name: str) -> tuple[int, str]:
    return (SECTIONS.index(name) if name in SECTIONS else len(SECTIONS), name)


def _fold(sections: Sequence[str], fold: Mapping[str, str]) -> list[str]:
    return [fold.get(s, s) for s in sections]


def _views(gold: list[str], predicted: list[str]) -> dict[str, dict[str, ViewScore]]:
    majority = Counter(gold).most_common(1)[0][0] if gold else "world"
    gold_labels = set(gold)
    # Fold only sections the gold label set lacks, so a dataset that has them is unaffected.
    fold = {k: v for k, v in FOLD.items() if k not in gold_labels}
    views: dict[str, dict[str, ViewScore]] = {}
    for view, preds in (("strict", predicted), ("folded", _fold(predicted, fold))):
        views[view] = {
            "lexicon": score(gold, preds),
            "majority": score(gold, [majority] * len(gold)),
        }
    return views


def evaluate_sections(path: Path) -> SectionReport:
    """Score ``classify_section`` / ``story_section`` against the stories in ``path``."""
    stories = [story for _, story in json_lines(path)]
    article_gold: list[str] = []
    article_pred: list[str] = []
    story_gold: list[str] = []
    story_pred: list[str] = []
    start = time.perf_counter()
    for story in stories:
        category = str(story.get("category", "")).strip().lower()
        gold = CATEGORY_TO_SECTION.get(category)
        if gold is None:
            raise ValueError(f"story {story.get('story_id')}: unmapped category {category!r}")
        sections = [
            classify_section(doc.get("title") or "", doc.get("text") or "")
            for doc in story.get("docs", [])
        ]
        article_gold += [gold] * len(sections)
        article_pred += sections
        story_gold.append(gold)
        story_pred.append(story_section(sections))
    seconds = time.perf_counter() - start

    confusion: dict[str, dict[str, int]] = {}
    if not article_gold:  # no article of a known category: nothing to score
        raise EvalDataError(f"{path}: no articles with a category to score")
    for g, p in zip(article_gold, article_pred, strict=True):
        row = confusion.setdefault(g, {})
        row[p] = row.get(p, 0) + 1
    return SectionReport(
        path=str(path),
        articles=len(article_gold),
        stories=len(story_gold),
        gold_distribution=dict(Counter(story_gold)),
        scores={
            "articles": _views(article_gold, article_pred),
            "stories": _views(story_gold, story_pred),
        },
        predicted_distribution=dict(Counter(article_pred)),
        confusion=dict(sorted(confusion.items(), key=lambda kv: _section_order(kv[0]))),
        seconds=max(seconds, 1e-9),
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    report = evaluate_sections(args.path)
    print(json.dumps(report.to_dict(), indent=2) if args.json else report.format())


if __name__ == "__main__":
    main()
