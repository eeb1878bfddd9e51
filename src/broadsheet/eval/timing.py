"""Summaries of repeated timings and of memory, shared by the benchmarks."""

from __future__ import annotations

import resource
import statistics
import sys
from collections.abc import Sequence


def peak_rss_mb() -> float:
    """This process's peak RSS plus the largest finished child's (a worker process)."""
    peak = sum(
        resource.getrusage(who).ru_maxrss
        for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def quantile(values: Sequence[float], q: float) -> float:
    """The q-quantile by the nearest-rank rule (p90 of 200 values is the 180th)."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = max(1, min(len(ordered), round(q * len(ordered) + 0.5 - 1e-9)))
    return ordered[rank - 1]


def timing_summary(wall: Sequence[float], cpu: Sequence[float]) -> dict[str, float]:
    """Median, p90, max and mean wall-clock seconds; median and max CPU seconds."""
    return {
        "median_s": statistics.median(wall) if wall else 0.0,
        "p90_s": quantile(wall, 0.9),
        "max_s": max(wall, default=0.0),
        "mean_s": statistics.fmean(wall) if wall else 0.0,
        "median_cpu_s": statistics.median(cpu) if cpu else 0.0,
        "max_cpu_s": max(cpu, default=0.0),
    }
