"""The ``broadsheet`` command line: parses arguments and calls the stages.

Batch commands print JSON lines with ``--json`` and tables otherwise; every failure is a
one-line message and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from broadsheet import __version__
from broadsheet.config import ConfigError, Settings, load_settings

app = typer.Typer(
    help="Broadsheet: the facts behind the news, plus what every side says.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
stories_app = typer.Typer(help="Look at the stories built from the articles.", no_args_is_help=True)
feeds_app = typer.Typer(help="List, add, remove, import and export feeds.", no_args_is_help=True)
eval_app = typer.Typer(help="Score Broadsheet against real datasets.", no_args_is_help=True)
subscribers_app = typer.Typer(help="Newsletter subscribers.", no_args_is_help=True)
puzzles_app = typer.Typer(help="The daily sudoku, crossword and mini.", no_args_is_help=True)
app.add_typer(feeds_app, name="feeds")
app.add_typer(eval_app, name="eval")
app.add_typer(stories_app, name="stories")
app.add_typer(subscribers_app, name="subscribers")
app.add_typer(puzzles_app, name="puzzles")

console = Console()
# soft_wrap: an error message stays on one line, whatever the terminal width.
err_console = Console(stderr=True, soft_wrap=True)


@dataclass(slots=True)
class State:
    config_path: Path | None = None
    data_dir: Path | None = None
    _settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            try:
                self._settings = load_settings(
                    config_path=self.config_path, data_dir=self.data_dir
                )
            except ConfigError as exc:
                fail(str(exc))
        return self._settings


state = State()


def fail(message: str, code: int = 1) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def open_store():  # type: ignore[no-untyped-def]
    from broadsheet.store import Store, StoreError

    try:
        return Store(state.settings.resolved_database_url)
    except StoreError as exc:
        fail(str(exc))


def _version(value: bool) -> None:
    if value:
        console.print(f"broadsheet {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir", envvar="BROADSHEET_DATA_DIR",
            help="Where the SQLite store and caches live (default: ./broadsheet-data).",
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="A broadsheet.toml (default: ./broadsheet.toml)."),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
) -> None:
    state.data_dir = data_dir
    state.config_path = config
    state._settings = None


def _emit_json(record: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")


def _emit_report(report: Any, as_json: bool) -> None:
    """An evaluation report as one JSON line, or as Markdown on plain stdout (no wrapping,
    so the table can be pasted into docs/benchmarks.md)."""
    if as_json:
        payload = report.to_json()
        for record in payload if isinstance(payload, list) else [payload]:
            _emit_json(record)
    else:
        sys.stdout.write(report.to_markdown() + "\n\n")


def _progress(transient: bool = False) -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=transient,
    )


def _advance(progress: Progress, task: Any) -> Any:
    """A progress callback for stages that report ``(..., done, total)``."""

    def update(*args: Any) -> None:
        progress.update(task, completed=args[-2], total=args[-1])

    return update


# --- extract / ingest ---------------------------------------------------------------


@app.command()
def extract(
    paths: Annotated[list[Path], typer.Argument(help=".html, .html.gz or .txt page dumps.")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    url: Annotated[
        str | None, typer.Option(help="The page's URL, when one file is given.")
    ] = None,
) -> None:
    """Extract the article from each page: title, standfirst, authors, date, body, related.

    Exits 1 when any input could not be read (each still gets a record with "error").
    """
    from broadsheet.extract import extract_document

    failures = 0
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError as exc:
            from broadsheet.models import ExtractedArticle

            article = ExtractedArticle(error=f"cannot read {path}: {exc.strerror}")
        else:
            article = extract_document(
                data, url=url if len(paths) == 1 else None, filename=path.name
            )
        failures += article.error is not None
        record = article.to_json(path=str(path))
        if as_json:
            _emit_json(record)
        else:
            _print_article(record)
    if failures:
        err_console.print(f"{failures} of {len(paths)} inputs failed")
        raise typer.Exit(1)


def _print_article(record: dict[str, Any]) -> None:
    if record["error"]:
        err_console.print(f"[red]{record['path']}: {record['error']}[/]", highlight=False)
        return
    console.rule(record["path"] or "")
    console.print(f"[bold]{record['title'] or '(no title)'}[/]", highlight=False)
    if record["standfirst"]:
        console.print(f"[italic]{record['standfirst']}[/]", highlight=False)
    meta = [
        ", ".join(record["authors"]), record["published"], record["outlet"], record["language"],
    ]
    console.print(" · ".join(m for m in meta if m), style="dim", highlight=False)
    for para in record["paragraphs"]:
        console.print(para, highlight=False)
        console.print()
    if record["related"]:
        console.print(f"[bold]Related ({len(record['related'])})[/]")
        for link in record["related"]:
            kicker = f"[dim]{link.get('kicker')}[/] " if link.get("kicker") else ""
            console.print(f"- {kicker}{link['title']}", highlight=False)


@app.command()
def ingest(
    paths: Annotated[
        list[Path], typer.Argument(help="Files, directories, .html.gz or WARC archives.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Extract local pages and store them as articles (duplicates are recognised).

    .jsonl files hold already-extracted articles, stored as they are.

    (The `cluster` input, or story-grouped records with "docs".)
    """
    from broadsheet.ingest import IngestOutcome, IngestReport
    from broadsheet.ingest import ingest as ingest_pages
    from broadsheet.ingest_records import ingest_records

    def run_ingest(store, paths, on_document):  # type: ignore[no-untyped-def]
        records = [p for p in paths if p.name.lower().endswith(".jsonl")]
        pages = [p for p in paths if p not in records]
        report = IngestReport()
        if records:
            report.outcomes += ingest_records(store, records, on_record=on_document).outcomes
        if pages:
            report.outcomes += ingest_pages(store, pages, on_document=on_document).outcomes
        return report

    store = open_store()
    sync_registry(store)  # so ingested pages are credited to their outlets
    with _progress(transient=True) as progress:
        task = progress.add_task("Ingesting", total=None)

        def on_document(outcome: IngestOutcome) -> None:
            progress.advance(task)
            if as_json:
                _emit_json({
                    "source": outcome.source, "status": outcome.status,
                    "reason": outcome.reason, "title": outcome.title,
                })

        report = run_ingest(store, paths, on_document=on_document)
    if not as_json:
        table = Table(title="Ingest")
        for col in ("new", "duplicate", "known", "failed"):
            table.add_column(col, justify="right")
        table.add_row(*(str(report.count(s)) for s in ("new", "duplicate", "known", "failed")))
        console.print(table)
        for outcome in report.outcomes:
            if outcome.status == "failed":
                err_console.print(f"[red]{outcome.source}: {outcome.reason}[/]", highlight=False)
    if report.count("failed"):
        raise typer.Exit(1)


@app.command()
def reextract() -> None:
    """Extract every stored article again from its kept raw page (no fetching)."""
    from broadsheet.reextract import reextract as run_reextract

    store = open_store()
    with _progress(transient=True) as progress:
        task = progress.add_task("Re-extracting", total=None)
        report = run_reextract(store, on_article=lambda: progress.advance(task))
    console.print(
        f"checked {report.checked} articles: {report.changed} changed, "
        f"{report.failed} could not be re-extracted (kept as they were)"
    )


# --- feeds ----------------------------------------------------------------------------


def sync_registry(store) -> None:  # type: ignore[no-untyped-def]
    """Bring the bundled registry plus the user's broadsheet.toml into the store."""
    from broadsheet.registry import RegistryError, apply_user_config, load_registry
    from broadsheet.store.feeds import sync_outlets

    try:
        outlets = apply_user_config(load_registry(), state.settings.raw)
    except RegistryError as exc:
        fail(str(exc))
    with store.session() as session:
        sync_outlets(session, outlets)


