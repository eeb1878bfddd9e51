"""The daily crossword: an American-style grid filled with the week's news.

**Answers.** Theme answers are the key players, places and terms of the briefings of the
week's stories, clued from a briefing sentence; the rest of the grid is filled from the real
words and names of stored articles, each clued from an article sentence (see
``broadsheet.puzzles.words``). Clues are fill-in-the-blank: the sentence with the answer
blanked. Every entry's ``source`` names the stored article or briefing and the exact
sentence, so a reader can be shown where the clue came from.

**Grids.** ``make_crossword`` builds an 11×11 (or 13×13) grid, ``make_mini`` a 5×5. Blocks
are placed with 180-degree rotational symmetry; every entry has at least three letters, so
every white cell is in an across and a down entry (checked); all white cells are connected.
Block patterns are generated from the day's random numbers (long runs are cut until no
entry is longer than the pattern's limit, then blocks are added up to the pattern's count)
and then improved by hill-climbing on a score: log10 of the expected number of fills if the
words were drawn at random, from the vocabulary's word counts by length and its letter
frequencies by position (``_LetterModel``). The best-scored patterns are tried first. The
daily grid has at most ``MAX_BLOCKS`` blocks (30 of 121 cells at 11×11); a run of rounds
that finds no fill allows a few more.

**Filling.** A backtracking search over the slots, with each slot's candidate words held as
a bitset (a Python int over the words of that length; an index by length, position and
letter gives the words with a given letter in a given place). After each placement the
word is removed from the other slots of its length (no answer repeats) and arc consistency
narrows every slot to the words whose letters its crossing slots can still match. The next
slot is a forced one if any, else the one with the fewest candidates per failure weight
(slots that keep running dry weigh more: dom/wdeg), the longer on a tie. Its candidates are
tried best first: the first ``LOOKAHEAD`` in preference order (theme answers, the week's
words, the wider window's, function words last, shuffled within a tier by the day's random
numbers) ranked by how many candidates they leave the crossing slots plus a preference
bonus. A dead end jumps back to the latest placement it depends on (conflict-directed
backjumping). Each pattern gets a budget of ``BUDGET`` placements, then the next pattern is
tried.

**Determinism.** The random numbers come from SplitMix64 seeded with
SHA-256("crossword:KIND:SIZE:YYYY-MM-DD") (never ``random`` or the salted ``hash()``), the
search is bounded by counts (not by time), and every collection is ordered before it is
shuffled, so the same date and the same stored articles give the same puzzle on every
machine. Stories or articles stored later may change the puzzle of a past date (its week
gains words); keep the JSON of a published puzzle to show it again.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from broadsheet.puzzles.rng import SplitMix64
from broadsheet.puzzles.words import Vocabulary, WordInfo, load_vocabulary, mention_re

__all__ = [
    "Crossword",
    "CrosswordError",
    "Entry",
    "check_crossword",
    "daily_crosswords",
    "daily_vocabulary",
    "fill_pattern",
    "make_crossword",
    "make_mini",
    "make_pattern",
    "pattern_slots",
]

BLOCK = "#"
EMPTY = "."
MIN_LEN = 3


class CrosswordError(Exception):
    """No grid could be filled (the vocabulary is too thin, or every attempt ran out)."""


# ---------------------------------------------------------------------------------------
# ---------------------------------------------------------------------------------------
# The puzzle


@dataclass(slots=True)
class Entry:
    number: int
    direction: str  # "across" | "down"
    row: int
    col: int
    answer: str
    clue: str
    source: dict[str, Any]
    kind: str = "word"  # "name" | "word"
    theme: bool = False

    @property
    def length(self) -> int:
        return len(self.answer)

    def cells(self) -> list[tuple[int, int]]:
        dr, dc = (0, 1) if self.direction == "across" else (1, 0)
        return [(self.row + dr * i, self.col + dc * i) for i in range(len(self.answer))]


@dataclass(slots=True)
class Crossword:
    date: str  # YYYY-MM-DD
    kind: str  # "daily" | "mini"
    size: int
    grid: list[str]  # the solution, row by row; "#" is a block
    entries: list[Entry]
    story_ids: list[str] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def solution_grid(self) -> list[str]:
        return list(self.grid)

    @property
    def blank_grid(self) -> list[str]:
        """The grid as a solver sees it: "." for a white cell, "#" for a block."""
        return [re.sub(r"[A-Z]", EMPTY, row) for row in self.grid]

    def numbers(self) -> dict[tuple[int, int], int]:
        return {(e.row, e.col): e.number for e in self.entries}

    def across(self) -> list[Entry]:
        return [e for e in self.entries if e.direction == "across"]

    def down(self) -> list[Entry]:
        return [e for e in self.entries if e.direction == "down"]

    def to_json(self) -> dict[str, Any]:
        return {
            "date": self.date,
            "kind": self.kind,
            "size": self.size,
            "grid": list(self.grid),
            "blank": self.blank_grid,
            "entries": [asdict(e) for e in self.entries],
            "story_ids": list(self.story_ids),
            "stats": dict(self.stats),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Crossword:
        return cls(
            date=data["date"], kind=data["kind"], size=data["size"], grid=list(data["grid"]),
            entries=[Entry(**e) for e in data["entries"]],
            story_ids=list(data.get("story_ids") or []), stats=dict(data.get("stats") or {}),
        )


# ---------------------------------------------------------------------------------------
# Block patterns


def _runs(line: Sequence[bool]) -> list[tuple[int, int]]:
    """(start, length) of each white run of one row or column (True = block)."""
    out = []
    start = None
    for i, blocked in enumerate([*line, True]):
        if blocked:
            if start is not None:
                out.append((start, i - start))
                start = None
        elif start is None:
            start = i
    return out


def _valid(blocks: list[list[bool]], max_len: int | None = None) -> bool:
    """Every entry MIN_LEN to ``max_len`` letters long, and the white cells connected."""
    n = len(blocks)
    top = n if max_len is None else max_len
    for r in range(n):
        row = blocks[r]
        run = 0
        for c in range(n + 1):
            if c < n and not row[c]:
                run += 1
                continue
            if run and (run < MIN_LEN or run > top):
                return False
            run = 0
    for c in range(n):
        run = 0
        for r in range(n + 1):
            if r < n and not blocks[r][c]:
                run += 1
                continue
            if run and (run < MIN_LEN or run > top):
                return False
            run = 0
    return _connected(blocks)


def _connected(blocks: list[list[bool]]) -> bool:
    """Whether the white cells form one region (a flood fill over a bitmask of cells)."""
    n = len(blocks)
    white = 0
    for r in range(n):
        row = blocks[r]
        for c in range(n):
            if not row[c]:
                white |= 1 << (r * n + c)
    if not white:
        return False
    first_col = 0
    for r in range(n):
        first_col |= 1 << (r * n)
    not_first = white & ~first_col  # cells a step right may land on
    not_last = white & ~(first_col << (n - 1))  # cells a step left may land on
    reach = white & -white
    while True:
        grown = reach | ((reach << 1) & not_first) | ((reach >> 1) & not_last)
        grown |= (reach << n) | (reach >> n)
        grown &= white
        if grown == reach:
            return reach == white
        reach = grown


def _local_ok(blocks: list[list[bool]], r: int, c: int) -> bool:
    """No run shorter than MIN_LEN in the rows and columns through (r, c) and its mirror."""
    n = len(blocks)
    for rr, cc in ((r, c), (n - 1 - r, n - 1 - c)):
        for line in (blocks[rr], [blocks[i][cc] for i in range(n)]):
            if any(length < MIN_LEN for _, length in _runs(line)):
                return False
    return True


def _set_pair(blocks: list[list[bool]], r: int, c: int, value: bool) -> None:
    n = len(blocks)
    blocks[r][c] = value
    blocks[n - 1 - r][n - 1 - c] = value


def make_pattern(size: int, rng: SplitMix64, *, max_len: int, blocks: int,
                 restarts: int = 10) -> list[str] | None:
    """A symmetric block pattern ("#" and ".") with entries of MIN_LEN to ``max_len``
    letters and at least ``blocks`` blocks (as few more as the entry lengths need), all
    white cells connected; None when ``restarts`` random builds all got stuck.

    Each step blocks the first cell (and its mirror), in a random order, that keeps every
    entry at least MIN_LEN long and the white cells connected: first among the cells of
    entries longer than ``max_len``, then among all cells until there are ``blocks``
    blocks."""
    n = size
    half = [(r, c) for r in range(n) for c in range(n) if r * n + c <= (n * n - 1) // 2]
    for _ in range(restarts):
        grid = [[False] * n for _ in range(n)]
        placed = 0
        while True:
            long_cells: set[tuple[int, int]] = set()
            for r in range(n):
                for start, length in _runs(grid[r]):
                    if length > max_len:
                        long_cells.update((r, c) for c in range(start, start + length))
            for c in range(n):
                for start, length in _runs([grid[r][c] for r in range(n)]):
                    if length > max_len:
                        long_cells.update((r, c) for r in range(start, start + length))
            if not long_cells and placed >= blocks:
                break
            pool = sorted({_canonical(n, r, c) for r, c in long_cells}) if long_cells else half
            pool = [cell for cell in pool if not grid[cell[0]][cell[1]]]
            rng.shuffle(pool)
            pick = next(((r, c) for r, c in pool if _can_block(grid, r, c)), None)
            if pick is None:
                break
            _set_pair(grid, pick[0], pick[1], True)
            placed = sum(row.count(True) for row in grid)
        if _valid(grid, max_len) and placed >= blocks:
            return ["".join(BLOCK if b else EMPTY for b in row) for row in grid]
    return None


def _canonical(n: int, r: int, c: int) -> tuple[int, int]:
    """The cell of a mirror pair that lies in the first half of the grid."""
    return (r, c) if r * n + c <= (n * n - 1) // 2 else (n - 1 - r, n - 1 - c)


def _can_block(grid: list[list[bool]], r: int, c: int) -> bool:
    if grid[r][c]:
        return False
    _set_pair(grid, r, c, True)
    ok = _local_ok(grid, r, c) and _connected(grid)
    _set_pair(grid, r, c, False)
    return ok


@dataclass(slots=True)
class Slot:
    direction: str
    row: int
    col: int
    length: int

    def cells(self) -> list[tuple[int, int]]:
        dr, dc = (0, 1) if self.direction == "across" else (1, 0)
        return [(self.row + dr * i, self.col + dc * i) for i in range(self.length)]


def pattern_slots(pattern: Sequence[str]) -> list[Slot]:
    """The across entries (row by row) then the down entries (column by column)."""
    n = len(pattern)
    slots = []
    for r in range(n):
        for start, length in _runs([ch == BLOCK for ch in pattern[r]]):
            slots.append(Slot("across", r, start, length))
    for c in range(n):
        for start, length in _runs([pattern[r][c] == BLOCK for r in range(n)]):
            slots.append(Slot("down", start, c, length))
    return slots


# ---------------------------------------------------------------------------------------
# Filling


LOOKAHEAD = 60
SUPPORT_EXACT = 300
WEIGHT_STEP = 1.0


class _Budget(Exception):
    pass


_A = ord("A")


class _Lexicon:
    """The candidate answers by length in preference order (bit i of a slot's candidate set
    is word i of its length), each word's preference bonus, and the letter index."""

    def __init__(self, words: dict[int, list[str]],
                 bonus: dict[int, list[float]] | None = None) -> None:
        self.words = words
        self.bonus = bonus or {n: [0.0] * len(items) for n, items in words.items()}
        self.index = {n: _letter_index(items, n) for n, items in words.items()}
        # (length, position, letter set) -> the words with one of those letters there.
        self.removal: dict[int, int] = {}
        self.full_support = {
            n: [sum(1 << letter for letter in range(26) if table[pos][letter])
                for pos in range(n)]
            for n, table in self.index.items()
        }


