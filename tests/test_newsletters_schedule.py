"""The newsletter schedule: local times, weekly days, once per date."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from broadsheet.newsletters.schedule import ScheduleError, Scheduler, parse_schedule


def test_parse_and_due_in_local_time() -> None:
    schedule = parse_schedule({"timezone": "Europe/London", "morning-briefing": "07:00",
                               "good-news": "saturday 09:30"})
    assert schedule is not None
    # 06:30 UTC in summer is 07:30 in London: the morning briefing is due, for that date.
    summer = datetime(2026, 7, 4, 6, 30, tzinfo=UTC)  # a Saturday
    assert schedule.due(summer, {}) == [("morning-briefing", date(2026, 7, 4))]
    assert schedule.due(summer, {"morning-briefing": date(2026, 7, 4)}) == []
    later = datetime(2026, 7, 4, 9, 0, tzinfo=UTC)  # 10:00 in London
    assert ("good-news", date(2026, 7, 4)) in schedule.due(later, {})
    sunday = datetime(2026, 7, 5, 12, 0, tzinfo=UTC)
    assert [k for k, _ in schedule.due(sunday, {})] == ["morning-briefing"]
    # In winter London is on UTC: 06:30 UTC is before seven.
    assert schedule.due(datetime(2026, 1, 10, 6, 30, tzinfo=UTC), {}) == []


@pytest.mark.parametrize("section", [
    {"timezone": "Mars/Olympus"}, {"weekly-gossip": "07:00"}, {"morning-briefing": "7am"},
    {"morning-briefing": "25:00"}, {"good-news": "09:00"},
])
def test_bad_schedules_are_refused(section: dict) -> None:
    with pytest.raises(ScheduleError):
        parse_schedule(section)


def test_scheduler_sends_once_per_date_and_survives_errors() -> None:
    schedule = parse_schedule({"morning-briefing": "07:00", "best-articles": "18:00"})
    calls: list[tuple[str, date]] = []
    errors: list[BaseException] = []
    now = [datetime(2026, 3, 2, 19, 0, tzinfo=UTC)]

    def send(key: str, day: date) -> None:
        if key == "best-articles" and not errors:
            raise RuntimeError("smtp down")
        calls.append((key, day))

    scheduler = Scheduler(schedule, send, errors.append, clock=lambda: now[0])
    scheduler.run_once()
    assert calls == [("morning-briefing", date(2026, 3, 2))] and len(errors) == 1
    scheduler.run_once()  # the failed one is tried again; the sent one is not
    assert calls[-1] == ("best-articles", date(2026, 3, 2)) and len(calls) == 2
    now[0] = datetime(2026, 3, 3, 7, 1, tzinfo=UTC)
    scheduler.run_once()
    assert calls[-1] == ("morning-briefing", date(2026, 3, 3)) and len(calls) == 3


def test_a_stopped_send_is_not_counted_as_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    # The CLI's scheduled send raises when the server stopped the send, so the scheduler
    # tries the day again instead of recording it as sent.
    from broadsheet import cli
    from broadsheet.newsletters.mailer import SendReport

    stopped = SendReport(stopped="535 authentication failed")
    monkeypatch.setattr(cli, "send_newsletter", lambda key, day: [("world", None, stopped)])
    with pytest.raises(RuntimeError, match="535 authentication failed"):
        cli._scheduled_send("morning-briefing", None)
    monkeypatch.setattr(cli, "send_newsletter", lambda key, day: [("world", None, SendReport())])
    cli._scheduled_send("morning-briefing", None)  # a completed send returns quietly