@feeds_app.command("list")
def feeds_list(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    show_all: Annotated[
        bool, typer.Option("--all", help="Include disabled and removed feeds.")
    ] = False,
) -> None:
    """Every feed with its outlet, section and health (last success, last error)."""
    from sqlalchemy import select

    from broadsheet.store.schema import FeedRow, OutletRow

    store = open_store()
    sync_registry(store)
    with store.session() as session:
        query = (
            select(FeedRow, OutletRow)
            .join(OutletRow, FeedRow.outlet_id == OutletRow.id, isouter=True)
            .order_by(OutletRow.name, FeedRow.section)
        )
        if not show_all:
            query = query.where(FeedRow.enabled.is_(True))
        rows = session.execute(query).all()
        records = [
            {
                "url": feed.url, "outlet": outlet.name if outlet else None,
                "outlet_slug": outlet.slug if outlet else None,
                "lean": outlet.lean if outlet else None,
                "edition": outlet.edition if outlet else None,
                "section": feed.section, "origin": feed.origin, "enabled": feed.enabled,
                "last_success": feed.last_success_at, "last_error": feed.last_error,
                "last_error_at": feed.last_error_at,
                "consecutive_failures": feed.consecutive_failures,
            }
            for feed, outlet in rows
        ]
    if as_json:
        for record in records:
            _emit_json(record)
        return
    table = Table(title=f"{len(records)} feeds", show_lines=False)
    for col in ("outlet", "lean", "section", "url", "last success", "failures", "last error"):
        table.add_column(col, overflow="fold")
    for r in records:
        last_ok = r["last_success"].strftime("%Y-%m-%d %H:%M") if r["last_success"] else "never"
        table.add_row(
            r["outlet"] or "?", r["lean"] or "", r["section"], r["url"], last_ok,
            str(r["consecutive_failures"] or 0),
            (r["last_error"] or "")[:80] if r["consecutive_failures"] else "",
            style=None if r["enabled"] else "dim",
        )
    console.print(table)


@feeds_app.command("add")
def feeds_add(
    url: Annotated[str, typer.Argument(help="The feed's URL (RSS or Atom).")],
    outlet: Annotated[
        str | None, typer.Option(help="Outlet slug (default: the outlet owning the domain).")
    ] = None,
    section: Annotated[str, typer.Option(help="Section the feed covers.")] = "news",
    title: Annotated[str | None, typer.Option(help="A display title.")] = None,
) -> None:
    """Add a feed (or re-enable a removed one)."""
    from broadsheet.store.feeds import add_feed

    if not url.lower().startswith(("http://", "https://")):
        fail(f"not an http(s) URL: {url}")
    store = open_store()
    sync_registry(store)
    with store.session() as session:
        try:
            feed, is_new = add_feed(
                session, url, outlet_slug=outlet, section=section, title=title
            )
        except ValueError as exc:
            fail(str(exc))
        outlet_name = feed.outlet.name if feed.outlet else "?"
    console.print(f"{'added' if is_new else 're-enabled'} {url} ({outlet_name}, {section})")


@feeds_app.command("remove")
def feeds_remove(url: Annotated[str, typer.Argument(help="The feed's URL.")]) -> None:
    """Stop fetching a feed (its articles stay)."""
    from broadsheet.store.feeds import remove_feed

    store = open_store()
    sync_registry(store)
    with store.session() as session:
        if not remove_feed(session, url):
            fail(f"no such feed: {url}")
    console.print(f"removed {url}")


@feeds_app.command("import")
def feeds_import(
    path: Annotated[Path, typer.Argument(help="An OPML file from a feed reader.")],
) -> None:
    """Import the feeds of an OPML file (categories become sections)."""
    from broadsheet.fetch.opml import OpmlError, parse_opml
    from broadsheet.store.feeds import add_feed

    try:
        entries = parse_opml(path.read_bytes())
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror}")
    except OpmlError as exc:
        fail(f"{path}: {exc}")
    store = open_store()
    sync_registry(store)
    added = existing = skipped = 0
    with store.session() as session:
        for entry in entries:
            if not entry.url.lower().startswith(("http://", "https://")):
                skipped += 1
                err_console.print(
                    f"skipped {_shown(entry.url)}: not an http(s) URL", highlight=False
                )
                continue
            # A feed's own category attribute names its section; without one, the
            # innermost folder does (feed readers group by topic folders).
            folder = (entry.category or "").split("/")[-1]
            section = (entry.section or folder or "news").strip().lower() or "news"
            _, is_new = add_feed(
                session, entry.url, section=section[:50], title=entry.title, origin="opml"
            )
            added += is_new
            existing += not is_new
    console.print(f"imported {added} new feeds ({existing} already known, {skipped} skipped)")


@feeds_app.command("export")
def feeds_export(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
) -> None:
    """Write every enabled feed as OPML 2.0, grouped by outlet."""
    from sqlalchemy import select

    from broadsheet.fetch.opml import write_opml
    from broadsheet.models import FeedSpec, Outlet
    from broadsheet.store.schema import FeedRow, OutletRow

    store = open_store()
    sync_registry(store)
    with store.session() as session:
        outlets: list[Outlet] = []
        for row in session.scalars(select(OutletRow).order_by(OutletRow.name)):
            feeds = [
                FeedSpec(url=f.url, section=f.section)
                for f in session.scalars(
                    select(FeedRow).where(FeedRow.outlet_id == row.id, FeedRow.enabled.is_(True))
                )
            ]
            if feeds:
                outlets.append(Outlet(
                    slug=row.slug, name=row.name, domains=row.domains, country=row.country,
                    edition=row.edition, lean=row.lean, feeds=feeds,
                ))
    text = write_opml(outlets)
    if output:
        output.write_text(text, encoding="utf-8")
        err_console.print(f"wrote {sum(len(o.feeds) for o in outlets)} feeds to {output}")
    else:
        sys.stdout.write(text)


# --- fetch / run ----------------------------------------------------------------------


@app.command()
def fetch(
    outlet: Annotated[
        list[str] | None, typer.Option(help="Only this outlet's feeds (slug; repeatable).")
    ] = None,
    feed: Annotated[
        list[str] | None, typer.Option(help="Only this feed URL (repeatable).")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per feed instead of tables.")
    ] = False,
) -> None:
    """Fetch every enabled feed and the articles behind its entries into the store."""
    report = _fetch(outlet, feed, as_json=as_json)
    if report.feeds and report.feeds_ok == 0:
        raise typer.Exit(1)


def _fetch(outlets: list[str] | None, feed_urls: list[str] | None, *, as_json: bool):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from broadsheet.fetch.run import Callbacks, FeedOutcome, FetchJob
    from broadsheet.store.schema import FeedRow, OutletRow

    store = open_store()
    sync_registry(store)
    feed_ids: list[int] | None = None
    if outlets or feed_urls:
        with store.session() as session:
            query = select(FeedRow.id).join(OutletRow, isouter=True)
            if outlets:
                query = query.where(OutletRow.slug.in_(outlets))
            if feed_urls:
                query = query.where(FeedRow.url.in_(feed_urls))
            feed_ids = list(session.scalars(query))
        if not feed_ids:
            fail("no feed matches the given --outlet / --feed")

    with _progress(transient=False) as progress:
        feeds_task = progress.add_task("Feeds", total=None)
        pages_task = progress.add_task("Articles", total=0)

        def queued(n: int) -> None:
            total = progress.tasks[pages_task].total or 0
            progress.update(pages_task, total=total + n)

        def feed_done(outcome: FeedOutcome) -> None:
            progress.advance(feeds_task)
            if as_json:
                _emit_json({
                    "feed": outcome.url, "outlet": outcome.outlet, "status": outcome.status,
                    "reason": outcome.reason, "entries": outcome.entries, "new": outcome.new,
                    "duplicate": outcome.duplicate, "known": outcome.known,
                    "summary_only": outcome.summary_only, "failed": outcome.failed,
                })

        callbacks = Callbacks(
            feed_done=feed_done, pages_queued=queued,
            page_done=lambda: progress.advance(pages_task),
        )
        job = FetchJob(store, state.settings.fetch, callbacks=callbacks)
        with store.session() as session:
            count = len(feed_ids) if feed_ids is not None else len(
                list(session.scalars(select(FeedRow.id).where(FeedRow.enabled.is_(True))))
            )
        progress.update(feeds_task, total=count)
        try:
            report = asyncio.run(job.run(feed_ids))
        except KeyboardInterrupt:
            fail("interrupted; articles stored so far are kept, rerun to resume", 130)
    if not as_json:
        _print_fetch_summary(report)
    return report


