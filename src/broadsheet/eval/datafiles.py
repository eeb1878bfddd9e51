"""Reading the evaluation data files (JSONL, one story per line), with clear errors.

An evaluation must score the whole file or say why it cannot: a line that is not a JSON
object stops it with the file and line number, rather than a traceback or a score over
part of the data.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any


class EvalDataError(ValueError):
    """An evaluation file that cannot be read as one (says which file and line)."""


def json_lines(path: Path, limit: int | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line of ``path``, the first ``limit`` ones."""
    count = 0
    try:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if limit is not None and count >= limit:
                    return
                if not line.strip():
                    continue
                try:
                    value = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise EvalDataError(f"{path}:{number}: not JSON ({exc.msg})") from None
                if not isinstance(value, dict):
                    raise EvalDataError(f"{path}:{number}: not a JSON object")
                count += 1
                yield number, value
    except UnicodeDecodeError as exc:
        raise EvalDataError(f"{path}: not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise EvalDataError(f"{path}: cannot be read ({exc.strerror or exc})") from None
