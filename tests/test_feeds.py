"""parse_feed: RSS, Atom, RDF, broken XML, lying encodings, and things that are not feeds."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from broadsheet.fetch.feeds import FeedError, html_to_text, parse_feed

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
  <title>The Daily Example</title>
  <link>https://news.example/</link>
  <description>News</description>
  <item>
    <title>Council approves “new” budget</title>
    <link>https://news.example/2025/06/budget</link>
    <description><![CDATA[<p>The council voted <b>7&ndash;2</b> on Tuesday.</p>
      <script>alert("x")</script><p>More&nbsp;later.</p>]]></description>
    <pubDate>Tue, 10 Jun 2025 09:30:00 +0100</pubDate>
    <dc:creator>Jane Doe</dc:creator>
    <guid isPermaLink="false">budget-2025</guid>
  </item>
  <item>
    <title>Relative link</title>
    <link>/2025/06/relative</link>
    <author>desk@news.example (Night Desk)</author>
    <pubDate>Wed, 11 Jun 2025 23:15:00 -0400</pubDate>
  </item>
  <item>
    <title>Permalink guid only</title>
    <guid>https://news.example/2025/06/guid-only</guid>
    <content:encoded><![CDATA[<div>Full <i>body</i> here</div>]]></content:encoded>
  </item>
  <item>
    <title>No link at all</title>
    <description>Dropped.</description>
  </item>
  <item>
    <title>Bad scheme</title>
    <link>javascript:alert(1)</link>
  </item>
</channel>
</rss>
"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://atom.example/blog/">
  <title type="html">Atom &lt;em&gt;Example&lt;/em&gt;</title>
  <link rel="alternate" href="https://atom.example/"/>
  <link rel="self" href="https://atom.example/feed.atom"/>
  <id>urn:uuid:feed</id>
  <updated>2025-06-10T12:00:00Z</updated>
  <entry>
    <title>First post</title>
    <link rel="alternate" type="text/html" href="posts/first"/>
    <link rel="edit" href="https://atom.example/edit/1"/>
    <id>urn:uuid:1</id>
    <published>2025-06-09T08:00:00+02:00</published>
    <updated>2025-06-10T08:00:00+02:00</updated>
    <author><name>Ann Author</name></author>
    <author><name>Bob Writer</name><email>bob@atom.example</email></author>
    <summary type="html">&lt;p&gt;Hello &amp;amp; welcome&lt;/p&gt;</summary>
  </entry>
  <entry>
    <title type="text">Only updated</title>
    <link href="https://atom.example/posts/second"/>
    <id>urn:uuid:2</id>
    <updated>2025-06-10T10:00:00Z</updated>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>XHTML body</p></div>
    </content>
  </entry>
</feed>
"""

RDF = """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://rdf.example/"><title>RDF</title>
    <link>https://rdf.example/</link><description>d</description></channel>
  <item rdf:about="https://rdf.example/1"><title>One</title>
    <link>https://rdf.example/1</link><dc:date>2025-06-10T05:00:00Z</dc:date></item>
</rdf:RDF>
"""


def test_rss2() -> None:
    feed = parse_feed(RSS.encode("utf-8"), url="https://news.example/feeds/all.xml")
    assert feed.title == "The Daily Example"
    assert feed.link == "https://news.example/"
    assert [e.url for e in feed.entries] == [
        "https://news.example/2025/06/budget",
        "https://news.example/2025/06/relative",
        "https://news.example/2025/06/guid-only",
    ]
    budget, relative, guid_only = feed.entries
    assert budget.title == "Council approves “new” budget"
    assert budget.summary == "The council voted 7–2 on Tuesday. More later."  # nbsp collapses too
    assert budget.published == datetime(2025, 6, 10, 8, 30, tzinfo=UTC)
    assert budget.authors == ["Jane Doe"]
    assert budget.guid == "budget-2025"
    assert relative.authors == ["Night Desk"]
    assert relative.published == datetime(2025, 6, 12, 3, 15, tzinfo=UTC)
    assert guid_only.summary == "Full body here"  # falls back to content:encoded
    assert guid_only.published is None
    assert feed.warning == "skipped 2 entries without a usable link"


def test_atom() -> None:
    feed = parse_feed(ATOM.encode("utf-8"), url="https://atom.example/feed.atom")
    assert feed.title == "Atom Example"
    assert feed.link == "https://atom.example/"
    first, second = feed.entries
    assert first.url == "https://atom.example/blog/posts/first"  # xml:base applies
    assert first.published == datetime(2025, 6, 9, 6, 0, tzinfo=UTC)
    assert first.authors == ["Ann Author", "Bob Writer"]
    assert first.summary == "Hello & welcome"
    assert first.guid == "urn:uuid:1"
    assert second.published == datetime(2025, 6, 10, 10, 0, tzinfo=UTC)  # updated
    assert second.summary == "XHTML body"
    assert feed.warning is None


def test_rdf() -> None:
    feed = parse_feed(RDF.encode("ascii"))
    assert [(e.url, e.title) for e in feed.entries] == [("https://rdf.example/1", "One")]
    assert feed.entries[0].published == datetime(2025, 6, 10, 5, 0, tzinfo=UTC)


def test_relative_links_need_the_feed_url() -> None:
    no_base = parse_feed(RSS.encode("utf-8"))
    assert "https://news.example/2025/06/relative" not in [e.url for e in no_base.entries]
    assert "skipped 3 entries" in (no_base.warning or "")


