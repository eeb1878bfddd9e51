"""Serving the site, optionally refreshing the store on a schedule while it serves."""

from __future__ import annotations

import dataclasses
import gc
import json
import os
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
                    # The cache now holds thousands of long-lived objects: freezing them
                    # keeps the collector's full passes (tens of ms, stalling every
                    # request in flight) from rescanning them again and again.
                    gc.collect()
                    gc.freeze()
                    self.ready.set()
            except Exception:
                pass
            self.stopped.wait(self.poll_s)

    def stop(self) -> None:
        self.stopped.set()


_OPTIONS_ENV = "BROADSHEET_SERVE_OPTIONS"


def _start_warmer(app) -> Warmer:  # type: ignore[no-untyped-def]
    warmer = Warmer(app.state.warm_once, app.state.cache.version)
    warmer.start()
    return warmer


def app_from_environment():  # type: ignore[no-untyped-def]
    """The app of one worker process (``serve(workers=N)``), from the options the parent
    put in the environment."""
    options = json.loads(os.environ[_OPTIONS_ENV])
    store = Store(options["database_url"], migrate=False)
    smtp = SmtpSettings(**options["smtp"]) if options["smtp"] else None
    app = create_app(store, SiteConfig(**options["site"]),
                     secret=bytes.fromhex(options["secret"]), smtp=smtp,
                     serve_stale=options["serve_stale"])
    if options["warm"]:
        _start_warmer(app)
    return app


def serve(
    store: Store, config: SiteConfig, *, host: str = "127.0.0.1", port: int = 8000,
    log_level: str = "warning", warm: bool = True, secret: bytes | None = None,
    smtp: SmtpSettings | None = None, workers: int = 1, serve_stale: bool = True,
) -> None:
    """Serve until interrupted. With ``workers`` > 1, that many processes share the port,
    each with its own page cache (the operating system spreads the connections)."""
    if workers > 1:
        os.environ[_OPTIONS_ENV] = json.dumps({
            "database_url": store.url, "site": dataclasses.asdict(config),
            "secret": (secret or os.urandom(32)).hex(),
            "smtp": dataclasses.asdict(smtp) if smtp else None, "warm": warm,
            "serve_stale": serve_stale,
        })
        uvicorn.run("broadsheet.publish.serve:app_from_environment", factory=True,
                    workers=workers, host=host, port=port, log_level=log_level,
                    access_log=False, server_header=False)
        return
    app = create_app(store, config, secret=secret, smtp=smtp, serve_stale=serve_stale)
    warmer = _start_warmer(app) if warm else None
    try:
        uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False,
                    server_header=False)
    finally:
        if warmer is not None:
            warmer.stop()
