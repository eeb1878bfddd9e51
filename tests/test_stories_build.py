"""`broadsheet build`: stories in the store, incremental, and safe to kill."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import func, select

from broadsheet.eval.build import build_decisions
from broadsheet.models import ExtractedArticle, Outlet
from broadsheet.store import Store
from broadsheet.store.articles import save_article
from broadsheet.store.feeds import sync_outlets
from broadsheet.store.schema import ArticleRow, OutletRow, StoryArticleRow, StoryRow
from broadsheet.stories.build import (
    DEFAULT_BATCH,
    MAX_AUTO_BATCH,
    auto_batch_size,
    build_stories,
    choose_headline,
    merge_stories,
    resolve_story_id,
)
from broadsheet.stories.cluster import OnlineClusterer
from broadsheet.stories.top import top_stories
from tests.support.articles import make_events
from tests.support.processes import alive, child_pids

OUTLETS = [
    Outlet(slug="left-daily", name="Left Daily", domains=["left.example"], country="US",
           edition="us", lean="left"),
    Outlet(slug="centre-wire", name="Centre Wire", domains=["centre.example"], country="GB",
           edition="uk", lean="center"),
    Outlet(slug="right-post", name="Right Post", domains=["right.example"], country="US",
           edition="us", lean="right"),
]


def populate(store: Store, events: int, per_event: int, *, only=None) -> dict[int, int]:
    """Store the invented articles (those ``only`` accepts); returns article id -> event."""
    gold: dict[int, int] = {}
    with store.session() as session:
        sync_outlets(session, OUTLETS)
        ids = {o.slug: o.id for o in session.scalars(select(OutletRow))}
        for n, fake in enumerate(make_events(events, per_event, [o.slug for o in OUTLETS])):
            if only is not None and not only(fake):
                continue
            saved = save_article(
                session,
                ExtractedArticle(title=fake.title, paragraphs=[fake.text],
                                 published=fake.published.isoformat()),
                url=f"https://{fake.outlet}.example/a/{n}", outlet_id=ids[fake.outlet],
            )
            gold[saved.article_id] = fake.event
    return gold


def built_store(db: Path, events: int, per_event: int) -> Store:
    """A store of the invented articles, its stories built."""
    store = Store(f"sqlite:///{db}")
    populate(store, events=events, per_event=per_event)
    build_stories(store)
    return store


def assignments(db: Path) -> dict[int, str]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT article_id, story_id FROM story_articles"))


def stories_table(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT id, thread_id, headline, section, article_count, outlet_count, coverage, "
            "importance, updated_at FROM stories ORDER BY id"
        ).fetchall()


def test_build_groups_articles_and_a_rebuild_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "b.db"
    store = Store(f"sqlite:///{db}")
    gold = populate(store, events=12, per_event=3)
    report = build_stories(store, batch_size=10)
    assert report.articles == 36
    story_of = assignments(db)
    # Every event is one story and no story mixes events.
    by_event: dict[int, set[str]] = {}
    for article_id, event in gold.items():
        by_event.setdefault(event, set()).add(story_of[article_id])
    assert all(len(s) == 1 for s in by_event.values())
    assert len({next(iter(s)) for s in by_event.values()}) == 12
    with store.session() as session:
        story = session.scalar(select(StoryRow).order_by(StoryRow.id))
        assert story.outlet_count == 3 and story.article_count == 3
        assert story.coverage.get("left") == 1 and story.coverage.get("right") == 1
        assert story.headline
        top = top_stories(session, limit=5)
        assert len(top) == 5 and top[0].score >= top[-1].score

    before = stories_table(db)
    with sqlite3.connect(db) as conn:
        state_before = conn.execute("SELECT * FROM build_state").fetchall()
    again = build_stories(store)
    assert again.articles == 0 and not again.touched
    assert stories_table(db) == before
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT * FROM build_state").fetchall() == state_before


def test_a_build_with_nothing_new_does_not_restore_the_clusterer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Restoring a full memory of closed stories takes seconds: a scheduled build that
    # finds nothing new must not pay it.
    store = built_store(tmp_path / "b.db", events=3, per_event=2)

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("restored with nothing to add")

    monkeypatch.setattr(OnlineClusterer, "restore", refuse)
    assert build_stories(store).articles == 0


def test_new_articles_join_existing_stories_incrementally(tmp_path: Path) -> None:
    db = tmp_path / "inc.db"
    store = Store(f"sqlite:///{db}")
    populate(store, events=6, per_event=3, only=lambda f: f.outlet != "right-post")
    build_stories(store)
    first = assignments(db)
    # The third article of each event arrives later.
    populate(store, events=6, per_event=3, only=lambda f: f.outlet == "right-post")
    report = build_stories(store)
    assert report.articles == 6 and report.new_stories == 0
    after = assignments(db)
    assert {k: v for k, v in after.items() if k in first} == first
    assert len(set(after.values())) == 6


def test_a_date_in_the_future_neither_closes_stories_nor_tops_the_edition(
    tmp_path: Path,
) -> None:
    # A feed's mistyped year: the build's clock must not jump to it (every open story
    # would close and every remembered one be forgotten), nor the story keep it.
    db = tmp_path / "f.db"
    store = Store(f"sqlite:///{db}")
    # Dated over the last day, as a live store's articles are.
    fakes = make_events(4, 3, [o.slug for o in OUTLETS],
                        start=datetime.now(UTC) - timedelta(days=1))
    first_of_event_1 = next(i for i, f in enumerate(fakes) if f.event == 1)
    # Event 0's last report arrives after event 1's first, which claims to be from 2099.
    order = [0, 1, first_of_event_1, 2, *range(first_of_event_1 + 1, len(fakes))]
    future = datetime(2099, 1, 1, tzinfo=UTC)
    article_event: dict[int, int] = {}
    with store.session() as session:
        sync_outlets(session, OUTLETS)
        ids = {o.slug: o.id for o in session.scalars(select(OutletRow))}
        for n in order:
            fake = fakes[n]
            published = future if n == first_of_event_1 else fake.published
            saved = save_article(
                session,
                ExtractedArticle(title=fake.title, paragraphs=[fake.text],
                                 published=published.isoformat()),
                url=f"https://{fake.outlet}.example/a/{n}", outlet_id=ids[fake.outlet],
            )
            article_event[saved.article_id] = fake.event
    assert sorted(fakes[n].event for n in order[:4]) == [0, 0, 0, 1]
    build_stories(store)
    story_of = assignments(db)
    stories_of_event: dict[int, set[str]] = defaultdict(set)
    for article_id, event in article_event.items():
        stories_of_event[event].add(story_of[article_id])
    assert all(len(stories) == 1 for stories in stories_of_event.values())
    assert len(set(story_of.values())) == 4
    with store.session() as session:
        assert session.scalar(select(func.max(StoryRow.last_published))).year < 2099
        assert len(top_stories(session, limit=10)) == 4
    with store.session() as session:  # the store keeps the date the source gave
        assert session.scalar(select(func.max(ArticleRow.published))).year == 2099


def test_killing_a_build_and_rerunning_gives_the_same_stories(tmp_path: Path) -> None:
    straight_dir, killed_dir = seeded_data_dirs(tmp_path, events=150, per_event=4)
    build_stories(Store(f"sqlite:///{straight_dir / 'broadsheet.db'}"), batch_size=10)

    env = {**os.environ, "BROADSHEET_DATA_DIR": str(killed_dir)}
    cmd = [sys.executable, "-m", "broadsheet.cli", "build", "--batch-size", "10"]
    progressed = kill_build_midway(cmd, env, killed_dir / "broadsheet.db")
    assert progressed < 600
    rerun_and_compare(cmd, env, killed_dir / "broadsheet.db", straight_dir / "broadsheet.db")


def test_an_outlet_whose_identical_copy_was_stored_as_an_alias_still_covers_the_story(
    tmp_path: Path,
) -> None:
    store = Store(f"sqlite:///{tmp_path / 'a.db'}")
    populate(store, events=3, per_event=1, only=lambda fake: fake.outlet == "left-daily")
    with store.session() as session:
        right = session.scalar(select(OutletRow.id).where(OutletRow.slug == "right-post"))
        first = session.scalars(select(ArticleRow).order_by(ArticleRow.id)).first()
        assert first is not None and first.text
        copy = save_article(
            session,
            ExtractedArticle(title=first.title, paragraphs=[first.text]),
            url="https://right.example/copied", outlet_id=right,
        )
        assert copy.status == "duplicate" and copy.article_id == first.id
    build_stories(store)
    with store.session() as session:
        story_id = session.scalar(
            select(StoryArticleRow.story_id).where(StoryArticleRow.article_id == first.id)
        )
        story = session.get(StoryRow, story_id)
        assert story is not None and story.article_count == 1
        assert story.outlet_count == 2  # the left original and the right copy
        assert story.coverage["right"] == 1 and story.coverage["left"] == 1


def test_stories_are_refreshed_alike_in_any_chunk_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import broadsheet.stories.build as build_module

    whole_dir, chunked_dir = seeded_data_dirs(tmp_path, events=12, per_event=3)
    build_stories(Store(f"sqlite:///{whole_dir / 'broadsheet.db'}"))
    monkeypatch.setattr(build_module, "REFRESH_CHUNK", 2)
    build_stories(Store(f"sqlite:///{chunked_dir / 'broadsheet.db'}"))
    strip = [row[:-1] for row in stories_table(whole_dir / "broadsheet.db")]  # minus updated_at
    assert len(strip) >= 12
    assert strip == [row[:-1] for row in stories_table(chunked_dir / "broadsheet.db")]


def test_a_build_with_a_worker_process_makes_the_same_stories(tmp_path: Path) -> None:
    one_dir, two_dir = seeded_data_dirs(tmp_path, events=40, per_event=4)
    reports = [
        build_stories(Store(f"sqlite:///{d / 'broadsheet.db'}"), batch_size=25, processes=n)
        for d, n in ((one_dir, 1), (two_dir, 2))
    ]
    assert reports[0].articles == reports[1].articles == 160
    assert reports[0].new_stories == reports[1].new_stories
    one, two = (story_articles(d / "broadsheet.db") for d in (one_dir, two_dir))
    assert one == two and len(one) == 160
    strip = [row[:-1] for row in stories_table(one_dir / "broadsheet.db")]  # minus updated_at
    assert strip == [row[:-1] for row in stories_table(two_dir / "broadsheet.db")]


def cli_build_beside_a_straight_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, processes: int,
    before: Callable[[Path], None],
) -> tuple[Result, list[tuple], list[tuple]]:  # type: ignore[type-arg]
    """Two copies of one store of 80 invented articles: one built directly (20 a batch),
    the other by ``broadsheet build`` after ``before(its data dir)`` (which patches).
    Returns the CLI's result and both stores' story assignments."""
    from typer.testing import CliRunner

    from broadsheet.cli import app

    straight_dir, cli_dir = seeded_data_dirs(tmp_path, events=20, per_event=4)
    build_stories(Store(f"sqlite:///{straight_dir / 'broadsheet.db'}"), batch_size=20)
    before(cli_dir)
    monkeypatch.setenv("BROADSHEET_DATA_DIR", str(cli_dir))
    result = CliRunner().invoke(
        app, ["build", "--batch-size", "20", "--processes", str(processes)]
    )
    return result, *(story_articles(d / "broadsheet.db") for d in (straight_dir, cli_dir))


def test_a_build_whose_worker_dies_goes_on_alone_to_the_same_stories(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from broadsheet.stories.analysis import ArticleAnalyser

    handing_over = ArticleAnalyser.prefetch

    def kill_then_prefetch(self: ArticleAnalyser, inputs: list) -> None:  # type: ignore[type-arg]
        if self._workers is not None and self._workers._procs:
            self._workers._procs[0].kill()  # the worker dies before the second batch
            self._workers._procs[0].wait()
        handing_over(self, inputs)

    result, plain, failing = cli_build_beside_a_straight_one(
        tmp_path, monkeypatch, 2,
        lambda _: monkeypatch.setattr(ArticleAnalyser, "prefetch", kill_then_prefetch),
    )
    assert result.exit_code == 0, result.output
    assert "the analysis worker process failed" in result.output
    assert "the build went on in one process" in result.output
    assert plain == failing and len(plain) == 80


def test_a_second_build_started_meanwhile_stops_with_one_line_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from broadsheet.stories import build as build_module

    claim = build_module._claim_batch
    claims: list[int] = []

    def racing(data_dir: Path) -> None:
        def another_build_goes_first(session: object, last_id: int) -> object:
            claims.append(last_id)
            if len(claims) == 2:  # between this build's first and second batch
                build_stories(Store(f"sqlite:///{data_dir / 'broadsheet.db'}"), batch_size=20)
            return claim(session, last_id)  # type: ignore[arg-type]

        monkeypatch.setattr(build_module, "_claim_batch", another_build_goes_first)

    result, straight, raced = cli_build_beside_a_straight_one(tmp_path, monkeypatch, 1, racing)
    assert result.exit_code == 1, result.output
    assert result.output.strip().splitlines() == [
        "error: another build updated the stories while this one ran; this one stopped, "
        "and that one covers the same articles"
    ]
    # This build's first batch (0) and second (20, refused); before the second, the other
    # build went on from where this one left it: three batches (20, 40, 60), then nothing.
    assert claims == [0, 20, 20, 40, 60, 80]
    assert straight == raced and len(straight) == 80


def test_killing_a_build_with_a_worker_process_leaves_no_process_and_resumes(
    tmp_path: Path,
) -> None:
    straight_dir, killed_dir = seeded_data_dirs(tmp_path, events=150, per_event=4)
    build_stories(Store(f"sqlite:///{straight_dir / 'broadsheet.db'}"), batch_size=10)

    env = {**os.environ, "BROADSHEET_DATA_DIR": str(killed_dir)}
    cmd = [sys.executable, "-m", "broadsheet.cli", "build", "--batch-size", "10",
           "--processes", "2"]
    children: list[int] = []
    kill_build_midway(cmd, env, killed_dir / "broadsheet.db", children=children)
    assert children, "the build started no worker process"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(alive(pid) for pid in children):
        time.sleep(0.05)
    assert not any(alive(pid) for pid in children), "a worker outlived the killed build"
    rerun_and_compare(cmd, env, killed_dir / "broadsheet.db", straight_dir / "broadsheet.db")


def story_articles(db: Path) -> list[tuple]:
    """Every decision a build makes about each article."""
    store = Store(f"sqlite:///{db}")
    try:
        return build_decisions(store)
    finally:
        store.close()


def seeded_data_dirs(tmp_path: Path, *, events: int, per_event: int) -> tuple[Path, Path]:
    """Two data directories ("straight", "killed") holding copies of one store with the
    invented articles, none built yet."""
    seed = tmp_path / "seed.db"
    seed_store = Store(f"sqlite:///{seed}")
    populate(seed_store, events=events, per_event=per_event)
    seed_store.close()  # checkpoints the WAL, so copying the file copies everything
    dirs = (tmp_path / "straight", tmp_path / "killed")
    for target in dirs:
        target.mkdir()
        shutil.copy(seed, target / "broadsheet.db")
    return dirs


def kill_build_midway(
    cmd: list[str], env: dict[str, str], db: Path, *, after_article: int = 100,
    children: list[int] | None = None,
) -> int:
    """Start ``cmd`` (a build), SIGKILL it once it has committed past ``after_article``;
    returns the last article id it had committed. ``children`` receives the pids of its
    child processes just before the kill."""
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    progressed = 0
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with sqlite3.connect(db, timeout=1) as conn:
                row = conn.execute("SELECT last_article_id FROM build_state").fetchone()
                progressed = row[0] if row else 0
        except sqlite3.OperationalError:
            progressed = 0
        if progressed >= after_article:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the build finished before it could be killed"
    if children is not None:
        children.extend(child_pids(proc.pid))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert progressed > 0
    return progressed


def rerun_and_compare(cmd: list[str], env: dict[str, str], killed: Path, straight: Path) -> None:
    """Rerun the killed build to the end: its stories must be the uninterrupted run's."""
    rerun = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert assignments(killed) == assignments(straight)
    strip = [row[:-1] for row in stories_table(killed)]
    assert strip == [row[:-1] for row in stories_table(straight)]


