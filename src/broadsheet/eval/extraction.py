"""Article-extraction benchmark in the ScrapingHub article-extraction-benchmark layout.

Dataset: ``html/<id>.html.gz`` plus ``ground-truth.json`` = ``{id: {"articleBody", "url"}}``.

Scoring reproduces the benchmark's own ``evaluate.py`` (scrapinghub/article-extraction-
benchmark):

* tokens are ``re.findall(r"\\w+", text)`` (Unicode, case kept); ``None`` counts as "";
* shingles are 4-token tuples counted as a multiset; a text with fewer than 4 tokens
  yields one shorter shingle, an empty text none;
* per page, TP/FP/FN are summed over the union of shingles (min / excess / shortfall of
  counts) and normalised by their sum, so every page weighs the same;
* per-page precision: 1 if FP == FN == 0, 0 if TP == FP == 0, else TP/(TP+FP); recall
  likewise with FN;
* corpus precision is the mean over pages with TP+FP > 0 (pages where the system returned
  no tokens are left out of precision), corpus recall the mean over pages with TP+FN > 0
  (pages with empty gold are left out of recall); corpus F1 is the harmonic mean of those
  two means, not a mean of per-page F1s.

The benchmark decompresses each page as UTF-8 (``gzip.open(..., "rt", encoding="utf8")``);
we do the same, once, before timing, so every system is timed on identical ``str`` input and
scoring is excluded from the timing. Its trafilatura runner passes ``include_comments=False``;
here the "trafilatura" row is ``trafilatura.extract(html)`` with the library's defaults, as
asked of this project's baseline.
"""

from __future__ import annotations

import gzip
import json
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

_TOKEN_RE = re.compile(r"\w+", re.UNICODE | re.MULTILINE | re.IGNORECASE | re.DOTALL)

Extractor = Callable[[str], str | None]


def shingles(text: str | None, n: int = 4) -> Counter[tuple[str, ...]]:
    """Multiset of ``n``-token shingles, exactly as the benchmark builds them."""
    tokens = _TOKEN_RE.findall(text or "")
    counts: Counter[tuple[str, ...]] = Counter()
    for i in range(max(1, len(tokens) - n + 1)):
        shingle = tuple(tokens[i : i + n])
        if shingle:
            counts[shingle] += 1
    return counts


def shingle_counts(pred: str | None, gold: str | None, n: int = 4) -> tuple[float, float, float]:
    """Normalised (TP, FP, FN) of ``pred`` against ``gold`` (they sum to 1, or are all 0)."""
    true, predicted = shingles(gold, n), shingles(pred, n)
    tp = fp = fn = 0.0
    for key in true.keys() | predicted.keys():
        t, p = true.get(key, 0), predicted.get(key, 0)
        tp += min(t, p)
        fp += max(0, p - t)
        fn += max(0, t - p)
    total = tp + fp + fn
    if total > 0:
        return tp / total, fp / total, fn / total
    return tp, fp, fn


def _precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == fp == 0:
        return 0.0
    return tp / (tp + fp)


def _recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == fn == 0:
        return 0.0
    return tp / (tp + fn)


def shingle_prf(pred: str | None, gold: str | None, n: int = 4) -> tuple[float, float, float]:
    """Per-page (precision, recall, F1) by the benchmark's shingle matching."""
    counts = shingle_counts(pred, gold, n)
    p, r = _precision(*counts), _recall(*counts)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def corpus_prf(counts: Sequence[tuple[float, float, float]]) -> tuple[float, float, float]:
    """Benchmark aggregation: mean P over pages with output, mean R over pages with gold."""
    precisions = [_precision(*c) for c in counts if c[0] + c[1] > 0]
    recalls = [_recall(*c) for c in counts if c[0] + c[2] > 0]
    p = statistics.mean(precisions) if precisions else 0.0
    r = statistics.mean(recalls) if recalls else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


@dataclass(slots=True)
class SystemResult:
    """One system's scores over the dataset."""

    name: str
    pages: int
    precision: float
    recall: float
    f1: float  # the benchmark's: harmonic mean of mean precision and mean recall
    page_f1: float  # mean of per-page F1, for reference
    pages_per_second: float
    seconds: float
    empty: int = 0  # pages where the system returned no text


