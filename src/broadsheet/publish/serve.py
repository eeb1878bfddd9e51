"""Serving the site, optionally refreshing the store on a schedule while it serves."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

import uvicorn

from broadsheet.newsletters.mailer import SmtpSettings
from broadsheet.publish.app import create_app
from broadsheet.publish.site import SiteConfig
from broadsheet.store import Store

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$", re.IGNORECASE)
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> float:
    """Seconds in "90s", "30m", "1.5h", "1d" (a bare number is minutes)."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"not a duration: {text!r} (use e.g. 30m, 1h, 90s)")
    seconds = float(match.group(1)) * _UNIT_S[(match.group(2) or "m").lower()]
    if seconds < 60:
        raise ValueError(f"{text!r} is too often: refresh at most once a minute")
    return seconds


class Refresher(threading.Thread):
    """Runs ``job`` every ``every_s`` seconds until stopped; a failing run is reported and
    the next one still happens."""

    def __init__(self, job: Callable[[], None], every_s: float,
                 on_error: Callable[[BaseException], None]) -> None:
        super().__init__(name="broadsheet-refresh", daemon=True)
        self.job = job
        self.every_s = every_s
        self.on_error = on_error
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.every_s):
            try:
                self.job()
            except Exception as exc:
                self.on_error(exc)

    def stop(self) -> None:
        self.stopped.set()


class Warmer(threading.Thread):
    """Renders pages into the cache in the background after start-up and after every
    change to the store, so readers rarely wait for a page to be rendered."""

    def __init__(self, warm_once: Callable[[threading.Event], int],
                 version: Callable[[], tuple], poll_s: float = 2.0) -> None:
        super().__init__(name="broadsheet-warm", daemon=True)
        self.warm_once = warm_once
        self.version = version
        self.poll_s = poll_s
        self.stopped = threading.Event()
        self.warmed: tuple | None = None
        self.ready = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                current = self.version()
                if current != self.warmed:
                    self.warm_once(self.stopped)
                    self.warmed = current
                    self.ready.set()
            except Exception:
                pass
            self.stopped.wait(self.poll_s)

    def stop(self) -> None:
        self.stopped.set()


def serve(
    store: Store, config: SiteConfig, *, host: str = "127.0.0.1", port: int = 8000,
    log_level: str = "warning", warm: bool = True, secret: bytes | None = None,
    smtp: SmtpSettings | None = None,
) -> None:
    app = create_app(store, config, secret=secret, smtp=smtp)
    warmer = Warmer(app.state.warm_once, app.state.cache.version) if warm else None
    if warmer is not None:
        warmer.start()
    try:
        uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False,
                    server_header=False)
    finally:
        if warmer is not None:
            warmer.stop()
