"""``evaluate_briefs``: our extractive briefings against human roundups and baselines.

Scores the standfirst with ROUGE-1/2/L F1 (``rouge-score``, Porter stemming) at two word
budgets against the human neutral summary, side by side with Lead (round-robin first
sentences), TextRank and LexRank (``sumy``, fed our own sentence splitter and tokenizer so
nothing is downloaded). Also: headline ROUGE vs the roundup title, perspective lean
coverage, the faithfulness pass rate and speed. Datasets without human summaries (no
``summary`` field) get only the faithfulness and speed numbers.

Budgets are counted in whitespace words for every system. The baselines fill the budget
exactly: they take sentences until it is reached and cut the text there, mid-sentence.
The standfirst never cuts a sentence, so it is at most the budget; the report shows each
system's mean length, and, for comparison only, the baselines under that same
whole-sentence rule.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from broadsheet.eval.datafiles import EvalDataError, json_lines
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
    # rouge[budget][system] = {"rouge1": f1, "rouge2": f1, "rougeL": f1, "words": mean}
    rouge: dict[int, dict[str, dict[str, float]]] = field(default_factory=dict)
    # The baselines made to keep whole sentences, like the standfirst (a diagnostic).
    rouge_whole: dict[int, dict[str, dict[str, float]]] = field(default_factory=dict)
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
            "rouge_whole_sentence_baselines": {str(b): v for b, v in self.rouge_whole.items()},
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
            lines += _rouge_table(self.rouge)
            if self.rouge_whole:
                lines += ["", "Baselines under the standfirst's rule (whole sentences that fit,"
                          " never cut; for comparison only):", ""]
                lines += _rouge_table(self.rouge_whole)
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


def _rouge_table(rouge: dict[int, dict[str, dict[str, float]]]) -> list[str]:
    lines = ["| budget | system | mean words | ROUGE-1 F1 | ROUGE-2 F1 | ROUGE-L F1 |",
             "|---|---|---|---|---|---|"]
    for budget, systems in rouge.items():
        for name, s in systems.items():
            lines.append(f"| {budget} | {name} | {s['words']:.1f} | {s['rouge1']:.4f} | "
                         f"{s['rouge2']:.4f} | {s['rougeL']:.4f} |")
    return lines


def _truncate(text: str, budget: int) -> str:
    return " ".join(text.split()[:budget])


def _fill(sentences: Sequence[str], order: Sequence[int], budget: int, *,
          whole_sentences: bool, text_order: bool) -> str:
    """Sentences taken in ``order`` to fill ``budget`` words (counted as ``str.split``).

    The baselines' rule (``whole_sentences=False``): take sentences until the budget is
    reached, then cut the text at ``budget`` words, so the last sentence is usually cut
    off. The standfirst's rule (``whole_sentences=True``): a sentence that does not fit is
    skipped and later, shorter ones may still fill the budget; nothing is ever cut.
    """
    chosen: list[int] = []
    used = 0
    for i in order:
        n = len(sentences[i].split())
        if whole_sentences:
            if used + n <= budget:
                chosen.append(i)
                used += n
            continue
        if used >= budget:
            break
        chosen.append(i)
        used += n
    text = " ".join(sentences[i] for i in (sorted(chosen) if text_order else chosen))
    return text if whole_sentences else _truncate(text, budget)


def lead_baseline(texts: Sequence[str], budget: int, *, whole_sentences: bool = False) -> str:
    """First sentences of each doc, round-robin, truncated to ``budget`` words.

    With ``whole_sentences`` a sentence that does not fit is skipped instead (see ``_fill``).
    """
    per_doc = [[s.text for s in split_sentences(t)] for t in texts]
    flat: list[str] = []
    index: list[list[int]] = []
    for p in per_doc:
        index.append(list(range(len(flat), len(flat) + len(p))))
        flat += p
    order = [ix[k] for k in range(max((len(p) for p in per_doc), default=0))
             for ix in index if k < len(ix)]
    return _fill(flat, order, budget, whole_sentences=whole_sentences, text_order=False)


class _Tokenizer:
    """sumy's tokenizer interface over our splitter (no punkt download)."""

    language = "english"

    def to_sentences(self, paragraph: str) -> list[str]:
        return [s.text for s in split_sentences(paragraph)]

    def to_words(self, sentence: str) -> list[str]:
        return words(sentence)


@functools.lru_cache(maxsize=4)
def _sumy_ranked(texts: tuple[str, ...], method: str) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """All the docs' sentences in text order, and their indices best first."""
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
    return tuple(str(s) for s in sents), tuple(order)


