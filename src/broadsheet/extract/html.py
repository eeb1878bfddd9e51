"""Article extraction from HTML: body paragraphs plus the metadata a briefing needs.

One lxml parse feeds everything. trafilatura's fast path (no readability/justext
fallbacks, comments off, links kept so link density can be measured) finds the main text;
it is re-run with its fallbacks only when the fast result hardly reads as prose. General
rules, not per-site ones, then fix what extractors commonly get wrong:

* bodies split into several same-class containers (ad slots between chunks): the later
  chunks are appended;
* the headline, standfirst, dateline and byline leaking into the top of the body (they
  have their own fields);
* "Related"/"Read more"/"You may also like" rails: the heading plus the link items after
  it, and lists made of links or of headline links with teasers;
* furniture lines: newsletter/subscribe promos, share bars, cookie and copyright notices,
  "Advertisement", photo credits, comment counters, reading times, tag lists;
* when the page carries a long schema.org ``articleBody`` (JSON-LD) that agrees with the
  extraction, paragraphs absent from it.

Measured on the AEB benchmark in docs/benchmarks-extraction-draft.md.
"""

from __future__ import annotations

import contextlib
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import trafilatura
from htmldate import find_date
from lxml.etree import XPath, _Element, strip_tags
from lxml.html import HtmlElement
from trafilatura.json_metadata import normalize_authors
from trafilatura.metadata import (
    examine_meta,
    extract_meta_json,
    extract_sitename,
    extract_title,
)
from trafilatura.utils import load_html
from trafilatura.xml import xmltotxt

from broadsheet.extract.decode import decode_html
from broadsheet.models import ExtractedArticle

MAX_INPUT_BYTES = 5_000_000
"""Pages are cut to this size before parsing: article text sits near the top, and a
multi-megabyte tail (inline data blobs, endless comment threads) only costs time."""

# Fast extraction is re-run with trafilatura's fallback extractors when less than this
# share of its text reads as prose (nothing at all, or a navigation dump).
_MIN_PROSE_SHARE = 0.3
# A JSON-LD articleBody shorter than this is usually a teaser, not the body.
_MIN_JSONLD_BODY_CHARS = 800
# Share of the extracted text's shingles the JSON-LD body must contain to act as arbiter.
_JSONLD_AGREEMENT = 0.6

# How many leading lines may hold page-header leftovers (headline, dek, dateline, byline).
_HEADER_LINES = 6

_WS_RE = re.compile(r"\s+")
_WORD_RE = re.compile(r"\w+")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufffd]")


# --------------------------------------------------------------------------- input


def _to_text(html: str | bytes) -> str:
    if isinstance(html, (bytes, bytearray, memoryview)):
        return decode_html(bytes(html[:MAX_INPUT_BYTES]))
    if not isinstance(html, str):
        raise TypeError(f"expected str or bytes, got {type(html).__name__}")
    return html[:MAX_INPUT_BYTES]


def _junk_reason(text: str) -> str | None:
    """Why ``text`` cannot be an HTML page, or None if it might be one."""
    if not text.strip():
        return "empty document"
    sample = text[:65_536]
    if len(_CONTROL_RE.findall(sample)) > len(sample) * 0.05:
        return "binary data, not HTML"
    if "<" not in sample:
        return "no HTML markup"
    return None


# --------------------------------------------------------------------------- text utils


def _norm(text: str) -> str:
    """Comparison key: case-folded words only, so punctuation and spacing do not matter."""
    return " ".join(_WORD_RE.findall(text.casefold()))


def _shingles(text: str, n: int = 4) -> set[tuple[str, ...]]:
    words = _WORD_RE.findall(text.casefold())
    if len(words) < n:
        return {tuple(words)} if words else set()
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def _containment(part: str, whole: set[tuple[str, ...]]) -> float:
    """Share of ``part``'s 4-shingles found in ``whole``."""
    sh = _shingles(part)
    if not sh:
        return 0.0
    return len(sh & whole) / len(sh)


def _clean_inline(text: str) -> str:
    return _WS_RE.sub(" ", unicodedata.normalize("NFC", text)).strip()


# --------------------------------------------------------------------------- metadata


def _jsonld_objects(tree: HtmlElement) -> Iterator[dict[str, Any]]:
    for script in tree.iterfind('.//script[@type="application/ld+json"]'):
        raw = script.text
        if not raw or len(raw) > 2_000_000:
            continue
        try:
            data = json.loads(raw, strict=False)
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                yield item
                for key in ("@graph", "mainEntity", "mainEntityOfPage"):
                    if isinstance(item.get(key), (list, dict)):
                        stack.append(item[key])


def _jsonld_fields(tree: HtmlElement) -> tuple[str | None, str | None]:
    """(longest articleBody/text of an article object, inLanguage) from JSON-LD."""
    body, language = None, None
    for obj in _jsonld_objects(tree):
        for key in ("articleBody", "text"):
            value = obj.get(key)
            if isinstance(value, str) and len(value) > len(body or ""):
                body = value
        lang = obj.get("inLanguage")
        if isinstance(lang, str) and not language:
            language = lang
    return body, language


