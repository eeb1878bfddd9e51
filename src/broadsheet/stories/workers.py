"""Pure per-article work in worker processes while this process does the ordered part.

Two uses: tokenising (``text.featurise``, about half of the clusterer's cost per article)
for ``OnlineClusterer.add_many``, and the whole per-article analysis of a build
(``stories.analysis``). Both are pure functions of an article, so any process computes
the same result; what depends on the running state (clustering, the store) stays in one
process, in order. A worker is a fresh interpreter (``subprocess``), never a fork (the
caller may have threads), and unlike multiprocessing's spawn it never re-runs the
caller's main module.

Plain sockets, with every send and receive made by the calling thread, rather than
``multiprocessing.Pool``: a pool pickles tasks and unpickles results in helper threads of
the caller, which then wait for the interpreter lock while the clusterer holds it, and
the workers starve (measured: the main process waited 0.4 ms per article). Features
cross the pipe as strings and raw bytes, which unpickle several times faster than dicts
of strings or numpy arrays.
"""

from __future__ import annotations

import contextlib
import pickle
import socket
import subprocess
import sys
import traceback
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any

import numpy as np

from broadsheet.stories.text import Features, TermNormaliser, featurise

_Wire = tuple[str, bytes, bytes, bytes, str, bytes, bytes, bytes, bool]
# A worker's task: made once in the worker from picklable arguments, then called with
# each batch it receives; what it returns is pickled back.
HandlerFactory = Callable[..., Callable[[Any], Any]]
_READY = b"ready"  # a worker's first message: started, imported, its handler made


def features_to_wire(f: Features) -> _Wire:
    """Term lists as one NUL-joined string each (terms never contain NUL), arrays as bytes."""
    return (
        "\0".join(f.terms), f.tf.tobytes(), f.buckets.tobytes(), f.named.tobytes(),
        "\0".join(f.title_terms), f.title_tf.tobytes(), f.title_buckets.tobytes(),
        f.title_named.tobytes(), f.title_names,
    )


def _split(joined: str) -> list[str]:
    return joined.split("\0") if joined else []


def features_from_wire(w: _Wire) -> Features:
    return Features(
        _split(w[0]), np.frombuffer(w[1], float), np.frombuffer(w[2], np.int64),
        np.frombuffer(w[3], bool), _split(w[4]), np.frombuffer(w[5], float),
        np.frombuffer(w[6], np.int64), np.frombuffer(w[7], bool), w[8],
    )


def _serve(conn: Connection) -> None:
    """A worker's loop: its handler's factory and arguments first, then a pickled batch
    in, the handler's result out; b"" ends it, and so does the parent's end of the pipe
    closing (the parent died: nothing to report)."""
    # EOF, a reset or a broken pipe: the parent is gone (killed, perhaps), so is the work.
    with contextlib.suppress(EOFError, ConnectionError, KeyboardInterrupt):
        make_handler, args = pickle.loads(conn.recv_bytes())
        handle = make_handler(*args)
        conn.send_bytes(_READY)
        while data := conn.recv_bytes():
            try:
                reply = (True, handle(pickle.loads(data)))
            except Exception as exc:  # reported to the parent, which raises it there
                reply = (False, "".join(traceback.format_exception_only(exc)).strip())
            conn.send_bytes(pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL))
    conn.close()


def child_main() -> None:
    """A worker process's entry point: ``python -c ... FD`` (see ``_CHILD_CODE``)."""
    _serve(Connection(int(sys.argv[1])))


# A worker is a fresh interpreter started with the parent's import path: unlike
# multiprocessing's spawn, it never re-runs the parent's main module, so a script that
# builds stories needs no ``if __name__ == "__main__"`` guard.
_CHILD_CODE = (
    "import sys; sys.path[:] = {path!r}; "
    "from broadsheet.stories.workers import child_main; child_main()"
)


class WorkerError(RuntimeError):
    """A batch's handler raised in a worker process (the message is its exception), or
    the worker process died."""


