"""Sudoku: a fast solver, a human-technique grader, a generator, and the daily puzzles.

Grids are 81-character strings read row by row: ``1``-``9`` for a given, ``0`` or ``.`` for a
blank (whitespace is ignored, so a grid may be written as nine lines). Internally a grid is a
list of 81 ints (0 = blank) and a cell's candidates are a 9-bit mask (bit ``d - 1`` = digit d).

**Solver.** ``count_solutions`` / ``solve`` propagate naked and hidden singles on the bitmask
candidates and branch on the cell with the fewest candidates; counting stops at ``limit``
(2 is enough to tell "unique" from "not unique").

**Grader.** ``grade`` solves the way a person does: it always applies the easiest technique
that makes progress, goes back to the easiest after every step, and counts each technique's
uses. The difficulty is the tier of the hardest technique used:

====== ========== ==========================================================================
tier   difficulty techniques (in the order tried)
====== ========== ==========================================================================
1      easy       naked single, hidden single
2      medium     pointing (locked candidates), box/line reduction, naked pair, hidden pair
3      hard       naked / hidden triple, X-wing, XY-wing, XYZ-wing, swordfish, simple colouring
4      expert     naked / hidden quad, jellyfish, X-chain, XY-chain, alternating inference chain
====== ========== ==========================================================================

The tiers group the techniques roughly as solving guides for people do: wings, swordfish and
simple colouring a step above the subsets and locked candidates, chains above those. A
technique is only tried when every easier one is stuck, so "used" means "needed": with the
techniques of the lower tiers alone the grader stalls. Every generated puzzle is finished by
the grader, so none needs guessing, expert included; puzzles that would need more than the
chains above are not produced.

**Generator.** A random solved grid; then cells are blanked in 180-degree symmetric pairs,
in random order. A removal is kept when the puzzle stays proper and within the target tier:
either the singles refill the pair (nothing changed for the solver), or a search finds no
second solution and the grader, within the tier, finishes it. The first time a removal makes
the puzzle need the target tier, that puzzle is taken (and, if it has more than ``THIN_TO``
clues, thinned the same way while its grade holds); otherwise the next grid is dug.
Cheap tests come first (a cell that is at once a single of the remaining clues; small
"unavoidable sets" that must keep a clue) because the full checks are the cost. Every taken
puzzle is graded again from scratch and checked by ``count_solutions`` as a second proof of
uniqueness. Easy puzzles keep at least ``EASY_MIN_CLUES`` clues.

``generate_set`` finds one puzzle of each difficulty in one search (a dig may pass through
several grades), then gives each puzzle its own random symmetry of the grid (digits
relabelled, lines reordered within the symmetry, maybe a transpose), which keeps grade and
uniqueness but means the set's puzzles share no visible solution.

**Daily puzzles.** ``daily_set(date)`` is ``generate_set`` seeded by SHA-256 of
"sudoku:YYYY-MM-DD:all". All randomness comes from a small SplitMix64 generator (``puzzles.rng``;
not ``random``, never the salted ``hash()``) and the search has no time limits, so the same
date gives the same puzzles on every machine and Python version. Changing the generator's
algorithm changes the puzzles.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from itertools import combinations
from operator import itemgetter
from typing import Any

from broadsheet.puzzles.rng import SplitMix64

DIFFICULTIES: tuple[str, ...] = ("easy", "medium", "hard", "expert")
TIER: dict[str, int] = {name: tier for tier, name in enumerate(DIFFICULTIES, start=1)}

# (name, tier) in the order the grader tries them: easiest first.
TECHNIQUES: tuple[tuple[str, int], ...] = (
    ("naked_single", 1),
    ("hidden_single", 1),
    ("pointing", 2),
    ("box_line", 2),
    ("naked_pair", 2),
    ("hidden_pair", 2),
    ("naked_triple", 3),
    ("hidden_triple", 3),
    ("x_wing", 3),
    ("xy_wing", 3),
    ("xyz_wing", 3),
    ("swordfish", 3),
    ("simple_colouring", 3),
    ("naked_quad", 4),
    ("hidden_quad", 4),
    ("jellyfish", 4),
    ("x_chain", 4),
    ("xy_chain", 4),
    ("aic", 4),
)
TECHNIQUE_TIER: dict[str, int] = dict(TECHNIQUES)

# Easy puzzles stop blanking at this many clues, so a beginner has plenty to start from; the
# harder grades are limited only by their techniques.
EASY_MIN_CLUES = 36

# Medium to expert puzzles found with more clues than this are thinned towards it (more
# pairs blanked while the grade holds), so that they look like their grade.
THIN_TO = 30

# Give up (RuntimeError) after this many solved grids; far above what any grade needs.
MAX_ATTEMPTS = 10_000

_ALL = 0x1FF

# ---------------------------------------------------------------------------------------------
# Geometry, computed once.

_ROWS = tuple(tuple(r * 9 + c for c in range(9)) for r in range(9))
_COLS = tuple(tuple(r * 9 + c for r in range(9)) for c in range(9))
_BOXES = tuple(
    tuple((br * 3 + i) * 9 + bc * 3 + j for i in range(3) for j in range(3))
    for br in range(3)
    for bc in range(3)
)
_UNITS = _ROWS + _COLS + _BOXES
_UNIT_GETTERS = tuple(itemgetter(*unit) for unit in _UNITS)  # a unit's 9 values in one call
_ROW_OF = tuple(i // 9 for i in range(81))
_COL_OF = tuple(i % 9 for i in range(81))
_BOX_OF = tuple((i // 27) * 3 + (i % 9) // 3 for i in range(81))
_RCB = tuple(zip(_ROW_OF, _COL_OF, _BOX_OF, strict=True))
_PEERS = tuple(
    tuple(sorted((set(_ROWS[i // 9]) | set(_COLS[i % 9]) | set(_BOXES[_BOX_OF[i]])) - {i}))
    for i in range(81)
)
# Peers as an 81-bit set, so "cells that see both A and B" is one AND.
_PEER_MASK = tuple(sum(1 << p for p in peers) for peers in _PEERS)
_CELL_UNIT_MASKS = tuple(
    tuple(sum(1 << k for k in unit) for unit in (_ROWS[r], _COLS[c], _BOXES[x]))
    for r, c, x in zip(_ROW_OF, _COL_OF, _BOX_OF, strict=True)
)
_UNIT_MASKS = tuple(sum(1 << i for i in unit) for unit in _UNITS)
_POP = tuple(bin(m).count("1") for m in range(512))
_BITS = tuple(tuple(d for d in range(9) if m >> d & 1) for m in range(512))
_DIGIT_OF = tuple(_BITS[m][0] + 1 if _POP[m] == 1 else 0 for m in range(512))
# A candidate mask spread out to bit 9 * d per digit d: shifted by a cell's place k in a
# unit and OR-ed over the unit, it gives every digit's places at once (a 9x9 transpose).
_SPREAD = tuple(sum(1 << (9 * d) for d in _BITS[m]) for m in range(512))


def _intersections() -> tuple[tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]], ...]:
    """Box/line intersections (three cells each): 27 row segments, then 27 column segments,
    each as (its cells, the rest of its line, the rest of its box)."""
    out = []
    for orient in range(2):
        for b in range(9):
            for k in range(3):
                line = _ROWS[(b // 3) * 3 + k] if orient == 0 else _COLS[(b % 3) * 3 + k]
                cells = tuple(i for i in line if _BOX_OF[i] == b)
                rest_of_line = tuple(i for i in line if i not in cells)
                rest_of_box = tuple(i for i in _BOXES[b] if i not in cells)
                out.append((cells, rest_of_line, rest_of_box))
    return tuple(out)


_ISECT = _intersections()
# The three segments of one box in one orientation (pointing), and of one line (box/line).
_BOX_GROUPS = tuple(
    tuple(o * 27 + b * 3 + k for k in range(3)) for o in range(2) for b in range(9)
)
_LINE_GROUPS = tuple(
    tuple(((r // 3) * 3 + bc) * 3 + r % 3 for bc in range(3)) for r in range(9)
) + tuple(tuple(27 + (br * 3 + c // 3) * 3 + c % 3 for br in range(3)) for c in range(9))

# For each intersection, the other two of its box (same orientation) and of its line.
_BOX_MATES = tuple(
    next(tuple(j for j in group if j != k) for group in _BOX_GROUPS if k in group)
    for k in range(54)
)
_LINE_MATES = tuple(
    next(tuple(j for j in group if j != k) for group in _LINE_GROUPS if k in group)
    for k in range(54)
)

# 180-degree rotational pairs of cells (and the centre alone): the generator's removal unit.
_ORBITS = (*((i, 80 - i) for i in range(40)), (40,))


class _Contradiction(Exception):
    """A cell or unit ran out of candidates: the position has no solution."""


# ---------------------------------------------------------------------------------------------
# ---------------------------------------------------------------------------------------------
# Parsing and formatting.


def parse_grid(text: str | Sequence[int]) -> list[int]:
    """81 cells as ints (0 = blank). Raises ValueError for a malformed or contradictory grid.

    A string may use ``0`` or ``.`` for blanks and may contain whitespace; a sequence must be
    81 ints in 0..9.
    """
    if isinstance(text, str):
        chars = [ch for ch in text if not ch.isspace()]
        if len(chars) != 81:
            raise ValueError(f"a sudoku grid needs 81 cells, got {len(chars)}")
        cells = []
        for pos, ch in enumerate(chars):
            if ch in ".0":
                cells.append(0)
            elif "1" <= ch <= "9":
                cells.append(ord(ch) - 48)
            else:
                raise ValueError(
                    f"invalid character {ch!r} at cell {pos + 1} "
                    f"(row {pos // 9 + 1}, column {pos % 9 + 1}); use 1-9, 0 or '.'"
                )
    else:
        cells = list(text)
        if len(cells) != 81:
            raise ValueError(f"a sudoku grid needs 81 cells, got {len(cells)}")
        for pos, v in enumerate(cells):
            if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= 9:
                raise ValueError(f"invalid value {v!r} at cell {pos + 1}; use ints 0-9")
    _check_givens(cells)
    return cells


def _check_givens(cells: Sequence[int]) -> None:
    kinds = ("row", "column", "box")
    for u, unit in enumerate(_UNITS):
        seen: set[int] = set()
        for i in unit:
            v = cells[i]
            if v and v in seen:
                raise ValueError(
                    f"contradictory givens: {kinds[u // 9]} {u % 9 + 1} has two {v}s"
                )
            seen.add(v)


def grid_string(cells: Sequence[int], blank: str = ".") -> str:
    """The 81-character form of a grid."""
    return "".join(str(v) if v else blank for v in cells)


def format_grid(grid: str | Sequence[int]) -> str:
    """A grid as 9 text lines with box separators, for terminals and plain-text briefings."""
    cells = parse_grid(grid)
    lines = []
    for r in range(9):
        if r in (3, 6):
            lines.append("------+-------+------")
        row = [str(v) if v else "." for v in cells[r * 9 : r * 9 + 9]]
        lines.append(" | ".join(" ".join(row[k : k + 3]) for k in (0, 3, 6)))
    return "\n".join(lines)


def is_valid_solution(grid: str | Sequence[int]) -> bool:
    """True if the grid is full and every row, column and box holds 1-9 once."""
    cells = [ord(ch) - 48 for ch in grid] if isinstance(grid, str) else list(grid)
    if len(cells) != 81:
        return False
    return all(sorted(cells[i] for i in unit) == list(range(1, 10)) for unit in _UNITS)


# ---------------------------------------------------------------------------------------------
# Candidate bookkeeping shared by the solver and the grader.


def _init(cells: Sequence[int]) -> tuple[list[int], list[int], list[int]]:
    """Candidates, values and the naked-single queue for a grid of consistent givens."""
    rows = [0] * 9
    cols = [0] * 9
    boxes = [0] * 9
    for v, (r, c, x) in zip(cells, _RCB, strict=True):
        if v:
            b = 1 << (v - 1)
            if (rows[r] | cols[c] | boxes[x]) & b:
                raise _Contradiction
            rows[r] |= b
            cols[c] |= b
            boxes[x] |= b
    cand = [0] * 81
    queue = []
    for i, v in enumerate(cells):
        if not v:
            r, c, x = _RCB[i]
            m = _ALL & ~(rows[r] | cols[c] | boxes[x])
            if not m & (m - 1):
                if not m:
                    raise _Contradiction
                queue.append(i)
            cand[i] = m
    return cand, list(cells), queue


def _place(cand: list[int], vals: list[int], i: int, d: int, queue: list[int]) -> None:
    b = 1 << (d - 1)
    vals[i] = d
    cand[i] = 0
    for p in _PEERS[i]:
        c = cand[p]
        if c & b:
            c ^= b
            cand[p] = c
            if not c & (c - 1):
                if not c:
                    raise _Contradiction
                queue.append(p)


def _eliminate(cand: list[int], i: int, mask: int, queue: list[int]) -> bool:
    c = cand[i]
    if not c & mask:
        return False
    c &= ~mask
    cand[i] = c
    if not c & (c - 1):
        if not c:
            raise _Contradiction
        queue.append(i)
    return True


def _drain(
    cand: list[int], vals: list[int], queue: list[int], counts: list[int] | None
) -> None:
    """Place the queued naked singles (and those they make, in turn)."""
    digit_of = _DIGIT_OF
    peers = _PEERS
    while queue:
        i = queue.pop()
        if vals[i]:
            continue
        # Candidates only shrink, so a queued cell is still a single (or empty).
        c = cand[i]
        if not c:
            raise _Contradiction
        vals[i] = digit_of[c]
        cand[i] = 0
        for p in peers[i]:
            x = cand[p]
            if x & c:
                x ^= c
                cand[p] = x
                if not x & (x - 1):
                    if not x:
                        raise _Contradiction
                    queue.append(p)
        if counts is not None:
            counts[0] += 1


def _singles_step(
    cand: list[int], vals: list[int], queue: list[int], counts: list[int] | None
) -> bool:
    """Place the queued naked singles, then sweep the units once for hidden singles (placing
    the naked singles they make before going on to the next unit); True if anything moved."""
    digit_of = _DIGIT_OF
    peers = _PEERS
    progress = bool(queue)
    _drain(cand, vals, queue, counts)
    for unit, getter in zip(_UNITS, _UNIT_GETTERS, strict=True):
        # Digits with exactly one place in the unit: "seen" minus "seen twice", unrolled
        # over the nine cells because this sweep is the solver's inner loop.
        a, b, c, d, e, f, g, h, k = getter(cand)
        twice = a & b
        once = a | b
        twice |= once & c
        once |= c
        twice |= once & d
        once |= d
        twice |= once & e
        once |= e
        twice |= once & f
        once |= f
        twice |= once & g
        once |= g
        twice |= once & h
        once |= h
        twice |= once & k
        once |= k
        only = once & ~twice
        if not only:
            continue
        for i in unit:
            c = cand[i] & only
            if c:
                if c & (c - 1):
                    raise _Contradiction  # one cell is the only place for two digits
                vals[i] = digit_of[c]
                cand[i] = 0
                for p in peers[i]:
                    x = cand[p]
                    if x & c:
                        x ^= c
                        cand[p] = x
                        if not x & (x - 1):
                            if not x:
                                raise _Contradiction
                            queue.append(p)
                progress = True
                if counts is not None:
                    counts[1] += 1
        if queue:
            _drain(cand, vals, queue, counts)
    return progress


def _singles(
    cand: list[int], vals: list[int], queue: list[int], counts: list[int] | None
) -> None:
    """Place naked singles and hidden singles until neither is left."""
    while _singles_step(cand, vals, queue, counts):
        pass


# ---------------------------------------------------------------------------------------------
# Solver.


def _search(
    cand: list[int],
    vals: list[int],
    queue: list[int],
    limit: int,
    found: list[list[int]],
    rng: SplitMix64 | None,
    prefer: Sequence[int] | None = None,
) -> None:
    """Depth-first search on the cell with fewest candidates, after the singles.

    Digits are tried in random order with ``rng``, or with ``prefer``'s digit first: a
    second solution usually differs from a known one in few cells, so following the known
    one finds it (or refutes it) fastest.
    """
    _singles(cand, vals, queue, None)
    best = -1
    fewest = 10
    pop = _POP
    for i in range(81):
        c = cand[i]
        if c and pop[c] < fewest:
            best = i
            fewest = pop[c]
            if fewest == 2:
                break
    if best < 0:
        found.append(vals)
        return
    digits = list(_BITS[cand[best]])
    if rng is not None:
        rng.shuffle(digits)
    elif prefer is not None and cand[best] >> (prefer[best] - 1) & 1:
        digits.remove(prefer[best] - 1)
        digits.insert(0, prefer[best] - 1)
    for d in digits:
        c2 = cand[:]
        v2 = vals[:]
        q: list[int] = []
        try:
            _place(c2, v2, best, d + 1, q)
            _search(c2, v2, q, limit, found, rng, prefer)
        except _Contradiction:
            pass
        if len(found) >= limit:
            return


def _solutions(cells: Sequence[int], limit: int, rng: SplitMix64 | None = None) -> list[list[int]]:
    found: list[list[int]] = []
    try:
        cand, vals, queue = _init(cells)
        _search(cand, vals, queue, limit, found, rng)
    except _Contradiction:
        pass
    return found


def count_solutions(puzzle: str | Sequence[int], limit: int = 2) -> int:
    """Number of solutions, counting no further than ``limit`` (2 tells unique from not)."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    return len(_solutions(parse_grid(puzzle), limit))