_LANG_CODE_RE = re.compile(r"^([a-z]{2,3})(?:[-_][a-z0-9]+)*$", re.IGNORECASE)


def _lang_code(value: str | None) -> str | None:
    if not value:
        return None
    match = _LANG_CODE_RE.match(value.strip())
    return match.group(1).lower() if match else None


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Tiny stop-word profiles: enough to name the language of a news article when the page
# does not declare one. Script checks cover languages whose words \w can't split well.
_STOPWORDS: dict[str, frozenset[str]] = {
    "en": _words("the and of to in is that for was with on as it by from at are has"),
    "de": _words("der die und das ist nicht mit sich von den auf ein eine dem zu im"),
    "fr": _words("le la les et des est une dans pour que qui pas sur du au avec"),
    "es": _words("el la los las de que y en un una por con para es del se"),
    "it": _words("il di che la per non una sono con del della gli le è un"),
    "pt": _words("o a os de que e do da em um uma para com não no na"),
    "nl": _words("de het een van en is dat op te in zijn voor met niet"),
}


def _guess_language(text: str) -> str | None:
    sample = text[:5000]
    if not sample:
        return None
    counts: dict[str, int] = {}
    for ch in sample:
        if ch.isalpha() and ord(ch) > 0x2FF:
            name = unicodedata.name(ch, "")
            script = name.split(" ", 1)[0]
            counts[script] = counts.get(script, 0) + 1
    letters = sum(1 for ch in sample if ch.isalpha())
    if letters and counts:
        script, count = max(counts.items(), key=lambda kv: kv[1])
        if count > letters * 0.3:
            if script in ("HIRAGANA", "KATAKANA") or (
                script == "CJK" and counts.get("HIRAGANA", 0) + counts.get("KATAKANA", 0)
            ):
                return "ja"
            by_script = {
                "CJK": "zh",
                "HANGUL": "ko",
                "ARABIC": "ar",
                "HEBREW": "he",
                "GREEK": "el",
                "THAI": "th",
                "DEVANAGARI": "hi",
                "CYRILLIC": "ru",
            }
            if script in by_script:
                return by_script[script]
    words = _WORD_RE.findall(sample.casefold())
    if len(words) < 20:
        return None
    scores = {lang: sum(w in stops for w in words) for lang, stops in _STOPWORDS.items()}
    lang, best = max(scores.items(), key=lambda kv: kv[1])
    return lang if best >= max(3, len(words) * 0.05) else None


def _page_language(tree: HtmlElement, jsonld_language: str | None) -> str | None:
    candidates = [tree.get("lang"), tree.get("xml:lang")]
    for meta in tree.iterfind(".//head/meta"):
        key = (meta.get("http-equiv") or meta.get("property") or meta.get("name") or "").lower()
        if key in ("content-language", "og:locale", "language", "dc.language"):
            candidates.append(meta.get("content"))
    candidates.append(jsonld_language)
    for value in candidates:
        if code := _lang_code(value):
            return code
    return None


# Byline markup, most specific first. Plain contains() keeps this a single fast libxml2
# pass; trafilatura's own author search deep-copies and regex-scans the whole tree.
_BYLINE_XPATHS = (
    XPath(
        "//*[self::a or self::span or self::div or self::p or self::address or self::strong]"
        "[@rel='author' or @class='author' or @id='author' or @itemprop='author' or "
        "contains(@class,'author-name') or contains(@class,'authorName') or "
        "contains(@class,'AuthorName') or contains(@class,'author__name')]"
    ),
    XPath(
        "//*[self::a or self::span or self::div or self::p or self::h3 or self::h4]"
        "[contains(@class,'byline') or contains(@class,'Byline') or contains(@class,'author')"
        " or contains(@class,'Author') or contains(@id,'author') or contains(@itemprop,'author')"
        " or contains(@class,'writer')]"
    ),
)
# Ancestors whose names appear in comment threads, rails and footers, not bylines.
_NOT_BYLINE_AREA = re.compile(
    r"(?:^|[\s_-])(?:comments?|sidebar|related|recirc|footer|widget|promo|newsletter|"
    r"share|social|quote)(?:$|[\s_-])",
    re.IGNORECASE,
)
_WEEKDAY_RE = re.compile(
    r"\b(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\b\.?,?", re.IGNORECASE
)
_PAGE_LEVEL = frozenset({"body", "html", "main", "article"})


def _byline_authors(tree: HtmlElement) -> str | None:
    for xpath in _BYLINE_XPATHS:
        for element in xpath(tree):
            if _in_page_furniture(element):
                continue
            parts = [element.text or ""]
            for child in element.iterdescendants():
                if child.tag not in ("time", "script", "style") and child.text:
                    parts.append(child.text)
                if child.tail:
                    parts.append(child.tail)
            text = _WEEKDAY_RE.sub(" ", _DATE_RE.sub(" ", _clean_inline(" ".join(parts))))
            text = re.split(r"\s[|•·]\s|\bupdated\b|\bpublished\b", text, flags=re.I)[0]
            text = _clean_inline(text)
            if 3 <= len(text) <= 100 and (names := normalize_authors(None, text)):
                return names
    return None