def _print_fetch_summary(report) -> None:  # type: ignore[no-untyped-def]
    by_outlet: dict[str, list] = {}
    for outcome in report.feeds:
        by_outlet.setdefault(outcome.outlet or "?", []).append(outcome)
    table = Table(title="Fetch summary")
    for col in ("outlet", "feeds ok", "feeds failed", "new", "duplicate", "summary only",
                "failed"):
        table.add_column(col, justify="left" if col == "outlet" else "right")
    for name in sorted(by_outlet):
        items = by_outlet[name]
        table.add_row(
            name,
            str(sum(1 for f in items if f.status != "failed")),
            str(sum(1 for f in items if f.status == "failed")),
            str(sum(f.new for f in items)), str(sum(f.duplicate for f in items)),
            str(sum(f.summary_only for f in items)), str(sum(f.failed for f in items)),
        )
    table.add_section()
    table.add_row(
        f"[bold]{len(by_outlet)} outlets[/]", str(report.feeds_ok), str(report.feeds_failed),
        str(report.total("new")), str(report.total("duplicate")),
        str(report.total("summary_only")), str(report.total("failed")),
    )
    console.print(table)
    failed = [f for f in report.feeds if f.status == "failed"]
    if failed:
        # One row per outlet and reason: a dead host should not take twenty rows.
        groups: dict[tuple[str, str], list[str]] = {}
        for f in failed:
            reason = (f.reason or "unknown error").replace(f.url, "the feed")
            groups.setdefault((f.outlet or "?", reason), []).append(f.url)
        ftable = Table(title=f"{len(failed)} feeds failed")
        ftable.add_column("outlet")
        ftable.add_column("feeds", overflow="fold")
        ftable.add_column("reason", overflow="fold")
        for (outlet, reason), urls in sorted(groups.items()):
            shown = urls[0] if len(urls) == 1 else f"{urls[0]} and {len(urls) - 1} more"
            ftable.add_row(outlet, shown, reason)
        console.print(ftable)
        if len(failed) == len(report.feeds) and all(
            any(word in (f.reason or "") for word in ("resolv", "connect", "network", "timed out"))
            for f in failed
        ):
            console.print(
                "[yellow]No feed could be reached: this machine looks offline. "
                "Articles already stored are untouched; run again when online.[/]"
            )
    if not report.feeds:
        console.print("No enabled feeds. Add one with `broadsheet feeds add URL`.")


def _refresh_once() -> None:
    report = _fetch(None, None, as_json=False)
    console.print(
        f"Stored {report.total('new')} new articles from {report.feeds_ok} feeds "
        f"({report.feeds_failed} failed). Data: {state.settings.data_dir}/"
    )
    _build(batch_size=None)


@app.command()
def run(
    every: Annotated[
        str | None,
        typer.Option(help="Fetch and rebuild again this often while serving (e.g. 30m, 1h)."),
    ] = None,
    serve_site: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the site when the build is done.")
    ] = True,
    host: Annotated[str, typer.Option(help="Address to serve on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to serve on.")] = 8000,
) -> None:
    """The main job: fetch every feed, build stories and briefings, then serve the site."""
    from broadsheet.publish.serve import Refresher, parse_duration

    every_s = None
    if every is not None:
        try:
            every_s = parse_duration(every)
        except ValueError as exc:
            fail(str(exc))
    schedule = _newsletter_schedule()
    _refresh_once()
    if not serve_site:
        return
    scheduler = None
    if schedule is not None:
        from broadsheet.newsletters.schedule import Scheduler

        scheduler = Scheduler(
            schedule, _scheduled_send,
            on_error=lambda exc: err_console.print(
                f"[red]newsletter send failed: {escape(str(exc))}[/]"
            ),
        )
        scheduler.start()
        slots = ", ".join(f"{s.newsletter} at {s.at:%H:%M}" for s in schedule.slots)
        console.print(f"Newsletters go out on schedule ({schedule.zone.key}): {slots}.",
                      highlight=False)
    refresher = None
    if every_s is not None:
        refresher = Refresher(
            _refresh_once, every_s,
            on_error=lambda exc: err_console.print(f"[red]refresh failed: {exc}[/]"),
        )
        refresher.start()
    try:
        _serve(host, port, every)
    finally:
        if refresher is not None:
            refresher.stop()
        if scheduler is not None:
            scheduler.stop()


def _newsletter_schedule():  # type: ignore[no-untyped-def]
    """The ``[newsletters]`` schedule (None when absent); it needs ``[smtp]`` too."""
    from broadsheet.newsletters.schedule import ScheduleError, parse_schedule

    try:
        schedule = parse_schedule(state.settings.raw.get("newsletters"))
    except ScheduleError as exc:
        fail(str(exc))
    if schedule is not None and schedule.slots:
        _smtp_settings(required=True)
        return schedule
    return None


def _site_config():  # type: ignore[no-untyped-def]
    from broadsheet.publish.queries import EDITIONS
    from broadsheet.publish.site import SiteConfig

    section = state.settings.raw.get("site", {})
    if not isinstance(section, dict):
        fail("[site] in the config must be a table")
    config = SiteConfig()
    for key, value in section.items():
        if not hasattr(config, key):
            fail(f"unknown setting site.{key} (title, base_url, default_edition)")
        if not isinstance(value, str):
            fail(f"site.{key} must be a string")
        setattr(config, key, value.rstrip("/") if key == "base_url" else value)
    if config.default_edition not in EDITIONS:
        fail(f"site.default_edition must be one of {', '.join(EDITIONS)}")
    return config


def _secret() -> bytes:
    from broadsheet.publish.security import load_or_create_secret

    return load_or_create_secret(state.settings.data_dir / "secret.key")


def _smtp_settings(required: bool = True):  # type: ignore[no-untyped-def]
    from broadsheet.newsletters.mailer import SmtpConfigError, SmtpSettings

    section = state.settings.raw.get("smtp")
    if section is None:
        if required:
            fail("no [smtp] section in the config: say where to send mail (see README)")
        return None
    try:
        return SmtpSettings.from_settings(section)
    except SmtpConfigError as exc:
        fail(str(exc))


def _serve(host: str, port: int, every: str | None = None, warm: bool = True,
           workers: int = 1, stale: bool = True) -> None:
    from broadsheet.publish.search import refresh_index
    from broadsheet.publish.serve import serve as run_server

    store = open_store()
    refresh_index(store)
    config = _site_config()
    url = f"http://{host}:{port}/" if ":" not in host else f"http://[{host}]:{port}/"
    console.print(
        f"[bold green]Broadsheet is being served at {url}[/]"
        + (f" (refreshing every {every})" if every else "") + ". Press Ctrl+C to stop.",
        highlight=False,
    )
    try:
        run_server(store, config, host=host, port=port, warm=warm, secret=_secret(),
                   smtp=_smtp_settings(required=False), workers=workers, serve_stale=stale)
    except OSError as exc:
        fail(f"cannot serve on {host}:{port}: {exc.strerror or exc}")


def _parse_day(value: str | None) -> Any:
    from datetime import date

    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{value!r} is not a date (YYYY-MM-DD)")


def send_newsletter(key: str, day: Any = None, *, quiet: bool = False) -> list[Any]:
    """Compose (once) and send ``key`` for ``day`` to each edition that has subscribers."""
    from sqlalchemy import select

    from broadsheet.newsletters.compose import issue_for, latest_day
    from broadsheet.newsletters.mailer import send_issue
    from broadsheet.store.schema import SubscriberRow

    smtp = _smtp_settings()
    config = _site_config()
    store = open_store()
    with store.session() as session:
        day = day or latest_day(session)
        editions = sorted({
            s.edition for s in session.scalars(
                select(SubscriberRow).where(SubscriberRow.status == "confirmed"))
            if key in (s.newsletters or [])
        })
    if day is None:
        fail("no stories in the store yet: nothing to send")
    reports = []
    for edition in editions:
        issue = issue_for(store, key, day, edition=edition, site_url=config.base_url,
                          site_title=config.title)
        with _progress(transient=True) as progress:
            task = progress.add_task(f"Sending {issue.subject[:50]} ({edition})", total=None)

            def on_sent(done: int, total: int, task: Any = task, progress: Any = progress) -> None:
                progress.update(task, completed=done, total=total)

            report = send_issue(store, issue.id, smtp, secret=_secret(),
                                site_url=config.base_url, on_sent=on_sent)
        reports.append((edition, issue, report))
        if not quiet:
            console.print(
                f"{issue.subject} [{edition}]: {report.sent} sent, {report.already_sent} "
                f"already sent, {report.deferred} deferred, {report.failed} failed "
                f"(of {report.recipients})", highlight=False)
            for error in report.errors[:10]:
                err_console.print(f"[red]{escape(error)}[/]", highlight=False)
    if not editions and not quiet:
        console.print(f"No confirmed subscribers for {key}: nothing sent.")
    return reports


def _scheduled_send(key: str, day: Any) -> None:
    """``send_newsletter`` for the scheduler: a send the server stopped raises, so the
    scheduler tries it again at its next check instead of counting the day as sent."""
    stopped = [r.stopped for _, _, r in send_newsletter(key, day) if r.stopped]
    if stopped:
        raise RuntimeError(f"{key} stopped ({stopped[0]}); it will be tried again")


