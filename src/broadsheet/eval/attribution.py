"""Attribution benchmark on PolNeAR-style brat data, with Citron's span-overlap metric.

Layout: ``<root>/<split>/text/<stem>.txt`` and ``<root>/<split>/attributions/<stem>_<ann>.ann``
(brat standoff; ``<ann>`` is the annotator's id, so one text may have several files; the
first by file name is used, the others are alternative annotations of the same text).
``T`` lines are typed spans, ``Source``, ``Cue``, ``Content``, ``Attribution`` (a span may
be discontinuous: ``start end;start end``); ``E`` lines (``Attribution:T4 Content:T3
Cue:T2 Source:T1``, also ``Attribution-no-source`` and ``Content2``) join them into one
attribution. ``Discard`` / ``Discuss`` spans and annotator notes are ignored.

Metric, as in the BBC's Citron (``citron/metrics.py`` and ``citron/utils.py`` in
github.com/bbc/citron, ``citron_evaluate.py``), role by role (source, cue, content):

* spans become token ranges (Citron uses spaCy tokens; here a regex tokenizer of words,
  contractions and single punctuation marks; a token counts if any of its characters is in
  the span);
* overlap = the sum, over every (predicted attribution, gold attribution) pair in a
  document, of the tokens shared by their spans of that role (each attribution's role may
  have several fragments; fragment pairs are summed);
* precision = overlap / tokens in predicted spans, recall = overlap / tokens in gold spans,
  both summed over the corpus; F1 their harmonic mean.

So a predicted span is not matched one-to-one: it earns every token it shares with any gold
span of the same role. On PolNeAR gold contents barely overlap one another (their union is
99.98% of their sum on train), so the sum over pairs does not inflate the score there.
Citron's exact-match counts are reported too (cue: identical span; source / content: a
predicted attribution whose cue overlaps a gold cue and whose source / content fragments
equal the gold ones). As a check on the summed overlap, a token-set view counts each token
once per document (union of predicted against union of gold tokens per role): it agrees
with Citron's for content, and is lower for source, where gold and predicted attributions
often share one source span ("Clinton pushed back ..., calling it ...").

The baseline is a plain regex approach: a quotation with a "said"-type verb and a name or
pronoun right before or after it, and the sentence pattern "Name said (that) content.".
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from broadsheet.analyse.attribution import extract_attributions

ROLES = ("source", "cue", "content")
Fragments = tuple[tuple[int, int], ...]  # character ranges of one role


@dataclass(frozen=True, slots=True)
class SpanSet:
    """One attribution as character fragments per role (gold or predicted)."""

    source: Fragments = ()
    cue: Fragments = ()
    content: Fragments = ()


@dataclass(slots=True)
class RoleScore:
    precision: float
    recall: float
    f1: float
    overlap: int = 0
    predicted: int = 0
    gold: int = 0


@dataclass(slots=True)
class SystemScore:
    """One system on one split: overlap and exact scores per role."""

    overlap: dict[str, RoleScore]
    exact: dict[str, RoleScore]
    # A check on the summed overlap: each token counted once per document (the union of a
    # role's predicted tokens against the union of its gold tokens).
    token_set: dict[str, RoleScore]
    predicted_attributions: int
    seconds: float
    docs_per_second: float


@dataclass(slots=True)
class AttributionReport:
    path: str
    split: str | None
    documents: int
    gold_attributions: int
    systems: dict[str, SystemScore] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def to_markdown(self) -> str:
        name = f"{self.path}" + (f" ({self.split})" if self.split else "")
        lines = [
            f"**{name}**: {self.documents} documents, {self.gold_attributions} gold "
            "attributions",
            "",
            "| system | role | overlap P | overlap R | overlap F1 | exact P | exact R "
            "| exact F1 |",
            "|---|---|---:|---:|---:|---:|---:|---:|",
        ]
        for system, sc in self.systems.items():
            for role in ROLES:
                o, x = sc.overlap[role], sc.exact[role]
                lines.append(
                    f"| {system} | {role} | {o.precision:.3f} | {o.recall:.3f} | {o.f1:.3f} "
                    f"| {x.precision:.3f} | {x.recall:.3f} | {x.f1:.3f} |"
                )
        lines += ["", "Token-set check (each token once per document):", "",
                  "| system | role | P | R | F1 |", "|---|---|---:|---:|---:|"]
        for system, sc in self.systems.items():
            for role in ROLES:
                t = sc.token_set[role]
                lines.append(
                    f"| {system} | {role} | {t.precision:.3f} | {t.recall:.3f} | {t.f1:.3f} |"
                )
        lines += ["", "| system | predicted attributions | seconds | docs/s |",
                  "|---|---:|---:|---:|"]
        for system, sc in self.systems.items():
            lines.append(
                f"| {system} | {sc.predicted_attributions} | {sc.seconds:.2f} "
                f"| {sc.docs_per_second:.0f} |"
            )
        return "\n".join(lines)


# --- brat -------------------------------------------------------------------------------


def parse_brat(ann: str) -> list[SpanSet]:
    """Attributions of one brat ``.ann`` file (event lines joining typed spans)."""
    spans: dict[str, tuple[str, Fragments]] = {}
    events: list[list[tuple[str, str]]] = []
    for line in ann.splitlines():
        parts = line.split("\t")
        if len(parts) < 2 or not parts[0]:
            continue
        tag = parts[0]
        if tag[0] == "T":
            kind, _, ranges = parts[1].partition(" ")
            frags: list[tuple[int, int]] = []
            try:
                for piece in ranges.split(";"):
                    a, b = piece.split()
                    frags.append((int(a), int(b)))
            except ValueError:
                continue
            spans[tag] = (kind, tuple(frags))
        elif tag[0] == "E":
            args = []
            for arg in parts[1].split():
                role, _, ref = arg.partition(":")
                args.append((re.sub(r"\d+$", "", role), ref))
            events.append(args)
    out: list[SpanSet] = []
    for args in events:
        if not args or not args[0][0].startswith("Attribution"):
            continue
        roles: dict[str, list[tuple[int, int]]] = {"source": [], "cue": [], "content": []}
        for role, ref in args[1:]:
            key = role.lower()
            if key in roles and ref in spans:
                roles[key].extend(spans[ref][1])
        if not (roles["cue"] or roles["content"] or roles["source"]):
            continue
        out.append(SpanSet(*(tuple(sorted(roles[r])) for r in ROLES)))
    return out


def load_split(split_dir: Path) -> list[tuple[str, str, list[SpanSet]]]:
    """(stem, text, gold attributions) for every text with an annotation file."""
    docs = []
    ann_dir = split_dir / "attributions"
    anns: dict[str, list[Path]] = {}
    for p in sorted(ann_dir.glob("*.ann")):
        stem = re.sub(r"_[0-9a-fA-F]{4}$", "", p.stem)  # "<text stem>_<annotator id>"
        anns.setdefault(stem, []).append(p)
    for tf in sorted((split_dir / "text").glob("*.txt")):
        files = anns.get(tf.stem)
        if not files:
            continue
        text = tf.read_text("utf-8")
        docs.append((tf.stem, text, parse_brat(files[0].read_text("utf-8"))))
    return docs


# --- metric -----------------------------------------------------------------------------

_TOKEN_RE = re.compile(r"\w+(?:['’]\w+)*|[^\w\s]")


class _Tokens:
    """Maps character fragments to token index ranges (Citron counts tokens, not chars)."""

    def __init__(self, text: str) -> None:
        import bisect

        self._bisect = bisect
        self.starts: list[int] = []
        self.ends: list[int] = []
        for m in _TOKEN_RE.finditer(text):
            self.starts.append(m.start())
            self.ends.append(m.end())

    def range(self, a: int, b: int) -> tuple[int, int]:
        """Tokens [i, j) having a character in [a, b)."""
        i = self._bisect.bisect_right(self.ends, a)
        j = self._bisect.bisect_left(self.starts, b)
        return (i, max(i, j))


def _ranges(tok: _Tokens, frags: Fragments) -> list[tuple[int, int]]:
    return [r for r in (tok.range(a, b) for a, b in frags) if r[1] > r[0]]


def _length(rs: list[tuple[int, int]]) -> int:
    return sum(b - a for a, b in rs)


def _overlap(xs: list[tuple[int, int]], ys: list[tuple[int, int]]) -> int:
    return sum(max(0, min(b, d) - max(a, c)) for a, b in xs for c, d in ys)


@dataclass(slots=True)
class _Counts:
    overlap: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ROLES, 0))
    pred_len: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ROLES, 0))
    gold_len: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ROLES, 0))
    set_overlap: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ROLES, 0))
    set_pred: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ROLES, 0))
    set_gold: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ROLES, 0))
    tp: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ROLES, 0))
    fp: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ROLES, 0))
    fn: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ROLES, 0))

    def add(self, text: str, pred: Sequence[SpanSet], gold: Sequence[SpanSet]) -> None:
        tok = _Tokens(text)
        p_r = [{r: _ranges(tok, getattr(x, r)) for r in ROLES} for x in pred]
        g_r = [{r: _ranges(tok, getattr(x, r)) for r in ROLES} for x in gold]
        for role in ROLES:
            self.pred_len[role] += sum(_length(x[role]) for x in p_r)
            self.gold_len[role] += sum(_length(x[role]) for x in g_r)
            self.overlap[role] += sum(_overlap(p[role], g[role]) for p in p_r for g in g_r)
            p_set = {i for x in p_r for a, b in x[role] for i in range(a, b)}
            g_set = {i for x in g_r for a, b in x[role] for i in range(a, b)}
            self.set_overlap[role] += len(p_set & g_set)
            self.set_pred[role] += len(p_set)
            self.set_gold[role] += len(g_set)
            tp, fp, fn = _exact(p_r, g_r, role)
            self.tp[role] += tp
            self.fp[role] += fp
            self.fn[role] += fn


def _exact(p_r: list[dict], g_r: list[dict], role: str) -> tuple[int, int, int]:
    """Citron's exact counts: cues must be identical; a source / content must equal the
    gold one of an attribution whose cue overlaps."""

    def match(p: dict, g: dict) -> bool:
        if role == "cue":
            return bool(p["cue"]) and p["cue"] == g["cue"]
        return _overlap(p["cue"], g["cue"]) > 0 and p[role] == g[role]

    tp = sum(1 for p in p_r if any(match(p, g) for g in g_r))
    fn = sum(1 for g in g_r if not any(match(p, g) for p in p_r))
    return tp, len(p_r) - tp, fn


def overlap_scores(
    docs: Sequence[tuple[str, Sequence[SpanSet], Sequence[SpanSet]]],
) -> dict[str, RoleScore]:
    """Citron overlap P/R/F1 per role over (text, predicted, gold) triples."""
    counts = _Counts()
    for text, pred, gold in docs:
        counts.add(text, pred, gold)
    return _overlap_result(counts)


def _overlap_result(c: _Counts) -> dict[str, RoleScore]:
    out = {}
    for role in ROLES:
        p = c.overlap[role] / c.pred_len[role] if c.pred_len[role] else 0.0
        r = c.overlap[role] / c.gold_len[role] if c.gold_len[role] else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        out[role] = RoleScore(p, r, f, c.overlap[role], c.pred_len[role], c.gold_len[role])
    return out


def _set_result(c: _Counts) -> dict[str, RoleScore]:
    out = {}
    for role in ROLES:
        p = c.set_overlap[role] / c.set_pred[role] if c.set_pred[role] else 0.0
        r = c.set_overlap[role] / c.set_gold[role] if c.set_gold[role] else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        out[role] = RoleScore(p, r, f, c.set_overlap[role], c.set_pred[role], c.set_gold[role])
    return out


def _exact_result(c: _Counts) -> dict[str, RoleScore]:
    out = {}
    for role in ROLES:
        tp, fp, fn = c.tp[role], c.fp[role], c.fn[role]
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        out[role] = RoleScore(p, r, f, tp, tp + fp, tp + fn)
    return out


# --- systems ----------------------------------------------------------------------------


def broadsheet_system(text: str) -> list[SpanSet]:
    """``extract_attributions`` as span sets."""
    out = []
    for a in extract_attributions(text):
        out.append(
            SpanSet(
                source=((a.source.start, a.source.end),) if a.source else (),
                cue=((a.cue.start, a.cue.end),),
                content=tuple((s.start, s.end) for s in a.contents),
            )
        )
    return out


_SAY = (
    r"said|says|say|told|tells|added|adds|asked|wrote|writes|noted|explained|argued|"
    r"stated|claimed|insisted|warned|announced|tweeted|replied|responded|reported|reports|"
    r"according to"
)
_NAME = (
    r"(?:(?:Mr|Mrs|Ms|Dr|Sen|Rep|Gov)\. )?(?:[A-Z][\w’'-]* ){0,3}[A-Z][\w’'-]*"
    r"|[Hh]e|[Ss]he|[Tt]hey|[Oo]fficials"
)
_QUOTE_RE = re.compile(r"“[^“”]{2,}”|\"[^\"\n]{2,}\"|''[^'\n]{2,}''")
_AFTER_RE = re.compile(
    rf"\s*,?\s*(?:(?P<src>{_NAME})\s+(?P<cue>{_SAY})\b|(?P<cue2>{_SAY})\s+(?P<src2>{_NAME}))"
)
_BEFORE_RE = re.compile(rf"(?P<src>{_NAME})\s+(?P<cue>{_SAY})\s*[:,]?\s*\Z")
_INDIRECT_RE = re.compile(
    rf"(?P<src>{_NAME})\s+(?P<cue>{_SAY})\s+(?P<content>(?:that\s+)?[^“”\".\n]{{3,}})\."
)


def regex_baseline(text: str) -> list[SpanSet]:
    """A reasonable simple approach: quotes next to a say-verb, and "X said (that) Y."."""
    out: list[SpanSet] = []
    taken: list[tuple[int, int]] = []
    for m in _QUOTE_RE.finditer(text):
        qa, qb = m.span()
        after = _AFTER_RE.match(text, qb, min(len(text), qb + 80))
        # Only a quote that does not end its sentence is followed by its frame.
        if after and text[qb - 2 : qb - 1] not in {",", "?", "!", "—"} and not text[
            qb:qb + 3
        ].lstrip().startswith(","):
            after = None
        if after:
            src = "src" if after.group("src") else "src2"
            cue = "cue" if after.group("cue") else "cue2"
            out.append(SpanSet(((after.start(src), after.end(src)),),
                               ((after.start(cue), after.end(cue)),), ((qa, qb),)))
            taken.append((qa, qb))
            continue
        window_start = max(0, qa - 80)
        before = _BEFORE_RE.search(text[window_start:qa])
        if before:
            off = window_start
            out.append(SpanSet(((off + before.start("src"), off + before.end("src")),),
                               ((off + before.start("cue"), off + before.end("cue")),),
                               ((qa, qb),)))
            taken.append((qa, qb))
    for m in _INDIRECT_RE.finditer(text):
        if any(a <= m.start("cue") < b for a, b in taken):
            continue
        out.append(SpanSet(((m.start("src"), m.end("src")),), ((m.start("cue"), m.end("cue")),),
                           ((m.start("content"), m.end("content")),)))
    return out


SYSTEMS: dict[str, Callable[[str], list[SpanSet]]] = {
    "broadsheet": broadsheet_system,
    "regex-baseline": regex_baseline,
}


def evaluate_attributions(
    dir: Path,
    *,
    split: str | None = None,
    limit: int | None = None,
    systems: dict[str, Callable[[str], list[SpanSet]]] | None = None,
) -> AttributionReport:
    """Score the extractor and the regex baseline on one split of a PolNeAR-style corpus.

    ``dir`` is the corpus root (with ``split`` naming ``train`` / ``dev``) or, with
    ``split=None``, a split directory itself (it holds ``text/`` and ``attributions/``);
    a root without ``text/`` and no split given means ``dev``.
    """
    root = Path(dir)
    if split is None and not (root / "text").is_dir():
        split = "dev"
    split_dir = root / split if split else root
    if not (split_dir / "text").is_dir():
        raise FileNotFoundError(f"{split_dir}: no text/ directory")
    docs = load_split(split_dir)
    if limit is not None:
        docs = docs[:limit]
    report = AttributionReport(
        path=str(root), split=split, documents=len(docs),
        gold_attributions=sum(len(g) for _, _, g in docs),
    )
    for name, system in (systems or SYSTEMS).items():
        counts = _Counts()
        predicted = 0
        elapsed = 0.0
        for _, text, gold in docs:
            t0 = time.perf_counter()
            pred = system(text)
            elapsed += time.perf_counter() - t0
            predicted += len(pred)
            counts.add(text, pred, gold)
        elapsed = max(elapsed, 1e-9)
        report.systems[name] = SystemScore(
            overlap=_overlap_result(counts),
            exact=_exact_result(counts),
            token_set=_set_result(counts),
            predicted_attributions=predicted,
            seconds=elapsed,
            docs_per_second=len(docs) / elapsed,
        )
    return report


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path, help="corpus root or split directory")
    parser.add_argument("--split", default=None, help="train, dev, ... (default: dev)")
    parser.add_argument("--limit", type=int, default=None, help="first N documents only")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    report = evaluate_attributions(args.path, split=args.split, limit=args.limit)
    print(json.dumps(report.to_json(), indent=2) if args.json else report.to_markdown())


if __name__ == "__main__":
    main()