def _split_authors(raw: str | None) -> list[str]:
    if not raw:
        return []
    seen: dict[str, str] = {}
    for part in re.split(r";|\s+and\s+|\s*&\s*", raw):
        name = _clean_inline(part).strip(",. ")
        name = re.sub(r"^by\s+", "", name, flags=re.IGNORECASE)
        if 1 < len(name) <= 80 and "http" not in name and "@" not in name:
            seen.setdefault(name.casefold(), name)
    return list(seen.values())


def _published(tree: HtmlElement, url: str | None) -> str | None:
    params: dict[str, Any] = {
        "original_date": True,
        "url": url,
        "max_date": date.today().isoformat(),
    }
    try:
        # Markup and URL first; the free-text scan is slower and only needed without them.
        return find_date(tree, extensive_search=False, **params) or find_date(
            tree, extensive_search=True, **params
        )
    except Exception:  # htmldate parses arbitrary strings: a failure costs only the date
        return None


def _host(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = urlsplit(url if "//" in url else f"//{url}").hostname or ""
    except ValueError:
        return None
    return host.removeprefix("www.") or None


def _canonical_url(tree: HtmlElement) -> str | None:
    for element in tree.iterfind(".//head/link[@rel='canonical']"):
        if href := element.get("href"):
            return href
    for element in tree.iterfind(".//head/meta[@property='og:url']"):
        if content := element.get("content"):
            return content
    return None


def _outlet(
    sitename: str | None, url: str | None, tree: HtmlElement, headline: str | None
) -> str | None:
    """The site name the page declares, else what its <title> adds to the headline
    ("Headline - Site"), else the host name of its address."""
    if sitename:
        return _clean_inline(sitename.lstrip("@"))
    title_el = tree.find(".//head/title")
    if headline and title_el is not None and title_el.text:
        parts = [_clean_inline(p) for p in _TITLE_SEPARATOR_RE.split(title_el.text)]
        if len(parts) == 2 and _norm(parts[0]) == _norm(headline) and 0 < len(parts[1]) <= 60:
            return parts[1]
    return _host(url) or _host(_canonical_url(tree))


def _strip_outlet(title: str, outlet: str | None) -> str:
    """Drop a "| Outlet" / "Outlet - " part the <title> tag often adds to a headline."""
    if not outlet:
        return title
    outlet_key = _norm(outlet)
    parts = _TITLE_SEPARATOR_RE.split(title)
    if len(parts) > 1 and outlet_key:
        kept = [p for p in parts if _norm(p) != outlet_key]
        if kept and len(kept) < len(parts):
            return " | ".join(kept) if len(kept) > 1 else kept[0]
    return title


def _drop_outlet_authors(authors: list[str], outlet: str | None, url: str | None) -> list[str]:
    """Publishers often list themselves as an author next to the real bylines."""
    names = {_norm(outlet or ""), _norm(_host(url) or "")} - {""}
    people = [a for a in authors if _norm(a) not in names]
    return people or authors


# --------------------------------------------------------------------------- standfirst

# Class/id tokens publishers use for the dek under a headline.
_DEK_CLASS_RE = re.compile(
    r"(?:^|[\s_-])(?:dek|deck|standfirst|stand-first|subtitle|sub-title|subhead|sub-head|"
    r"subheadline|subline|strapline|summary|lede|intro|excerpt|teaser|description)(?:$|[\s_-])",
    re.IGNORECASE,
)
_HEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
_BLOCKS = _words(
    "p div h1 h2 h3 h4 h5 h6 li header section article blockquote figcaption td span strong em b i"
)
_INVISIBLE = frozenset({"script", "style", "noscript", "title", "template", "head"})


def _is_dek_element(element: HtmlElement) -> bool:
    """A heading or a dek-classed element that is not itself an ordinary paragraph."""
    for node in (element, element.getparent()):
        if node is None or not isinstance(node.tag, str):
            continue
        if node.tag in _HEADINGS:
            return True
        attrs = f"{node.get('class', '')} {node.get('id', '')} {node.get('itemprop', '')}"
        if _DEK_CLASS_RE.search(attrs):
            return True
    return False


_TEXT_CONTAINING_XPATH = XPath("//body//text()[contains(., $probe)]")


def _displayed_as_dek(tree: HtmlElement, text: str) -> bool | None:
    """Where ``text`` appears in the visible page: True in a dek/heading element, False in
    an ordinary block (it is the lede paragraph), None when it is not shown at all."""
    probe = _clean_inline(text)[:40]
    if len(probe) < 15:
        return None
    shown = False
    for node in _TEXT_CONTAINING_XPATH(tree, probe=probe):
        parent = node.getparent()
        if parent is None or not isinstance(parent.tag, str):
            continue
        if node.is_tail:
            parent = parent.getparent()
        # climb out of inline wrappers to the block that holds the text
        while parent is not None and parent.tag not in _BLOCKS:
            parent = parent.getparent()
        if parent is None or parent.tag in _INVISIBLE:
            continue
        if any(a.tag in _INVISIBLE for a in parent.iterancestors()):
            continue
        if _is_dek_element(parent):
            return True
        shown = True
    return False if shown else None


def _dek_from_markup(tree: HtmlElement, title: str | None) -> str | None:
    """The first dek-classed element after the headline, when the page marks one up."""
    h1 = tree.find(".//body//h1")
    scope: Iterable[HtmlElement]
    scope = h1.itersiblings() if h1 is not None else ()
    # the dek usually sits right after the <h1>, or after the <h1>'s wrapper
    candidates = list(scope)[:4]
    if h1 is not None and h1.getparent() is not None:
        candidates += list(h1.getparent().itersiblings())[:3]
    for element in candidates:
        if not isinstance(element.tag, str) or element.tag in _INVISIBLE:
            continue
        attrs = f"{element.get('class', '')} {element.get('id', '')} {element.get('itemprop', '')}"
        if element.tag in _HEADINGS or _DEK_CLASS_RE.search(attrs):
            text = _clean_inline(element.text_content())
            if 30 <= len(text) <= 500 and element.find(".//a") is None:
                if title and _norm(text) == _norm(title):
                    continue
                return text
    return None


# --------------------------------------------------------------------------- furniture

_SHORT = 40  # words; furniture patterns only ever apply to lines at most this long

# Lines that *begin* like a promo, a rail heading, a share bar or a comments widget.
_FURNITURE_START = re.compile(
    r"^\W*(?:"
    # promos and calls to action (imperatives: "Signing up for Medicaid..." is news)
    r"sign up (?:for|to|here|now|today)\b|sign up\W*$|subscribe (?:to|now|today|here|for)\b|"
    r"subscribe\W*$|subscribers?\s+only|become a (?:member|subscriber)\b|"
    r"join (?:our|the) (?:newsletter|mailing list|community)|"
    r"get (?:our|the) [\w\s'’]{0,40}(?:newsletter|app)\b|get the latest\b|"
    r"(?:download|install) (?:our|the) [\w\s'’]{0,30}app\b|"
    r"click here\b|tap here\b|if you (?:enjoyed|liked|value|appreciate) (?:this|our)\b|"
    r"follow (?:us|@)|follow\s[^.!?]{0,80}\b(?:on|at) (?:twitter|facebook|instagram|youtube|"
    r"tiktok|x|https?://)|follow\s[^.!?]{0,60}\bcoverage\b|"
    r"like us on\b|connect with us\b|"
    r"(?:reach|contact|email|e-mail) (?:the )?(?:reporters?|writers?|authors?|us)\b|"
    r"write to [^.]{1,60}\bat\b\s*\S+@|have a (?:news )?tip\b|"
    r"tell us what you think\b|thanks? (?:you )?for (?:signing up|subscribing|reading)\b|"
    # share bars, comment widgets, article tools, form errors
    r"share (?:this|on|via)\b|share the (?:article|story|page)\b|share it with\b|"
    r"like this (?:story|article)\b|"
    r"(?:print|email|save|share) (?:this )?(?:article|story|page)\s*$|order reprints\b|"
    r"(?:view|show|load|read|leave|post|add|hide) (?:\w+ )?comments?\b|\d+\s+comments?\s*$|"
    r"comments?\s*(?:\(\d+\))?\s*$|"
    r"(?:an )?error (?:has )?occurred|please try again\b|"
    r"sorry\W*$|sorry, (?:something|there was|we (?:could|can)n[o'’]?t|this (?:page|content))|"
    # a label that introduces a link to another story
    r"(?:read (?:more|next|also|the full)|see (?:also|more)|also (?:read|see)|don[’']?t miss|"
    r"leggi anche|lesen sie (?:auch|mehr)|mehr zum thema|(?:à )?lire aussi|leia (?:também|mais)|"
    r"veja também|lea también|leer más|ver también)\b|"
    r"(?:also|related(?: (?:stories|articles|content|posts|coverage|links|reading|news|"
    r"videos?))?|more(?: (?:from|on|stories|news|coverage|reading|videos?))?|watch|listen|"
    r"recommended)\s*[:|»>]|"
    r"also on \S+\.[a-z]{2,}\b|"
    # labels: tags, ads, credits, reading time, cookie notices
    r"(?:tags?|topics?|tagged(?: with| in)?|filed under|categories|category|keywords|"
    r"schlagworte|etiquetas|argomenti)\s*:|"
    r"(?:advertisement|advertising|sponsored(?: content)?|anzeige|publicidad|publicité|"
    r"pubblicità)\W*$|"
    r"(?:photo|image|picture|video|foto|credit|source|illustration)s?(?: credits?)?\s*[:/|©=]|"
    r"\(?(?:photo|image) credit|사진\s*=|"
    r"\d+\s*min(?:ute)?s?\.? read\b|(?:estimated )?read(?:ing)? time\b|"
    r"tempo de leitura\b|tiempo de lectura\b|temps de lecture\b|lesezeit\b|"
    r"tempo di lettura\b|"
    r"(?:we|this (?:site|website)) uses? cookies|cookies? (?:policy|settings|preferences|"
    r"consent)\b|by (?:continuing|using) (?:to (?:use|browse) )?(?:this|our) (?:site|website)|"
    # "Listen: https://..." - a label and nothing but an address
    r"[\w\s'’]{1,30}:\s*(?:https?://|www\.)\S+\s*$"
    r")",
    re.IGNORECASE,
)

# Furniture that can sit anywhere inside a short line.
_FURNITURE_ANYWHERE = re.compile(
    r"all rights reserved|\bcopyright\s*(?:©|\(c\)|\d{4})|©\s*(?:\d{4}|copyright)|"
    r"^\W*(?:©|\(c\)\s|copyright\b)(?=.*(?:\b(?:19|20)\d\d\b|\brights\b))|"
    r"non-commercial use only|"
    r"privacy policy.{0,40}terms of (?:use|service)|terms of (?:use|service).{0,40}privacy policy|"
    r"\b(?:sign up|subscribe)\b[^.]{0,60}\bnewsletters?\b|"
    r"\bnewsletters?\b[^.]{0,60}\b(?:sign up|subscribe now|in your inbox|to your inbox)\b|"
    r"\b(?:delivered|sent|straight|direct(?:ly)?)\b[^.]{0,30}\b(?:to|in) your inbox\b|"
    r"\bkeep an eye on your inbox\b|"
    r"\berror processing your\b|^[\w\s'’&-]{0,40}\bnewsletters?\W*$|"
    r"\bunsubscribe (?:at any time|anytime)\b|"
    r"\bclick(?:ing)? here\b|"
    r"\bfollow us\b[^.]{0,30}\bon (?:twitter|facebook|instagram|youtube|tiktok|x)\b",
    re.IGNORECASE,
)

_ANYWHERE_HINTS = (
    *("reserved", "copyright", "©", "(c)", "non-commercial", "terms of", "newsletter"),
    *("inbox", "unsubscribe", "error processing", "click", "follow us"),
)

_URL_ONLY_RE = re.compile(r"^\W*(?:https?://|www\.)\S+\W*$", re.IGNORECASE)

# A line made only of share-bar / social labels.
_SOCIAL_WORDS = _words(
    "facebook twitter x email e-mail mail whatsapp pinterest linkedin reddit print share "
    "tweet copy link messenger telegram flipboard sms comments comment save google+ google "
    "tumblr vk"
)

# Headings that open a rail of links to other stories; the rail runs until real prose.
_RAIL_HEAD = re.compile(
    r"^\W*(?:related(?: (?:stories|articles|content|posts|coverage|links|reading|news|"
    r"topics|videos?))?|read (?:more|next|also)|see also|also (?:read|see)|more (?:from|on|"
    r"stories|news|articles|coverage|to (?:read|explore))\b.*|recommended(?: for you| stories|"
    r" reading)?|you (?:may|might) (?:also )?(?:like|enjoy|be interested in)|"
    r"don[’']?t miss|most (?:read|popular|viewed|shared)(?: \w+){0,3}|trending(?: now)?|"
    r"popular on .*|top stories|latest (?:news|stories)|explore further|"
    r"leggi anche|lesen sie auch|mehr zum thema|lire aussi|à lire aussi|leia também|"
    r"veja também|lea también|ver también|more\s*:?|tags|topics|filed under|related topics|"
    r"keywords)\W*$",
    re.IGNORECASE,
)

_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|"
    r"janeiro|fevereiro|março|abril|maio|junho|julho|agosto|setembro|outubro|novembro|"
    r"dezembro|enero|febrero|marzo|mayo|junio|julio|septiembre|octubre|noviembre|diciembre|"
    r"januar|februar|märz|juni|juli|oktober|dezember|janvier|février|mars|avril|mai|juin|"
    r"juillet|août|septembre|octobre|novembre|décembre|gennaio|febbraio|aprile|maggio|"
    r"giugno|luglio|settembre|ottobre|dicembre"
)
_DATE_RE = re.compile(
    rf"\b(?:\d{{1,2}}[./-]\d{{1,2}}[./-]\d{{2,4}}|\d{{4}}-\d{{2}}-\d{{2}}|"
    rf"(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|"
    rf"\d{{1,2}}\.?\s+(?:de\s+)?(?:{_MONTHS})\.?,?\s+(?:de\s+)?\d{{4}})\b",
    re.IGNORECASE,
)
# Words a dateline/byline may carry besides the date itself.
_DATELINE_WORDS = re.compile(
    rf"\b(?:published|updated|posted|last|modified|on|at|by|am|pm|[ap]\.m\.|est|edt|pst|pdt|"
    rf"gmt|utc|bst|cet|cest|et|pt|"
    rf"mon|tue|wed|thu|fri|sat|sun|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    rf"segunda|terça|quarta|quinta|sexta|sábado|domingo|feira|de|às|um|am|le|el|"
    rf"{_MONTHS}|\d+(?:st|nd|rd|th)?|h|min|mins|minutes?|read|reading|time)\b",
    re.IGNORECASE,
)