class BatchWorkers:
    """``n`` worker processes, each running the handler ``make_handler(*args)`` makes.

    Send a batch to an idle worker with ``submit``; take its result with ``receive``
    before submitting to that worker again (a worker holds one batch at a time).
    ``make_handler`` must be a module-level function (it is pickled by name).
    """

    def __init__(
        self, n: int, make_handler: HandlerFactory, args: tuple[Any, ...] = (), *,
        name: str = "worker",
    ) -> None:
        if n < 1:
            raise ValueError("BatchWorkers needs at least one worker")
        self.name = name
        self._conns: list[Connection] = []
        self._procs: list[subprocess.Popen[bytes]] = []
        self._busy: set[int] = set()
        self._ready: set[int] = set()
        setup = pickle.dumps((make_handler, args), protocol=pickle.HIGHEST_PROTOCOL)
        try:
            for _ in range(n):
                mine, theirs = socket.socketpair()
                with theirs:
                    proc = subprocess.Popen(
                        [sys.executable, "-c", _CHILD_CODE.format(path=sys.path),
                         str(theirs.fileno())],
                        pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL,
                    )
                conn = Connection(mine.detach())
                self._conns.append(conn)
                self._procs.append(proc)
                conn.send_bytes(setup)
        except BaseException:
            self.close()
            raise

    def __len__(self) -> int:
        return len(self._conns)

    def busy(self, worker: int) -> bool:
        """Whether ``worker`` holds a batch whose result has not been received."""
        return worker in self._busy

    def ready(self, worker: int, *, wait: bool = False) -> bool:
        """Whether ``worker`` has started (a spawned process takes about a second to
        import what it needs; until then a large batch cannot be handed over)."""
        if worker not in self._ready and (wait or self._conns[worker].poll(0)):
            if self._recv(worker) != _READY:
                raise WorkerError(f"the {self.name} process spoke before it was ready")
            self._ready.add(worker)
        return worker in self._ready

    def submit(self, worker: int, batch: Any) -> None:
        """Send ``batch`` to ``worker`` (which must be idle), once it is ready."""
        self.ready(worker, wait=True)
        data = pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL)
        self._conns[worker].send_bytes(data)
        self._busy.add(worker)

    def _recv(self, worker: int) -> bytes:
        try:
            return self._conns[worker].recv_bytes()
        except EOFError:
            raise WorkerError(f"the {self.name} process died") from None

    def receive(self, worker: int) -> Any:
        """The handler's result for the batch last submitted to ``worker``."""
        data = self._recv(worker)
        self._busy.discard(worker)
        ok, result = pickle.loads(data)
        if not ok:
            raise WorkerError(f"in the {self.name} process: {result}")
        return result

    def close(self) -> None:
        """Stop the workers (idle ones politely, busy ones at once) and close the pipes."""
        for worker, (conn, proc) in enumerate(zip(self._conns, self._procs, strict=True)):
            if worker in self._busy:  # its results will never be read: nothing to wait for
                proc.terminate()
                continue
            with contextlib.suppress(OSError):  # that worker is gone already
                conn.send_bytes(b"")
        for proc in self._procs:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for conn in self._conns:
            conn.close()
        self._conns.clear()
        self._procs.clear()
        self._busy.clear()
        self._ready.clear()

    def __enter__(self) -> BatchWorkers:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _featuriser(
    title_weight: float, lead_chars: int, bucket_mask: int
) -> Callable[[list[tuple[str, str]]], list[_Wire]]:
    normalise = TermNormaliser()

    def handle(batch: list[tuple[str, str]]) -> list[_Wire]:
        return [
            features_to_wire(
                featurise(
                    title, text, normalise, title_weight=title_weight,
                    lead_chars=lead_chars, bucket_mask=bucket_mask,
                )
            )
            for title, text in batch
        ]

    return handle


class FeatureWorkers(BatchWorkers):
    """``n`` worker processes computing ``featurise`` for batches of (title, text)."""

    def __init__(self, n: int, *, title_weight: float, lead_chars: int, bucket_mask: int) -> None:
        super().__init__(
            n, _featuriser, (title_weight, lead_chars, bucket_mask), name="tokenising worker"
        )

    def submit(self, worker: int, batch: Sequence[tuple[str, str]]) -> None:
        """Send ``batch`` of (title, text) to ``worker`` (which must be idle)."""
        super().submit(worker, list(batch))

    def receive(self, worker: int) -> list[Features]:
        """The features of the batch last submitted to ``worker``, in its order."""
        return [features_from_wire(w) for w in super().receive(worker)]