@app.command()
def send(
    newsletter_key: Annotated[str, typer.Argument(
        metavar="NEWSLETTER", help="morning-briefing, good-news or best-articles.")],
    day: Annotated[str | None, typer.Option("--date", help="Issue date (YYYY-MM-DD); "
                                            "default: the newest stories' day.")] = None,
) -> None:
    """Send a newsletter issue to its subscribers (safe to interrupt and run again)."""
    from broadsheet.newsletters.catalogue import NEWSLETTERS

    if newsletter_key not in NEWSLETTERS:
        fail(f"unknown newsletter {newsletter_key!r}: use {', '.join(NEWSLETTERS)}")
    reports = send_newsletter(newsletter_key, _parse_day(day))
    if any(r.deferred or r.failed or r.stopped for _, _, r in reports):
        raise typer.Exit(1)


@subscribers_app.command("add")
def subscribers_add(
    emails: Annotated[list[str], typer.Argument(help="Email addresses.")],
    newsletter_keys: Annotated[list[str] | None, typer.Option(
        "--newsletter", help="Repeatable; default: all three.")] = None,
    edition: Annotated[str, typer.Option(help="us, uk or world.")] = "world",
    invite: Annotated[bool, typer.Option(
        "--invite", help="Send each a confirmation email (double opt-in) instead of "
        "confirming them at once.")] = False,
) -> None:
    """Add subscribers: confirmed at once (addresses you vouch for), or invited."""
    from broadsheet.newsletters.catalogue import NEWSLETTERS
    from broadsheet.newsletters.mailer import send_confirmation
    from broadsheet.newsletters.subscriptions import (
        InvalidSubscription,
        add_confirmed,
        subscribe,
    )

    store = open_store()
    chosen = newsletter_keys or list(NEWSLETTERS)
    smtp = _smtp_settings() if invite else None
    config = _site_config()
    secret = _secret()
    invited = 0
    for email in emails:
        try:
            with store.session() as session:
                if not invite:
                    add_confirmed(session, email, chosen, edition)
                    continue
                result = subscribe(session, secret, email, chosen, edition)
        except InvalidSubscription as exc:
            fail(f"{email}: {exc}")
        if invite and result.confirm_token:
            url = f"{config.base_url}/newsletters/confirm/{result.confirm_token}/"
            try:
                send_confirmation(smtp, email, url, site_title=config.title,
                                  site_url=config.base_url)
            except Exception as exc:  # one failed address must not stop the others
                err_console.print(f"[red]{email}: confirmation not sent: {exc}[/]")
                continue
            invited += 1
    if invite:
        console.print(f"{invited} confirmation email(s) sent for {', '.join(chosen)}.")
    else:
        console.print(f"{len(emails)} subscriber(s) confirmed for {', '.join(chosen)}.")