def solve(puzzle: str | Sequence[int]) -> str | None:
    """A solution as an 81-digit string (the solution, if the puzzle is proper), or None."""
    found = _solutions(parse_grid(puzzle), 1)
    return grid_string(found[0]) if found else None


def _random_solution(rng: SplitMix64) -> list[int]:
    """A random solved grid: fill the cells in order, random digit order, backtracking."""
    cells = [0] * 81
    rows = [0] * 9
    cols = [0] * 9
    boxes = [0] * 9
    options: list[list[int] | None] = [None] * 81  # digits (0-8) still to try, per cell
    i = 0
    while i < 81:
        r, c, x = _ROW_OF[i], _COL_OF[i], _BOX_OF[i]
        opts = options[i]
        if opts is None:
            opts = list(_BITS[_ALL & ~(rows[r] | cols[c] | boxes[x])])
            rng.shuffle(opts)
            options[i] = opts
        else:  # back here after a dead end further on: take the current digit out
            b = 1 << (cells[i] - 1)
            rows[r] ^= b
            cols[c] ^= b
            boxes[x] ^= b
            cells[i] = 0
        if opts:
            d = opts.pop()
            b = 1 << d
            rows[r] |= b
            cols[c] |= b
            boxes[x] |= b
            cells[i] = d + 1
            i += 1
        else:
            options[i] = None
            i -= 1
    return cells


