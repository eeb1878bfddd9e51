"""``evaluate_briefs``: our extractive briefings against human roundups and baselines.

Scores the standfirst with ROUGE-1/2/L F1 (``rouge-score``, Porter stemming) at two word
budgets against the human neutral summary, side by side with Lead (round-robin first
sentences), TextRank and LexRank (``sumy``, fed our own sentence splitter and tokenizer so
nothing is downloaded). Also: headline ROUGE vs the roundup title, perspective lean
coverage, the faithfulness pass rate and speed. Datasets without human summaries (no
``summary`` field) get only the faithfulness and speed numbers.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from broadsheet.stories.rank import normalise_lean
from broadsheet.write.briefing import BriefArticle, compose_briefing
from broadsheet.write.faithfulness import check_briefing
from broadsheet.write.sentences import split_sentences, words

__all__ = ["BUDGETS", "BriefsReport", "evaluate_briefs", "lead_baseline", "sumy_baseline"]

BUDGETS = (60, 100)
_SIDES = {"left": "left", "lean-left": "left", "center": "center", "lean-right": "right",
          "right": "right"}


@dataclass(slots=True)
class BriefsReport:
    """Mean scores per system and budget, plus the briefing checks."""

    dataset: str
    stories: int = 0
    skipped_empty: int = 0
    with_reference: int = 0
    # rouge[budget][system] = {"rouge1": f1, "rouge2": f1, "rougeL": f1}
    rouge: dict[int, dict[str, dict[str, float]]] = field(default_factory=dict)
    headline: dict[str, dict[str, float]] = field(default_factory=dict)
    multi_lean_stories: int = 0
    perspectives_two_leans: int = 0
    faithful: int = 0
    problems: list[str] = field(default_factory=list)
    brief_seconds: float = 0.0

    @property
    def faithfulness_rate(self) -> float:
        return self.faithful / self.stories if self.stories else 0.0

    @property
    def perspective_rate(self) -> float:
        return (self.perspectives_two_leans / self.multi_lean_stories
                if self.multi_lean_stories else 0.0)

    @property
    def stories_per_second(self) -> float:
        return self.stories / self.brief_seconds if self.brief_seconds else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "stories": self.stories,
            "skipped_empty": self.skipped_empty,
            "with_reference": self.with_reference,
            "rouge": {str(b): v for b, v in self.rouge.items()},
            "headline": self.headline,
            "multi_lean_stories": self.multi_lean_stories,
            "perspectives_two_leans_rate": round(self.perspective_rate, 4),
            "faithfulness_pass_rate": round(self.faithfulness_rate, 4),
            "problems": self.problems[:20],
            "brief_seconds": round(self.brief_seconds, 3),
            "stories_per_second": round(self.stories_per_second, 1),
        }

    def to_markdown(self) -> str:
        lines = [f"## Briefs: {self.dataset}", "",
                 f"{self.stories} stories briefed ({self.skipped_empty} skipped: no docs), "
                 f"{self.stories_per_second:.1f} stories/s "
                 f"({self.brief_seconds:.2f} s briefing time).", ""]
        if self.rouge:
            lines += ["| budget | system | ROUGE-1 F1 | ROUGE-2 F1 | ROUGE-L F1 |",
                      "|---|---|---|---|---|"]
            for budget, systems in self.rouge.items():
                for name, s in systems.items():
                    lines.append(f"| {budget} | {name} | {s['rouge1']:.4f} | {s['rouge2']:.4f}"
                                 f" | {s['rougeL']:.4f} |")
            lines += ["", "| headline | ROUGE-1 F1 | ROUGE-L F1 |", "|---|---|---|"]
            for name, s in self.headline.items():
                lines.append(f"| {name} | {s['rouge1']:.4f} | {s['rougeL']:.4f} |")
            lines.append("")
        lines.append(f"- faithfulness pass rate: {self.faithfulness_rate:.4f} "
                     f"({self.faithful}/{self.stories})")
        if self.multi_lean_stories:
            lines.append(f"- perspectives with two or more leans, where the docs have two or "
                         f"more: {self.perspective_rate:.4f} "
                         f"({self.perspectives_two_leans}/{self.multi_lean_stories})")
        return "\n".join(lines) + "\n"


def _truncate(text: str, budget: int) -> str:
    return " ".join(text.split()[:budget])


def lead_baseline(texts: Sequence[str], budget: int) -> str:
    """First sentences of each doc, round-robin, truncated to ``budget`` words."""
    per_doc = [[s.text for s in split_sentences(t)] for t in texts]
    out: list[str] = []
    used = 0
    for k in range(max((len(p) for p in per_doc), default=0)):
        for p in per_doc:
            if k < len(p) and used < budget:
                out.append(p[k])
                used += len(p[k].split())
    return _truncate(" ".join(out), budget)


class _Tokenizer:
    """sumy's tokenizer interface over our splitter (no punkt download)."""

    language = "english"

    def to_sentences(self, paragraph: str) -> list[str]:
        return [s.text for s in split_sentences(paragraph)]

    def to_words(self, sentence: str) -> list[str]:
        return words(sentence)