def test_merged_story_ids_keep_resolving(tmp_path: Path) -> None:
    store = built_store(tmp_path / 'm.db', events=2, per_event=2)
    with store.session() as session:
        a, b = sorted(session.scalars(select(StoryRow.id)))
        merge_stories(session, b, a)
        assert resolve_story_id(session, b) == a
        assert resolve_story_id(session, a) == a
        assert resolve_story_id(session, "s-nope") is None
        assert session.scalar(
            select(func.count()).select_from(StoryArticleRow).where(StoryArticleRow.story_id == a)
        ) == 4


def test_a_merge_moves_the_absorbed_storys_thread_to_the_survivors(tmp_path: Path) -> None:
    with built_store(tmp_path / 'm.db', events=3, per_event=2).session() as session:
        a, b, c = sorted(session.scalars(select(StoryRow.id)))
        rows = {row.id: row for row in session.scalars(select(StoryRow))}
        rows[a].thread_id, rows[b].thread_id, rows[c].thread_id = a, b, b  # c follows b
        session.flush()
        merge_stories(session, b, a)
        threads = dict(session.execute(select(StoryRow.id, StoryRow.thread_id)).all())
        assert threads == {a: a, c: a}  # c's timeline now holds a, which holds b's articles


def test_a_near_duplicate_index_saved_with_another_hash_is_rebuilt_from_the_store(
    tmp_path: Path,
) -> None:
    # A store built by a version that hashed shingles with SHA-1: its saved signatures
    # cannot be compared with new ones. The build remakes the index from the stored
    # texts, so a copy of an article stored before the upgrade is still found.
    import json
    import zlib

    from broadsheet.store.schema import BuildStateRow
    from broadsheet.stories.build import STATE_ID

    store = built_store(tmp_path / "m.db", events=2, per_event=2)
    with store.session() as session:
        state = session.get(BuildStateRow, STATE_ID)
        saved = json.loads(zlib.decompress(state.neardup))
        del saved["shingle_hash"]  # as an older version wrote it
        state.neardup = zlib.compress(json.dumps(saved).encode())
        original = session.scalars(select(ArticleRow).order_by(ArticleRow.id)).first()
        copy = save_article(
            session,
            ExtractedArticle(title=original.title, paragraphs=[original.text + " (Wire)"],
                             published=original.published.isoformat()),
            url="https://copies.example/a/1",
        )
        session.commit()
    report = build_stories(store)
    assert report.neardup_rebuilt == 4 and report.near_duplicates == 1
    with store.session() as session:
        link = session.get(StoryArticleRow, copy.article_id)
        assert link.near_duplicate_of == original.id
    with store.session() as session:
        save_article(session, ExtractedArticle(title="Later", paragraphs=["A later report."]),
                     url="https://copies.example/a/2")
    later = build_stories(store)
    assert later.articles == 1 and later.neardup_rebuilt is None  # saved with today's hash