# ---------------------------------------------------------------------------------------------
# Human techniques. Each applies one instance (one deduction) and returns True, or returns
# False if it finds nothing; the grader then goes back to the singles.


def _pointing(cand: list[int], vals: list[int], queue: list[int]) -> bool:
    """A digit whose places in a box all lie on one line leaves the rest of that line."""
    return _locked(cand, queue, pointing=True)


def _box_line(cand: list[int], vals: list[int], queue: list[int]) -> bool:
    """A digit whose places in a line all lie in one box leaves the rest of that box."""
    return _locked(cand, queue, pointing=False)


def _locked(cand: list[int], queue: list[int], pointing: bool) -> bool:
    # Each box/line intersection's candidates, then per intersection: digits found nowhere
    # else in the box (pointing) or the line (box/line) that the rest of the line (or box)
    # still has. One digit of one intersection per step.
    seg = [cand[a] | cand[b] | cand[c] for (a, b, c), _, _ in _ISECT]
    confined_by, cleared = (_BOX_MATES, _LINE_MATES) if pointing else (_LINE_MATES, _BOX_MATES)
    for k in range(54):
        x, y = confined_by[k]
        only = seg[k] & ~(seg[x] | seg[y])
        if not only:
            continue
        x, y = cleared[k]
        target = only & (seg[x] | seg[y])
        if target:
            bit = target & -target
            for i in _ISECT[k][1 if pointing else 2]:
                _eliminate(cand, i, bit, queue)
            return True
    return False


def _naked_subset(cand: list[int], queue: list[int], size: int) -> bool:
    """``size`` cells of a unit holding only ``size`` digits between them: those digits
    leave the unit's other cells."""
    pop = _POP
    for unit in _UNITS:
        small = [i for i in unit if 2 <= pop[cand[i]] <= size]
        if len(small) < size:
            continue
        for group in combinations(small, size):
            union = 0
            for i in group:
                union |= cand[i]
            if pop[union] != size:
                continue
            changed = False
            for i in unit:
                if i not in group and cand[i]:
                    changed |= _eliminate(cand, i, union, queue)
            if changed:
                return True
    return False