class _Filler:
    """Backtracking search over bitset candidate sets (see the module docstring)."""

    def __init__(self, slots: list[Slot], lexicon: _Lexicon, budget: int) -> None:
        self.slots = slots
        self.words = lexicon.words
        self.bonus = lexicon.bonus
        self.index = lexicon.index
        self.budget = budget
        self.nodes = 0
        words = self.words
        cell_slots: dict[tuple[int, int], list[tuple[int, int]]] = {}
        for si, slot in enumerate(slots):
            for pos, cell in enumerate(slot.cells()):
                cell_slots.setdefault(cell, []).append((si, pos))
        # crossings[s] = [(pos in s, other slot, pos in other)]
        self.crossings: list[list[tuple[int, int, int]]] = [[] for _ in slots]
        for pairs in cell_slots.values():
            for si, pi in pairs:
                for sj, pj in pairs:
                    if si != sj:
                        self.crossings[si].append((pi, sj, pj))
        self.same_length: list[list[int]] = [
            [j for j, other in enumerate(slots) if j != i and other.length == slot.length]
            for i, slot in enumerate(slots)
        ]
        self.domain = [(1 << len(words.get(s.length, ()))) - 1 for s in slots]
        self.assigned: list[int | None] = [None] * len(slots)
        # culprits[s]: a bitmask of the search depths whose assignments narrowed s.
        self.culprits = [0] * len(slots)
        # weight[s]: grows each time s is left without candidates (dom/wdeg ordering).
        self.weight = [1.0] * len(slots)
        self._memo: dict[int, tuple[int, int]] = {}
        self._removal = lexicon.removal
        self.full_support = lexicon.full_support

    def solve(self) -> list[str] | None:
        if any(d == 0 for d in self.domain):
            return None
        try:
            ok = self._propagate(list(range(len(self.slots))), [], []) < 0 \
                and self._search(0)[0]
        except _Budget:
            return None
        if not ok:
            return None
        return [self.words[s.length][i] for s, i in zip(self.slots, self.assigned, strict=True)
                if i is not None]

    def _support(self, slot: int, pos: int) -> int:
        """The letters (a 26-bit mask) that slot's candidates put at position ``pos``
        (remembered for the candidate set it was computed for: undoing a placement puts the
        same int object back, so the memo holds across backtracking)."""
        dom = self.domain[slot]
        key = slot * 32 + pos
        memo = self._memo.get(key)
        if memo is not None and memo[0] is dom:
            return memo[1]
        mask = 0
        count = dom.bit_count()
        if count > SUPPORT_EXACT:
            # A big candidate set: assume every letter its length can have (a superset of
            # the true letters, so nothing is wrongly pruned; the exact sets come later).
            return self.full_support[self.slots[slot].length][pos]
        if count <= 12:
            words = self.words[self.slots[slot].length]
            rest = dom
            while rest:
                low = rest & -rest
                rest ^= low
                mask |= 1 << (ord(words[low.bit_length() - 1][pos]) - _A)
        else:
            table = self.index[self.slots[slot].length][pos]
            for letter in range(26):
                if dom & table[letter]:
                    mask |= 1 << letter
        self._memo[key] = (dom, mask)
        return mask

    def _propagate(self, queue: list[int], saved: list[tuple[int, int]],
                   blamed: list[tuple[int, int]]) -> int:
        """Arc consistency from the slots in ``queue``: each crossing slot keeps only the
        candidates with a letter its neighbour can still put in the shared cell. A narrowed
        slot inherits the culprits of the slot that narrowed it. Returns -1, or the slot
        left without candidates."""
        domain = self.domain
        culprits = self.culprits
        queued = set(queue)
        while queue:
            t = queue.pop()
            queued.discard(t)
            for pos, other, opos in self.crossings[t]:
                if self.assigned[other] is not None:
                    continue
                unsupported = 0x3FFFFFF & ~self._support(t, pos)
                if not unsupported:
                    continue
                key = (self.slots[other].length * 32 + opos) << 26 | unsupported
                removed = self._removal.get(key)
                if removed is None:
                    # The words with one of those letters there (memo: the same letter sets
                    # come up again and again).
                    table = self.index[self.slots[other].length][opos]
                    removed = 0
                    m = unsupported
                    while m:
                        low = m & -m
                        m ^= low
                        removed |= table[low.bit_length() - 1]
                    self._removal[key] = removed
                narrowed = domain[other] & ~removed
                if narrowed == domain[other]:
                    continue
                saved.append((other, domain[other]))
                domain[other] = narrowed
                if culprits[t] & ~culprits[other]:
                    blamed.append((other, culprits[other]))
                    culprits[other] |= culprits[t]
                if not narrowed:
                    return other
                if other not in queued:
                    queued.add(other)
                    queue.append(other)
        return -1

    def _ordered(self, slot: int) -> list[int]:
        """The slot's candidates, best first: the first LOOKAHEAD in preference order are
        ranked by how many candidates they leave each crossing slot (the product, with a
        bonus for a preferred tier), the rest follow in preference order."""
        dom = self.domain[slot]
        first: list[int] = []
        rest: list[int] = []
        while dom:
            low = dom & -dom
            dom ^= low
            (first if len(first) < LOOKAHEAD else rest).append(low.bit_length() - 1)
        if len(first) <= 1:
            return first + rest
        words = self.words[self.slots[slot].length]
        crossings = [(pos, other, self.index[self.slots[other].length][opos])
                     for pos, other, opos in self.crossings[slot]
                     if self.assigned[other] is None]
        domain = self.domain
        scored: list[tuple[float, int, int]] = []
        for rank, idx in enumerate(first):
            word = words[idx]
            score = self.bonus[self.slots[slot].length][idx]
            for pos, other, table in crossings:
                count = (domain[other] & table[ord(word[pos]) - _A]).bit_count()
                if not count:
                    break
                score += math.log(count)
            else:
                scored.append((-score, rank, idx))
        scored.sort()
        return [idx for _, _, idx in scored] + rest

    def _search(self, depth: int) -> tuple[bool, int]:
        """Solve the unassigned slots; (True, 0), or (False, the conflict set: a bitmask of
        the depths whose assignments the failure depends on), so a failure can jump back
        over assignments that played no part in it (conflict-directed backjumping)."""
        best = -1
        slots = self.slots
        domain = self.domain
        assigned = self.assigned
        culprits = self.culprits
        weight = self.weight
        best_key = (2.0, 0.0, 0)
        for i in range(len(slots)):
            if assigned[i] is not None:
                continue
            count = domain[i].bit_count()
            # A forced slot first; then the fewest candidates per failure weight (slots that
            # keep running dry are filled earlier), the longer slot on a tie.
            key = (0.0 if count <= 1 else 1.0, count / weight[i], -slots[i].length)
            if key < best_key:
                best, best_key = i, key
        if best < 0:
            return True, 0
        me = 1 << depth
        conflict = culprits[best]
        for idx in self._ordered(best):
            low = 1 << idx
            self.nodes += 1
            if self.nodes > self.budget:
                raise _Budget
            saved: list[tuple[int, int]] = [(best, domain[best])]
            blamed: list[tuple[int, int]] = [(best, culprits[best])]
            domain[best] = low
            assigned[best] = idx
            culprits[best] = me  # the word is this depth's choice
            wiped = -1
            for other in self.same_length[best]:
                if assigned[other] is None and domain[other] & low:
                    saved.append((other, domain[other]))
                    blamed.append((other, culprits[other]))
                    domain[other] &= ~low
                    culprits[other] |= me
                    if not domain[other]:
                        wiped = other
                        break
            if wiped < 0:
                wiped = self._propagate([best], saved, blamed)
            if wiped < 0:
                solved, below = self._search(depth + 1)
                if solved:
                    return True, 0
                if not below & me:
                    # This slot's word played no part: jump back past it.
                    self._undo(best, saved, blamed)
                    return False, below
                conflict |= below
            else:
                conflict |= culprits[wiped]
                weight[wiped] += WEIGHT_STEP
            self._undo(best, saved, blamed)
        return False, conflict & ~me

    def _undo(self, slot: int, saved: list[tuple[int, int]],
              blamed: list[tuple[int, int]]) -> None:
        self.assigned[slot] = None
        for other, old in reversed(blamed):
            self.culprits[other] = old
        for other, old in reversed(saved):
            self.domain[other] = old


