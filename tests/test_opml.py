"""OPML import/export: nesting, round trip, and refusal of hostile XML."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from broadsheet.fetch.opml import MAX_OPML_BYTES, OpmlError, OpmlFeed, parse_opml, write_opml
from broadsheet.models import FeedSpec, Outlet
from broadsheet.registry import load_registry

FIXTURES = Path(__file__).parent / "fixtures" / "opml"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def assert_refused(data: bytes, fragment: str) -> None:
    start = time.perf_counter()
    with pytest.raises(OpmlError) as info:
        parse_opml(data)
    # Refusal happens before any expansion, so it is immediate, not merely "eventually".
    assert time.perf_counter() - start < 1.0
    message = str(info.value)
    assert "\n" not in message
    assert fragment in message


# ---------------------------------------------------------------------------- parsing


def test_nested_categories_and_attribute_variants() -> None:
    feeds = parse_opml(fixture("nested.opml"))
    assert feeds == [
        OpmlFeed(
            url="https://feeds.bbci.co.uk/news/uk/rss.xml",
            title="BBC News - UK",
            category="News/UK",
            html_url="https://www.bbc.co.uk/news/uk",
        ),
        OpmlFeed(
            url="https://www.theguardian.com/uk-news/rss",
            title="Guardian & Observer: UK news",
            category="News/UK",
        ),
        # lower-case xmlurl/htmlurl, and a folder with text but no title
        OpmlFeed(
            url="https://feeds.npr.org/1004/rss.xml",
            title="NPR World",
            category="News/US",
            html_url="https://www.npr.org/sections/world/",
        ),
        # type="atom" with a url attribute instead of xmlUrl
        OpmlFeed(
            url="https://atom.example.com/feed.atom", title="Example Atom", category="News/US"
        ),
        OpmlFeed(
            url="https://openrss.org/apnews.com/world-news", title="AP World", category="News"
        ),
        OpmlFeed(
            url="https://feeds.arstechnica.com/arstechnica/index", title="Ars", category="Tech"
        ),
        # an untitled folder adds no path segment
        OpmlFeed(
            url="https://untitled.example.org/rss", title="In an untitled folder", category=""
        ),
        # surrounding whitespace in the URL is trimmed
        OpmlFeed(url="https://top.example.net/rss", title="Top-level feed", category=""),
    ]


def test_skips_non_http_duplicates_and_bookmarks() -> None:
    urls = [f.url for f in parse_opml(fixture("nested.opml"))]
    assert "file:///etc/passwd" not in urls
    assert "https://example.com/" not in urls  # type="link" is a bookmark, not a feed
    assert urls.count("https://openrss.org/apnews.com/world-news") == 1


def test_deep_nesting_does_not_recurse() -> None:
    depth = 5000  # far past Python's recursion limit
    doc = (
        '<opml version="2.0"><body>'
        + '<outline text="f">' * depth
        + '<outline text="deep" xmlUrl="https://deep.example/rss"/>'
        + "</outline>" * depth
        + "</body></opml>"
    ).encode()
    [feed] = parse_opml(doc)
    assert feed.url == "https://deep.example/rss"
    assert feed.category.count("/") == depth - 1


def test_namespaced_opml_and_str_input() -> None:
    doc = (
        '<opml xmlns="http://example.org/ns" version="2.0"><body>'
        '<outline text="Cat"><outline type="rss" text="F" xmlUrl="https://f.example/rss"/>'
        "</outline></body></opml>"
    )
    assert parse_opml(doc) == [OpmlFeed(url="https://f.example/rss", title="F", category="Cat")]


def test_decoded_text_ignores_encoding_declaration() -> None:
    doc = (
        '<?xml version="1.0" encoding="ISO-8859-1"?><opml version="2.0"><body>'
        '<outline text="Actualité"><outline text="x" xmlUrl="https://x.example/"/></outline>'
        "</body></opml>"
    )
    assert parse_opml(doc)[0].category == "Actualité"


def test_latin1_encoded_document() -> None:
    doc = (
        '<?xml version="1.0" encoding="ISO-8859-1"?>'
        '<opml version="1.0"><body><outline text="Actualité">'
        '<outline text="Le Monde" xmlUrl="https://www.lemonde.fr/rss/une.xml"/>'
        "</outline></body></opml>"
    ).encode("latin-1")
    [feed] = parse_opml(doc)
    assert feed.category == "Actualité"


def test_empty_body_gives_no_feeds() -> None:
    assert parse_opml(fixture("empty_body.opml")) == []


@pytest.mark.parametrize("data", [b"", b"   \n\t"])
def test_empty_document_is_an_error(data: bytes) -> None:
    assert_refused(data, "empty document")


# ------------------------------------------------------------------------ refusals


def test_billion_laughs_refused_fast() -> None:
    assert_refused(fixture("billion_laughs.opml"), "DOCTYPE")


def test_external_entity_refused() -> None:
    assert_refused(fixture("external_entity.opml"), "DOCTYPE")


def test_external_dtd_refused() -> None:
    assert_refused(fixture("external_dtd.opml"), "DOCTYPE")


def test_quadratic_blowup_refused_fast() -> None:
    # One big entity referenced many times: no nesting, but the same memory blow-up.
    big = "x" * 100_000
    refs = "&a;" * 10_000
    doc = (
        f'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "{big}">]>'
        f'<opml version="2.0"><body><outline text="{refs}" xmlUrl="https://e.example/"/>'
        "</body></opml>"
    ).encode()
    assert_refused(doc, "DOCTYPE")


def test_malformed_xml() -> None:
    assert_refused(fixture("malformed.opml"), "malformed XML")


def test_undefined_entity_is_malformed() -> None:
    assert_refused(b'<opml version="2.0"><body><outline text="&bad;"/></body></opml>', "malformed")


def test_not_opml_root() -> None:
    assert_refused(b'<rss version="2.0"><channel/></rss>', "root element is <rss>")


def test_missing_body() -> None:
    assert_refused(b'<opml version="2.0"><head/></opml>', "no <body>")


def test_oversized_document_refused_without_parsing() -> None:
    assert_refused(b" " * 10 + b"<" * MAX_OPML_BYTES, "larger than")


# --------------------------------------------------------------------------- writing


def sample_outlets() -> list[Outlet]:
    return [
        Outlet(
            slug="ex-one",
            name='Ex & "One" <News>',
            domains=["one.example"],
            country="US",
            edition="us",
            feeds=[
                FeedSpec("https://one.example/rss?a=1&b=2", "news"),
                FeedSpec("https://one.example/world.xml", "world"),
                FeedSpec("https://one.example/off.xml", "sport", enabled=False),
            ],
        ),
        Outlet(
            slug="ex-two",
            name="Ex Two",
            domains=["two.example"],
            country="GB",
            edition="uk",
            feeds=[FeedSpec("https://two.example/feed", "politics")],
        ),
        Outlet(
            slug="ex-off",
            name="Ex Off",
            domains=["off.example"],
            country="GB",
            edition="uk",
            feeds=[FeedSpec("https://off.example/feed", "news")],
            enabled=False,
        ),
    ]


def test_write_is_valid_opml_2() -> None:
    created = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
    text = write_opml(sample_outlets(), title="My feeds", created=created)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(text.encode())
    assert root.tag == "opml"
    assert root.get("version") == "2.0"
    head = root.find("head")
    assert head is not None
    assert head.findtext("title") == "My feeds"
    assert parsedate_to_datetime(head.findtext("dateCreated") or "") == created
    body = root.find("body")
    assert body is not None
    # OPML 2.0 requires text on every outline.
    assert all(o.get("text") for o in body.iter("outline"))
    groups = list(body)
    assert [g.get("text") for g in groups] == ['Ex & "One" <News>', "Ex Two"]
    feeds = list(groups[0])
    assert [f.get("category") for f in feeds] == ["news", "world"]
    assert all(f.get("type") == "rss" for f in feeds)


def test_write_skips_disabled_unless_asked() -> None:
    urls = {f.url for f in parse_opml(write_opml(sample_outlets()).encode())}
    assert "https://one.example/off.xml" not in urls
    assert "https://off.example/feed" not in urls
    everything = write_opml(sample_outlets(), include_disabled=True)
    urls = {f.url for f in parse_opml(everything.encode())}
    assert {"https://one.example/off.xml", "https://off.example/feed"} <= urls


def test_round_trip_sample() -> None:
    feeds = parse_opml(write_opml(sample_outlets()).encode())
    assert feeds == [
        OpmlFeed(
            url="https://one.example/rss?a=1&b=2",
            title='Ex & "One" <News>: news',
            category='Ex & "One" <News>',
            html_url="https://one.example/",
            section="news",
        ),
        OpmlFeed(
            url="https://one.example/world.xml",
            title='Ex & "One" <News>: world',
            category='Ex & "One" <News>',
            html_url="https://one.example/",
            section="world",
        ),
        OpmlFeed(
            url="https://two.example/feed",
            title="Ex Two: politics",
            category="Ex Two",
            html_url="https://two.example/",
            section="politics",
        ),
    ]


def test_round_trip_bundled_registry() -> None:
    outlets = load_registry()
    parsed = parse_opml(write_opml(outlets).encode("utf-8"))
    expected = [(o.name, f.url, f.section) for o in outlets for f in o.feeds]
    assert [(f.category, f.url, f.section) for f in parsed] == expected


def test_naive_created_is_taken_as_utc() -> None:
    text = write_opml([], created=datetime(2025, 1, 2, 3, 4, 5))
    assert "<dateCreated>Thu, 02 Jan 2025 03:04:05 GMT</dateCreated>" in text
    assert parse_opml(text.encode()) == []
