"""A store with stories and briefings, for the site, feed, API and export tests."""

from __future__ import annotations

from sqlalchemy import select

from broadsheet.models import ExtractedArticle, Outlet
from broadsheet.publish.search import refresh_index
from broadsheet.store import Store
from broadsheet.store.articles import save_article
from broadsheet.store.feeds import sync_outlets
from broadsheet.store.schema import OutletRow
from broadsheet.stories.build import build_stories
from broadsheet.write.stored import build_briefings
from tests.support.articles import make_events

OUTLETS = [
    Outlet(slug="left-daily", name="Left Daily", domains=["left.example"], country="US",
           edition="us", lean="left", owner="Left Daily Media"),
    Outlet(slug="centre-wire", name="Centre Wire", domains=["centre.example"], country="GB",
           edition="uk", lean="center"),
    Outlet(slug="right-post", name="Right Post", domains=["right.example"], country="US",
           edition="us", lean="right"),
]

# Payloads a hostile source might carry, in every field that reaches a page.
XSS_TITLE = 'Harbour vote <script>window.__xss="title"</script><img src=x onerror="window.__xss=1">'
XSS_TEXT = (
    'Mayor Quilla Brenn said the harbour vote <script>window.__xss="body"</script> would pass. '
    '<img src=x onerror="window.__xss=2"> The Harbour Board confirmed that 40 boats voted. '
    '<a href="javascript:window.__xss=3">click</a> According to Quilla Brenn, the harbour '
    'plan had been agreed. '
)


def build_site_store(
    store: Store, *, events: int = 8, per_event: int = 3, source_base: str | None = None,
    hostile: bool = True,
) -> dict[str, str]:
    """Invented articles stored, built into stories and briefings, and indexed.

    ``source_base`` ("http://127.0.0.1:PORT") puts every article's URL on a test server so
    a browser can follow a citation. Returns outlet slug -> article URL prefix.
    """
    prefixes: dict[str, str] = {}
    with store.session() as session:
        sync_outlets(session, OUTLETS)
        ids = {o.slug: o.id for o in session.scalars(select(OutletRow))}
        fakes = make_events(events, per_event, [o.slug for o in OUTLETS])
        for n, fake in enumerate(fakes):
            base = f"{source_base}/{fake.outlet}" if source_base else f"https://{fake.outlet}.example"
            prefixes[fake.outlet] = base
            save_article(
                session,
                ExtractedArticle(title=fake.title, paragraphs=[fake.text],
                                 published=fake.published.isoformat()),
                url=f"{base}/a/{n}", outlet_id=ids[fake.outlet],
            )
        if hostile:
            last = fakes[-1].published
            for i, slug in enumerate(("left-daily", "right-post")):
                base = f"{source_base}/{slug}" if source_base else f"https://{slug}.example"
                save_article(
                    session,
                    ExtractedArticle(title=XSS_TITLE, paragraphs=[XSS_TEXT + f"Copy {i}."],
                                     published=last.isoformat()),
                    url=f"{base}/hostile/{i}", outlet_id=ids[slug],
                )
    build_stories(store)
    build_briefings(store)
    refresh_index(store)
    return prefixes