@dataclass(slots=True)
class ExtractionReport:
    """Side-by-side benchmark results, one row per system, from a single run."""

    dataset: str
    pages: int
    systems: list[SystemResult] = field(default_factory=list)

    def row(self, name: str) -> SystemResult:
        return next(s for s in self.systems if s.name == name)

    def to_markdown(self) -> str:
        lines = [
            f"Dataset: `{self.dataset}` ({self.pages} pages)",
            "",
            "| system | pages | F1 | precision | recall | mean page F1 | pages/s | seconds "
            "| empty |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for s in self.systems:
            lines.append(
                f"| {s.name} | {s.pages} | {s.f1:.4f} | {s.precision:.4f} | {s.recall:.4f} "
                f"| {s.page_f1:.4f} | {s.pages_per_second:.1f} | {s.seconds:.2f} | {s.empty} |"
            )
        return "\n".join(lines) + "\n"

    def to_json(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "pages": self.pages,
            "systems": [asdict(s) for s in self.systems],
        }


def load_dataset(dataset_dir: Path, limit: int | None = None) -> list[tuple[str, str, str]]:
    """``(id, html, gold articleBody)`` for each page, ids sorted, HTML decoded as UTF-8."""
    truth = json.loads((dataset_dir / "ground-truth.json").read_text(encoding="utf-8"))
    items = []
    for key in sorted(truth)[: limit if limit is not None else None]:
        path = dataset_dir / "html" / f"{key}.html.gz"
        with gzip.open(path, "rt", encoding="utf-8") as f:
            items.append((key, f.read(), truth[key].get("articleBody") or ""))
    return items


def _broadsheet(html: str) -> str:
    from broadsheet.extract.html import extract_html

    return extract_html(html).text


def _trafilatura(html: str) -> str | None:
    import trafilatura

    return trafilatura.extract(html)


def default_systems() -> dict[str, Extractor]:
    return {"broadsheet": _broadsheet, "trafilatura": _trafilatura}


def evaluate_extraction(
    dataset_dir: Path,
    *,
    limit: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    systems: dict[str, Extractor] | None = None,
) -> ExtractionReport:
    """Run every system over the dataset and score it; see the module docstring.

    Systems take turns page by page (the order rotating from page to page), so a busy
    machine slows them alike and the pages/second columns stay comparable within a run.
    Each system gets the same already-decoded ``str``; only the extractor call is timed.
    ``progress(done, total)`` is called after each page with ``total`` = number of pages.
    """
    items = load_dataset(Path(dataset_dir), limit)
    systems = systems or default_systems()
    names = list(systems)
    for extract in systems.values():
        extract("<html><body><p>warm-up</p></body></html>")  # imports and caches, not timed
    outputs: dict[str, list[str]] = {name: [] for name in names}
    elapsed = dict.fromkeys(names, 0.0)
    for index, (_, html, _) in enumerate(items):
        for offset in range(len(names)):
            name = names[(index + offset) % len(names)]
            start = time.perf_counter()
            text = systems[name](html)
            elapsed[name] += time.perf_counter() - start
            outputs[name].append(text or "")
        if progress is not None:
            progress(index + 1, len(items))

    report = ExtractionReport(dataset=str(dataset_dir), pages=len(items))
    golds = [gold for _, _, gold in items]
    for name in names:
        counts = [shingle_counts(out, gold) for out, gold in zip(outputs[name], golds, strict=True)]
        p, r, f1 = corpus_prf(counts)
        page_f1 = [
            shingle_prf(out, gold)[2] for out, gold in zip(outputs[name], golds, strict=True)
        ]
        report.systems.append(
            SystemResult(
                name=name,
                pages=len(items),
                precision=p,
                recall=r,
                f1=f1,
                page_f1=statistics.mean(page_f1) if page_f1 else 0.0,
                pages_per_second=len(items) / elapsed[name] if elapsed[name] > 0 else 0.0,
                seconds=elapsed[name],
                empty=sum(1 for out in outputs[name] if not _TOKEN_RE.search(out)),
            )
        )
    return report