def sumy_baseline(texts: Sequence[str], budget: int, method: str) -> str:
    """TextRank or LexRank over all the docs: best sentences until ``budget``, truncated."""
    from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
    from sumy.nlp.stemmers import Stemmer
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer
    from sumy.utils import get_stop_words

    tok = _Tokenizer()
    doc = ObjectDocumentModel([
        Paragraph([Sentence(s, tok) for s in tok.to_sentences(t)]) for t in texts if t.strip()
    ])
    base = LexRankSummarizer if method == "lexrank" else TextRankSummarizer

    class _Rated(base):  # type: ignore[misc, valid-type]
        # One ranking per story: keep sumy's sentence ratings instead of its top-n cut.
        ratings: Any = None

        def _get_best_sentences(self, sentences: Any, count: Any, rating: Any,
                                *args: Any, **kwargs: Any) -> tuple[()]:
            self.ratings = rating
            return ()

    summarizer = _Rated(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    summarizer(doc, 1)
    sents = list(doc.sentences)
    rate = summarizer.ratings
    score = rate if callable(rate) else (lambda s: rate[s])
    order = sorted(range(len(sents)), key=lambda i: -score(sents[i]))
    chosen: list[int] = []
    used = 0
    for i in order:  # best sentences until the budget is filled, then back in text order
        if used >= budget:
            break
        chosen.append(i)
        used += len(str(sents[i]).split())
    picked = [str(sents[i]) for i in sorted(chosen)]
    return _truncate(" ".join(picked), budget)


def _articles(story: dict[str, Any]) -> list[BriefArticle]:
    return [BriefArticle(id=str(d.get("doc_id", i)), outlet=d.get("source") or f"doc{i}",
                         lean=d.get("lean") or "unknown", title=d.get("title") or "",
                         text=d.get("text") or "", url=d.get("url"), published=d.get("date"))
            for i, d in enumerate(story.get("docs") or [])]


def _mean(rows: list[dict[str, float]]) -> dict[str, float]:
    keys = rows[0].keys() if rows else ("rouge1", "rouge2", "rougeL")
    return {k: round(sum(r[k] for r in rows) / len(rows), 4) if rows else 0.0 for k in keys}


def evaluate_briefs(path: Path, *, limit: int | None = None) -> BriefsReport:
    """Briefs every story of a JSONL story file and scores them (see the module doc)."""
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)

    def score(ref: str, hyp: str) -> dict[str, float]:
        return {k: v.fmeasure for k, v in scorer.score(ref, hyp).items()}

    report = BriefsReport(dataset=path.name)
    systems: dict[int, dict[str, list[dict[str, float]]]] = {b: {} for b in BUDGETS}
    heads: dict[str, list[dict[str, float]]] = {"broadsheet": [], "first-doc-title": []}
    baselines: dict[str, Callable[[Sequence[str], int], str]] = {
        "lead": lead_baseline,
        "textrank": lambda t, b: sumy_baseline(t, b, "textrank"),
        "lexrank": lambda t, b: sumy_baseline(t, b, "lexrank"),
    }
    with path.open(encoding="utf-8") as fh:
        stories = [json.loads(line) for line in fh if line.strip()]
    if limit is not None:
        stories = stories[:limit]
    for story in stories:
        arts = _articles(story)
        if not arts:
            report.skipped_empty += 1
            continue
        report.stories += 1
        sid = str(story.get("story_id"))
        t0 = time.perf_counter()
        briefs = {b: compose_briefing(arts, words=b, story_id=sid) for b in BUDGETS}
        report.brief_seconds += (time.perf_counter() - t0) / len(BUDGETS)
        main = briefs[max(BUDGETS)]
        problems = [p for b in briefs.values() for p in check_briefing(b, arts)]
        if problems:
            report.problems += [f"{sid}: {p.part}[{p.index}] {p.reason}" for p in problems]
        else:
            report.faithful += 1
        sides = {_SIDES.get(normalise_lean(a.lean)) for a in arts} - {None}
        if len(sides) >= 2:
            report.multi_lean_stories += 1
            seen = {_SIDES.get(g["lean"]) for g in main.perspectives} - {None}
            report.perspectives_two_leans += len(seen) >= 2
        reference = story.get("summary")
        if not reference:
            continue
        report.with_reference += 1
        texts = [a.text for a in arts]
        for b in BUDGETS:
            systems[b].setdefault("broadsheet", []).append(score(reference, briefs[b].summary))
            for name, fn in baselines.items():
                systems[b].setdefault(name, []).append(score(reference, fn(texts, b)))
        if story.get("title"):
            heads["broadsheet"].append(score(story["title"], main.headline))
            heads["first-doc-title"].append(score(story["title"], arts[0].title))
    if report.with_reference:
        report.rouge = {b: {n: _mean(r) for n, r in s.items()} for b, s in systems.items()}
        report.headline = {n: _mean(r) for n, r in heads.items()}
    return report


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m broadsheet.eval.briefs FILE [LIMIT]``: prints the markdown report."""
    import sys

    args = list(sys.argv[1:] if argv is None else argv)
    limit = int(args[1]) if len(args) > 1 else None
    print(evaluate_briefs(Path(args[0]), limit=limit).to_markdown())


if __name__ == "__main__":
    main()