def test_an_imported_article_without_a_date_is_clustered_undated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An imported file's articles are stored within seconds of each other: taken as one
    # moment, ingested AllSides roundups (undated) over-merged, B³ F1 0.554 against 0.766.
    # A fetched article's storing time still stands in for a missing date.
    import json

    from broadsheet.ingest_records import ingest_records

    seen: dict[str, object] = {}
    real_add = OnlineClusterer.add

    def spy(self: OnlineClusterer, doc, features=None):  # type: ignore[no-untyped-def]
        seen[doc.title] = doc.published
        return real_add(self, doc, features)

    monkeypatch.setattr(OnlineClusterer, "add", spy)
    store = Store(f"sqlite:///{tmp_path / 'm.db'}")
    records = tmp_path / "archive.jsonl"
    records.write_text("\n".join(json.dumps(r) for r in [
        {"id": "1", "title": "Undated import", "text": "A report without a date."},
        {"id": "2", "title": "Dated import", "text": "A report with one.",
         "published": "2026-03-02T08:00:00Z"},
    ]) + "\n", encoding="utf-8")
    ingest_records(store, [records])
    with store.session() as session:
        save_article(session, ExtractedArticle(title="Fetched", paragraphs=["From a feed."]),
                     url="https://wire.example/fetched")
    build_stories(store)
    assert seen["Undated import"] is None
    assert seen["Dated import"] == datetime(2026, 3, 2, 8, tzinfo=UTC)
    assert seen["Fetched"] is not None  # stored minutes after it was published
    with store.session() as session:  # a story still has a time to be listed by
        assert None not in set(session.scalars(select(StoryRow.last_published)))


