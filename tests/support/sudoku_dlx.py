"""An independent sudoku solver for the tests: Knuth's Algorithm X on dancing links.

Written apart from ``broadsheet.puzzles.sudoku`` and importing nothing from it, so that a
bug in the package's solver or grader cannot hide itself: sudoku as exact cover, with 324
constraint columns (each cell filled once; each digit once per row, column and box) and
729 candidate rows (digit d in cell (r, c)), each row covering four columns.

The linked structure for the empty grid is built once; each call copies it, removes the
givens' rows with their columns, and searches (column with fewest rows first).
"""

from __future__ import annotations

_N_COLUMNS = 4 * 81


def _build() -> tuple[list[int], list[int], list[int], list[int], list[int], list[int], list[int]]:
    """Left, right, up, down, column-of, row-of and column size arrays for the empty grid.

    Node 0 is the root, nodes 1..324 the column headers, then four nodes per candidate row.
    """
    size = 1 + _N_COLUMNS + 4 * 729
    left = list(range(size))
    right = list(range(size))
    up = list(range(size))
    down = list(range(size))
    column = list(range(size))
    row_of = [-1] * size
    count = [0] * (1 + _N_COLUMNS)
    # Header ring: root, 1, 2, ..., 324.
    for h in range(1 + _N_COLUMNS):
        left[h] = h - 1 if h else _N_COLUMNS
        right[h] = h + 1 if h < _N_COLUMNS else 0
    node = 1 + _N_COLUMNS
    for r in range(9):
        for c in range(9):
            b = (r // 3) * 3 + c // 3
            for d in range(9):
                cand = (r * 9 + c) * 9 + d
                columns = (
                    1 + r * 9 + c,  # cell (r, c) is filled
                    1 + 81 + r * 9 + d,  # row r has d
                    1 + 162 + c * 9 + d,  # column c has d
                    1 + 243 + b * 9 + d,  # box b has d
                )
                first = node
                for k, col in enumerate(columns):
                    n = node + k
                    column[n] = col
                    row_of[n] = cand
                    # Append at the bottom of the column.
                    up[n] = up[col]
                    down[n] = col
                    down[up[col]] = n
                    up[col] = n
                    count[col] += 1
                    # Link into the row ring.
                    left[n] = first + (k - 1) % 4
                    right[n] = first + (k + 1) % 4
                node += 4
    return left, right, up, down, column, row_of, count


_TEMPLATE = _build()
# First node of each candidate row, by candidate index (cell * 9 + digit - 1).
_ROW_START = [1 + _N_COLUMNS + 4 * k for k in range(729)]


class _Links:
    def __init__(self) -> None:
        left, right, up, down, column, row_of, count = _TEMPLATE
        self.left = left[:]
        self.right = right[:]
        self.up = up[:]
        self.down = down[:]
        self.column = column
        self.row_of = row_of
        self.count = count[:]
        self.covered = [False] * (1 + _N_COLUMNS)

    def cover(self, col: int) -> None:
        left, right, up, down, column, count = (
            self.left, self.right, self.up, self.down, self.column, self.count,
        )
        self.covered[col] = True
        right[left[col]] = right[col]
        left[right[col]] = left[col]
        i = down[col]
        while i != col:
            j = right[i]
            while j != i:
                down[up[j]] = down[j]
                up[down[j]] = up[j]
                count[column[j]] -= 1
                j = right[j]
            i = down[i]

    def uncover(self, col: int) -> None:
        left, right, up, down, column, count = (
            self.left, self.right, self.up, self.down, self.column, self.count,
        )
        i = up[col]
        while i != col:
            j = left[i]
            while j != i:
                count[column[j]] += 1
                down[up[j]] = j
                up[down[j]] = j
                j = left[j]
            i = up[i]
        right[left[col]] = col
        left[right[col]] = col
        self.covered[col] = False


def _parse(grid: str) -> list[int]:
    cells = [ch for ch in grid if not ch.isspace()]
    if len(cells) != 81:
        raise ValueError(f"expected 81 cells, got {len(cells)}")
    out = []
    for ch in cells:
        if ch in ".0":
            out.append(0)
        elif ch in "123456789":
            out.append(int(ch))
        else:
            raise ValueError(f"bad cell {ch!r}")
    return out


def solutions(grid: str, limit: int = 2) -> list[str]:
    """Up to ``limit`` solutions of the puzzle, as 81-digit strings."""
    cells = _parse(grid)
    links = _Links()
    chosen: list[int] = []
    # Givens: take their rows into the solution, covering each row's columns. A column that
    # is already covered means two givens clash: no solution.
    for pos, v in enumerate(cells):
        if not v:
            continue
        start = _ROW_START[pos * 9 + v - 1]
        node = start
        while True:
            col = links.column[node]
            if links.covered[col]:
                return []
            links.cover(col)
            node = links.right[node]
            if node == start:
                break
        chosen.append(pos * 9 + v - 1)
    found: list[list[int]] = []
    _search(links, chosen, found, limit)
    out = []
    for rows in found:
        grid_out = ["0"] * 81
        for cand in rows:
            grid_out[cand // 9] = str(cand % 9 + 1)
        out.append("".join(grid_out))
    return out


def _search(links: _Links, chosen: list[int], found: list[list[int]], limit: int) -> None:
    right, down, count = links.right, links.down, links.count
    if right[0] == 0:
        found.append(chosen[:])
        return
    # The column with the fewest rows left (Knuth's S heuristic).
    best = right[0]
    col = right[best]
    while col != 0:
        if count[col] < count[best]:
            best = col
        col = right[col]
    if count[best] == 0:
        return
    links.cover(best)
    r = down[best]
    while r != best:
        chosen.append(links.row_of[r])
        j = right[r]
        while j != r:
            links.cover(links.column[j])
            j = right[j]
        _search(links, chosen, found, limit)
        j = links.left[r]
        while j != r:
            links.uncover(links.column[j])
            j = links.left[j]
        chosen.pop()
        if len(found) >= limit:
            break
        r = down[r]
    links.uncover(best)


def count_solutions(grid: str, limit: int = 2) -> int:
    """How many solutions the puzzle has, counting no further than ``limit``."""
    return len(solutions(grid, limit))