def _is_dateline(line: str, authors: list[str]) -> bool:
    """A short line that only states when (and by whom) the piece was published."""
    words = _WORD_RE.findall(line)
    if not words or len(words) > 16:
        return False
    rest = line
    for name in authors:
        rest = rest.replace(name, " ")
    if not _DATE_RE.search(line) and rest == line:
        return False
    rest = _DATE_RE.sub(" ", rest)
    rest = _DATELINE_WORDS.sub(" ", rest)
    return len(_WORD_RE.findall(rest)) <= 1


def _is_byline(line: str, authors: list[str]) -> bool:
    text = _norm(line)
    if not text or len(text.split()) > 12:
        return False
    text = re.sub(r"^(?:by|von|par|por|di|door)\s+", "", text)
    names = {_norm(a) for a in authors}
    if text in names:
        return True
    stripped = text
    for name in sorted(names, key=len, reverse=True):
        if name:
            stripped = stripped.replace(name, " ")
    return (
        stripped != text
        and not re.sub(r"\b(?:and|with|staff|writer|reporter)\b", " ", stripped).split()
    )


def _is_furniture(line: str) -> bool:
    words = _WORD_RE.findall(line)
    if not words:
        return True  # punctuation-only separators: "___", "* * *"
    if len(words) > _SHORT:
        return False
    if all(w.casefold() in _SOCIAL_WORDS for w in words):
        return True
    if _FURNITURE_START.search(line):
        return True
    # the unanchored pattern is slow; only lines holding one of its anchor words need it
    low = line.casefold()
    return any(word in low for word in _ANYWHERE_HINTS) and bool(_FURNITURE_ANYWHERE.search(line))