def _letter_index(items: list[str], length: int) -> list[list[int]]:
    """index[pos][letter] = the bitset of the words with that letter at that position."""
    nbytes = (len(items) + 7) // 8
    tables = [[bytearray(nbytes) for _ in range(26)] for _ in range(length)]
    for i, word in enumerate(items):
        byte, bit = i >> 3, 1 << (i & 7)
        for pos, ch in enumerate(word):
            tables[pos][ord(ch) - _A][byte] |= bit
    return [[int.from_bytes(t, "little") for t in row] for row in tables]


def fill_pattern(pattern: Sequence[str], words: dict[int, list[str]], *,
                 budget: int = 20_000) -> tuple[list[str], int] | None:
    """The pattern filled from ``words`` (by length, in preference order), and the number
    of placements tried; None when the budget ran out or no fill exists."""
    return _fill_with(list(pattern), _Lexicon(words), budget)


def _fill_with(pattern: list[str], lexicon: _Lexicon, budget: int,
               ) -> tuple[list[str], int] | None:
    slots = pattern_slots(pattern)
    filler = _Filler(slots, lexicon, budget)
    answers = filler.solve()
    if answers is None:
        return None
    grid = [list(row) for row in pattern]
    for slot, answer in zip(slots, answers, strict=True):
        for (r, c), ch in zip(slot.cells(), answer, strict=True):
            grid[r][c] = ch
    return ["".join(row) for row in grid], filler.nodes