def test_the_builds_alias_map_follows_merges_as_the_store_does(tmp_path: Path) -> None:
    from broadsheet.stories.build import _Batch

    with built_store(tmp_path / 'm.db', events=3, per_event=2).session() as session:
        a, b, c = sorted(session.scalars(select(StoryRow.id)))
        merge_stories(session, b, a)  # an earlier build's merge: b -> a in the store
        builder = _Batch(OnlineClusterer(), None, None)  # type: ignore[arg-type]
        assert builder._resolve(session, b) == a  # read from the store
        builder._merged(session, a, c)  # this build's merge: a (and so b) -> c
        for story_id in (a, b, c, "s-never-merged"):
            in_store = resolve_story_id(session, story_id) or story_id
            assert builder._resolve(session, story_id) == in_store
        assert builder._resolve(session, b) == c


def test_a_long_backlog_goes_in_larger_batches() -> None:
    assert auto_batch_size(0) == auto_batch_size(300) == DEFAULT_BATCH
    assert auto_batch_size(20_000) == 2_000  # a tenth of it
    assert auto_batch_size(10**6) == MAX_AUTO_BATCH


def test_choose_headline_prefers_shared_wording() -> None:
    titles = [
        "Storm closes harbour ferry",
        "Harbour ferry closed after storm damage",
        "Opinion: why we need better transport",
        "Ferry service halted as storm hits harbour",
    ]
    assert choose_headline(titles) != "Opinion: why we need better transport"
    assert choose_headline(["Only one"]) == "Only one"
    assert choose_headline([]) == ""


