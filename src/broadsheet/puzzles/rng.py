"""The puzzles' random numbers: SplitMix64 seeded from SHA-256 of a key.

Hand-written rather than ``random.Random`` because a date's puzzles must be the same on
every machine and every Python version, and ``random``'s algorithms for ``randrange`` and
``shuffle`` are not promised to stay the same across versions.
"""

from __future__ import annotations

import hashlib
from typing import Any

_MASK = (1 << 64) - 1


class SplitMix64:
    """A deterministic generator for one key ("crossword:daily:11:2026-03-02")."""

    def __init__(self, key: str) -> None:
        self.state = int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big")

    def next(self) -> int:
        """The next 64-bit number."""
        self.state = (self.state + 0x9E3779B97F4A7C15) & _MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
        return z ^ (z >> 31)

    def below(self, n: int) -> int:
        """A number in [0, n); the modulo bias is under 1e-16 for the small n used here."""
        return self.next() % n

    def shuffle(self, items: list[Any]) -> None:
        """Fisher-Yates, in place."""
        for i in range(len(items) - 1, 0, -1):
            j = self.below(i + 1)
            items[i], items[j] = items[j], items[i]