def _is_rail_item(block: Block) -> bool:
    """A link-list entry: a bullet or link, or a short headline-like line."""
    if block.kind == "item" or block.link >= _LINKED:
        return True
    words = _WORD_RE.findall(block.text)
    return len(words) <= 16 and not block.text.rstrip().endswith((".", ":", "”", '"'))


# --------------------------------------------------------------------------- body

# A block whose text is at least this share of link text is a link, not prose.
_LINKED = 0.7


class Block(NamedTuple):
    """One line of extracted body text and what trafilatura's output tree says about it."""

    text: str
    kind: str  # "p", "head", "item", "quote", "table" or another trafilatura tag
    link: float  # share of the element's text that is link text
    group: int  # index of the top-level element it came from (items of one list share it)
    part: int = 0  # index of the element it came from (lines of one list item share it)
    lead: bool = False  # the element's text starts with a link, as headline teasers do


def _starts_with_link(element: _Element) -> bool:
    for node in element.iter():
        if node.text and node.text.strip():
            return node.tag == "ref" or any(
                a.tag == "ref" for a in node.iterancestors() if a is not element
            )
        if node is not element and node.tail and node.tail.strip():
            return False
    return False


def _blocks_from_body(body: _Element | None) -> list[Block]:
    """Flatten trafilatura's output tree into lines, keeping each line's element kind and
    link density (computed on the ``ref`` elements, which are then stripped)."""
    if body is None:
        return []
    blocks: list[Block] = []
    part_index = 0
    for group, child in enumerate(body):
        if not isinstance(child.tag, str):
            continue
        parts = list(child.iterchildren("item")) if child.tag == "list" else [child]
        for part in parts:
            part_index += 1
            kind = "item" if part.tag == "item" else child.tag
            linked = sum(len(_clean_inline("".join(r.itertext()))) for r in part.iter("ref"))
            lead = bool(linked) and _starts_with_link(part)
            if linked:
                strip_tags(part, "ref")  # plain text, not [text](url)
            lines = _lines(xmltotxt(part, False))
            length = sum(len(line) for line in lines)
            share = min(1.0, linked / length) if length else 0.0
            for line in lines:
                if kind == "item" and not line.startswith("- "):
                    line = f"- {line}"
                blocks.append(Block(line, kind, share, group, part_index, lead))
    return blocks


