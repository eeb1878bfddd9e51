"""Near-duplicate texts: syndicated wire copy and lightly edited rewrites.

``NearDuplicateIndex`` maps each incoming text to the *canonical* (first-seen) text it
near-duplicates, using MinHash over word shingles and an LSH index (datasketch).

Choices, and why:

* **5-word shingles** of normalised text (NFKC, case-folded, ``\\w+`` tokens, so quotes,
  dashes and punctuation edits do not count). One-to-three-word shingles are shared by any
  two stories on the same topic ("the prime minister said"); five words are specific to a
  piece of prose, yet an edit of one word only disturbs five shingles, so a changed headline
  or an added tagline costs a few dozen shingles out of the several hundred of a news story.
* **num_perm = 64**: the standard error of the Jaccard estimate is ``sqrt(J(1-J)/64)``, about
  0.05 at J = 0.8 -- enough to separate rewrites (J > 0.8) from same-topic stories (J < 0.1)
  -- while a signature is 64 × uint32 = 256 bytes and hashing stays cheap.
* The **LSH bands** are tuned towards recall (datasketch weights fp 0.05 / fn 0.95: 10 bands
  of 6 rows at threshold 0.8, so a pair at J = 0.8 becomes a candidate with p ≈ 0.95);
  every candidate's estimated Jaccard is then checked against the threshold, so false
  candidates cost one vector comparison and are never accepted.
* **Short texts** (under ``MIN_WORDS`` words) are neither matched nor indexed: a caption or a
  feed summary has too few shingles to tell rewrite from coincidence.
* **Only canonical texts are indexed**; a duplicate is answered with its canonical key and
  dropped, so memory grows with distinct texts within the window, not with syndication.
* **Bounded without help**: texts ``RETAINED_WINDOWS`` windows behind the newest
  publication time seen are dropped as texts arrive, so the index holds about two weeks
  of canonical texts however long a store runs (``expire`` drops more eagerly).
* **Deterministic and cheap**: each word is hashed with CRC-32 and a shingle's five word
  hashes are combined by a polynomial over 64 bits (``shingle_hashes``: numpy, no Python
  per shingle), and the permutations come from a fixed seed, never from Python's salted
  ``hash()``. SHA-1 of every shingle's bytes (datasketch's default) cost 720 µs per
  3,900-character article, twice the rest of the signature; two distinct shingles share a
  32-bit hash with a chance of 2^-32 either way. A snapshot is plain JSON (no pickle, so
  restoring a file cannot run code) and names its shingle hash: one of another hash
  cannot be compared and is refused (``IncompatibleSnapshot``; ``broadsheet build``
  rebuilds the index from the store).
"""

from __future__ import annotations

import base64
import heapq
import json
import re
import unicodedata
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from datasketch import MinHash, MinHashLSH

from broadsheet.stories.unspaced import spaced_characters

SHINGLE_WORDS = 5
SHINGLE_HASH = "crc32-poly64"  # in snapshots: signatures of another hash do not compare
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # odd, 64 bits (the golden ratio's)
RETAINED_WINDOWS = 2  # texts this many windows behind the newest are dropped as texts come
MIN_WORDS = 40
SEED = 1
SCHEME = "affine32"
_LSH_WEIGHTS = (0.05, 0.95)  # (false positive, false negative): candidates are verified
_FORMAT = "broadsheet.neardup/1"
_TOKEN_RE = re.compile(r"\w+")


def tokens(text: str) -> list[str]:
    """Normalised word tokens: NFKC, case-folded, punctuation dropped; in Chinese and
    Japanese, which have no spaces between words, each character is a token."""
    return _TOKEN_RE.findall(spaced_characters(unicodedata.normalize("NFKC", text).casefold()))


def shingle_hashes(words: list[str], size: int = SHINGLE_WORDS) -> np.ndarray:
    """32-bit hashes of the distinct ``size``-word shingles (sorted, uint32): each word's
    CRC-32, combined as ``((w0 * M + w1) * M + w2) ...`` modulo 2^64 and folded to 32 bits,
    so that shingles of the same words in another order differ."""
    count = len(words) - size + 1
    if count <= 0:
        return np.zeros(0, np.uint32)
    word_hashes = np.fromiter(map(zlib.crc32, map(str.encode, words)), np.uint64, len(words))
    combined = np.zeros(count, np.uint64)
    for offset in range(size):  # uint64 arrays wrap silently: arithmetic modulo 2^64
        combined = combined * _MULTIPLIER + word_hashes[offset : offset + count]
    combined ^= combined >> np.uint64(32)
    return np.unique(combined.astype(np.uint32))  # the low 32 bits, each shingle once


