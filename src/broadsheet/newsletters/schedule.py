"""When `broadsheet run` sends each newsletter: local times from ``[newsletters]``.

```toml
[newsletters]
timezone = "Europe/London"      # default UTC
morning-briefing = "07:00"      # daily
best-articles = "18:30"         # daily
good-news = "sat 09:00"         # weekly, on that day
```

A newsletter is due once its time has passed on a day it runs; it is then sent for that
local date. Sending is idempotent (the send log), so a restart that finds it due again
only sends the copies still missing.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from broadsheet.newsletters.catalogue import NEWSLETTERS

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPEC = re.compile(r"^\s*(?:(mon|tue|wed|thu|fri|sat|sun)[a-z]*\s+)?(\d{1,2}):(\d{2})\s*$",
                   re.IGNORECASE)


class ScheduleError(ValueError):
    """The [newsletters] schedule is unusable."""


@dataclass(frozen=True, slots=True)
class Slot:
    newsletter: str
    at: time
    weekday: int | None  # 0 = Monday; None = every day


@dataclass(frozen=True, slots=True)
class Schedule:
    zone: ZoneInfo
    slots: tuple[Slot, ...]

    def due(self, now: datetime, already: dict[str, date]) -> list[tuple[str, date]]:
        """(newsletter, local date) for every slot whose time has come and that has not
        been sent for that date yet (``already``: newsletter -> last date sent)."""
        local = now.astimezone(self.zone)
        out = []
        for slot in self.slots:
            if slot.weekday is not None and local.weekday() != slot.weekday:
                continue
            if local.time() >= slot.at and already.get(slot.newsletter) != local.date():
                out.append((slot.newsletter, local.date()))
        return out


def parse_schedule(section: dict[str, object] | None) -> Schedule | None:
    if not section:
        return None
    zone_name = section.get("timezone", "UTC")
    try:
        zone = ZoneInfo(str(zone_name))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ScheduleError(f"newsletters.timezone: unknown time zone {zone_name!r}") from exc
    slots = []
    for key, value in section.items():
        if key == "timezone":
            continue
        if key not in NEWSLETTERS:
            raise ScheduleError(f"newsletters.{key}: unknown newsletter "
                                f"(use {', '.join(NEWSLETTERS)})")
        match = _SPEC.match(str(value))
        hour, minute = (int(match.group(2)), int(match.group(3))) if match else (99, 99)
        if not match or hour > 23 or minute > 59:
            raise ScheduleError(f'newsletters.{key}: use "HH:MM" or "sat HH:MM", not {value!r}')
        day = match.group(1)
        weekday = _DAYS.index(day.lower()[:3]) if day else None
        if NEWSLETTERS[key].cadence == "weekly" and weekday is None:
            raise ScheduleError(f'newsletters.{key} is weekly: give a day, e.g. "sat {value}"')
        slots.append(Slot(key, time(hour, minute), weekday))
    return Schedule(zone, tuple(slots))


class Scheduler(threading.Thread):
    """Checks the schedule every ``poll_s`` and sends what is due; errors are reported and
    the schedule goes on."""

    def __init__(self, schedule: Schedule, send: Callable[[str, date], None],
                 on_error: Callable[[BaseException], None], poll_s: float = 30.0,
                 clock: Callable[[], datetime] | None = None) -> None:
        super().__init__(name="broadsheet-newsletters", daemon=True)
        self.schedule = schedule
        self.send = send
        self.on_error = on_error
        self.poll_s = poll_s
        self.clock = clock or (lambda: datetime.now(ZoneInfo("UTC")))
        self.sent: dict[str, date] = {}
        self.stopped = threading.Event()

    def run_once(self) -> list[tuple[str, date]]:
        due = self.schedule.due(self.clock(), self.sent)
        for key, day in due:
            try:
                self.send(key, day)
                self.sent[key] = day
            except Exception as exc:
                self.on_error(exc)
        return due

    def run(self) -> None:
        while not self.stopped.is_set():
            self.run_once()
            self.stopped.wait(self.poll_s)

    def stop(self) -> None:
        self.stopped.set()
