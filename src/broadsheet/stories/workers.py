"""Tokenising articles in worker processes while the clusterer works on earlier ones.

Tokenising (``text.featurise``) is a pure function of an article's title and text and
about half of the clusterer's cost per article; the rest depends on the running state
and must happen in order, in one process. ``FeatureWorkers`` runs ``featurise`` in
spawned processes (never forked: the caller may have threads), one batch per worker at a
time.

Plain pipes, with every send and receive made by the calling thread, rather than
``multiprocessing.Pool``: a pool pickles tasks and unpickles results in helper threads of
the caller, which then wait for the interpreter lock while the clusterer holds it, and
the workers starve (measured: the main process waited 0.4 ms per article). Features
cross the pipe as strings and raw bytes, which unpickle several times faster than dicts
of strings or numpy arrays.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import pickle
from collections.abc import Sequence
from multiprocessing.connection import Connection
from types import TracebackType

import numpy as np

from broadsheet.stories.text import Features, TermNormaliser, featurise

_Wire = tuple[str, bytes, bytes, bytes, str, bytes, bytes, bytes]


def _to_wire(f: Features) -> _Wire:
    """Term lists as one NUL-joined string each (terms never contain NUL), arrays as bytes."""
    return (
        "\0".join(f.terms), f.tf.tobytes(), f.buckets.tobytes(), f.named.tobytes(),
        "\0".join(f.title_terms), f.title_tf.tobytes(), f.title_buckets.tobytes(),
        f.title_named.tobytes(),
    )


def _split(joined: str) -> list[str]:
    return joined.split("\0") if joined else []


def _from_wire(w: _Wire) -> Features:
    return Features(
        _split(w[0]), np.frombuffer(w[1], float), np.frombuffer(w[2], np.int64),
        np.frombuffer(w[3], bool), _split(w[4]), np.frombuffer(w[5], float),
        np.frombuffer(w[6], np.int64), np.frombuffer(w[7], bool),
    )


def _serve(conn: Connection, title_weight: float, lead_chars: int, bucket_mask: int) -> None:
    """A worker's loop: a pickled batch of (title, text) in, its features out; b"" ends."""
    normalise = TermNormaliser()
    while data := conn.recv_bytes():
        batch = pickle.loads(data)
        out = [
            _to_wire(
                featurise(
                    title, text, normalise, title_weight=title_weight,
                    lead_chars=lead_chars, bucket_mask=bucket_mask,
                )
            )
            for title, text in batch
        ]
        conn.send_bytes(pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL))
    conn.close()


class FeatureWorkers:
    """``n`` worker processes computing ``featurise`` for batches of articles.

    Send a batch to an idle worker with ``submit``; take its features with ``receive``
    before submitting to that worker again (a worker holds one batch at a time).
    """

    def __init__(self, n: int, *, title_weight: float, lead_chars: int, bucket_mask: int) -> None:
        if n < 1:
            raise ValueError("FeatureWorkers needs at least one worker")
        context = multiprocessing.get_context("spawn")
        self._conns: list[Connection] = []
        self._procs: list[multiprocessing.process.BaseProcess] = []
        self._busy: set[int] = set()
        try:
            for _ in range(n):
                mine, theirs = context.Pipe()
                proc = context.Process(
                    target=_serve,
                    args=(theirs, title_weight, lead_chars, bucket_mask),
                    name="broadsheet-tokeniser",
                    daemon=True,
                )
                proc.start()
                theirs.close()
                self._conns.append(mine)
                self._procs.append(proc)
        except BaseException:
            self.close()
            raise

    def __len__(self) -> int:
        return len(self._conns)

    def submit(self, worker: int, batch: Sequence[tuple[str, str]]) -> None:
        """Send ``batch`` of (title, text) to ``worker`` (which must be idle)."""
        data = pickle.dumps(list(batch), protocol=pickle.HIGHEST_PROTOCOL)
        self._conns[worker].send_bytes(data)
        self._busy.add(worker)

    def receive(self, worker: int) -> list[Features]:
        """The features of the batch last submitted to ``worker``, in its order."""
        try:
            data = self._conns[worker].recv_bytes()
        except EOFError:
            raise RuntimeError("a tokenising worker process died") from None
        self._busy.discard(worker)
        return [_from_wire(w) for w in pickle.loads(data)]

    def close(self) -> None:
        """Stop the workers (idle ones politely, busy ones at once) and close the pipes."""
        for worker, (conn, proc) in enumerate(zip(self._conns, self._procs, strict=True)):
            if worker in self._busy:  # its results will never be read: nothing to wait for
                proc.terminate()
                continue
            with contextlib.suppress(OSError):  # that worker is gone already
                conn.send_bytes(b"")
        for proc in self._procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.terminate()
                proc.join()
        for conn in self._conns:
            conn.close()
        self._conns.clear()
        self._procs.clear()
        self._busy.clear()

    def __enter__(self) -> FeatureWorkers:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