def test_malformed_xml_keeps_entries_and_warns() -> None:
    broken = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Broken & Co</title>
<item><title>Fish & chips</title><link>https://b.example/1</link></item>
<item><title>Second<br></title><link>https://b.example/2</link>
</channel></rss>"""
    feed = parse_feed(broken.encode("utf-8"))
    assert [e.url for e in feed.entries] == ["https://b.example/1", "https://b.example/2"]
    assert feed.entries[0].title == "Fish & chips"
    assert feed.warning and feed.warning.startswith("malformed XML (")
    assert "recovered 2 entries" in feed.warning


def test_declares_latin1_but_is_utf8() -> None:
    data = RSS.replace('encoding="utf-8"', 'encoding="iso-8859-1"').encode("utf-8")
    feed = parse_feed(data, url="https://news.example/feed")
    assert feed.entries[0].title == "Council approves “new” budget"
    assert feed.warning and "declared encoding iso-8859-1 but the body is UTF-8" in feed.warning


def test_http_charset_lies_but_body_is_utf8() -> None:
    feed = parse_feed(
        RSS.encode("utf-8"),
        url="https://news.example/feed",
        content_type="text/xml; charset=ISO-8859-1",
    )
    assert feed.entries[0].title == "Council approves “new” budget"
    assert "declared encoding ISO-8859-1" in (feed.warning or "")


def test_declares_utf8_but_is_cp1252() -> None:
    data = RSS.replace("7&ndash;2", "7–2").encode("cp1252")
    feed = parse_feed(data, url="https://news.example/feed")
    assert feed.entries[0].title == "Council approves “new” budget"
    assert (
        feed.entries[0].summary == "The council voted 7–2 on Tuesday. More later."
    )  # nbsp collapses too
    assert "not valid utf-8; decoded as windows-1252" in (feed.warning or "")


def test_latin1_label_with_cp1252_quotes_is_read_as_cp1252() -> None:
    data = RSS.replace('encoding="utf-8"', 'encoding="ISO-8859-1"').encode("cp1252")
    feed = parse_feed(data, url="https://news.example/feed")
    assert feed.entries[0].title == "Council approves “new” budget"
    assert feed.warning == "skipped 2 entries without a usable link"  # nothing to report


def test_true_latin1_and_utf16_with_bom() -> None:
    latin = RSS.replace('encoding="utf-8"', 'encoding="iso-8859-1"')
    latin = latin.replace("“new”", "café")
    assert parse_feed(latin.encode("latin-1")).entries[0].title == "Council approves café budget"
    utf16 = RSS.replace('encoding="utf-8"', 'encoding="utf-16"').encode("utf-16")
    assert parse_feed(utf16).entries[0].title == "Council approves “new” budget"


def test_external_entities_are_not_loaded() -> None:
    xxe = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>x</title>
<item><title>a &xxe; b</title><link>https://x.example/1</link></item></channel></rss>"""
    feed = parse_feed(xxe.encode())
    assert all("root:" not in (e.title or "") for e in feed.entries)


@pytest.mark.parametrize(
    ("data", "content_type", "reason"),
    [
        (b"", None, "empty body"),
        (b" \n\t ", None, "empty body"),
        (
            b"<!DOCTYPE html><html><head><title>Home</title></head><body><p>Hi</p></body></html>",
            "text/html",
            "not a feed: got an HTML page",
        ),
        (b"<html><body>no doctype</body></html>", None, "not a feed: got an HTML page"),
        (bytes(range(256)) * 8, "application/octet-stream", "not a feed: binary data"),
        (b"just some words", "text/plain", "not a feed"),
        (b"/etc/passwd", None, "not a feed"),  # bytes are never opened as a file name
        (b"http://127.0.0.1:9/feed.xml", None, "not a feed"),  # nor fetched as a URL
        (b'{"items": []}', "application/json", "not a feed"),
    ],
)
def test_not_a_feed(data: bytes, content_type: str | None, reason: str) -> None:
    with pytest.raises(FeedError) as info:
        parse_feed(data, content_type=content_type)
    message = str(info.value)
    assert message.startswith(reason) and "\n" not in message


def test_valid_feed_without_entries_is_not_an_error() -> None:
    empty = b'<rss version="2.0"><channel><title>Quiet</title></channel></rss>'
    feed = parse_feed(empty)
    assert feed.title == "Quiet" and feed.entries == [] and feed.warning is None


def test_html_to_text() -> None:
    assert html_to_text("<p>a</p><p>b&amp;c</p><style>p{}</style>") == "a b&c"
    assert html_to_text("no tags") == "no tags"


@pytest.mark.parametrize(
    ("author", "expected"),
    [
        ("desk@news.example (Night Desk)", ["Night Desk"]),
        ("Night Desk <desk@news.example>", ["Night Desk"]),
        ("desk@news.example", ["desk@news.example"]),
        ("Plain Name", ["Plain Name"]),
    ],
)
def test_rss_author_forms(author: str, expected: list[str]) -> None:
    item = f"<item><author>{author}</author><link>https://a.example/1</link></item>"
    data = f'<rss version="2.0"><channel><title>t</title>{item}</channel></rss>'
    data = data.replace("<desk@news.example>", "&lt;desk@news.example&gt;")
    assert parse_feed(data.encode()).entries[0].authors == expected