@subscribers_app.command("list")
def subscribers_list(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Every subscriber with status, newsletters and edition."""
    from sqlalchemy import select

    from broadsheet.store.schema import SubscriberRow

    store = open_store()
    with store.session() as session:
        rows = list(session.scalars(select(SubscriberRow).order_by(SubscriberRow.email)))
    if as_json:
        for r in rows:
            _emit_json({"email": r.email, "status": r.status, "newsletters": r.newsletters,
                        "edition": r.edition, "last_error": r.last_error})
        return
    table = Table(title=f"Subscribers ({len(rows)})")
    for col in ("email", "status", "newsletters", "edition"):
        table.add_column(col)
    for r in rows:
        table.add_row(r.email, r.status, ", ".join(r.newsletters or []), r.edition)
    console.print(table)


@subscribers_app.command("remove")
def subscribers_remove(email: Annotated[str, typer.Argument(help="The address.")]) -> None:
    """Unsubscribe an address (its send history is kept)."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from broadsheet.store.schema import SubscriberRow

    store = open_store()
    with store.session() as session:
        row = session.scalar(select(SubscriberRow).where(SubscriberRow.email == email.strip()))
        if row is None:
            fail(f"no subscriber {email}")
        row.status, row.unsubscribed_at = "unsubscribed", datetime.now(UTC)
    console.print(f"{email} unsubscribed.")


@puzzles_app.command("make")
def puzzles_make(
    day: Annotated[str | None, typer.Option("--date", help="YYYY-MM-DD; default: today's "
                                            "edition (the newest stories' day).")] = None,
    kinds: Annotated[list[str] | None, typer.Option(
        "--kind", help="sudoku, crossword or mini (repeatable; default: all).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="The puzzles as JSON.")] = False,
) -> None:
    """Make (or show, once made) a day's puzzles: the same date always gives the same ones."""
    from broadsheet.puzzles.daily import KINDS, get_or_make, make_day, puzzle_day

    chosen = tuple(kinds or KINDS)
    unknown = [k for k in chosen if k not in KINDS]
    if unknown:
        fail(f"unknown puzzle {unknown[0]!r}: use {', '.join(KINDS)}")
    store = open_store()
    with store.session() as session:
        when = _parse_day(day) or puzzle_day(session)
    with _progress(transient=True) as progress:
        progress.add_task(f"Making puzzles for {when.isoformat()}", total=None)
        outcome = make_day(store, when, chosen)
    if as_json:
        for kind, status in outcome.items():
            record: dict[str, Any] = {"date": when.isoformat(), "kind": kind, "status": status}
            if not status.startswith("not made"):
                record["puzzle"] = get_or_make(store, when, kind)
            _emit_json(record)
    else:
        for kind, status in outcome.items():
            console.print(f"{when.isoformat()} {kind}: {status}", highlight=False)
        if "sudoku" in outcome and not outcome["sudoku"].startswith("not made"):
            from broadsheet.puzzles.sudoku import format_grid

            hard = get_or_make(store, when, "sudoku")["hard"]
            console.print(f"\nHard sudoku ({hard['clues']} clues, needs "
                          f"{(hard['hardest'] or 'singles').replace('_', ' ')}):", highlight=False)
            console.print(format_grid(hard["puzzle"]), highlight=False)
    if any(status.startswith("not made") for status in outcome.values()):
        raise typer.Exit(1)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to serve on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to serve on.")] = 8000,
    warm: Annotated[
        bool, typer.Option("--warm/--no-warm",
                           help="Render pages into the cache in the background after start.")
    ] = True,
    workers: Annotated[int, typer.Option(
        min=1, max=64, help="Server processes sharing the port (each keeps its own page "
        "cache).")] = 1,
    stale: Annotated[
        bool, typer.Option("--stale/--no-stale",
                           help="After a build, serve each page's previous render at once "
                           "while it is rendered again, instead of making the reader wait.")
    ] = True,
) -> None:
    """Serve the site, feeds and JSON API from the store (no fetching)."""
    _serve(host, port, warm=warm, workers=workers, stale=stale)


@app.command()
def export(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write the static site into.")],
) -> None:
    """Write a complete static copy of the site and its feeds (works from any static host)."""
    from broadsheet.publish.export import export_site

    if out_dir.exists() and not out_dir.is_dir():
        fail(f"{out_dir} exists and is not a folder")
    if out_dir.exists() and any(out_dir.iterdir()) and not (out_dir / "index.html").exists():
        fail(f"{out_dir} is not empty and is not a Broadsheet export: choose another folder")
    store = open_store()
    with _progress(transient=True) as progress:
        task = progress.add_task("Exporting pages", total=None)
        report = export_site(store, out_dir, _site_config(),
                             on_page=lambda _p: progress.advance(task))
    console.print(f"Exported {report.pages} pages and {report.feeds} feeds to {report.out_dir}/")


# --- stories --------------------------------------------------------------------------


def _rewriter():  # type: ignore[no-untyped-def]
    """The optional LLM rewriter from ``[rewriter]`` (None when not configured)."""
    from broadsheet.write.rewrite import Rewriter, RewriterConfig, RewriterConfigError

    try:
        config = RewriterConfig.from_settings(state.settings.raw.get("rewriter"))
    except RewriterConfigError as exc:
        fail(str(exc))
    return Rewriter(config) if config is not None else None


def _format_overrides() -> dict[str, str]:
    """``[formats]`` in the config: story id -> format name, checked."""
    from broadsheet.write.formats import FORMATS

    section = state.settings.raw.get("formats", {})
    if not isinstance(section, dict):
        fail("[formats] must be a table of story id = format name")
    for story_id, name in section.items():
        if name not in FORMATS:
            fail(f"formats.{story_id}: unknown format {name!r} (use {', '.join(FORMATS)})")
    return dict(section)


_EMBEDDINGS_HELP = (
    "A local sentence-transformers model directory: articles also get sentence "
    "embeddings, which sharpen the grouping (the 'embeddings' extra; never downloads). "
    "Default: [stories] embedding_model in the config, else none. "
    '[stories] embedding_dtype = "bfloat16" runs the model in bfloat16 (faster on CPUs '
    'with native bfloat16); embedding_device = "cuda" runs it on a GPU.'
)


def _embedder(option: Path | None, *, load: bool = True):  # type: ignore[no-untyped-def]
    """The sentence embedder: ``--embeddings``, else ``[stories] embedding_model``.

    With ``load=False`` (nothing to embed) only the directory is checked: loading torch
    and the model takes seconds, but a wrong path should still be said at once."""
    from broadsheet.stories.embed import (
        EmbeddingError,
        SentenceEmbedder,
        check_dtype,
        model_directory,
    )

    section = state.settings.raw.get("stories", {})
    if not isinstance(section, dict):
        fail("[stories] must be a table")
    chosen = option
    if chosen is None:
        value = section.get("embedding_model")
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            fail(f"stories.embedding_model must be a directory path, got {value!r}")
        chosen = Path(value)
    device = section.get("embedding_device", "cpu")
    if not isinstance(device, str) or not device.strip():
        fail(f"stories.embedding_device must be a device name (cpu, cuda, mps), got {device!r}")
    try:
        dtype = check_dtype(section.get("embedding_dtype", "float32"), "stories.embedding_dtype")
        path = model_directory(chosen)
        if not load:
            return None
        key = f"{path.resolve()}\0{dtype}\0{device}"
        if key not in _loaded_embedders:  # `run` builds every cycle: load the model once
            _loaded_embedders[key] = SentenceEmbedder(path, dtype=dtype, device=device)
    except EmbeddingError as exc:
        fail(str(exc))
    return _loaded_embedders[key]


_loaded_embedders: dict[str, Any] = {}


def _cluster_config():  # type: ignore[no-untyped-def]
    """The clusterer's settings: the defaults, with the ``[stories]`` thresholds and
    windows of the config file (``config.STORY_SETTINGS``)."""
    from broadsheet.stories.cluster import ClusterConfig

    return ClusterConfig(**state.settings.clustering)


def _settings_from_options(pairs: list[str]):  # type: ignore[no-untyped-def]
    """``--setting KEY=VALUE`` options as a ``ClusterConfig`` (None: the defaults), each
    value read as TOML and checked as a ``[stories]`` setting would be."""
    import tomllib

    from broadsheet.config import ConfigError, story_settings
    from broadsheet.stories.cluster import ClusterConfig

    if not pairs:
        return None
    section: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if key.strip().startswith("embedding_"):
            fail(f"--setting {key.strip()}: use --embeddings (and --embedding-dtype) instead")
        try:
            if not sep or not key.strip():
                raise ValueError
            section[key.strip()] = tomllib.loads(f"v = {value.strip()}")["v"]
        except (ValueError, tomllib.TOMLDecodeError):
            fail(f"--setting must be KEY=VALUE (e.g. reopen_threshold=0.3), got {_shown(pair)}")
    try:
        return ClusterConfig(**story_settings(section, "--setting"))
    except ConfigError as exc:
        fail(str(exc))


def _build(  # type: ignore[no-untyped-def]
    batch_size: int | None,
    embeddings: Path | None = None,
    processes: int | None = None,
    *,
    conflict_fails: bool = False,
):
    """Stories, then briefings. When another build is running, ``broadsheet build`` fails
    with one line (``conflict_fails``); a fetch or a scheduled refresh says so and leaves
    the rest to that build."""
    from broadsheet.stories.analysis import parallel_worth_it
    from broadsheet.stories.build import (
        BuildConflict,
        auto_batch_size,
        build_stories,
        pending_count,
    )

    config = _cluster_config()
    store = open_store()
    pending = pending_count(store)
    embedder = _embedder(embeddings, load=pending > 0)
    batch_size = batch_size or auto_batch_size(pending)  # counted once, for all three
    processes = processes or (2 if parallel_worth_it(pending) else 1)
    with _progress(transient=True) as progress:
        embedding = (
            progress.add_task("Embedding articles", total=pending) if embedder else None
        )
        task = progress.add_task("Building stories", total=pending)
        try:
            report = build_stories(
                store, config=config, batch_size=batch_size,
                on_article=lambda n: progress.advance(task, n),
                embedder=embedder,
                on_embedded=(lambda n: progress.advance(embedding, n)) if embedder else None,
                processes=processes,
            )
        except BuildConflict as exc:
            conflict = str(exc)
        except KeyboardInterrupt:
            fail("interrupted; the stories keep every batch committed so far, rerun to "
                 "resume", 130)
        else:
            conflict = None
    if conflict is not None:
        if conflict_fails:
            fail(conflict)
        err_console.print(f"Warning: {conflict}.", highlight=False, markup=False)
        return None
    console.print(
        f"Stories: {report.articles} articles clustered, {report.new_stories} new stories, "
        f"{len(report.touched)} updated, {report.merges} merged, "
        f"{report.reseated} re-seated, {report.near_duplicates} near-duplicate copies."
    )
    if report.neardup_rebuilt is not None:
        console.print(
            f"The near-duplicate index was made anew from {report.neardup_rebuilt} stored "
            "texts (its saved signatures came from an older version).",
            highlight=False,
        )
    if report.embedding_failures.count:
        err_console.print(report.embedding_failures.warning(), highlight=False)
    if report.worker_failure:
        err_console.print(
            f"Warning: the analysis worker process failed ({report.worker_failure[:200]}); "
            "the build went on in one process, with the same result.",
            highlight=False, markup=False,
        )
    from broadsheet.write.stored import build_briefings, stale_story_ids

    rewriter = _rewriter()
    overrides = _format_overrides()
    with _progress(transient=True) as progress:
        task = progress.add_task("Writing briefings",
                                 total=len(stale_story_ids(store, overrides)))
        try:
            briefed = build_briefings(store, on_story=lambda: progress.advance(task),
                                      rewriter=rewriter, format_overrides=overrides)
        finally:
            if rewriter is not None:
                rewriter.close()
    from broadsheet.publish.search import refresh_index

    refresh_index(store)
    console.print(
        f"Briefings: {briefed.composed} written, {briefed.unfaithful} failed the "
        "faithfulness check" + (" (see `broadsheet stories show`)" if briefed.unfaithful else "")
        + (f"; {briefed.already_written} written meanwhile by another build"
           if briefed.already_written else "")
    )
    return report


@app.command()
def build(
    batch_size: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Articles per committed batch (a kill redoes at most one). Default: 500, "
            "or a tenth of a long backlog up to 5,000 (each batch saves the clusterer's "
            "state, which takes seconds once it remembers many stories).",
        ),
    ] = None,
    embeddings: Annotated[Path | None, typer.Option(help=_EMBEDDINGS_HELP)] = None,
    processes: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=2,
            help="2: analyse articles (section, tone, near-duplicate signature, terms) in a "
            "worker process while this one stores the previous batch; 1: all in one "
            "process. The stories are the same. Default: 2 for a backlog of 2,000 "
            "articles or more on a machine with two CPUs or more, else 1.",
        ),
    ] = None,
) -> None:
    """Update the stories from the stored articles (incremental; safe to interrupt).

    A second build started meanwhile stops with one line, changing nothing.
    """
    _build(batch_size, embeddings, processes, conflict_fails=True)


def _listing_filter(section: str | None, edition: str | None) -> str:
    parts = ([f"section {section!r}"] if section else []) + (
        [f"edition {edition!r}"] if edition else []
    )
    return " and ".join(parts)


# `stories list` shows one column per field from this terminal width up.
WIDE_TABLE_COLUMNS = 110


def _lean_bar(coverage: dict[str, int]) -> str:
    left = coverage.get("left", 0) + coverage.get("lean-left", 0)
    center = coverage.get("center", 0)
    right = coverage.get("right", 0) + coverage.get("lean-right", 0)
    return f"[blue]L{left}[/] [white]C{center}[/] [red]R{right}[/]"