def sumy_baseline(texts: Sequence[str], budget: int, method: str, *,
                  whole_sentences: bool = False) -> str:
    """TextRank or LexRank over all the docs: best sentences until ``budget``, truncated.

    The chosen sentences are put back in text order before the cut. With
    ``whole_sentences`` a sentence that does not fit is skipped instead (see ``_fill``).
    """
    sents, order = _sumy_ranked(tuple(texts), method)
    return _fill(sents, order, budget, whole_sentences=whole_sentences, text_order=True)


def _articles(story: dict[str, Any]) -> list[BriefArticle]:
    return [BriefArticle(id=str(d.get("doc_id", i)), outlet=d.get("source") or f"doc{i}",
                         lean=d.get("lean") or "unknown", title=d.get("title") or "",
                         text=d.get("text") or "", url=d.get("url"), published=d.get("date"))
            for i, d in enumerate(story.get("docs") or [])]


def _mean(rows: list[dict[str, float]]) -> dict[str, float]:
    keys = rows[0].keys() if rows else ("rouge1", "rouge2", "rougeL", "words")
    return {k: round(sum(r[k] for r in rows) / len(rows), 4) if rows else 0.0 for k in keys}


FILLED = "broadsheet, filled and cut at N"


def filled_summary(brief: Any, longer: Any, budget: int) -> str:
    """Our summary under the baselines' own length rule, for a like-for-like score.

    The baselines take their sentences in preference order until they pass the budget and
    are then cut at exactly ``budget`` words. Ours takes its whole-sentence summary, then
    the next sentences it prefers (those its twice-as-long summary adds), and is cut the
    same way. The briefing shown to readers never ends in a cut sentence; this text exists
    only for the scorer.
    """
    chosen = [e.text for e in brief.summary_sentences]
    have = set(chosen)
    extra = [e.text for e in longer.summary_sentences if e.text not in have]
    return _truncate(" ".join(chosen + extra), budget)


def evaluate_briefs(path: Path, *, limit: int | None = None) -> BriefsReport:
    """Briefs every story of a JSONL story file and scores them (see the module doc)."""
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)

    def score(ref: str, hyp: str) -> dict[str, float]:
        return {k: v.fmeasure for k, v in scorer.score(ref, hyp).items()}

    def score_summary(ref: str, hyp: str) -> dict[str, float]:
        return {**score(ref, hyp), "words": float(len(hyp.split()))}

    report = BriefsReport(dataset=path.name)
    systems: dict[int, dict[str, list[dict[str, float]]]] = {b: {} for b in BUDGETS}
    whole: dict[int, dict[str, list[dict[str, float]]]] = {b: {} for b in BUDGETS}
    heads: dict[str, list[dict[str, float]]] = {"broadsheet": [], "first-doc-title": []}
    baselines: dict[str, Callable[[Sequence[str], int, bool], str]] = {
        "lead": lambda t, b, w: lead_baseline(t, b, whole_sentences=w),
        "textrank": lambda t, b, w: sumy_baseline(t, b, "textrank", whole_sentences=w),
        "lexrank": lambda t, b, w: sumy_baseline(t, b, "lexrank", whole_sentences=w),
    }
    stories = [story for _, story in json_lines(path, limit)]
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
        longer = {b: compose_briefing(arts, words=2 * b, story_id=sid) for b in BUDGETS}
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
            systems[b].setdefault("broadsheet", []).append(
                score_summary(reference, briefs[b].summary))
            systems[b].setdefault(FILLED, []).append(
                score_summary(reference, filled_summary(briefs[b], longer[b], b)))
            whole[b].setdefault("broadsheet", []).append(
                score_summary(reference, briefs[b].summary))
            for name, fn in baselines.items():
                systems[b].setdefault(name, []).append(
                    score_summary(reference, fn(texts, b, False)))
                whole[b].setdefault(name, []).append(
                    score_summary(reference, fn(texts, b, True)))
        if story.get("title"):
            heads["broadsheet"].append(score(story["title"], main.headline))
            heads["first-doc-title"].append(score(story["title"], arts[0].title))
    if not report.stories:  # every rate would be 0 of 0
        raise EvalDataError(f"{path}: no stories with articles to brief")
    if report.with_reference:
        report.rouge = {b: {n: _mean(r) for n, r in s.items()} for b, s in systems.items()}
        report.rouge_whole = {b: {n: _mean(r) for n, r in s.items()} for b, s in whole.items()}
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