@pytest.mark.parametrize("columns", [80, 130])
def test_stories_list_shows_every_headline_on_a_narrow_or_wide_terminal(
    tmp_path: Path, columns: int
) -> None:
    db = tmp_path / "l.db"
    store = Store(f"sqlite:///{db}")
    populate(store, events=4, per_event=3)
    build_stories(store)
    with store.session() as session:
        headlines = [s.story.headline for s in top_stories(session, limit=4)]
    env = {**os.environ, "COLUMNS": str(columns), "BROADSHEET_DATABASE_URL": f"sqlite:///{db}"}
    shown = subprocess.run(
        [sys.executable, "-m", "broadsheet.cli", "stories", "list", "--limit", "4"],
        capture_output=True, text=True, env=env, timeout=120, check=True,
    ).stdout
    assert max(len(line) for line in shown.splitlines()) <= columns
    flat = " ".join(" ".join(line.strip("│┃ ").split()) for line in shown.splitlines())
    for headline in headlines:
        # The first words of each headline are on screen (it may wrap after them).
        assert " ".join(headline.split()[:2]) in flat


def test_stories_list_says_which_filter_left_nothing_and_refuses_unknown_sections(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from broadsheet.cli import app

    db = tmp_path / "s.db"
    store = built_store(db, events=3, per_event=2)
    with store.session() as session:
        shown = {s.story.section for s in top_stories(session, limit=10)}
    missing = next(s for s in ("sport", "health", "culture", "opinion") if s not in shown)
    monkeypatch.setenv("BROADSHEET_DATABASE_URL", f"sqlite:///{db}")
    listed = CliRunner().invoke(app, ["stories", "list", "--section", missing])
    assert listed.exit_code == 0
    assert listed.output.strip() == f"No recent stories in section '{missing}'."
    unknown = CliRunner().invoke(app, ["stories", "list", "--section", "sports"])
    assert unknown.exit_code == 1
    assert unknown.output.startswith("error: unknown section 'sports': use world, politics")


def test_an_interrupted_build_says_what_it_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from broadsheet.cli import app
    from broadsheet.stories import build as build_module

    db = tmp_path / "i.db"
    populate(Store(f"sqlite:///{db}"), events=2, per_event=2)

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(build_module, "build_stories", interrupted)
    monkeypatch.setenv("BROADSHEET_DATABASE_URL", f"sqlite:///{db}")
    result = CliRunner().invoke(app, ["build"])
    assert result.exit_code == 130
    assert result.output.strip() == (
        "error: interrupted; the stories keep every batch committed so far, rerun to resume"
    )


def test_a_later_build_merges_two_stories_an_earlier_build_briefed(tmp_path: Path) -> None:
    # Two builds apart, with briefings written in between (as `run --every` does): the
    # merge failed on the absorbed story's briefing, and so did every rerun.
    from broadsheet.stories.cluster import ClusterConfig
    from broadsheet.write.stored import build_briefings

    config = ClusterConfig(merge_threshold=0.3, title_factor=0)  # as the clusterer's test
    store = Store(f"sqlite:///{tmp_path / 'm.db'}")
    start = datetime(2026, 3, 2, 8, tzinfo=UTC)

    def store_article(name: str, title: str, text: str, hours: int) -> None:
        with store.session() as session:
            save_article(
                session, ExtractedArticle(title=title, paragraphs=[text],
                                          published=(start + timedelta(hours=hours)).isoformat()),
                url=f"https://wire.example/{name}",
            )

    store_article("m1", "Alpha", "Quorn Vellar Ostrada Pinnacle Tessaly.", 0)
    store_article("m2", "Beta", "Quorn Vellar Brightmoor Calder Duneholm.", 69)
    assert build_stories(store, config=config).new_stories == 2
    assert build_briefings(store).composed == 2
    store_article("m3", "Gamma", "Quorn Vellar Ostrada Pinnacle Brightmoor Calder.", 70)
    assert build_stories(store, config=config).merges == 1
    assert build_briefings(store).composed == 1
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(StoryRow)) == 1