@stories_app.command("list")
def stories_list(
    limit: Annotated[int, typer.Option(min=1, help="How many stories.")] = 20,
    section: Annotated[str | None, typer.Option(help="Only this section.")] = None,
    edition: Annotated[str | None, typer.Option(help="us, uk or world.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """The top stories: outlets covering each, and its coverage by lean."""
    from broadsheet.stories.sections import SECTIONS
    from broadsheet.stories.top import top_stories

    if edition and edition not in ("us", "uk", "world"):
        fail(f"unknown edition {edition!r}: use us, uk or world")
    if section and section not in SECTIONS:
        fail(f"unknown section {section!r}: use {', '.join(SECTIONS)}")
    store = open_store()
    with store.session() as session:
        ranked = top_stories(session, limit=limit, section=section, edition=edition)
        records = [
            {
                "story": r.story.id, "thread": r.story.thread_id, "headline": r.story.headline,
                "section": r.story.section, "score": round(r.score, 4),
                "outlets": r.story.outlet_count, "articles": r.story.article_count,
                "coverage": r.story.coverage, "blindspot": r.story.blindspot,
                "tone": round(r.story.tone, 3), "last_published": r.story.last_published,
            }
            for r in ranked
        ]
    if as_json:
        for record in records:
            _emit_json(record)
        return
    if not records:
        if section or edition:
            console.print(f"No recent stories in {_listing_filter(section, edition)}.")
        else:
            console.print("No stories yet: run `broadsheet fetch` (or `ingest`), then `build`.")
        return
    from rich.markup import escape

    # Wide terminals get one column per field; narrower ones (80 columns) one "story"
    # column with the details under the headline, or the fixed-width columns would leave
    # the headline no room at all.
    wide = console.width >= WIDE_TABLE_COLUMNS
    table = Table(title="Top stories", show_lines=not wide)
    columns = (
        ("#", "headline", "section", "outlets", "articles", "coverage", "updated")
        if wide
        else ("#", "story", "coverage")
    )
    for col in columns:
        numeric = col in ("#", "outlets", "articles")
        table.add_column(
            col, overflow="fold", justify="right" if numeric else "left",
            ratio=4 if col in ("headline", "story") else None,
            no_wrap=col not in ("headline", "story", "coverage"),
        )
    for i, r in enumerate(records, 1):
        updated = r["last_published"].strftime("%d %b %H:%M") if r["last_published"] else ""
        blind = f" [yellow]blindspot: {r['blindspot']}[/]" if r["blindspot"] else ""
        headline = escape(r["headline"])
        coverage = _lean_bar(r["coverage"]) + blind
        if wide:
            table.add_row(
                str(i), headline, r["section"], str(r["outlets"]), str(r["articles"]),
                coverage, updated,
            )
        else:
            details = " · ".join(
                filter(None, [r["section"], f"{r['outlets']} outlets",
                              f"{r['articles']} articles", updated])
            )
            coverage = coverage.replace(" [yellow]", "\n[yellow]")  # blindspot below
            table.add_row(str(i), f"[bold]{headline}[/]\n[dim]{details}[/]", coverage)
    console.print(table)


@stories_app.command("show")
def stories_show(
    story_id: Annotated[str, typer.Argument(help="A story id (old merged ids resolve too).")],
    as_json: Annotated[bool, typer.Option("--json", help="The briefing record as JSON.")] = False,
) -> None:
    """One story's stored briefing, with its faithfulness verdict."""
    from broadsheet.store.schema import BriefingRow
    from broadsheet.stories.build import resolve_story_id

    store = open_store()
    with store.session() as session:
        current = resolve_story_id(session, story_id)
        row = session.get(BriefingRow, current) if current else None
        if row is None:
            fail(f"no briefing for story {story_id!r} (run `broadsheet build`)")
        record, faithful, problems = dict(row.record), row.faithful, list(row.problems)
    if as_json:
        _emit_json({**record, "faithful": faithful, "problems": problems})
        return
    console.rule(f"[bold]{record['headline']}[/]")
    console.print(record["summary"], highlight=False)
    console.print("\n[bold]What happened[/]")
    for fact in record["facts"]:
        cites = "".join(f"[{n}]" for n in fact["citations"])
        console.print(f"• {fact['text']} [dim]{cites}[/]", highlight=False)
    if record["perspectives"]:
        console.print("\n[bold]What they're saying[/]")
        for p in record["perspectives"][:8]:
            console.print(f"• {json.dumps(p, ensure_ascii=False)[:300]}", highlight=False)
    console.print("\n[bold]Sources[/]")
    for i, source in enumerate(record["sources"], 1):
        console.print(f"[{i}] {source.get('outlet')}: {source.get('title')}  {source.get('url')}",
                      highlight=False)
    verdict = "[green]faithful[/]" if faithful else f"[red]{len(problems)} problems[/]"
    console.print(f"\nFaithfulness check: {verdict}")
    for problem in problems:
        console.print(f"  {problem}", highlight=False)


@app.command()
def cluster(
    path: Annotated[
        Path, typer.Argument(help='JSONL: {"id","outlet","title","text","published","url"}.')
    ],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    embeddings: Annotated[Path | None, typer.Option(help=_EMBEDDINGS_HELP)] = None,
) -> None:
    """Group articles into stories and threads: {"id","story","thread"} per article.

    Printed in input order. A thread is the first story of a developing matter.
    """
    from broadsheet.stories.cluster import ClusterDoc, group_documents
    from broadsheet.stories.embed import EmbeddingFailures, embed_documents

    config = _cluster_config()
    records, bad = _read_jsonl(path)
    docs = [_cluster_doc(record) for record in records]
    _warn_unreadable_dates(path, records, docs)
    embedder = _embedder(embeddings) if docs else None
    failures = EmbeddingFailures()
    if embedder is not None:
        with _progress(transient=True) as progress:
            task = progress.add_task("Embedding articles", total=len(docs))
            docs = list(
                embed_documents(
                    docs, embedder, progress=lambda n: progress.advance(task, n),
                    on_failure=failures,
                )
            )
    if failures.count:
        err_console.print(failures.warning(), highlight=False)
    grouping = group_documents(docs, config)
    stories, threads = grouping.story, grouping.thread
    if as_json:
        for doc in docs:
            _emit_json({"id": doc.id, "story": stories[doc.id], "thread": threads[doc.id]})
    else:
        groups: dict[str, list[ClusterDoc]] = {}
        for doc in docs:
            groups.setdefault(stories[doc.id], []).append(doc)
        followed = sum(1 for story_id in groups if threads[groups[story_id][0].id] != story_id)
        table = Table(
            title=f"{len(docs)} articles in {len(groups)} stories"
            + (f", {followed} following on from another" if followed else ""),
            caption="follows: the first story of its thread (one developing matter)"
            if followed else None,
        )
        table.add_column("story")
        table.add_column("follows")
        table.add_column("articles", justify="right")
        table.add_column("titles", overflow="fold")
        for story_id, members in sorted(groups.items(), key=lambda kv: -len(kv[1])):
            thread = threads[members[0].id]
            table.add_row(
                story_id, "" if thread == story_id else thread, str(len(members)),
                " | ".join(d.title for d in members[:4]),
            )
        console.print(table)
    if bad:
        raise typer.Exit(1)


# --- briefings -----------------------------------------------------------------------


def _cluster_doc(record: dict[str, Any]):  # type: ignore[no-untyped-def]
    from broadsheet.dates import parse_published
    from broadsheet.stories.cluster import ClusterDoc
    from broadsheet.urls import publisher_of

    outlet = record.get("outlet")
    return ClusterDoc(
        id=str(record["id"]), title=str(record.get("title") or ""),
        text=str(record.get("text") or ""), published=parse_published(record.get("published")),
        # A host name as its publisher: one outlet's regional sites are one outlet.
        outlet=None if outlet in (None, "") else publisher_of(str(outlet)),
    )


def _warn_unreadable_dates(path: Path, records: list[dict[str, Any]], docs: list[Any]) -> None:
    """One line on stderr for the articles whose "published" is there but unreadable:
    they are clustered as undated, which the user should know."""
    unread = [
        record for record, doc in zip(records, docs, strict=True)
        if record.get("published") not in (None, "") and doc.published is None
    ]
    if unread:
        first = unread[0]
        err_console.print(
            f"{path}: {len(unread)} article(s) with an unreadable \"published\" (first: id "
            f"{_shown(first['id'])}, {_shown(first['published'])}) were taken as undated; use "
            "ISO 8601 (2026-12-07T09:30:00Z), RFC 2822 or Unix seconds.",
            highlight=False, markup=False,
        )


def _shown(value: object, limit: int = 60) -> str:
    """A value as a message quotes it: repr, cut short (a field may hold megabytes)."""
    text = repr(value if isinstance(value, str) else str(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _read_jsonl(path: Path) -> tuple[list[dict[str, Any]], int]:
    """Article objects (each with an "id") from a JSONL file. A malformed line (not JSON,
    not UTF-8, no "id", an id already read) is reported on stderr and counted, and the
    other lines still go on: one bad line must not lose the file."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        fail(f"cannot read {path}: {exc}")
    records: list[dict[str, Any]] = []
    first_line: dict[str, int] = {}
    bad = 0
    for number, data in enumerate(raw.removeprefix(b"\xef\xbb\xbf").splitlines(), 1):
        if not data.strip():
            continue
        try:
            record = json.loads(data.decode("utf-8"))
            if not isinstance(record, dict) or "id" not in record:
                raise ValueError('expected a JSON object with an "id"')
            doc_id = str(record["id"])
            if doc_id in first_line:
                raise ValueError(f"id {_shown(doc_id)} already on line {first_line[doc_id]}")
        except UnicodeDecodeError as exc:
            bad += 1
            err_console.print(
                f"{path}:{number}: skipped: not UTF-8 (byte {data[exc.start]:#04x} at "
                f"column {exc.start + 1})", highlight=False,
            )
            continue
        except ValueError as exc:
            bad += 1
            err_console.print(f"{path}:{number}: skipped: {exc}", highlight=False)
            continue
        first_line[doc_id] = number
        records.append(record)
    return records, bad


@app.command()
def brief(
    path: Annotated[
        Path, typer.Argument(help='JSONL articles {"id","outlet","title","text","published",'
                                  '"url"}, optional "story" and "lean".')
    ],
    words: Annotated[int, typer.Option(min=10, help="Summary length in words.")] = 100,
    fmt: Annotated[
        str, typer.Option("--format", help="auto (chosen per story), none, spotlight, "
                          "talking-point, big-question, explainer or speed-read.")
    ] = "auto",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per story.")] = False,
) -> None:
    """A briefing per story: headline, summary, facts with citations, perspectives, sources."""
    from broadsheet.registry import load_registry, outlet_for_url
    from broadsheet.stories.cluster import cluster_documents
    from broadsheet.stories.text import MAX_ARTICLE_CHARS, lead
    from broadsheet.write.briefing import BriefArticle, compose_briefing
    from broadsheet.write.formats import FORMATS, StoryFeatures, apply_format, choose_format

    if fmt not in ("auto", "none", *FORMATS):
        fail(f"unknown format {fmt!r}: use auto, none or one of {', '.join(FORMATS)}")

    records, bad = _read_jsonl(path)
    outlets = load_registry()
    by_name = {o.name.lower(): o for o in outlets} | {o.slug: o for o in outlets}

    def lean_of(record: dict[str, Any]) -> str:
        if record.get("lean"):
            return str(record["lean"])
        outlet = by_name.get(str(record.get("outlet") or "").lower())
        if outlet is None and record.get("url"):
            outlet = outlet_for_url(outlets, str(record["url"]))
        return outlet.lean if outlet else "unknown"

    if records and all("story" in r for r in records):
        story_of = {str(r["id"]): str(r["story"]) for r in records}
    else:
        story_of = cluster_documents((_cluster_doc(r) for r in records), _cluster_config())
    groups: dict[str, list[BriefArticle]] = {}
    for r in records:
        groups.setdefault(story_of[str(r["id"])], []).append(BriefArticle(
            id=str(r["id"]), outlet=str(r.get("outlet") or ""), lean=lean_of(r),
            title=str(r.get("title") or ""),
            text=lead(str(r.get("text") or ""), MAX_ARTICLE_CHARS),
            url=r.get("url"), published=r.get("published"),
        ))
    for story_id, articles in groups.items():
        briefing = compose_briefing(articles, words=words, story_id=story_id)
        record = briefing.to_json()
        record["key_players"] = list(briefing.key_players)
        if fmt != "none":
            record["summary_sentences"] = [e.to_json() for e in briefing.summary_sentences]
            features = StoryFeatures(
                headline=briefing.headline, titles=[a.title for a in articles],
                outlets=len({a.outlet for a in articles}),
            )
            apply_format(record, choose_format(record, features) if fmt == "auto" else fmt,
                         features)
        if as_json:
            _emit_json(record)
            continue
        label = f"{record['format_label']}: " if record.get("format_label") else ""
        console.rule(f"[bold]{label}{record['headline']}[/]")
        console.print(record["summary"], highlight=False)
        for fact in record["facts"][:6]:
            cites = "".join(f"[{n}]" for n in fact["citations"])
            console.print(f"• {fact['text']} [dim]{cites}[/]", highlight=False)
        for i, source in enumerate(record["sources"], 1):
            console.print(f"[dim][{i}] {source.get('outlet')}: {source.get('title')}[/]",
                          highlight=False)
    if bad:
        raise typer.Exit(1)


@app.command()
def attributions(
    paths: Annotated[list[Path], typer.Argument(help="Plain-text articles.")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Who says what: source, cue and content spans (character offsets) per statement."""
    from broadsheet.analyse.attribution import attribution_to_json, extract_attributions

    failures = 0
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            err_console.print(f"[red]{path}: cannot read: {exc}[/]", highlight=False)
            failures += 1
            continue
        for found in extract_attributions(text):
            record = attribution_to_json(found)
            if as_json:
                _emit_json(record if len(paths) == 1 else {"path": str(path), **record})
            else:
                source = (record["source"] or {}).get("text") or "?"
                console.print(
                    f"[bold]{record.get('speaker') or source}[/] [dim]{record['cue']['text']}[/]"
                    f" {record['content']['text']}", highlight=False,
                )
    if failures:
        raise typer.Exit(1)


# --- eval -----------------------------------------------------------------------------


@eval_app.command("extraction")
def eval_extraction(
    dataset: Annotated[
        Path, typer.Argument(help="A dir with html/<id>.html.gz and ground-truth.json.")
    ],
    limit: Annotated[int | None, typer.Option(help="Score only the first N pages.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per system.")] = False,
) -> None:
    """Shingle precision / recall / F1 and pages per second, Broadsheet vs trafilatura."""
    from broadsheet.eval.extraction import evaluate_extraction

    if not (dataset / "ground-truth.json").is_file() or not (dataset / "html").is_dir():
        fail(f"{dataset} is not in the ScrapingHub layout (html/*.html.gz + ground-truth.json)")
    with _progress(transient=True) as progress:
        task = progress.add_task("Scoring", total=None)

        def on_progress(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        report = evaluate_extraction(dataset, limit=limit, progress=on_progress)
    _emit_report(report, as_json)


@contextlib.contextmanager
def _eval_data_errors() -> Iterator[None]:
    """An evaluation file that cannot be read is a one-line error, not a traceback."""
    from broadsheet.eval.datafiles import EvalDataError

    try:
        yield
    except (EvalDataError, OSError) as exc:
        fail(str(exc))
    except UnicodeDecodeError as exc:
        fail(f"an evaluation file is not UTF-8 text ({exc.reason})")


@eval_app.command("clustering")
def eval_clustering(
    paths: Annotated[
        list[Path], typer.Argument(help="Story-grouped JSONL files (../shared/data/stories).")
    ],
    throughput: Annotated[
        bool,
        typer.Option(help="Also time clustering alone on 10k/30k/100k synthetic articles."),
    ] = False,
    sizes: Annotated[
        str, typer.Option(help="Comma-separated stream sizes for --throughput.")
    ] = "10000,30000,100000",
    processes: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="For --throughput: processes to use (1: all in this one; 2: one more "
            "tokenises articles while this one clusters). Default: the CPU count, at most 2.",
        ),
    ] = None,
    embedding_dim: Annotated[
        int,
        typer.Option(
            min=0,
            help="For --throughput: articles carry made-up sentence embeddings of this "
            "size (384 for MiniLM): the clustering cost of the embeddings extra, model aside.",
        ),
    ] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per report.")] = False,
    embeddings: Annotated[
        Path | None,
        typer.Option(
            help="A local sentence-transformers model directory: also score our clusterer "
            "with sentence embeddings (row broadsheet+embeddings; its time includes them)."
        ),
    ] = None,
    orders: Annotated[
        int,
        typer.Option(
            min=0,
            help="Also score every system over this many other stream orders (seeds 1..N): "
            "the order of articles with the same time changes what an online clusterer "
            "does. Prints mean, min and max B³ F1.",
        ),
    ] = 0,
    agglomerative_limit: Annotated[
        int,
        typer.Option(
            min=2,
            help="Skip the TF-IDF+agglomerative baseline on files with more articles than "
            "this: exact average linkage holds every pairwise distance (20,000 articles "
            "take about 3.6 GB; memory grows with the square).",
        ),
    ] = 20_000,
    body_chars: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="Cut every article's text to this many characters, for every system (0: "
            "headlines only): how each copes with feed summaries and headline-only data.",
        ),
    ] = None,
    setting: Annotated[
        list[str] | None,
        typer.Option(
            "--setting",
            help="Score our clusterer with this [stories] setting, KEY=VALUE as in "
            "broadsheet.toml (repeatable): e.g. reopen_as_thread=true, reopen_threshold=0.3.",
        ),
    ] = None,
) -> None:
    """Pairwise and B-cubed P/R/F1 vs TF-IDF+agglomerative and title-Jaccard baselines.

    Row "broadsheet threads": our clusterer's threads (stories of one developing matter).

    The clusterer's defaults are scored, not broadsheet.toml's [stories]; --setting scores others.
    """
    from broadsheet.eval.clustering import (
        benchmark_throughput,
        evaluate_clustering,
        order_spread,
        order_spread_markdown,
        settings_note,
        throughput_markdown,
    )
    from broadsheet.stories.cluster import default_processes

    processes = processes or default_processes()
    config = _settings_from_options(setting or [])

    for path in paths:
        if not path.is_file():
            fail(f"no such file: {path}")
    embedder = _embedder(embeddings) if embeddings is not None else None
    for path in paths:
        with _progress(transient=True) as progress, _eval_data_errors():
            task = progress.add_task(f"Clustering {path.name}", total=None)
            report = evaluate_clustering(
                path, progress=_advance(progress, task), embedder=embedder,
                agglomerative_limit=agglomerative_limit, body_chars=body_chars, config=config,
            )
        _emit_report(report, as_json)
        if orders:
            with _progress(transient=True) as progress, _eval_data_errors():
                task = progress.add_task(f"Other orders of {path.name}", total=orders)
                spreads = order_spread(
                    path, orders, embedder=embedder, progress=_advance(progress, task),
                    agglomerative_limit=agglomerative_limit, body_chars=body_chars,
                    config=config,
                )
            if as_json:
                for spread in spreads:
                    _emit_json(dataclasses.asdict(spread))
            else:
                sys.stdout.write(order_spread_markdown(spreads) + "\n")
    if throughput:
        try:
            wanted = tuple(int(n) for n in sizes.split(","))
        except ValueError:
            fail(f"--sizes must be comma-separated integers, got {sizes!r}")
        with _progress(transient=True) as progress:
            task = progress.add_task("Throughput", total=None)
            rows = benchmark_throughput(
                wanted, paths, processes=processes, progress=_advance(progress, task),
                embedding_dim=embedding_dim, config=config,
            )
        if as_json:
            for row in rows:
                _emit_json(dataclasses.asdict(row))
        else:
            sys.stdout.write(
                f"processes: {processes}{settings_note(config)}\n\n" + throughput_markdown(rows)
            )


@eval_app.command("build")
def eval_build(
    paths: Annotated[
        list[Path], typer.Argument(help="Story-grouped JSONL files (../shared/data/stories).")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="The result as JSON.")] = False,
    synthetic: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Store this many articles of the synthetic stream built on the files' "
            "stories (as in `eval clustering --throughput`) instead of their own articles.",
        ),
    ] = None,
) -> None:
    """How long `broadsheet build` takes over these files' articles, next to clustering.

    The articles are stored in a temporary store first.

    The build runs in one process, then with a worker process.
    """
    from broadsheet.eval.build import benchmark_build

    for path in paths:
        if not path.is_file():
            fail(f"no such file: {path}")
    with _progress(transient=True) as progress, _eval_data_errors():
        task = progress.add_task("Storing, then building", total=None)
        result = benchmark_build(
            paths, progress=lambda n: progress.advance(task, n), synthetic=synthetic
        )
    if as_json:
        _emit_json(result.to_json())
    else:
        sys.stdout.write(result.to_markdown())