# ---------------------------------------------------------------------------------------
# The daily puzzles

# Block patterns of each size: the (max entry length, blocks) shapes generated in turn; the
# most blocks a pattern may have, and how many more each second failed round allows; the
# hill-climbing steps per pattern and the noise added to its score (the mini's patterns are
# few, so the days would repeat them); rounds, and patterns generated per round (all are
# tried, best scored first); the placements each pattern's fill may try.
PATTERN_SHAPES: dict[int, tuple[tuple[int, int], ...]] = {
    5: ((5, 2), (5, 4), (5, 0)),
    11: ((6, 24), (7, 22), (6, 26), (7, 26), (6, 28), (6, 22)),
    13: ((7, 32), (6, 34), (7, 34), (6, 36), (8, 30), (7, 36)),
}
MAX_BLOCKS = {5: 6, 11: 30, 13: 42}
EXTRA_BLOCKS = {5: 0, 11: 2, 13: 2}
IMPROVE_STEPS = {5: 12, 11: 300, 13: 300}
JITTER = {5: 2.0, 11: 0.0, 13: 0.0}
ROUNDS = 8
CANDIDATES = {5: 6, 11: 6, 13: 6}
BUDGET = {5: 300, 11: 300, 13: 400}
# The article window widens until it holds this many words (see words.load_vocabulary).
MIN_WORDS = 9000
# Fewer candidate answers than this and no fill is attempted.
MIN_FILL_WORDS = {5: 300, 11: 2500, 13: 3500}
# Preference bonus (natural log) in candidate ordering, by tier: theme names, theme terms,
# the week's words, the wider window's, function words.
TIER_BONUS = (2.5, 1.5, 0.5, 0.0, -1.5)