@pytest.mark.parametrize("batch_size", [1, 500])  # the move from a stored batch, or within one
def test_a_reseated_article_and_its_copy_move_to_the_new_story(
    tmp_path: Path, batch_size: int
) -> None:
    from tests.test_stories_cluster import CUP, VOLCANO

    store = Store(f"sqlite:///{tmp_path / 'a.db'}")
    ids: dict[str, int] = {}
    with store.session() as session:
        sync_outlets(session, OUTLETS)
        outlet_ids = [o.id for o in session.scalars(select(OutletRow).order_by(OutletRow.id))]
        first_cup = CUP[0]
        copy = replace(first_cup, id="c1-copy", text=first_cup.text + " Reporting by Ana Vidal.")
        for n, doc in enumerate([*VOLCANO, first_cup, copy, CUP[1]]):
            saved = save_article(
                session,
                ExtractedArticle(title=doc.title, paragraphs=[doc.text],
                                 published=doc.published.isoformat()),
                url=f"https://example.org/{doc.id}", outlet_id=outlet_ids[n % len(outlet_ids)],
            )
            ids[doc.id] = saved.article_id
    report = build_stories(store, batch_size=batch_size)
    assert report.reseated == 1 and report.near_duplicates == 1
    story_of = assignments(tmp_path / "a.db")
    cup = story_of[ids["c2"]]
    assert story_of[ids["c1"]] == cup and story_of[ids["c1-copy"]] == cup
    volcano = story_of[ids["v1"]]
    assert cup != volcano and {story_of[ids[v.id]] for v in VOLCANO} == {volcano}
    with store.session() as session:
        counts = {s.id: s.article_count for s in session.scalars(select(StoryRow))}
    assert counts == {volcano: 3, cup: 3}
    before = build_decisions(store)
    build_stories(store)
    assert build_decisions(store) == before