def _extract_body(tree: HtmlElement, url: str | None, fast: bool) -> list[Block]:
    doc = trafilatura.bare_extraction(
        tree,
        url=url,
        fast=fast,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=True,  # link density tells related-story rails from body lists
        with_metadata=False,
        output_format="txt",  # bare_extraction then skips a whole-body text rendering
    )
    if doc is None:
        return []
    blocks = _blocks_from_body(doc.body)
    if not blocks and doc.raw_text:
        blocks = [Block(line, "p", 0.0, i) for i, line in enumerate(_lines(doc.raw_text))]
    return blocks


_P_TEXT_XPATH = XPath("//p/text()[contains(., $probe)]")


def _prose_paragraphs(container: _Element) -> list[str]:
    texts = (_clean_inline(p.text_content()) for p in container.iterfind(".//p"))
    return [t for t in texts if len(_WORD_RE.findall(t)) >= 12]


def _merge_split_body(tree: HtmlElement, blocks: list[Block]) -> list[Block]:
    """Append the rest of an article body that the page splits into several containers
    of the same class (ad slots between the chunks); extractors stop after the first.

    Guards: the first chunk must hold at least two of the extracted paragraphs, later
    chunks must each hold at least two prose paragraphs (a grid of one-paragraph teaser
    cards does not qualify) and sit outside comment threads, rails and footers.
    """
    home = None
    # Locate the extracted text in the page through a text node: scanning text nodes is
    # far cheaper than the string value of every <p>.
    for block in [b for b in blocks if b.kind == "p" and len(b.text) > 120][:3]:
        found = _P_TEXT_XPATH(tree, probe=block.text[:40])
        if len(found) == 1:
            home = found[0].getparent()
            home = home.getparent() if home is not None else None
            break
    if home is None or not isinstance(home.tag, str) or not home.get("class"):
        return blocks
    seen = {_norm(b.text) for b in blocks}
    if sum(_norm(t) in seen for t in _prose_paragraphs(home)) < 2:
        return blocks
    if not home.tag.isalnum():
        return blocks
    siblings = tree.xpath(f"//{home.tag}[@class=$cls]", cls=home.get("class"))
    if len(siblings) < 2:
        return blocks
    added: list[Block] = []
    group = max(b.group for b in blocks) + 1
    after_home = False
    for container in siblings:
        if container is home:
            after_home = True
            continue
        if not after_home or _in_page_furniture(container):
            continue
        texts = [t for t in _prose_paragraphs(container) if _norm(t) not in seen]
        if len(texts) < 2:
            continue
        for text in texts:
            seen.add(_norm(text))
            added.append(Block(text, "p", 0.0, group))
        group += 1
    return [*blocks, *added] if added else blocks