def _identity(value: Any) -> Any:  # the shingles come hashed already
    return value


class IncompatibleSnapshot(ValueError):
    """A snapshot whose signatures were made another way: they cannot be compared."""


def _as_utc(moment: datetime) -> datetime:
    # Naive datetimes are taken as UTC, the store's convention.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class NearDuplicateIndex:
    """First-seen-wins near-duplicate detection over a sliding time window."""

    def __init__(
        self,
        threshold: float = 0.8,
        num_perm: int = 64,
        window: timedelta = timedelta(days=7),
    ) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError("threshold must be in (0, 1]")
        self.threshold = threshold
        self.num_perm = num_perm
        self.window = window
        # One template carries the permutations: generating them per MinHash would cost
        # more than hashing a whole article.
        self._template = MinHash(num_perm=num_perm, seed=SEED, scheme=SCHEME)
        self._lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=_LSH_WEIGHTS)
        # key -> (signature, published epoch seconds, insertion sequence); dict order is
        # insertion order, which the snapshot keeps.
        self._entries: dict[str, tuple[np.ndarray, float, int]] = {}
        self._expiry: list[tuple[float, int, str]] = []  # min-heap by published time
        self._seq = 0
        self._clock: float | None = None  # the latest publication time seen (stream time)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def signature(self, text: str) -> np.ndarray | None:
        """The MinHash signature of ``text``, or None when it is too short to match."""
        words = tokens(text)
        if len(words) < MIN_WORDS:
            return None
        minhash = MinHash(
            num_perm=self.num_perm, seed=SEED, scheme=SCHEME, hashfunc=_identity,
            permutations=self._template.permutations,
        )
        minhash.update_batch(shingle_hashes(words))
        return minhash.hashvalues

    def add(self, key: str, text: str, published: datetime | None = None) -> str | None:
        """Index ``text``; return the canonical key it near-duplicates, or None if it is new.

        A text is matched only against canonical texts published within ``window`` of it.
        Undated texts are stamped with the current time. Re-adding a key already indexed as
        canonical is a no-op that returns None.
        """
        if key in self._entries:
            return None
        return self.add_signature(key, self.signature(text), published)

    def add_signature(
        self, key: str, values: np.ndarray | None, published: datetime | None = None
    ) -> str | None:
        """``add`` with the text's ``signature`` computed already (by a worker process:
        a signature is a pure function of the text and ``num_perm``)."""
        if values is None or key in self._entries:
            return None
        stamp = _as_utc(published or datetime.now(UTC)).timestamp()
        if self._clock is None or stamp > self._clock:
            # Bounded by itself: texts ``RETAINED_WINDOWS`` windows behind the newest time
            # seen go (a copy is matched within one window of its original; the second
            # leaves room for texts that arrive out of order). Without this, a store built
            # for a year kept every canonical text it ever saw, in memory and in the
            # snapshot committed with each batch.
            self._clock = stamp
            self._drop_before(stamp - RETAINED_WINDOWS * self.window.total_seconds())
        match = self._best_match(values, stamp)
        if match is not None:
            return match
        self._lsh.insert(key, self._minhash(values), check_duplication=False)
        self._entries[key] = (values, stamp, self._seq)
        heapq.heappush(self._expiry, (stamp, self._seq, key))
        self._seq += 1
        return None

    def query(self, text: str, published: datetime | None = None) -> str | None:
        """The canonical key ``text`` near-duplicates, without indexing it."""
        values = self.signature(text)
        if values is None:
            return None
        stamp = _as_utc(published or datetime.now(UTC)).timestamp()
        return self._best_match(values, stamp)

    def expire(self, now: datetime) -> int:
        """Drop canonical texts published before ``now - window``; return how many."""
        return self._drop_before((_as_utc(now) - self.window).timestamp())

    def _drop_before(self, cutoff: float) -> int:
        dropped = 0
        while self._expiry and self._expiry[0][0] < cutoff:
            _, _, key = heapq.heappop(self._expiry)
            del self._entries[key]
            self._lsh.remove(key)
            dropped += 1
        return dropped

    def snapshot(self) -> bytes:
        """The index as bytes (zlib-compressed JSON); equal states give equal bytes."""
        entries = [
            [key, base64.b64encode(values.astype("<u4").tobytes()).decode("ascii"), stamp]
            for key, (values, stamp, _) in self._entries.items()
        ]
        state = {
            "format": _FORMAT,
            "threshold": self.threshold,
            "num_perm": self.num_perm,
            "window_s": self.window.total_seconds(),
            "seed": SEED,
            "scheme": SCHEME,
            "shingle_words": SHINGLE_WORDS,
            "shingle_hash": SHINGLE_HASH,
            "clock": self._clock,
            "entries": entries,
        }
        body = json.dumps(state, separators=(",", ":"), ensure_ascii=True)
        return zlib.compress(body.encode("ascii"), 6)

    @staticmethod
    def snapshot_clock(data: bytes) -> float | None:
        """The newest publication time (epoch seconds) a snapshot's index had seen, read
        without restoring it (a snapshot ``restore`` refuses still has it)."""
        state: dict[str, Any] = json.loads(zlib.decompress(data))
        clock = state.get("clock")
        if clock is None:  # snapshots before the clock was kept: their newest text
            stamps = [entry[2] for entry in state.get("entries", ())]
            clock = max(stamps) if stamps else None
        return clock

    @classmethod
    def restore(cls, data: bytes) -> NearDuplicateIndex:
        """Rebuild an index from :meth:`snapshot` bytes."""
        state: dict[str, Any] = json.loads(zlib.decompress(data))
        if state.get("format") != _FORMAT:
            raise ValueError(f"not a near-duplicate snapshot: {state.get('format')!r}")
        # Snapshots before the hash was named hashed shingles with SHA-1.
        made = (state["seed"], state["scheme"], state["shingle_words"],
                state.get("shingle_hash", "sha1"))
        if made != (SEED, SCHEME, SHINGLE_WORDS, SHINGLE_HASH):
            raise IncompatibleSnapshot(
                "near-duplicate snapshot made with other hashing parameters; rebuild it"
            )
        index = cls(
            threshold=state["threshold"],
            num_perm=state["num_perm"],
            window=timedelta(seconds=state["window_s"]),
        )
        for key, encoded, stamp in state["entries"]:
            values = np.frombuffer(base64.b64decode(encoded), dtype="<u4").astype(np.uint32)
            if len(values) != index.num_perm:
                raise ValueError(f"signature of {key!r} has {len(values)} values")
            index._lsh.insert(key, index._minhash(values), check_duplication=False)
            index._entries[key] = (values, stamp, index._seq)
            heapq.heappush(index._expiry, (stamp, index._seq, key))
            index._seq += 1
        # Snapshots before the clock was kept: the newest text indexed is the best guess.
        stamps = [stamp for _, stamp, _ in index._entries.values()]
        index._clock = state.get("clock", max(stamps) if stamps else None)
        return index

    def _minhash(self, values: np.ndarray) -> MinHash:
        return MinHash(
            seed=SEED, scheme=SCHEME, hashvalues=values,
            permutations=self._template.permutations,
        )

    def _best_match(self, values: np.ndarray, stamp: float) -> str | None:
        horizon = self.window.total_seconds()
        best: tuple[float, int, str] | None = None
        for candidate in self._lsh.query(self._minhash(values)):
            other, other_stamp, seq = self._entries[candidate]
            if abs(stamp - other_stamp) > horizon:
                continue  # expire() not called yet: stay within the window anyway
            similarity = float(np.count_nonzero(values == other)) / len(values)
            # Highest similarity wins, then the earliest indexed; never set order.
            if similarity >= self.threshold and (
                best is None or (similarity, -seq) > (best[0], -best[1])
            ):
                best = (similarity, seq, candidate)
        return None if best is None else best[2]