def _hidden_subset(cand: list[int], queue: list[int], size: int) -> bool:
    """``size`` digits that fit only ``size`` cells of a unit: those cells hold nothing else."""
    pop = _POP
    spread = _SPREAD
    for unit, getter in zip(_UNITS, _UNIT_GETTERS, strict=True):
        a, b, c, d, e, f, g, h, k = getter(cand)
        table = (
            spread[a]
            | spread[b] << 1
            | spread[c] << 2
            | spread[d] << 3
            | spread[e] << 4
            | spread[f] << 5
            | spread[g] << 6
            | spread[h] << 7
            | spread[k] << 8
        )
        where = [table >> (9 * n) & _ALL for n in range(9)]  # digit -> its places in the unit
        digits = [n for n in range(9) if 2 <= pop[where[n]] <= size]
        if len(digits) < size:
            continue
        for group in combinations(digits, size):
            places = 0
            keep = 0
            for n in group:
                places |= where[n]
                keep |= 1 << n
            if pop[places] != size:
                continue
            changed = False
            for pos in _BITS[places]:
                changed |= _eliminate(cand, unit[pos], _ALL & ~keep, queue)
            if changed:
                return True
    return False


def _digit_places(cand: list[int]) -> list[int]:
    """For each digit, the 81-bit set of cells where it is still a candidate."""
    places = [0] * 9
    for i in range(81):
        for d in _BITS[cand[i]]:
            places[d] |= 1 << i
    return places


def _conjugates(places: int) -> dict[int, int]:
    """Cell -> 81-bit set of its partners, for units where a digit has exactly two places."""
    links: dict[int, int] = {}
    for unit_mask in _UNIT_MASKS:
        pair = places & unit_mask
        if pair.bit_count() == 2:
            low = pair & -pair
            high = pair ^ low
            a, b = low.bit_length() - 1, high.bit_length() - 1
            links[a] = links.get(a, 0) | high
            links[b] = links.get(b, 0) | low
    return links


def _fish(cand: list[int], queue: list[int], size: int) -> bool:
    """X-wing (2), swordfish (3), jellyfish (4): a digit confined, in ``size`` rows, to the
    same ``size`` columns fills those columns from these rows, so it leaves the columns'
    other cells (and the same with rows and columns swapped)."""
    # row_pos[d][r]: columns of row r where digit d is a candidate; col_pos likewise.
    row_pos = [[0] * 9 for _ in range(9)]
    col_pos = [[0] * 9 for _ in range(9)]
    for i in range(81):
        c = cand[i]
        if c:
            r, col = _ROW_OF[i], _COL_OF[i]
            for d in _BITS[c]:
                row_pos[d][r] |= 1 << col
                col_pos[d][col] |= 1 << r
    pop = _POP
    for d in range(9):
        bit = 1 << d
        for base, by_rows in ((row_pos[d], True), (col_pos[d], False)):
            lines = [n for n in range(9) if 2 <= pop[base[n]] <= size]
            if len(lines) < size:
                continue
            for group in combinations(lines, size):
                cover = 0
                for n in group:
                    cover |= base[n]
                if pop[cover] != size:
                    continue
                changed = False
                for other in range(9):
                    if other in group:
                        continue
                    for m in _BITS[cover]:
                        i = other * 9 + m if by_rows else m * 9 + other
                        changed |= _eliminate(cand, i, bit, queue)
                if changed:
                    return True
    return False


def _eliminate_seen(cand: list[int], queue: list[int], seen: int, bit: int) -> bool:
    """Remove ``bit`` from every cell in the 81-bit set ``seen``."""
    changed = False
    while seen:
        low = seen & -seen
        seen ^= low
        changed |= _eliminate(cand, low.bit_length() - 1, bit, queue)
    return changed


def _xy_wing(cand: list[int], vals: list[int], queue: list[int]) -> bool:
    """Pivot {x,y} seeing pincers {x,z} and {y,z}: one pincer is z, so z leaves every cell
    that sees both pincers."""
    pop = _POP
    for p in range(81):
        pc = cand[p]
        if pop[pc] != 2:
            continue
        # Pincers: bivalue peers sharing exactly one digit with the pivot.
        wings = [q for q in _PEERS[p] if pop[cand[q]] == 2 and pop[cand[q] & pc] == 1]
        for a, b in combinations(wings, 2):
            ca, cb = cand[a], cand[b]
            z = ca & cb
            # {x,z} and {y,z} with x != y, and z not in the pivot.
            if pop[z] != 1 or z & pc or (ca | cb) & pc != pc:
                continue
            if _eliminate_seen(cand, queue, _PEER_MASK[a] & _PEER_MASK[b], z):
                return True
    return False


def _xyz_wing(cand: list[int], vals: list[int], queue: list[int]) -> bool:
    """Pivot {x,y,z} seeing pincers {x,z} and {y,z}: one of the three is z, so z leaves every
    cell that sees all three."""
    pop = _POP
    for p in range(81):
        pc = cand[p]
        if pop[pc] != 3:
            continue
        wings = [q for q in _PEERS[p] if pop[cand[q]] == 2 and cand[q] & pc == cand[q]]
        for a, b in combinations(wings, 2):
            ca, cb = cand[a], cand[b]
            z = ca & cb
            if pop[z] != 1 or ca | cb != pc:
                continue
            seen = _PEER_MASK[p] & _PEER_MASK[a] & _PEER_MASK[b]
            if _eliminate_seen(cand, queue, seen, z):
                return True
    return False


def _naked_pair(cand: list[int], vals: list[int], queue: list[int]) -> bool:
    return _naked_subset(cand, queue, 2)


def _hidden_pair(cand: list[int], vals: list[int], queue: list[int]) -> bool:
    return _hidden_subset(cand, queue, 2)


def _naked_triple(cand: list[int], vals: list[int], queue: list[int]) -> bool:
    return _naked_subset(cand, queue, 3)


def _hidden_triple(cand: list[int], vals: list[int], queue: list[int]) -> bool:
    return _hidden_subset(cand, queue, 3)


def _x_wing(cand: list[int], vals: list[int], queue: list[int]) -> bool:
    return _fish(cand, queue, 2)


def _swordfish(cand: list[int], vals: list[int], queue: list[int]) -> bool:
    return _fish(cand, queue, 3)


def _naked_quad(cand: list[int], vals: list[int], queue: list[int]) -> bool:
    return _naked_subset(cand, queue, 4)


def _hidden_quad(cand: list[int], vals: list[int], queue: list[int]) -> bool:
    return _hidden_subset(cand, queue, 4)


def _jellyfish(cand: list[int], vals: list[int], queue: list[int]) -> bool:
    return _fish(cand, queue, 4)