def _in_page_furniture(element: _Element) -> bool:
    """Inside an aside/footer/nav, or a comments/related/sidebar-classed wrapper."""
    return any(
        a.tag in ("aside", "footer", "nav", "figure", "blockquote")
        or _NOT_BYLINE_AREA.search(f"{a.get('class', '')} {a.get('id', '')}")
        for a in element.iterancestors()
        if a.tag not in _PAGE_LEVEL  # page-wide classes say nothing about the element
    )


def _lines(text: str) -> list[str]:
    return [line for raw in text.splitlines() if (line := _clean_inline(raw))]


def _text_length(blocks: list[Block]) -> int:
    return sum(len(b.text) for b in blocks)


def _drop_rails(blocks: list[Block]) -> list[Block]:
    """Remove "Related"-style rails: a rail heading plus the link items after it, and
    lists made of links (unless such a list is most of the page, as on a link roundup)."""
    total = _text_length(blocks) or 1
    linked_groups: set[int] = set()
    for group in {b.group for b in blocks if b.kind == "item"}:
        lines = [b for b in blocks if b.group == group]
        items = {b.part: b for b in lines}.values()
        # a rail entry is a link, or a headline link followed by its teaser
        linked = [b for b in items if b.link >= _LINKED or (b.lead and b.link >= 0.25)]
        if len(items) >= 2 and len(linked) * 2 > len(items) and _text_length(lines) < total / 2:
            linked_groups.add(group)
    kept: list[Block] = []
    in_rail = False
    for block in blocks:
        if block.group in linked_groups:
            continue
        if _RAIL_HEAD.match(block.text) and len(_WORD_RE.findall(block.text)) <= 8:
            in_rail = True
            continue
        if in_rail and _is_rail_item(block):
            continue
        in_rail = False
        kept.append(block)
    return kept


def _clean_paragraphs(
    blocks: list[Block],
    *,
    titles: set[str],
    standfirst: str | None,
    authors: list[str],
) -> list[str]:
    standfirst_key = _norm(standfirst) if standfirst else None
    out: list[str] = []
    in_header = True
    for index, block in enumerate(_drop_rails(blocks)):
        line = block.text
        key = _norm(line)
        if not key:
            continue
        # Page-header leftovers (headline, dek, dateline, byline) come before the first
        # prose paragraph; the same words deeper down are body text (a lede the dek repeats).
        if in_header and index < _HEADER_LINES:
            if key in titles:
                continue
            if standfirst_key and key == standfirst_key:
                standfirst_key = None
                continue
            if _is_dateline(line, authors) or _is_byline(line, authors):
                continue
            # an echoed page address above the story (links in a list further down stay)
            if _URL_ONLY_RE.match(line):
                continue
        if _is_furniture(line):
            continue
        if in_header and _is_prose(line):
            in_header = False
        out.append(line)
    return out


_SENTENCE_END = (".", "!", "?", "”", '"', "。", "！", "？", "…")


def _is_prose(line: str) -> bool:
    return len(_WORD_RE.findall(line)) >= 12 or line.rstrip().endswith(_SENTENCE_END)


def _prose_length(blocks: list[Block]) -> int:
    """Characters in sentence-like, non-link lines: menus and link lists score low."""
    return sum(len(b.text) for b in blocks if b.link < _LINKED and _is_prose(b.text))


def _readability(blocks: list[Block]) -> float:
    """Prose gained minus half the non-prose carried along: picks a clean candidate over
    a longer one that drags a menu or link list with it."""
    prose = _prose_length(blocks)
    return prose - 0.5 * (_text_length(blocks) - prose)


def _prose_share(blocks: list[Block]) -> float:
    total = _text_length(blocks)
    return _prose_length(blocks) / total if total else 0.0


def _arbitrate_with_jsonld(paragraphs: list[str], body: str | None) -> list[str]:
    """Keep only paragraphs the publisher's JSON-LD articleBody vouches for.

    Applies only when that body is long and agrees with most of the extracted text:
    a truncated teaser or a mismatched object must not delete real paragraphs.
    """
    if not body or len(body) < _MIN_JSONLD_BODY_CHARS or not paragraphs:
        return paragraphs
    reference = _shingles(body)
    if _containment("\n".join(paragraphs), reference) < _JSONLD_AGREEMENT:
        return paragraphs
    kept = [
        p for p in paragraphs if len(_WORD_RE.findall(p)) < 4 or _containment(p, reference) >= 0.5
    ]
    return kept or paragraphs