class _LetterModel:
    """Positional letter frequencies of the vocabulary, to score block patterns."""

    def __init__(self, by_length: dict[int, list[WordInfo]]) -> None:
        self.counts = {n: len(items) for n, items in by_length.items()}
        self.log_counts = {n: math.log10(c) for n, c in self.counts.items() if c}
        self.freq: dict[int, list[list[float]]] = {}
        for n, items in by_length.items():
            table = [[0.0] * 26 for _ in range(n)]
            for info in items:
                for pos, ch in enumerate(info.answer):
                    table[pos][ord(ch) - _A] += 1.0
            total = max(1, len(items))
            self.freq[n] = [[x / total for x in row] for row in table]
        self._agree: dict[tuple[tuple[int, int], tuple[int, int]], float] = {}

    def agree(self, a: tuple[int, int], b: tuple[int, int]) -> float:
        key = (a, b)
        value = self._agree.get(key)
        if value is None:
            fa, fb = self.freq[a[0]][a[1]], self.freq[b[0]][b[1]]
            agree = sum(x * y for x, y in zip(fa, fb, strict=True))
            value = self._agree[key] = math.log10(max(agree, 1e-12))
        return value

    def score(self, pattern: Sequence[str]) -> float:
        """log10 of the expected number of fills of ``pattern`` if words were drawn at
        random: the candidates of every slot, times the chance that each shared cell gets
        the same letter from both of its words."""
        n = len(pattern)
        counts = self.log_counts
        across: list[list[tuple[int, int] | None]] = [[None] * n for _ in range(n)]
        total = 0.0
        for r in range(n):
            row = pattern[r]
            c = 0
            while c < n:
                if row[c] == BLOCK:
                    c += 1
                    continue
                start = c
                while c < n and row[c] != BLOCK:
                    c += 1
                length = c - start
                if length not in counts:
                    return float("-inf")
                total += counts[length]
                for i in range(length):
                    across[r][start + i] = (length, i)
        for c in range(n):
            r = 0
            while r < n:
                if pattern[r][c] == BLOCK:
                    r += 1
                    continue
                start = r
                while r < n and pattern[r][c] != BLOCK:
                    r += 1
                length = r - start
                if length not in counts:
                    return float("-inf")
                total += counts[length]
                for i in range(length):
                    other = across[start + i][c]
                    if other is not None:
                        total += self.agree(other, (length, i))
        return total