def _simple_colouring(cand: list[int], vals: list[int], queue: list[int]) -> bool:
    """Single-digit chains of conjugate pairs (a digit with two places in a unit).

    Colour each chain alternately: one colour holds the digit everywhere, the other nowhere.
    If two cells of one colour see each other, that colour is false (wrap); a cell outside
    the chain that sees both colours cannot hold the digit (trap).
    """
    digit_places = _digit_places(cand)
    for d in range(9):
        bit = 1 << d
        links = _conjugates(digit_places[d])
        coloured = 0
        for start in links:
            if coloured >> start & 1:
                continue
            masks = [1 << start, 0]
            colour = {start: 0}
            stack = [start]
            while stack:
                i = stack.pop()
                partners = links[i]
                while partners:
                    low = partners & -partners
                    partners ^= low
                    j = low.bit_length() - 1
                    if j not in colour:
                        colour[j] = 1 - colour[i]
                        masks[colour[j]] |= low
                        stack.append(j)
            chain = masks[0] | masks[1]
            coloured |= chain
            if len(colour) < 3:
                continue  # a lone conjugate pair proves nothing the singles do not
            for c in (0, 1):
                wrap = any(_PEER_MASK[i] & masks[c] for i, k in colour.items() if k == c)
                if wrap and _eliminate_seen(cand, queue, masks[c], bit):
                    return True
            changed = False
            outside = digit_places[d] & ~chain
            while outside:
                low = outside & -outside
                outside ^= low
                i = low.bit_length() - 1
                seen = _PEER_MASK[i]
                if seen & masks[0] and seen & masks[1]:
                    changed |= _eliminate(cand, i, bit, queue)
            if changed:
                return True
    return False


def _x_chain(cand: list[int], vals: list[int], queue: list[int]) -> bool:
    """Single-digit alternating chains (X-chains: skyscraper, kite, turbot fish, ...).

    Links are strong (the digit has exactly two places in a unit: if one is not the digit,
    the other is) or weak (two cells that see each other: if one is the digit, the other is
    not). Starting "cell s is not d", a strong link makes the next cell d, a weak link the
    one after not d, and so on. Each cell v reached as "is d" gives "s or v is d", so d goes
    from every cell that sees both; reaching s itself as "is d" proves s is d.
    """
    digit_places = _digit_places(cand)
    for d in range(9):
        bit = 1 << d
        places = digit_places[d]
        strong = _conjugates(places)  # cell -> 81-bit set of its conjugate partners
        if len(strong) < 4:
            continue
        for s in strong:
            off = 1 << s  # cells shown "not d" if s is not d
            on = 0  # cells shown "d" if s is not d
            frontier = off
            while frontier:
                new_on = 0
                while frontier:
                    low = frontier & -frontier
                    frontier ^= low
                    new_on |= strong.get(low.bit_length() - 1, 0)
                new_on &= ~on
                if not new_on:
                    break
                on |= new_on
                if new_on >> s & 1:
                    return _eliminate(cand, s, _ALL & ~bit, queue)
                reached = new_on
                frontier = 0
                seen_s = _PEER_MASK[s] & places
                while reached:
                    low = reached & -reached
                    reached ^= low
                    v = low.bit_length() - 1
                    if _eliminate_seen(cand, queue, seen_s & _PEER_MASK[v], bit):
                        return True
                    frontier |= _PEER_MASK[v] & places
                frontier &= ~off
                off |= frontier
    return False


def _xy_chain(cand: list[int], vals: list[int], queue: list[int]) -> bool:
    """A chain of bivalue cells, each seeing the next and sharing the digit passed on.

    If the first cell is not z it is its other digit, which forces the next cell, and so on;
    when the last cell is forced to z, one of the two ends is z, so a cell seeing both ends
    cannot be.
    """
    pop = _POP
    bivalue = [i for i in range(81) if pop[cand[i]] == 2]
    biv_mask = 0
    for i in bivalue:
        biv_mask |= 1 << i
    for start in bivalue:
        for z in _BITS[cand[start]]:
            zbit = 1 << z
            # State: (cell, digit the cell is forced to hold). Start: start holds not-z.
            first = (start, cand[start] & ~zbit)
            seen_states = {first}
            frontier = [first]
            while frontier:
                nxt = []
                for cell, held in frontier:
                    nbrs = _PEER_MASK[cell] & biv_mask
                    while nbrs:
                        low = nbrs & -nbrs
                        nbrs ^= low
                        j = low.bit_length() - 1
                        cj = cand[j]
                        if not cj & held or j == start:
                            continue
                        state = (j, cj & ~held)
                        if state in seen_states:
                            continue
                        seen_states.add(state)
                        if state[1] == zbit:
                            both = _PEER_MASK[start] & _PEER_MASK[j]
                            if _eliminate_seen(cand, queue, both, zbit):
                                return True
                        nxt.append(state)
                frontier = nxt
    return False