_TITLE_SEPARATOR_RE = re.compile(r"\s+[|\-–—:·•»]\s+")


def _title_keys(tree: HtmlElement, title: str | None) -> set[str]:
    """Normalised forms of every headline the page shows or declares."""
    keys: set[str] = set()
    candidates = [title] if title else []
    for h1 in tree.iterfind(".//body//h1"):
        candidates.append(h1.text_content())
    for meta in tree.iterfind(".//head/meta[@content]"):
        key = (meta.get("property") or meta.get("name") or "").lower()
        if key in ("og:title", "twitter:title"):
            candidates.append(meta.get("content", ""))
    title_el = tree.find(".//head/title")
    if title_el is not None and title_el.text:
        candidates.append(title_el.text)
    # "Headline - Section | Site" and "Site: Headline": every cut at a separator
    for full in list(candidates):
        for match in _TITLE_SEPARATOR_RE.finditer(full):
            candidates += (full[: match.start()], full[match.end() :])
    for text in candidates:
        key = _norm(text)
        if len(key.split()) >= 2 or len(key) >= 12:
            keys.add(key)
    return keys


# --------------------------------------------------------------------------- entry point


def extract_html(html: str | bytes, url: str | None = None) -> ExtractedArticle:
    """Extract the article from one HTML page. Never raises: problems go in ``error``."""
    try:
        return _extract(html, url)
    except RecursionError:  # pathological nesting in code that walks the tree
        return ExtractedArticle(url=url, error="extraction failed: markup nested too deeply")
    except Exception as exc:  # one bad page must never stop a batch
        reason = (f"{type(exc).__name__}: {exc}".splitlines() or ["unknown"])[0][:200]
        return ExtractedArticle(url=url, error=f"extraction failed: {reason}")


def _extract(html: str | bytes, url: str | None) -> ExtractedArticle:
    text = _to_text(html).replace("\x00", "")
    if reason := _junk_reason(text):
        return ExtractedArticle(url=url, error=reason)
    tree = load_html(text)
    if tree is None or (tree.find(".//body") is None and len(tree) == 0):
        return ExtractedArticle(url=url, error="unparseable HTML")

    blocks = _extract_body(tree, url, fast=True)
    if _prose_share(blocks) < _MIN_PROSE_SHARE:
        # Nothing, or a menu dump: where trafilatura's fallback extractors (readability,
        # justext) earn their cost. Keep whichever candidate reads more like prose. (Short
        # output that is prose needs no retry: trafilatura escalates that case itself.)
        retry = _extract_body(tree, url, fast=False)
        if _readability(retry) > _readability(blocks):
            blocks = retry

    meta = examine_meta(tree)
    with contextlib.suppress(Exception):  # its JSON-LD walker trips on odd schemas
        meta = extract_meta_json(tree, meta)
    title = meta.title or extract_title(tree)
    title = _clean_inline(title) if title else None
    outlet = _outlet(meta.sitename or extract_sitename(tree), url, tree, title)
    title = _strip_outlet(title, outlet) if title else None
    authors = _split_authors(meta.author or _byline_authors(tree))
    authors = _drop_outlet_authors(authors, outlet, url)
    jsonld_body, jsonld_language = _jsonld_fields(tree)

    blocks = _merge_split_body(tree, blocks)
    opening = " ".join(b.text for b in blocks[:4])
    standfirst, standfirst_shown = _standfirst(tree, title, meta.description, opening)

    paragraphs = _clean_paragraphs(
        blocks,
        titles=_title_keys(tree, title),
        standfirst=standfirst if standfirst_shown else None,
        authors=authors,
    )
    paragraphs = _arbitrate_with_jsonld(paragraphs, jsonld_body)

    language = _page_language(tree, jsonld_language) or _guess_language(" ".join(paragraphs))
    article = ExtractedArticle(
        url=url,
        title=title,
        standfirst=standfirst,
        authors=authors,
        published=_published(tree, url),
        outlet=outlet,
        language=language,
        paragraphs=paragraphs,
    )
    if not paragraphs:
        article.error = "no article text found"
    return article


def _standfirst(
    tree: HtmlElement, title: str | None, description: str | None, opening: str
) -> tuple[str | None, bool]:
    """(standfirst, whether it is displayed on the page as a dek).

    A marked-up dek wins. A meta description counts only when it is not simply the
    opening of the article (many sites fill it with the lede); ``opening`` is the start
    of the extracted text.
    """
    if dek := _dek_from_markup(tree, title):
        return dek, True
    if not description:
        return None, False
    description = _clean_inline(description)
    key = _norm(description.rstrip(".… "))
    if len(key.split()) < 5 or (title and key == _norm(title)):
        return None, False
    if _displayed_as_dek(tree, description):
        return description, True
    if _norm(opening).find(key[: max(40, len(key) // 2)]) != -1:
        return None, False
    if _containment(description, _shingles(opening)) >= 0.6:
        return None, False
    return description, False