@eval_app.command("briefs")
def eval_briefs(
    path: Annotated[Path, typer.Argument(help="Story JSONL with human summaries (AllSides).")],
    limit: Annotated[int | None, typer.Option(help="Only the first N stories.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="The report as JSON.")] = False,
) -> None:
    """ROUGE of briefing summaries and headlines vs Lead, TextRank and LexRank; faithfulness."""
    from broadsheet.eval.briefs import evaluate_briefs

    if not path.is_file():
        fail(f"no such file: {path}")
    with _progress(transient=True) as progress, _eval_data_errors():
        progress.add_task("Briefing and scoring", total=None)
        report = evaluate_briefs(path, limit=limit)
    _emit_report(report, as_json)


@eval_app.command("serving")
def eval_serving(
    stories: Annotated[int, typer.Option(min=10, help="Synthetic stories in the store.")] = 10_000,
    clients: Annotated[int, typer.Option(min=1, help="Concurrent connections.")] = 50,
    duration: Annotated[int, typer.Option(min=1, help="Seconds of load per phase.")] = 20,
    workers: Annotated[int, typer.Option(min=1, help="Server processes.")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="The results as JSON.")] = False,
) -> None:
    """Story-page latency under load on loopback (wrk): cold, warm, just after a build.

    After a build: with and without serving the previous pages while they render again.
    """
    import dataclasses

    from broadsheet.eval.serving import benchmark_story_pages, load_markdown

    with _progress(transient=True) as progress:
        task = progress.add_task(f"Seeding {stories:,} stories", total=None)

        def on_phase(phase: str) -> None:
            progress.update(task, description=f"Load test: {phase}")

        try:
            results = benchmark_story_pages(stories, connections=clients, duration_s=duration,
                                            on_phase=on_phase, workers=workers)
        except RuntimeError as exc:
            fail(str(exc))
    if as_json:
        for phase, result in results:
            _emit_json({"phase": phase, **dataclasses.asdict(result)})
        return
    console.print(load_markdown(results), highlight=False, soft_wrap=True)
    console.print(f"Load tool: {results[0][1].command}", highlight=False)


@eval_app.command("newsletters")
def eval_newsletters(
    messages: Annotated[int, typer.Option(min=1, help="Messages (subscribers) to send.")] = 10_000,
    connections: Annotated[int, typer.Option(min=1, help="Parallel SMTP sessions.")] = 4,
    as_json: Annotated[bool, typer.Option("--json", help="The result as JSON.")] = False,
) -> None:
    """Send N newsletter copies to a local SMTP server (aiosmtpd); messages per second."""
    import dataclasses

    from broadsheet.eval.newsletters import benchmark_send

    with _progress(transient=True) as progress:
        task = progress.add_task("Sending", total=messages)
        result = benchmark_send(
            messages, connections=connections,
            on_progress=lambda done, total: progress.update(task, completed=done),
        )
    if as_json:
        _emit_json(dataclasses.asdict(result))
        return
    table = Table(title="Newsletter delivery to a local SMTP server")
    for col in ("messages", "connections", "seconds", "messages/s", "received", "unique"):
        table.add_column(col, justify="right")
    table.add_row(f"{result.messages:,}", str(connections), f"{result.seconds:.1f}",
                  f"{result.per_second:.0f}", f"{result.received:,}",
                  f"{result.unique_recipients:,}")
    console.print(table)
    if result.received != messages or result.unique_recipients != messages:
        fail("the server did not receive exactly one copy per subscriber")


@eval_app.command("sudoku")
def eval_sudoku(
    count: Annotated[int, typer.Option(min=1, help="Puzzles per difficulty.")] = 200,
    seed: Annotated[str, typer.Option(help="Seed for the puzzles generated.")] = "bench",
    as_json: Annotated[bool, typer.Option("--json", help="The report as JSON.")] = False,
) -> None:
    """Generate N sudoku per difficulty: time per puzzle, uniqueness and grades."""
    from broadsheet.eval.sudoku import benchmark_sudoku, render_sudoku_markdown

    with _progress(transient=True) as progress:
        progress.add_task(f"Generating {count} puzzles per difficulty", total=None)
        report = benchmark_sudoku(count_per_difficulty=count, seed=seed)
    if as_json:
        _emit_json(report)
    else:
        console.print(render_sudoku_markdown(report), highlight=False, soft_wrap=True)


@eval_app.command("attributions")
def eval_attributions(
    directory: Annotated[
        Path, typer.Argument(help="PolNeAR root (train/, dev/) or one split's directory.")
    ],
    split: Annotated[str | None, typer.Option(help="train or dev (default: dev).")] = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N documents.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="The report as JSON.")] = False,
) -> None:
    """Span-overlap P/R/F1 for source, cue and content vs a regex baseline (PolNeAR)."""
    from broadsheet.eval.attribution import evaluate_attributions

    if not directory.is_dir():
        fail(f"no such directory: {directory}")
    with _progress(transient=True) as progress, _eval_data_errors():
        progress.add_task("Scoring attributions", total=None)
        report = evaluate_attributions(directory, split=split, limit=limit)
    _emit_report(report, as_json)


@eval_app.command("sections")
def eval_sections(
    path: Annotated[Path, typer.Argument(help="Story JSONL with a category per story.")],
    as_json: Annotated[bool, typer.Option("--json", help="The report as JSON.")] = False,
) -> None:
    """Section classifier accuracy against gold categories, vs the majority class."""
    from broadsheet.eval.sections import evaluate_sections

    if not path.is_file():
        fail(f"no such file: {path}")
    with _eval_data_errors():
        report = evaluate_sections(path)
    if as_json:
        _emit_json(report.to_dict())
    else:
        sys.stdout.write(report.format() + "\n")


if __name__ == "__main__":
    app()