def _ordered_words(vocab: Vocabulary, rng: SplitMix64, low: int, high: int,
                   ) -> tuple[dict[int, list[str]], dict[int, list[float]]]:
    words: dict[int, list[str]] = {}
    bonus: dict[int, list[float]] = {}
    for length, infos in vocab.by_length(low, high).items():
        ranked = sorted(infos, key=lambda w: w.answer)
        rng.shuffle(ranked)
        ranked.sort(key=lambda w: w.tier)  # stable: shuffled within a tier
        words[length] = [w.answer for w in ranked]
        bonus[length] = [TIER_BONUS[min(w.tier, len(TIER_BONUS) - 1)] for w in ranked]
    return words, bonus


def _improve(pattern: list[str], model: _LetterModel, rng: SplitMix64, steps: int,
             max_blocks: int) -> list[str]:
    """Hill-climbing on the pattern's score: add, remove or move a mirrored pair of blocks
    when the pattern stays valid (within ``max_blocks``) and scores higher."""
    n = len(pattern)
    grid = [[ch == BLOCK for ch in row] for row in pattern]
    half = [(r, c) for r in range(n) for c in range(n) if r * n + c <= (n * n - 1) // 2]
    best = model.score(pattern)
    for _ in range(steps):
        blocked = [cell for cell in half if grid[cell[0]][cell[1]]]
        white = [cell for cell in half if not grid[cell[0]][cell[1]]]
        count = sum(row.count(True) for row in grid)
        move = rng.below(3)
        changes: list[tuple[int, int, bool]] = []
        if move == 0 and white:
            r, c = white[rng.below(len(white))]
            changes.append((r, c, True))
        elif move == 1 and blocked:
            r, c = blocked[rng.below(len(blocked))]
            changes.append((r, c, False))
        elif blocked and white:
            r, c = blocked[rng.below(len(blocked))]
            changes.append((r, c, False))
            r, c = white[rng.below(len(white))]
            changes.append((r, c, True))
        if not changes:
            continue
        for r, c, value in changes:
            _set_pair(grid, r, c, value)
        after = sum(row.count(True) for row in grid)
        ok = after <= max_blocks and _valid(grid)
        score = model.score(_rows(grid)) if ok else float("-inf")
        if ok and (score > best or (score == best and after < count)):
            best = score
            continue
        for r, c, value in reversed(changes):
            _set_pair(grid, r, c, not value)
    return _rows(grid)


def _rows(grid: list[list[bool]]) -> list[str]:
    return ["".join(BLOCK if b else EMPTY for b in row) for row in grid]


def _candidate_patterns(size: int, rng: SplitMix64, model: _LetterModel, max_blocks: int,
                        ) -> list[list[str]]:
    """CANDIDATES[size] generated patterns with at most ``max_blocks`` blocks, best scored
    first."""
    shapes = PATTERN_SHAPES[size]
    found: list[tuple[float, int, list[str]]] = []
    seen: set[tuple[str, ...]] = set()
    for i in range(CANDIDATES[size] * 2):
        if len(found) >= CANDIDATES[size]:
            break
        max_len, blocks = shapes[i % len(shapes)]
        pattern = make_pattern(size, rng, max_len=max_len, blocks=blocks)
        if pattern is None or tuple(pattern) in seen:
            continue
        if sum(row.count(BLOCK) for row in pattern) > max_blocks:
            continue
        seen.add(tuple(pattern))
        found.append((-model.score(pattern), i, pattern))
    found.sort()
    return [p for _, _, p in found]


def _numbered(grid: list[str], vocab: Vocabulary) -> list[Entry]:
    n = len(grid)
    entries: list[Entry] = []
    number = 0
    for r in range(n):
        for c in range(n):
            if grid[r][c] == BLOCK:
                continue
            starts_across = (c == 0 or grid[r][c - 1] == BLOCK) and c + 1 < n \
                and grid[r][c + 1] != BLOCK
            starts_down = (r == 0 or grid[r - 1][c] == BLOCK) and r + 1 < n \
                and grid[r + 1][c] != BLOCK
            if not (starts_across or starts_down):
                continue
            number += 1
            for direction, starts in (("across", starts_across), ("down", starts_down)):
                if not starts:
                    continue
                letters = []
                rr, cc = r, c
                while rr < n and cc < n and grid[rr][cc] != BLOCK:
                    letters.append(grid[rr][cc])
                    rr, cc = (rr, cc + 1) if direction == "across" else (rr + 1, cc)
                answer = "".join(letters)
                info: WordInfo = vocab.words[answer]
                entries.append(Entry(
                    number=number, direction=direction, row=r, col=c, answer=answer,
                    clue=info.clue(), source=dict(info.source), kind=info.kind,
                    theme=info.tier <= 1,
                ))
    entries.sort(key=lambda e: (e.direction != "across", e.number))
    _cross_reference(entries, vocab)
    return entries


def _cross_reference(entries: list[Entry], vocab: Vocabulary) -> None:
    """A clue that quotes another entry's answer would give it away: news sentences share
    their words (the clue of 3-Across says "harbour", the answer of 5-Down). Such a
    mention becomes a cross-reference, as printed crosswords write them ("... the
    5-Down budget"). Function words are left: "and" is no giveaway worth a reference."""
    for other in entries:
        info = vocab.words[other.answer]
        if info.tier >= 4 and other.length < 4:
            continue
        mention = mention_re(info.phrase)
        reference = f"{other.number}-{other.direction.capitalize()}"
        for entry in entries:
            if entry is not other:
                entry.clue = mention.sub(reference, entry.clue)


def _as_date(day: date | str) -> date:
    if isinstance(day, str):
        return date.fromisoformat(day)
    if isinstance(day, datetime):
        return day.date()
    return day


def _make(session: Session, day: date | str, size: int, kind: str,
          vocabulary: Vocabulary | None) -> Crossword:
    day = _as_date(day)
    if size not in PATTERN_SHAPES:
        raise ValueError(f"size must be one of {sorted(PATTERN_SHAPES)}")
    vocab = vocabulary if vocabulary is not None else daily_vocabulary(session, day)
    rng = SplitMix64(f"crossword:{kind}:{size}:{day.isoformat()}")
    by_length = vocab.by_length(MIN_LEN, size)
    available = sum(len(items) for items in by_length.values())
    if available < MIN_FILL_WORDS[size]:
        raise CrosswordError(
            f"too few words for a {size}x{size} crossword on {day.isoformat()}: {available} "
            f"from {vocab.article_count} stored articles (at least {MIN_FILL_WORDS[size]})"
        )
    model = _LetterModel(by_length)
    words, bonus = _ordered_words(vocab, rng, MIN_LEN, size)
    lexicon = _Lexicon(words, bonus)
    placements = 0
    attempts = 0
    for round_ in range(ROUNDS):
        # Every other round that finds no fill allows a few more blocks (shorter entries).
        max_blocks = MAX_BLOCKS[size] + EXTRA_BLOCKS[size] * (round_ // 2)
        patterns = _candidate_patterns(size, rng, model, max_blocks)
        patterns = [_improve(p, model, rng, IMPROVE_STEPS[size], max_blocks)
                    for p in patterns]
        # Best scored first; a little noise (for the mini) so that the days differ.
        keyed = [(-model.score(p) - JITTER[size] * rng.below(1000) / 1000, i, p)
                 for i, p in enumerate(patterns)]
        patterns = [p for _, _, p in sorted(keyed)]
        for pattern in patterns:
            attempts += 1
            filled = _fill_with(pattern, lexicon, BUDGET[size])
            if filled is None:
                placements += BUDGET[size]
                continue
            rows, nodes = filled
            placements += nodes
            entries = _numbered(rows, vocab)
            stats = {
                "attempts": attempts, "placements": placements,
                "blocks": sum(row.count(BLOCK) for row in rows),
                "pattern_score": round(model.score(pattern), 2),
                "theme_entries": sum(e.theme for e in entries),
                "week_entries": sum(vocab.words[e.answer].tier <= 2 for e in entries),
                "article_window": vocab.window,
                "story_window_days": vocab.story_window_days,
                "articles": vocab.article_count, "vocabulary": len(vocab.words),
            }
            return Crossword(date=day.isoformat(), kind=kind, size=size, grid=rows,
                             entries=entries, story_ids=list(vocab.story_ids), stats=stats)
    raise CrosswordError(
        f"no {size}x{size} crossword for {day.isoformat()} after {attempts} patterns "
        f"({len(vocab.words)} words from {vocab.article_count} articles)"
    )


def daily_vocabulary(session: Session, day: date | str) -> Vocabulary:
    """The answers every crossword of ``day`` draws on (the mini and both grid sizes use
    the same, so passing it to several ``make_*`` calls changes no puzzle)."""
    day = _as_date(day)
    return load_vocabulary(session, day, max_len=max(PATTERN_SHAPES), min_words=MIN_WORDS)


def make_crossword(session: Session, day: date | str, *, size: int = 11,
                   vocabulary: Vocabulary | None = None) -> Crossword:
    """The daily crossword of ``day`` (11×11 or 13×13); the same date and stored articles
    give the same puzzle. ``vocabulary`` (from ``daily_vocabulary``) saves loading it again.
    Raises CrosswordError when the stored articles are too few to fill it."""
    if size not in (11, 13):
        raise ValueError("the daily crossword is 11x11 or 13x13")
    return _make(session, day, size, "daily", vocabulary)


def make_mini(session: Session, day: date | str, *,
              vocabulary: Vocabulary | None = None) -> Crossword:
    """The daily 5×5 mini crossword of ``day``."""
    return _make(session, day, 5, "mini", vocabulary)


def daily_crosswords(session: Session, day: date | str, *, size: int = 11,
                     ) -> dict[str, Crossword]:
    """``{"daily": make_crossword(...), "mini": make_mini(...)}`` for ``day``, loading the
    vocabulary once."""
    vocab = daily_vocabulary(session, day)
    return {
        "daily": make_crossword(session, day, size=size, vocabulary=vocab),
        "mini": make_mini(session, day, vocabulary=vocab),
    }


# ---------------------------------------------------------------------------------------
# Checks


def check_crossword(cw: Crossword) -> list[str]:
    """Every rule a finished crossword must keep, as a list of problems (empty when fine):
    square grid, no empty cell, 180-degree symmetric blocks, entries of at least three
    letters, every white cell checked (in an across and a down entry), white cells
    connected, entries matching the grid letter by letter (so crossings agree), standard
    numbering, no repeated answer, a clue with a source for every entry, and no clue that
    shows another entry's answer of four letters or more."""
    problems: list[str] = []
    n = cw.size
    grid = cw.grid
    if len(grid) != n or any(len(row) != n for row in grid):
        return [f"grid is not {n}x{n}"]
    blocks = [[ch == BLOCK for ch in row] for row in grid]
    for r in range(n):
        for c in range(n):
            ch = grid[r][c]
            if ch != BLOCK and not ("A" <= ch <= "Z"):
                problems.append(f"cell {r},{c} is not filled: {ch!r}")
            if blocks[r][c] != blocks[n - 1 - r][n - 1 - c]:
                problems.append(f"blocks not symmetric at {r},{c}")
    if not _connected(blocks):
        problems.append("white cells are not connected")
    slots = pattern_slots(grid)
    for slot in slots:
        if slot.length < MIN_LEN:
            problems.append(f"{slot.direction} entry at {slot.row},{slot.col} has "
                            f"{slot.length} letters")
    covered: dict[tuple[int, int], set[str]] = {}
    by_start = {(e.direction, e.row, e.col): e for e in cw.entries}
    if len(by_start) != len(cw.entries):
        problems.append("two entries start in the same cell and direction")
    if len(cw.entries) != len(slots):
        problems.append(f"{len(cw.entries)} entries for {len(slots)} slots")
    for slot in slots:
        entry = by_start.get((slot.direction, slot.row, slot.col))
        if entry is None:
            problems.append(f"no entry for the {slot.direction} slot at {slot.row},{slot.col}")
            continue
        if entry.length != slot.length:
            problems.append(f"{entry.number} {entry.direction}: length {entry.length}, "
                            f"slot {slot.length}")
            continue
        for i, (r, c) in enumerate(slot.cells()):
            covered.setdefault((r, c), set()).add(slot.direction)
            if grid[r][c] != entry.answer[i]:
                problems.append(f"{entry.number} {entry.direction}: letter {i + 1} is "
                                f"{entry.answer[i]}, the grid has {grid[r][c]}")
    for r in range(n):
        for c in range(n):
            if not blocks[r][c] and covered.get((r, c)) != {"across", "down"}:
                problems.append(f"cell {r},{c} is not checked")
    answers = [e.answer for e in cw.entries]
    repeats = sorted({a for a in answers if answers.count(a) > 1})
    if repeats:
        problems.append(f"repeated answers: {', '.join(repeats)}")
    expected = 0
    numbers: dict[tuple[int, int], int] = {}
    for r in range(n):
        for c in range(n):
            if blocks[r][c]:
                continue
            if any((d, r, c) in by_start for d in ("across", "down")):
                expected += 1
                numbers[(r, c)] = expected
    for e in cw.entries:
        if numbers.get((e.row, e.col)) != e.number:
            problems.append(f"{e.number} {e.direction} is misnumbered")
        kind = e.source.get("kind")
        if kind not in ("article", "briefing", "definition") or not e.clue:
            problems.append(f"{e.number} {e.direction} has no clue with a source")
        elif kind != "definition" and ("___" not in e.clue or not e.source.get("sentence")):
            problems.append(f"{e.number} {e.direction} has no fill-in-the-blank clue")
        words = [w.upper() for w in re.findall(r"[^\W\d_]+", e.clue)]
        for other in cw.entries:
            if other is not e and other.length >= 4 and _spelled(words, other.answer):
                problems.append(f"the clue of {e.number} {e.direction} shows "
                                f"{other.number} {other.direction}'s answer")
    return problems


def _spelled(words: list[str], answer: str) -> bool:
    """Whether consecutive ``words`` (upper case) spell ``answer`` ("NBC", "NEWS")."""
    for start in range(len(words)):
        joined = ""
        for word in words[start:]:
            joined += word
            if len(joined) >= len(answer):
                break
        if joined == answer:
            return True
    return False
