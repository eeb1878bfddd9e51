"""HTML article extraction: body cleanup, metadata, decoding, and bad input."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

from broadsheet.extract.decode import decode_html
from broadsheet.extract.html import MAX_INPUT_BYTES, extract_html
from broadsheet.models import ExtractedArticle

FIXTURES = Path(__file__).parent / "fixtures" / "html"
ARTICLE_URL = "https://www.coastalcourier.example/news/2024/03/14/sea-wall-vote"


@pytest.fixture(scope="module")
def full_article() -> ExtractedArticle:
    return extract_html((FIXTURES / "article_full.html").read_bytes(), url=ARTICLE_URL)


# --------------------------------------------------------------------------- a real page


def test_full_article_metadata(full_article: ExtractedArticle) -> None:
    a = full_article
    assert a.error is None
    assert a.url == ARTICLE_URL
    assert a.title == "Harbour town votes to rebuild its flooded sea wall"
    assert a.standfirst is not None
    assert a.standfirst.startswith("Councillors back a twelve-million-pound plan")
    assert a.authors == ["Maren Holloway", "Tobias Greer"]
    assert a.published == "2024-03-14"
    assert a.outlet == "The Coastal Courier"
    assert a.language == "en"


def test_full_article_keeps_only_body_paragraphs(full_article: ExtractedArticle) -> None:
    paragraphs = full_article.paragraphs
    assert len(paragraphs) == 6
    assert paragraphs[0].startswith("The town council voted nine to two")
    assert paragraphs[-1].startswith("Engineers from the regional flood authority")
    text = full_article.text
    for furniture in (
        "Sign up",
        "newsletter",
        "Subscribe",
        "Advertisement",
        "Read more",
        "Share this",
        "Facebook",
        "Related stories",
        "Lifeboat crew honoured",
        "cookies",
        "All rights reserved",
        "Privacy policy",
        "Morning Briefing",
    ):
        assert furniture not in text, furniture


def test_headline_and_standfirst_do_not_leak_into_body(full_article: ExtractedArticle) -> None:
    assert full_article.title not in full_article.paragraphs
    assert full_article.standfirst not in full_article.paragraphs
    assert not any(p.startswith("By Maren") for p in full_article.paragraphs)


def test_description_that_is_just_the_lede_is_no_standfirst() -> None:
    a = extract_html((FIXTURES / "article_lede_description.html").read_text(encoding="utf-8"))
    assert a.error is None
    assert a.standfirst is None
    assert a.paragraphs[0].startswith("Sleeper services between the capital")
    assert len(a.paragraphs) == 4
    assert a.title == "Night trains return to the northern line"
    assert a.outlet == "Rail Notes"
    assert a.authors == ["Ivo Lindqvist"]
    assert a.published == "2023-11-07"
    # no lang attribute anywhere: guessed from the text
    assert a.language == "en"
    assert "Tags" not in a.text


def test_to_json_round_trip(full_article: ExtractedArticle) -> None:
    record = full_article.to_json(path="x.html")
    assert record["text"] == full_article.text
    assert record["authors"] == full_article.authors
    assert record["error"] is None


# --------------------------------------------------------------------------- encodings


def _page(body: str, charset: str) -> str:
    return (
        f'<html><head><meta charset="{charset}"><title>Café</title></head><body>'
        f"<article><h1>Café culture</h1>{body}</article></body></html>"
    )


_PARAS = "".join(
    f"<p>Paragraph {i}: the café on the Rue de l’Église serves crème brûlée, "
    "and the naïve waiter says “déjà vu” to every guest who returns after a year away.</p>"
    for i in range(6)
)


def test_decode_prefers_valid_utf8_over_wrong_declared_latin1() -> None:
    data = _page(_PARAS, "iso-8859-1").encode("utf-8")
    text = decode_html(data, declared_charset="iso-8859-1")
    assert "crème brûlée" in text
    assert "Ã" not in text  # no mojibake


def test_extract_with_wrong_declared_encoding() -> None:
    data = _page(_PARAS, "iso-8859-1").encode("utf-8")
    a = extract_html(data)
    assert a.error is None
    assert "crème brûlée" in a.text
    assert "“déjà vu”" in a.text


def test_decode_honours_a_correct_single_byte_charset() -> None:
    page = (
        '<html><head><meta charset="windows-1251"><title>Новости</title></head>'
        "<body><p>Привет, мир! Как дела сегодня у всех наших читателей?</p></body></html>"
    )
    data = page.encode("cp1251")
    assert "Привет, мир!" in decode_html(data)
    assert "Привет, мир!" in decode_html(data, declared_charset="windows-1251")


def test_decode_latin1_label_means_windows_1252() -> None:
    data = "<p>It costs \u20ac5 \u2013 cheap</p>".encode("cp1252")
    assert decode_html(data, declared_charset="ISO-8859-1") == "<p>It costs €5 – cheap</p>"


def test_decode_bom_and_utf16() -> None:
    assert decode_html("\ufeff<p>héllo</p>".encode()) == "<p>héllo</p>"
    assert decode_html("<p>héllo</p>".encode("utf-16")) == "<p>héllo</p>"
    assert decode_html("<p>hi</p>".encode("utf-16-le"), declared_charset="utf-16le") == "<p>hi</p>"


def test_decode_mostly_utf8_with_a_stray_byte() -> None:
    data = ("<p>" + "naïve café " * 20 + "</p>").encode("utf-8") + b"\xe9"
    text = decode_html(data, declared_charset="iso-8859-1")
    assert "naïve café" in text


def test_decode_never_raises() -> None:
    assert decode_html(b"") == ""
    assert isinstance(decode_html(bytes(range(256)) * 10, declared_charset="no-such"), str)
    assert isinstance(decode_html(b"\xff\xfe\x00", declared_charset="utf-7"), str)


# --------------------------------------------------------------------------- bad input


def test_binary_junk_is_an_error_not_an_exception() -> None:
    junk = random.Random(7).randbytes(50_000)
    a = extract_html(junk)
    assert a.error
    assert a.paragraphs == []
    png = b"\x89PNG\r\n\x1a\n" + random.Random(8).randbytes(4_000)
    assert extract_html(png).error


@pytest.mark.parametrize(
    "html",
    [
        "",
        "   \n  ",
        "<html><head><title>Nothing here</title></head><body></body></html>",
        "<html><body><div><span></span></div></body></html>",
        b"",
    ],
)
def test_empty_pages_give_an_error(html: str | bytes) -> None:
    a = extract_html(html)
    assert a.error
    assert "\n" not in a.error
    assert a.paragraphs == []


@pytest.mark.parametrize(
    "html",
    [
        "<<<>>><p<<p>>>></html></html><body",
        "<html><body>" + "<div>" * 20_000 + "deep" + "</div>" * 20_000 + "</body></html>",
        "<?xml version='1.0' encoding='utf-8'?><html><body><p>x</p></body></html>",
        "plain text with no markup at all, just words",
        "<html><body><p>\x00\x01\x02 control \x00 characters</p></body></html>",
    ],
)
def test_unparseable_markup_never_raises(html: str) -> None:
    a = extract_html(html)
    assert isinstance(a, ExtractedArticle)
    assert a.error or a.paragraphs


def test_wrong_input_type_is_an_error() -> None:
    a = extract_html(12345)  # type: ignore[arg-type]
    assert a.error and "extraction failed" in a.error


def test_huge_page_is_capped_and_still_extracted() -> None:
    page = (FIXTURES / "article_full.html").read_text(encoding="utf-8")
    # the usual shape of a multi-megabyte page: an inline data blob after the article
    filler = '<script>window.__STATE__ = "' + "filler text " * 500_000 + '";</script>'
    filler += "<div class='spam'>" + "<span>filler text </span>" * 2_000 + "</div>"
    huge = page.replace("</body>", filler + "</body>")
    assert len(huge.encode()) > MAX_INPUT_BYTES
    start = time.perf_counter()
    a = extract_html(huge.encode())
    elapsed = time.perf_counter() - start
    assert a.error is None
    assert a.paragraphs[0].startswith("The town council voted nine to two")
    assert "filler text" not in a.text
    assert elapsed < 30