def _aic(cand: list[int], vals: list[int], queue: list[int]) -> bool:
    """Alternating inference chains over candidates (cell, digit).

    A strong link joins two candidates of which at least one is true: the two places of a
    digit in a unit, or the two digits of a bivalue cell. A weak link joins two that cannot
    both be true: the same digit in cells that see each other, or two digits of one cell.
    Assume candidate s false and follow strong links (to true) and weak links (to false):
    every candidate v reached as true gives "s or v", so a candidate weakly linked to both
    goes. Reaching s as true, or any candidate as both, proves s. This generalises the
    X-chain and XY-chain (and the W-wing, remote pair, and colouring traps).
    """
    # Node n = digit * 81 + cell, so "digit d in these cells" is a shift of a cell mask.
    digit_cells = _digit_places(cand)
    weak: dict[int, int] = {}
    strong: dict[int, list[int]] = {}
    for i in range(81):
        c = cand[i]
        if not c:
            continue
        in_cell = 0
        for d in _BITS[c]:
            in_cell |= 1 << (d * 81 + i)
        for d in _BITS[c]:
            n = d * 81 + i
            weak[n] = (in_cell ^ 1 << n) | (_PEER_MASK[i] & digit_cells[d]) << (d * 81)
            links = []
            if _POP[c] == 2:
                links.append(((c ^ 1 << d).bit_length() - 1) * 81 + i)
            for unit_mask in _CELL_UNIT_MASKS[i]:
                others = digit_cells[d] & unit_mask
                if others.bit_count() == 2:
                    links.append(d * 81 + (others ^ 1 << i).bit_length() - 1)
            if links:
                strong[n] = links
    for s in strong:
        ws = weak[s]
        off = 1 << s
        on = 0
        frontier = [s]
        while frontier:
            new_on = 0
            for u in frontier:
                for w in strong.get(u, ()):
                    new_on |= 1 << w
            new_on &= ~on
            if not new_on:
                break
            if new_on & off:
                return _prove(cand, s, queue)
            on |= new_on
            reached = 0
            m = new_on
            while m:
                low = m & -m
                m ^= low
                v = low.bit_length() - 1
                both = ws & weak[v]
                if both:
                    while both:
                        low = both & -both
                        both ^= low
                        n = low.bit_length() - 1
                        _eliminate(cand, n % 81, 1 << (n // 81), queue)
                    return True
                reached |= weak[v]
            reached &= ~off
            if reached & on:
                return _prove(cand, s, queue)
            off |= reached
            frontier = []
            while reached:
                low = reached & -reached
                reached ^= low
                frontier.append(low.bit_length() - 1)
    return False


def _prove(cand: list[int], node: int, queue: list[int]) -> bool:
    """Candidate ``node`` (digit * 81 + cell) is true: remove the cell's other digits."""
    return _eliminate(cand, node % 81, _ALL & ~(1 << (node // 81)), queue)


# (index into TECHNIQUES, tier, function) for every technique after the two singles.
_STEP_FUNCTIONS = {
    "pointing": _pointing,
    "box_line": _box_line,
    "naked_pair": _naked_pair,
    "hidden_pair": _hidden_pair,
    "naked_triple": _naked_triple,
    "hidden_triple": _hidden_triple,
    "x_wing": _x_wing,
    "xy_wing": _xy_wing,
    "xyz_wing": _xyz_wing,
    "swordfish": _swordfish,
    "naked_quad": _naked_quad,
    "hidden_quad": _hidden_quad,
    "jellyfish": _jellyfish,
    "simple_colouring": _simple_colouring,
    "x_chain": _x_chain,
    "xy_chain": _xy_chain,
    "aic": _aic,
}
_STEPS = tuple(
    (n, tier, _STEP_FUNCTIONS[name]) for n, (name, tier) in enumerate(TECHNIQUES) if n >= 2
)


def _logic(cells: Sequence[int], max_tier: int, counts: list[int] | None) -> list[int] | None:
    """Solve with techniques up to ``max_tier``, easiest first; the full grid, or None if stuck.

    Raises _Contradiction if the givens turn out to have no solution.
    """
    cand, vals, queue = _init(cells)
    return _logic_from(cand, vals, queue, max_tier, counts)


def _logic_from(
    cand: list[int],
    vals: list[int],
    queue: list[int],
    max_tier: int,
    counts: list[int] | None,
) -> list[int] | None:
    """``_logic`` from a position already set up (candidates, values, naked-single queue)."""
    while True:
        _singles(cand, vals, queue, counts)
        if 0 not in vals:
            return vals
        for n, tier, step in _STEPS:
            if tier > max_tier:
                return None
            if step(cand, vals, queue):
                if counts is not None:
                    counts[n] += 1
                break
        else:
            return None


@dataclass(frozen=True, slots=True)
class Grade:
    """What the grader made of a puzzle."""

    solved: bool  # the techniques finished it (which proves the solution unique)
    difficulty: str | None  # tier of the hardest technique used; None when not solved
    hardest: str | None  # hardest technique used (None for a full grid)
    techniques: dict[str, int]  # technique -> times used, in TECHNIQUES order
    grid: str  # the solution when solved, else the givens ('.' for blanks)


def grade(puzzle: str | Sequence[int], max_tier: int = 4) -> Grade:
    """Grade a puzzle by the human techniques (up to ``max_tier``) needed to solve it."""
    cells = parse_grid(puzzle)
    if not 1 <= max_tier <= 4:
        raise ValueError("max_tier must be 1 (singles) to 4 (expert techniques)")
    counts = [0] * len(TECHNIQUES)
    try:
        result = _logic(cells, max_tier, counts)
    except _Contradiction:
        result = None
    used = {TECHNIQUES[n][0]: k for n, k in enumerate(counts) if k}
    hardest = max(used, key=lambda name: TECHNIQUE_TIER[name], default=None)
    # The hardest technique is the latest one in TECHNIQUES order with the top tier used.
    if hardest is not None:
        top = TECHNIQUE_TIER[hardest]
        hardest = [name for name in used if TECHNIQUE_TIER[name] == top][-1]
    if result is None:
        return Grade(False, None, hardest, used, grid_string(cells))
    tier = TECHNIQUE_TIER[hardest] if hardest else 1
    return Grade(True, DIFFICULTIES[tier - 1], hardest, used, grid_string(result))


# ---------------------------------------------------------------------------------------------
# Generator.


def _unavoidable_sets(solution: list[int]) -> list[int]:
    """Sets of cells (81-bit) of which every proper puzzle for ``solution`` keeps a clue.

    Each is a set of cells whose digits can be rearranged into another valid grid, so a
    puzzle that blanks all of one has two solutions. Two kinds, both cheap to list:

    * two digits a and b: link the a-cell and the b-cell of every row, column and box;
      swapping a and b over one connected group of linked cells gives another grid;
    * two rows of one band (or two columns of one stack): follow "the digit below this one
      sits, in the upper row, in column ..." round a cycle; swapping the two rows' digits
      over the cycle's columns gives another grid.

    Checking these before searching spares most removals that would break uniqueness.
    """
    col_in_row = [[0] * 9 for _ in range(10)]  # digit -> row -> its column
    row_in_col = [[0] * 9 for _ in range(10)]  # digit -> column -> its row
    row_in_box = [[0] * 9 for _ in range(10)]  # digit -> box -> its row
    for i, d in enumerate(solution):
        r, c, x = _RCB[i]
        col_in_row[d][r] = c
        row_in_col[d][c] = r
        row_in_box[d][x] = r
    sets = []
    for a in range(1, 10):
        ca, ra_col, ra_box = col_in_row[a], row_in_col[a], row_in_box[a]
        for b in range(a + 1, 10):
            cb, rb_box = col_in_row[b], row_in_box[b]
            # Row and column links chain the rows into cycles: row r's b shares a column
            # with the a of row ra_col[cb[r]].
            label = [-1] * 9
            n = 0
            for r in range(9):
                k = r
                while label[k] < 0:
                    label[k] = n
                    k = ra_col[cb[k]]
                if label[r] == n:
                    n += 1
            # Box links merge cycles.
            parent = list(range(n))
            for x in range(9):
                p, q = label[ra_box[x]], label[rb_box[x]]
                while parent[p] != p:
                    p = parent[p]
                while parent[q] != q:
                    q = parent[q]
                parent[p] = q
            groups: dict[int, int] = {}
            for r in range(9):
                g = label[r]
                while parent[g] != g:
                    g = parent[g]
                groups[g] = groups.get(g, 0) | 1 << (r * 9 + ca[r]) | 1 << (r * 9 + cb[r])
            sets.extend(groups.values())
    for lines in (_ROWS, _COLS):
        for band in range(3):
            for first, second in ((0, 1), (0, 2), (1, 2)):
                upper, lower = lines[band * 3 + first], lines[band * 3 + second]
                where = {solution[cell]: k for k, cell in enumerate(upper)}
                seen = [False] * 9
                for start in range(9):
                    mask = 0
                    k = start
                    while not seen[k]:
                        seen[k] = True
                        mask |= 1 << upper[k] | 1 << lower[k]
                        k = where[solution[lower[k]]]
                    if mask:
                        sets.append(mask)
    sets.sort(key=int.bit_count)
    return sets


def _refill(cells: list[int], orbit: tuple[int, ...]) -> tuple[list[int], list[int]] | None:
    """Run the singles on ``cells`` until they fill every cell of ``orbit``.

    Returns None if they do (the givens plus the orbit were solvable before, so the puzzle
    still is, by the same path), else the position where the singles stall, for reuse.
    """
    cand, vals, queue = _init(cells)
    while True:
        progress = _singles_step(cand, vals, queue, None)
        if all(vals[i] for i in orbit):
            return None
        if not progress:
            return cand, vals


def _alternative(
    cand: list[int], vals: list[int], orbit: tuple[int, ...], solution: list[int]
) -> list[int] | None:
    """A second solution from this position (the singles' fixed point of a puzzle whose
    blanked ``orbit`` was its only change from a proper puzzle), or None if there is none.

    Any other solution differs from ``solution`` inside the orbit, so it is enough to look
    for one with the first cell changed, then one with the first kept and the second
    changed. Propagation usually ends each search at once.
    """
    cand = cand[:]
    vals = vals[:]
    queue: list[int] = []
    for i in orbit:
        if vals[i]:
            continue  # the singles placed it, so every solution agrees there
        rest = cand[i] & ~(1 << (solution[i] - 1))
        if rest:
            c2 = cand[:]
            v2 = vals[:]
            q2 = queue[:]
            c2[i] = rest
            if not rest & (rest - 1):
                q2.append(i)
            found: list[list[int]] = []
            with contextlib.suppress(_Contradiction):  # no solution that way
                _search(c2, v2, q2, 1, found, None, solution)
            if found:
                return found[0]
        _place(cand, vals, i, solution[i], queue)
    return None


def _tier_used(counts: list[int]) -> int:
    return max((TECHNIQUES[n][1] for n, k in enumerate(counts) if k), default=1)


class _Digger:
    """Blanks clues of a solved grid, keeping the puzzle proper and within a tier.

    Keeps the givens' digit masks per row, column and box up to date, so the common case
    (a blanked cell is at once a naked or hidden single of the remaining givens) costs a
    few lookups instead of a solve.
    """

    def __init__(self, solution: list[int], cells: list[int] | None = None) -> None:
        self.solution = solution
        self.cells = solution[:]
        self.rows = [_ALL] * 9
        self.cols = [_ALL] * 9
        self.boxes = [_ALL] * 9
        self.clue_mask = (1 << 81) - 1
        self._unavoidable: list[int] | None = None  # built on first use
        for i, v in enumerate(cells or ()):
            if not v:  # start from this puzzle instead of the full grid
                self._set(i, False)
                self.clue_mask &= ~(1 << i)

    @property
    def unavoidable(self) -> list[int]:
        if self._unavoidable is None:
            self._unavoidable = _unavoidable_sets(self.solution)
        return self._unavoidable

    def _set(self, i: int, given: bool) -> None:
        d = self.solution[i]
        b = 1 << (d - 1)
        r, c, x = _ROW_OF[i], _COL_OF[i], _BOX_OF[i]
        if given:
            self.cells[i] = d
            self.rows[r] |= b
            self.cols[c] |= b
            self.boxes[x] |= b
        else:
            self.cells[i] = 0
            self.rows[r] &= ~b
            self.cols[c] &= ~b
            self.boxes[x] &= ~b

    def _single_of_givens(self, i: int) -> bool:
        """Is blank cell i a naked or hidden single given only the current clues?"""
        b = 1 << (self.solution[i] - 1)
        rows, cols, boxes, cells = self.rows, self.cols, self.boxes, self.cells
        r, c, x = _RCB[i]
        if rows[r] | cols[c] | boxes[x] | b == _ALL:
            return True  # the clues it sees hold every other digit
        for unit in (_ROWS[r], _COLS[c], _BOXES[x]):
            for k in unit:
                if k != i and not cells[k]:
                    kr, kc, kx = _RCB[k]
                    if not (rows[kr] | cols[kc] | boxes[kx]) & b:
                        break  # another blank of the unit could hold the digit
            else:
                return True
        return False

    def _forced(self, orbit: tuple[int, ...]) -> bool:
        """Do the singles of the givens alone refill the (already blanked) orbit?"""
        if len(orbit) == 1:
            return self._single_of_givens(orbit[0])
        i, j = orbit
        for first, second in ((i, j), (j, i)):
            if self._single_of_givens(first):
                self._set(first, True)
                ok = self._single_of_givens(second)
                self._set(first, False)
                return ok
        return False

    def try_remove(
        self,
        orbit: tuple[int, ...],
        max_tier: int,
        keep: Callable[[int, list[int]], bool] | None = None,
    ) -> int | None:
        """Blank ``orbit`` if the puzzle stays proper and solvable within ``max_tier``.

        Returns None (orbit restored), 0 if the tier cannot have changed (the singles refill
        the orbit, so the solve path is the one before), or the new puzzle's tier. For a new
        tier, ``keep(tier, cells)`` may look at the puzzle and decline it (orbit restored).
        """
        mask = 0
        for i in orbit:
            self._set(i, False)
            mask |= 1 << i
        remaining = self.clue_mask & ~mask
        result = self._judge(orbit, remaining, max_tier)
        if result and keep is not None and not keep(result, self.cells):
            result = None
        if result is None:
            for i in orbit:
                self._set(i, True)
        else:
            self.clue_mask = remaining
        return result

    def _judge(self, orbit: tuple[int, ...], remaining: int, max_tier: int) -> int | None:
        if self._forced(orbit):
            return 0
        if max_tier > 1 and any(u & remaining == 0 for u in self.unavoidable):
            return None
        try:
            stalled = _refill(self.cells, orbit)
            if stalled is None:
                return 0
            if max_tier == 1:
                return None
            cand, vals = stalled
            other = _alternative(cand, vals, orbit, self.solution)
            if other is not None:
                # Where the two solutions differ is an unavoidable set: remember it, so
                # later removals that blank all of it are refused without a search.
                diff = 0
                for k in range(81):
                    if other[k] != self.solution[k]:
                        diff |= 1 << k
                self.unavoidable.insert(0, diff)
                return None
            counts = [0] * len(TECHNIQUES)
            if _logic_from(cand, vals, [], max_tier, counts) is None:
                return None
            return _tier_used(counts)
        except _Contradiction:  # impossible for a subset of a solved grid; refuse safely
            return None


def _dig(solution: list[int], tier: int, floor: int, rng: SplitMix64) -> tuple[list[int], int]:
    """Blank symmetric pairs, in random order, while the puzzle stays proper within ``tier``.

    Returns the puzzle and its tier.
    """
    digger = _Digger(solution)
    clues = 81
    reached = 1
    orbits = list(_ORBITS)
    rng.shuffle(orbits)
    for orbit in orbits:
        if clues - len(orbit) < floor:
            continue
        result = digger.try_remove(orbit, tier)
        if result is not None:
            clues -= len(orbit)
            reached = max(reached, result)
    return digger.cells, reached


@dataclass(frozen=True, slots=True)
class Sudoku:
    """A generated puzzle with its unique solution and grade."""

    puzzle: str  # 81 characters, '.' for a blank
    solution: str  # 81 digits
    difficulty: str  # one of DIFFICULTIES: the grader's verdict
    hardest: str | None  # hardest technique the grader needed (None only for a full grid)
    techniques: dict[str, int]  # technique -> times the grader used it
    clues: int
    seed: str  # the seed given to ``generate`` / ``generate_set`` (for a daily: the date)
    key: str  # the text whose SHA-256 seeded the random numbers
    attempts: int  # solved grids dug before this grade turned up

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    def pretty(self) -> str:
        """The puzzle as 9 text lines with box separators."""
        return format_grid(self.puzzle)


def _mirrored_order(rng: SplitMix64) -> list[int]:
    """A random order of the 9 lines that keeps the mirror pairs (k, 8 - k) mirrored: any
    order of the first band's lines, the last band mirroring it, the two outer bands maybe
    swapped, and the middle band's outer lines maybe swapped."""
    first = [0, 1, 2]
    rng.shuffle(first)
    if rng.below(2):
        first = [8 - k for k in first]
    middle = [5, 4, 3] if rng.below(2) else [3, 4, 5]
    return first + middle + [8 - k for k in reversed(first)]


def _shuffle_grid(
    cells: list[int], solution: list[int], rng: SplitMix64
) -> tuple[list[int], list[int]]:
    """The same puzzle under a random symmetry of the grid: digits relabelled, rows and
    columns reordered (bands stay bands, and the 180-degree symmetry of the clues is kept),
    and maybe a transpose.

    Symmetries keep uniqueness and every technique (rows and columns are treated alike), so
    the grade is unchanged; they stop puzzles dug from one grid from looking alike.
    """
    digits = list(range(1, 10))
    rng.shuffle(digits)
    rows = _mirrored_order(rng)
    cols = _mirrored_order(rng)
    transpose = rng.below(2) == 1
    out_cells = [0] * 81
    out_solution = [0] * 81
    for r in range(9):
        for c in range(9):
            src = rows[r] * 9 + cols[c] if not transpose else rows[c] * 9 + cols[r]
            v = cells[src]
            out_cells[r * 9 + c] = digits[v - 1] if v else 0
            out_solution[r * 9 + c] = digits[solution[src] - 1]
    return out_cells, out_solution


def _thin(cells: list[int], solution: list[int], tier: int, rng: SplitMix64) -> list[int]:
    """Blank more pairs, in random order, while the puzzle keeps exactly this tier, until it
    is down to ``THIN_TO`` clues (or nothing more can go).

    The search takes a puzzle at the first removal that reaches its tier, sometimes with
    many clues to spare; thinning only those keeps the extra work small.
    """
    clues = 81 - cells.count(0)
    if clues <= THIN_TO:
        return cells
    digger = _Digger(solution, cells)
    orbits = [orbit for orbit in _ORBITS if cells[orbit[0]]]
    rng.shuffle(orbits)
    for orbit in orbits:
        if digger.try_remove(orbit, tier) is not None:
            clues -= len(orbit)
            if clues <= THIN_TO:
                break
    return digger.cells


_Found = tuple[list[int], list[int], int, Grade]  # cells, solution, attempts, grade


def _hunt(key: str, wanted: set[int]) -> dict[int, _Found]:
    """Puzzles of the wanted tiers, seeded by ``key``: tier -> (cells, solution, attempts,
    grade).

    Easy is one dig with the singles down to the clue floor. The harder tiers share one
    search: each dig blanks pairs in random order, allowing up to the hardest tier still
    missing. When a removal makes the puzzle need a missing tier, that puzzle is kept; the
    dig then climbs on only if a harder tier is still missing (a removal needing a tier
    nobody wants is undone), so one dig can supply several grades. Each kept puzzle is
    thinned (``_thin``) and gets its own random symmetry of the grid, so a set's puzzles do
    not share a visible solution.
    """
    rng = SplitMix64(key)
    found: dict[int, _Found] = {}
    missing = set(wanted)
    if 1 in missing:
        solution = _random_solution(rng)
        cells, _ = _dig(solution, 1, EASY_MIN_CLUES, rng)
        found[1] = (cells, solution, 1, grade(cells))
        missing.discard(1)
    attempts = 0
    while missing:
        attempts += 1
        if attempts > MAX_ATTEMPTS:
            raise RuntimeError(f"no puzzle of tiers {sorted(missing)} after {MAX_ATTEMPTS} grids")
        solution = _random_solution(rng)
        digger = _Digger(solution)
        orbits = list(_ORBITS)
        rng.shuffle(orbits)
        hits: dict[int, list[int]] = {}

        def keep(tier: int, cells: list[int], hits: dict[int, list[int]] = hits) -> bool:
            if tier in missing and tier not in hits:
                hits[tier] = cells[:]
            return any(t > tier and t not in hits for t in missing)

        for orbit in orbits:
            digger.try_remove(orbit, max(missing), keep)
            if len(hits) == len(missing):
                break
        for tier in sorted(hits):
            cells, shuffled = _shuffle_grid(_thin(hits[tier], solution, tier, rng), solution, rng)
            # The grader from scratch has the last word on the grade.
            result = grade(cells)
            if result.difficulty == DIFFICULTIES[tier - 1]:
                found[tier] = (cells, shuffled, attempts, result)
                missing.discard(tier)
    return found


def _make(found: _Found, seed: str, key: str) -> Sudoku:
    cells, solution, attempts, result = found
    # The brute-force solver is a second proof of uniqueness, and must agree with the grader.
    if count_solutions(cells) != 1 or result.grid != grid_string(solution):
        raise AssertionError(f"{key}: dug a puzzle without a unique solution")
    return Sudoku(
        puzzle=grid_string(cells),
        solution=grid_string(solution),
        difficulty=result.difficulty or "",
        hardest=result.hardest,
        techniques=result.techniques,
        clues=81 - cells.count(0),
        seed=seed,
        key=key,
        attempts=attempts,
    )


def generate(difficulty: str, seed: str = "0") -> Sudoku:
    """One puzzle of exactly this difficulty, fixed by (difficulty, seed)."""
    if difficulty not in TIER:
        raise ValueError(f"unknown difficulty {difficulty!r}; choose from {DIFFICULTIES}")
    key = f"sudoku:{seed}:{difficulty}"
    tier = TIER[difficulty]
    return _make(_hunt(key, {tier})[tier], seed, key)


def generate_set(seed: str = "0") -> dict[str, Sudoku]:
    """One puzzle of each difficulty from a single search (cheaper than four), fixed by seed."""
    key = f"sudoku:{seed}:all"
    found = _hunt(key, set(TIER.values()))
    return {name: _make(found[tier], seed, key) for name, tier in TIER.items()}


def _day(date: dt.date | str) -> str:
    if isinstance(date, dt.datetime):
        return date.date().isoformat()
    if isinstance(date, dt.date):
        return date.isoformat()
    try:
        return dt.date.fromisoformat(date).isoformat()
    except (TypeError, ValueError) as exc:
        raise ValueError(f"date must be a date or YYYY-MM-DD, got {date!r}") from exc


def daily_set(date: dt.date | str) -> dict[str, Sudoku]:
    """The day's four puzzles, easy to expert: the same date always gives the same set.

    Seeded by SHA-256 of "sudoku:YYYY-MM-DD:all" (see ``generate_set``).
    """
    return generate_set(_day(date))


def daily_sudoku(date: dt.date | str, difficulty: str = "medium") -> Sudoku:
    """The day's puzzle of one difficulty (one of ``daily_set(date)``)."""
    if difficulty not in TIER:
        raise ValueError(f"unknown difficulty {difficulty!r}; choose from {DIFFICULTIES}")
    return daily_set(date)[difficulty]
