"""Plain-text page dumps (a browser copy-paste or a text export) -> ExtractedArticle.

trafilatura and the other boilerplate removers work on the HTML tree; a text dump has no
tree left, only lines. So this module classifies lines with hand-written heuristics that
rely on what survives a dump: line length, terminal punctuation, capitalisation, and the
stock phrases of page furniture. The rules, in the order they run:

1. Cleaning. Any line ending (``\\r\\n``, ``\\r``, Unicode separators) splits lines;
   control and zero-width characters are dropped and whitespace runs collapse. Input that
   is mostly control or replacement characters is refused as binary.
2. Re-flowing. A hard-wrapped export (most lines <= 100 characters, blank lines between
   blocks) has its lines joined within a block when the next line's first word would not
   have fitted on the line - the test a wrapping tool applies. Browser dumps, whose
   paragraphs sit on one long line each, are left alone.
3. Classifying each line as text, a separator (``-``, ``___``, a lone item number),
   furniture (share/social buttons, "Advertisement", navigation runs, captions, cookie
   banners), a promotion ("Subscribe to ...", "Sign up for ...", "... delivered to your
   inbox", "A free daily email ..."), a byline, a date line, a rail header ("MOST READ",
   "Related coverage", "You may also like" ...), an inline link ("Read more: ...") or a
   footer ("(c)", "All rights reserved", a "Terms | Privacy" row). Furniture is short, so
   lines over 400 characters are always text. A names-only line right above a date line
   is a byline too ("Jane Doe in Paris" / "Tue 4 Mar 2025"). Words in Chinese and
   Japanese are counted as two characters each.
4. The article's prose run. A whole-page dump has menus, teaser lists and comments
   around the article, so the body is located first: prose lines (20+ words, or 10+ with
   sentence punctuation) form runs that step over furniture, promos, rails, one-word
   lines and up to four other short lines; a full date line (a comment's or a feed item's
   timestamp, not a live blog's bare time) ends a run. The best run has the most prose
   words, scaled by the square of its prose share (teaser lists alternate headline and
   blurb), doubled when it opens with a wire dateline ("WASHINGTON (AP) -").
5. Title: searched in the header above the run, back to the nearest menu (three short
   lines in a row), rail header or footer, at most 40 lines: the first text line of five
   or more words (else three or four) that is not an all-caps masthead or label and does
   not read as a paragraph. When a URL slug matches another line much better, it wins.
6. Header: bylines and date lines after the title give ``authors`` and ``published``. The
   first text line there is the standfirst when it is 4-60 words, is not a dateline lede,
   and either has no terminal full stop or is followed by a byline or date (a full
   sentence straight before the body is the lede, not a dek).
7. Body: text lines from the header to the end of the prose run (a footer, or a full date
   line with another one close below it - a comment thread - ends it sooner); rails and
   links are still collected after it. Promotions are dropped together with up to three
   following lines that still talk promo (second person, inbox, newsletter, e-mail,
   price); a line already seen is dropped (promos are often printed twice). A line is a
   paragraph when it has 15+ words, or 3+ words and sentence-final punctuation; a shorter
   line is kept as a subheading only when a paragraph follows it.
8. Rails. A rail header starts a list of items; so does, without a header, a run of two
   or more items that each end with a byline (the usual "-", title, teaser, "By ..."
   cards). An item is: optional separators, an optional stand-alone kicker line, a title
   (no full stop, <= 25 words), teaser lines, an optional byline. A rail keeps the shape
   of its first item (separator or not, byline or not) and ends at the first line that
   does not fit it, so a rail inside the article does not swallow the text after it.
   Kickers come from a "LABEL: title" prefix, a stand-alone label line, a teaser that
   starts with a known format label ("The Explainer", "Talking Point" ...), or, as the
   general rule, a Title-Case prefix of 2-4 words that starts two or more teasers of the
   same rail and is followed by a new sentence.
9. Bylines: "By A, B and C", "By NAME FOR OUTLET", "By Name, The Outlet UK Published",
   "Name | Updated 3 hours ago", "Name · 5 min read", "Name, Role | March 6, 2025". Without
   "By" a name list needs a date or reading-time part to count. Segments are names (2-5
   capitalised words; ALL CAPS is title-cased), organisations ("The ...", a news word such
   as Press/Times/Staff, an acronym) or roles ("Local Democracy Reporter"), which are
   ignored. An organisation ending in a country or edition word ("The Week UK") is the
   edition; a staff byline ("The Week Staff") is a byline, not an edition.

Nothing here raises: an input with no article-like text gives an ExtractedArticle with
``error`` set. Every step is a bounded look at neighbouring lines, so time is linear.
Known gaps: a comment thread longer than the article can win step 4; product lists and
listicles of short lines lose most of their items; only English furniture phrases are
known.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from broadsheet.models import ExtractedArticle, RelatedLink

__all__ = ["Byline", "extract_text_dump", "parse_byline"]

# Line kinds.
TEXT = "text"
SEP = "sep"
FURNITURE = "furniture"
PROMO = "promo"
BYLINE = "byline"
DATE = "date"
RAIL = "rail"
LINK = "link"
FOOTER = "footer"

_MAX_SHORT = 400  # furniture, bylines and headers are never longer than this
_RUN_GAP = 4  # short text lines, bylines or dates a run of body prose may step over
_HEADER_LOOKBACK = 40  # lines above the body searched for the title

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f"), None)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_CLOSERS = "'\"’”)]»*"

# A line of nothing but punctuation/symbols, or a lone item number ("1", "2.").
_CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_SEP_RE = re.compile(r"^(?:[^\w\s]|_)(?:[^\w]|_)*$|^\d{1,2}[.)]?$")
_BULLET_RE = re.compile(r"^(?:[-–—•*·▪►>]|\d{1,2}[.)])\s+")
_DATELINE_RE = re.compile(
    r"^(?:[A-Z][A-Z.'’\- ]{1,40}(?:,\s*[A-Za-z.'’\- ]{1,30})?\s*(?:\([^)]{1,30}\))?"
    r"|[A-Z][\w.'’\- ]{1,40}(?:,\s*[\w.'’\- ]{1,30})?\s*\([A-Za-z]{2,12}\))\s*[—–-]{1,2}\s+\S"
)

_FOOTER_RE = re.compile(r"^(?:©|\(c\)\s|copyright\b)|\ball rights reserved\b", re.I)
_FOOTER_NAV_RE = re.compile(r"\b(?:privacy|terms|unsubscribe|contact us|cookie)", re.I)
_NAV_SPLIT_RE = re.compile(r"\s*[|•·›»]\s*|\s+[>/]\s+")

_RAIL_HEADER_RE = re.compile(
    r"^(?:most (?:read|popular|viewed|shared|commented)(?: (?:today|this week|stories|now))?"
    r"|related(?: (?:coverage|articles?|stories|content|reading|links|news))?"
    r"|you(?:'ll)? (?:may|might) (?:also )?(?:like|enjoy)"
    r"|more (?:from|on|in|like|stories|news|to read|top stories)\b.{0,40}"
    r"|read (?:next|more|this next)|recommended(?: for you| reading| stories| articles)?"
    r"|trending(?: now| stories)?|top stories|latest(?: news| stories| headlines)?"
    r"|in case you missed it|editors?'?s? (?:picks|choice)|popular(?: now| stories)?"
    r"|up next|what to read next|further reading|see also|also (?:read|on|in) .{0,40}"
    r"|don't miss|elsewhere on .{0,40}|(?:from )?around the web"
    r"|(?:promoted|sponsored) stories)$"
)
_LINK_RE = re.compile(
    r"^(?:read more|related|read|see|see also|also read|more|read also|more on this"
    r"|recommended|must read|don't miss|read next)\s*[:|›»>]\s*(?P<title>\S.*)$",
    re.I,
)

_COOKIE_RE = re.compile(
    r"\bcookies?\b.*\b(?:we|our|partners|consent|accept|preferences|settings|privacy"
    r"|personali[sz]\w*|experience|policy|device)\b"
    r"|\b(?:we|our partners)\b.*\bcookies?\b|^we value your privacy"
    r"|^(?:your )?privacy (?:settings|preferences|choices|options)$"
    r"|^(?:manage|cookie|consent) (?:preferences|settings|options|choices)$"
    r"|^(?:accept|reject|allow|decline|refuse)(?: all| essential)?(?: cookies)?$"
    r"|^(?:i agree|i accept|agree|got it|ok|okay)$|^(?:cookie|privacy) (?:policy|notice)$"
)
_FURNITURE_RE = re.compile(
    r"^(?:share|share (?:this|the) (?:article|story|page|post)|share (?:on|via) \w+"
    r"|share (?:or|and) comment.*|share what you think|tweet|e-?mail|print|facebook|twitter"
    r"|x|threads|bluesky|linkedin|whatsapp|reddit|pinterest|flipboard|messenger|telegram"
    r"|copy link(?: copied)?|link copied|copied|copy|save|saved|save (?:article|story|for later)"
    r"|bookmark|gift (?:this )?article|listen(?: to (?:this )?(?:article|story))?(?: \d+ min)?"
    r"|comments?|view comments|leave a comment|add a comment|join the (?:conversation|discussion)"
    r"|\d+ (?:shares?|comments?)|comments? \(?\d+\)?|show more|load more|see more|view more"
    r"|more|follow|back to top|top|home|menu|search|close|open|sections|navigation"
    r"|skip to (?:main )?content|skip navigation|log ?in|sign ?in|log ?out|my account|account"
    r"|advertisement|advert|ad|sponsored(?: content)?|promoted(?: content)?"
    r"|paid (?:post|content|partner content)|(?:story|article) continues (?:below|after .{0,30})"
    r"|continue reading(?: below)?|scroll (?:down )?to continue(?: reading)?|skip (?:advert|ad)"
    r"|click here.*|tap here.*|watch|video|play|pause|mute|unmute|loading.*|image|photo"
    r"|getty images|explore more on these topics|topics|tags|related topics|reuse this content"
    r"|share this|share this (?:article|story) on .{0,30}|tags?:? .{0,80}|topics?: .{0,80}"
    r"|(?:show )?more (?:sharing|share) options|copy link.{0,20}|\([^()]{2,80}\)"
    r"|report an (?:error|issue)|corrections?)[.!:]?$"
)
_CAPTION_RE = re.compile(
    r"\((?:image|photo|picture|pic|credit|image credit|photograph|illustration)s?:[^)]{1,80}\)$"
    r"|^(?:image|photo|photograph|picture|pic|illustration|video)(?: credit)?:\s"
    r"|^(?:image|photo) (?:copyright|source|caption|credit)\b"
    r"|\b(?:getty images|shutterstock|alamy|ap photo(?:/[\w .]+)?)\)?$",
    re.I,
)
_PROMO_START_RE = re.compile(
    r"^(?:subscribe|sign up|sign-up|signup|sign me up|register (?:now|today|for free|to)"
    r"|join (?:us|our|now|today)|start (?:your|a) (?:free )?trial|download (?:the|our)\b"
    r"|follow us\b|like us on|become a (?:member|subscriber|supporter)"
    r"|follow .{1,40} on (?:instagram|facebook|twitter|x|youtube|tiktok|linkedin|threads)\b"
    r"|support (?:our|us|independent)|already a (?:subscriber|member)|unlock\b|newsletter\b"
    r"|get (?:the best of|our|unlimited|full access|\d+% off|a free))\b"
)
_PROMO_ANY_RE = re.compile(
    r"\b(?:delivered (?:directly |straight )?(?:to|in|into) your inbox|in your inbox[.!]?$"
    r"|free (?:daily |weekly )?(?:email|e-mail|newsletter)s?\b|our (?:free )?newsletters?\b"
    r"|sign up (?:for|to)\b|subscribe (?:to|now|today)\b|do you have a story"
    r"|email us at|tip us off|this (?:site|website|page) is protected by recaptcha)"
)
# Words that keep a promotion going on the lines after its heading.
_PROMO_WEAK_RE = re.compile(
    r"\b(?:you|your|yours|inbox|newsletters?|subscri\w*|e-?mail|delivered|free trial"
    r"|sign up|per (?:issue|month|week|year))\b|[$£€]\s?\d"
)

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DATE_TOKENS_RE = re.compile(
    r"\b(?:published|updated|posted|last updated|first published|modified|on|at|am|pm|a\.m"
    r"|p\.m|gmt|bst|utc|cet|cest|est|edt|cst|cdt|pst|pdt|et|pt|ist|aest|aedt|"
    + _MONTH[3:-1]
    + r"|mon(?:day)?|tue(?:s|sday)?|wed(?:nesday)?|thu(?:rs|rsday)?|fri(?:day)?"
    r"|sat(?:urday)?|sun(?:day)?|today|yesterday|ago|just now|seconds?|secs?|minutes?|mins?"
    r"|hours?|hrs?|days?|weeks?|months?|years?|read|reading time|st|nd|rd|th)\b",
    re.I,
)
_DIGIT_RE = re.compile(r"\d")
_FULL_DATE_RE = re.compile(
    rf"\b{_MONTH}\b|\d{{4}}|\bago\b|\b(?:today|yesterday)\b|\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}",
    re.I,
)
_DATE_VALUE_RE = re.compile(
    rf"\b{_MONTH}\b|\d{{4}}|\d{{1,2}}:\d{{2}}|\bago\b|\b(?:today|yesterday)\b|"
    r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}",
    re.I,
)
_DATE_PREFIX_RE = re.compile(
    r"^(?:published|updated|posted|last updated|first published|modified)\s*(?:on|at)?\s*:?\s*",
    re.I,
)
_READ_TIME_RE = re.compile(r"\b\d+\s*(?:min|mins|minutes?)(?:\s+read)?\b", re.I)

# Where the names part of a byline ends and its date/meta part begins.
# Matched against the lower-cased line (faster than re.I); the date part only when the
# line has a digit.
_BYLINE_META_RE = re.compile(
    r"\s+[|·•]\s*|\s+[—–]\s+|\s+-\s+"
    r"|\b(?:published|updated|posted|last updated|first published|modified"
    r"|yesterday|today|just now)\b"
)
_BYLINE_META_DATE_RE = re.compile(
    r"\b\d+\s*(?:min|mins|minute|minutes)\s+read\b"
    rf"|\b{_MONTH}\.?\s+\d{{1,2}}\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}\b"
    r"|\b\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}\b|\b\d+\s+(?:hours?|minutes?|mins?|days?|weeks?)\s+ago\b"
    r"|\b\d{1,2}:\d{2}\b"
)
_FOR_RE = re.compile(r"\s+for\s+", re.I)  # "By SAM HILL FOR THE DAILY EXAMPLE"
_NAMES_SPLIT_RE = re.compile(r"\s*,\s*|\s+(?:and|&)\s+", re.I)
_IN_PLACE_RE = re.compile(r"\s+in\s+(?=[A-Z])")  # "Jane Doe in Paris"
_META_SPLIT_RE = re.compile(r"\s*[|·•]\s*")
_LETTERS_RE = re.compile(r"[^\W\d_]+")
_NON_LETTERS_RE = re.compile(r"[\d\W_]+")
_BY_RE = re.compile(
    r"^(?:by|written by|words by|reporting by|posted by|story by)\s*:?\s+(?P<rest>\S.*)$", re.I
)
_TRAILING_ON_RE = re.compile(r"\s+(?:on|at)$", re.I)  # "Posted by Jo Bloggs on <date>"


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_SMALL_WORDS = _wordset(
    "a an and as at but by for from in into of on or the to vs via with de la le"
)
_PARTICLES = _wordset(
    "de da di du van von der den la le al el bin ibn dos das del della ter ten st st."
)
_ORG_LAST = _wordset(
    "news times press herald journal tribune gazette chronicle courier telegraph guardian "
    "independent observer week weekly daily magazine media wire agency network bureau desk "
    "staff team reporters correspondents editors online service services newsroom"
)
_ORG_ANY = _wordset("associated reuters bloomberg afp newsroom mailonline")
_STAFF = _wordset("staff team reporters correspondents editors desk newsroom")
_ROLE = _wordset(
    "reporter correspondent editor writer columnist contributor producer analyst critic "
    "chief senior deputy photographer intern fellow host presenter"
)
_EDITION = _wordset(
    "uk us usa australia au nz india ireland canada europe asia africa international world "
    "global edition americas"
)
# Format labels that head a teaser ("The Explainer The newly ..."). The general
# repeated-prefix rule in _rail_kickers covers labels not listed here.
_KICKERS = tuple(
    sorted(
        (
            "The Explainer",
            "Explainer",
            "Talking Point",
            "Speed Read",
            "In the Spotlight",
            "Today's Big Question",
            "Instant Opinion",
            "In Depth",
            "In Brief",
            "Analysis",
            "Opinion",
            "Comment",
            "Review",
            "Interview",
            "Live",
            "Podcast",
            "Video",
            "Watch",
            "Exclusive",
            "Breaking",
            "Fact Check",
            "Briefing",
            "The Long Read",
            "Long Read",
            "Profile",
            "Obituary",
            "Feature",
            "Q&A",
            "Quiz",
            "Under the Radar",
            "The List",
            "Pick of the Week",
            "Pick of the Day",
            "Why It Matters",
            "Deep Dive",
            "Explained",
            "Investigation",
            "Editorial",
            "Letters",
            "The Big Picture",
            "Good News",
        ),
        key=len,
        reverse=True,
    )
)
_KICKERS_LOWER = frozenset(k.lower() for k in _KICKERS)
# "EXCLUSIVE: ..." or "Analysis: ..." at the start of a rail title.
_TITLE_KICKER_RE = re.compile(r"^(?P<label>[^:]{2,30}?)\s*:\s+(?P<rest>\S.*)$")


@dataclass(slots=True)
class Byline:
    """A parsed byline: people, the organisation credited, its edition, any date text."""

    names: list[str] = field(default_factory=list)
    org: str | None = None
    edition: str | None = None
    date: str | None = None

    @property
    def display(self) -> str | None:
        """Names as a phrase ("A, B and C"), else the organisation."""
        if self.names:
            if len(self.names) == 1:
                return self.names[0]
            return ", ".join(self.names[:-1]) + " and " + self.names[-1]
        return self.org


@dataclass(slots=True)
class _Line:
    text: str
    kind: str
    words: int
    byline: Byline | None = None
    link: str | None = None  # the title of an inline "Read more: ..." link


# --------------------------------------------------------------------------- helpers


def _clean(line: str) -> str:
    return " ".join(_CONTROL.sub(" ", line.translate(_INVISIBLE)).split())


def _norm(s: str) -> str:
    return s.replace("’", "'").replace("‘", "'")


def _strip_closers(s: str) -> str:
    return s.rstrip(_CLOSERS + " ")


def _ends_full_stop(s: str) -> bool:
    core = _strip_closers(s)
    return core.endswith(".") and not core.endswith("..")


def _ends_sentence(s: str) -> bool:
    return _strip_closers(s)[-1:] in (".", "!", "?", "…", ":", ";")


def _has_letters(s: str) -> bool:
    return any(c.isalpha() for c in s)


def _is_all_caps(s: str) -> bool:
    letters = [c for c in s if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


def _starts_with_quote(s: str) -> bool:
    return s[:1] in "\"'“‘«„"


def _title_case_name(s: str) -> str:
    if not _is_all_caps(s):
        return s
    return _LETTERS_RE.sub(lambda m: m.group(0).capitalize(), s)


# --------------------------------------------------------------------------- bylines


def _is_name(seg: str) -> bool:
    tokens = seg.split()
    if not 2 <= len(tokens) <= 5 or tokens[0].lower() in ("the", "a", "an"):
        return False
    for tok in tokens:
        if tok.lower() in _PARTICLES:
            continue
        if not tok[0].isupper() or not all(c.isalpha() or c in "'’.-" for c in tok):
            return False
    return tokens[-1][0].isupper()


def _is_org(seg: str, outlet: str | None) -> bool:
    tokens = seg.split()
    if not tokens or not all(
        t[0].isupper() or t[0].isdigit() or t.lower() in _SMALL_WORDS for t in tokens
    ):
        return False
    low = [t.lower().strip(".,") for t in tokens]
    if outlet and seg.lower().startswith(outlet.lower()):
        return True
    if low[0] == "the" and len(tokens) >= 2:
        return True
    if low[-1] in _ORG_LAST or any(t in _ORG_ANY for t in low):
        return True
    if len(tokens) >= 2 and low[-1] in _EDITION:
        return True
    return len(tokens) == 1 and tokens[0].isupper() and 2 <= len(tokens[0]) <= 6


def _split_caps_org(seg: str) -> list[str]:
    """'JOHN ROE Associated Press' -> ['JOHN ROE', 'Associated Press'] (case change)."""
    tokens = seg.split()
    if len(tokens) < 3 or not tokens[0].isupper():
        return [seg]
    for k in range(2, len(tokens)):
        if not tokens[k].isupper() and all(t.isupper() for t in tokens[:k]):
            return [" ".join(tokens[:k]), " ".join(tokens[k:])]
    return [seg]


def _meta_start(rest: str) -> int:
    """Where the names part of a byline ends and its date/meta part begins."""
    low = rest.lower()
    cut = len(rest)
    m = _BYLINE_META_RE.search(low)
    if m:
        cut = m.start()
    if _DIGIT_RE.search(low[:cut]):
        m = _BYLINE_META_DATE_RE.search(low, 0, cut)
        if m:
            cut = m.start()
    return cut


def parse_byline(line: str, outlet: str | None = None, *, bare: bool = False) -> Byline | None:
    """Parse a byline line, or return None when the line is not one.

    With a leading "By" the names part decides; without it a date or reading-time part
    must follow the names (``"Jo Bloggs · 3 min read"``), since a bare "Jane Doe" line
    could be anything. ``bare=True`` accepts a names-only line (the caller has other
    evidence, such as a date line right below it).
    """
    text = line.strip()
    if not text or len(text) > 200:
        return None
    m = _BY_RE.match(text)
    if not m and (len(text) > 120 or not text[0].isupper()):
        return None  # without "By" a byline is a few capitalised names and a date
    rest = m.group("rest") if m else text
    cut = _meta_start(rest)
    names_part = _TRAILING_ON_RE.sub("", rest[:cut].strip(" ,;:"))
    meta = rest[cut:].strip(" |·•—–-,")
    if not m and not (bare and not meta) and (not meta or not _is_dateish(meta)):
        return None
    if not names_part or len(names_part.split()) > 14:
        return None

    byline = Byline()
    parts = _FOR_RE.split(names_part, maxsplit=1)
    if len(parts) == 2:
        names_part, byline.org = parts[0].strip(" ,"), parts[1].strip(" ,")
    segments: list[str] = []
    for seg in _NAMES_SPLIT_RE.split(names_part):
        seg = _IN_PLACE_RE.split(seg.strip(), maxsplit=1)[0]
        segments.extend(_split_caps_org(seg))
    for seg in segments:
        if not seg:
            continue
        low = {t.lower().strip(".,") for t in seg.split()}
        if low & _ROLE and not (low & _STAFF):
            continue  # "Local Democracy Reporter", "Political Editor": a role, not a name
        if seg.lower().startswith("in "):
            continue  # "..., in Washington"
        if _is_org(seg, outlet):
            byline.org = byline.org or seg
        elif _is_name(seg):
            byline.names.append(_title_case_name(seg))
        else:
            return None
    if not byline.names and (bare or not byline.org):
        return None
    if byline.org:
        org_low = [t.lower() for t in byline.org.split()]
        if org_low[-1] in _EDITION and not set(org_low) & _STAFF:
            byline.edition = byline.org
    if meta:
        byline.date = _date_value(meta)
    return byline


# --------------------------------------------------------------------------- dates


def _is_dateish(s: str) -> bool:
    """A line that is nothing but a date, a time, 'updated ... ago' or a reading time."""
    if len(s) > 120 or (not _DATE_VALUE_RE.search(s) and not _READ_TIME_RE.search(s)):
        return False  # "$139.00" is a price, not a date
    if not _DIGIT_RE.search(s):
        low = s.lower()
        if "today" not in low and "yesterday" not in low and "just now" not in low:
            return False
    rest = _DATE_TOKENS_RE.sub(" ", s)
    return not _NON_LETTERS_RE.sub("", rest)


def _date_value(s: str) -> str | None:
    """The first date-bearing segment of a date/meta line, without its 'Updated:' prefix."""
    for seg in _META_SPLIT_RE.split(s):
        seg = _DATE_PREFIX_RE.sub("", seg.strip()).strip(" ,;:")
        seg = _READ_TIME_RE.sub("", seg).strip(" ,;:")
        if seg and _DATE_VALUE_RE.search(seg):
            return seg
    return None


# --------------------------------------------------------------------------- lines


_PROMO_HINTS = ("inbox", "newsletter", "mail", "sign up", "subscribe", "story", "tip us", "captcha")
_CAPTION_HINTS = (":", "getty", "shutterstock", "alamy", "ap photo")
_NAV_CHARS = frozenset("|•·›»>/")


def _is_navish(s: str) -> bool:
    """A row of short links: 'Terms | Privacy policy | Contact us'."""
    segs = [p for p in _NAV_SPLIT_RE.split(s) if p]
    return len(segs) >= 2 and all(len(p.split()) <= 6 for p in segs)


def _is_footer(s: str, low: str) -> bool:
    if (low.startswith(("©", "(c)", "copyright")) or "rights reserved" in low) and (
        _FOOTER_RE.search(s)
    ):
        return True
    return ("|" in s or "·" in s) and bool(_FOOTER_NAV_RE.search(s)) and _is_navish(s)


def _is_nav(s: str) -> bool:
    if not _NAV_CHARS.intersection(s):
        return False
    segs = [p for p in _NAV_SPLIT_RE.split(s) if p]
    return len(segs) >= 3 and all(len(p.split()) <= 3 and not _ends_sentence(p) for p in segs)


def _count_words(s: str) -> int:
    words = len(s.split())
    if s and max(s) >= "\u3040":
        # Chinese and Japanese are written without spaces: count two characters as a word.
        words += len(_CJK_RE.findall(s)) // 2
    return words


def _classify(s: str, outlet: str | None) -> _Line:
    words = _count_words(s)
    line = _Line(s, TEXT, words)
    if _SEP_RE.match(s):
        line.kind = SEP
        return line
    if len(s) > _MAX_SHORT:
        return line
    low = _norm(s.lower())
    bare = low.rstrip(" :.!")
    quoted = _starts_with_quote(s)
    # The substring tests in front of the costlier searches only save time (issue: a
    # 20 MB dump); each is implied by the regular expression behind it.
    if _is_footer(s, low):
        line.kind = FOOTER
    elif words <= 7 and not _ends_full_stop(s) and _RAIL_HEADER_RE.match(bare):
        line.kind = RAIL
    elif (link := _LINK_RE.match(s)) and len(link.group("title").split()) >= 2:
        line.kind = LINK
        line.link = link.group("title")
    elif (
        words <= 60
        and not quoted
        and ("cookie" in low or "privacy" in low or words <= 3)
        and _COOKIE_RE.search(low)
    ):
        line.kind = FURNITURE
    elif (
        words <= 40
        and not quoted
        and (
            _PROMO_START_RE.match(low)
            or (any(k in low for k in _PROMO_HINTS) and _PROMO_ANY_RE.search(low))
        )
    ):
        line.kind = PROMO
    elif (
        (words <= 10 and _FURNITURE_RE.match(bare))
        or (any(k in low for k in _CAPTION_HINTS) and _CAPTION_RE.search(s))
        or _is_nav(s)
    ):
        line.kind = FURNITURE
    elif (byline := parse_byline(s, outlet)) is not None:
        line.kind = BYLINE
        line.byline = byline
    elif _is_dateish(s):
        line.kind = DATE
    return line


def _reflow(raw: list[str]) -> list[str]:
    """Join hard-wrapped lines within blank-line blocks; otherwise drop blank lines."""
    lengths = sorted(len(s) for s in raw if s)
    if len(lengths) < 5:
        return [s for s in raw if s]
    width = lengths[int(0.9 * (len(lengths) - 1))]

    def wrapped(cur: str, nxt: str) -> bool:
        if not cur or not nxt or _BULLET_RE.match(nxt) or _SEP_RE.match(cur):
            return False
        if _SEP_RE.match(nxt) or _LINK_RE.match(cur) or _LINK_RE.match(nxt):
            return False  # an inline "Read more: ..." link is a line of its own
        return len(cur) + 1 + len(nxt.split(" ", 1)[0]) > width

    joins = [wrapped(raw[i], raw[i + 1]) for i in range(len(raw) - 1)] + [False]
    n_joins = sum(joins)
    pairs = sum(1 for i in range(len(raw) - 1) if raw[i] and raw[i + 1])
    # Wrapped prose mostly continues mid-sentence, so most continuation lines start in
    # lower case; a list of equally long headlines does not.
    lower = sum(1 for i, j in enumerate(joins) if j and raw[i + 1][0].islower())
    if not (40 <= width <= 100) or n_joins < max(4, 0.4 * pairs) or lower < 0.5 * n_joins:
        return [s for s in raw if s]
    out: list[str] = []
    buf: list[str] = []
    for s, join in zip(raw, joins, strict=True):
        if not s:
            continue
        buf.append(s)
        if not join:
            out.append(" ".join(buf))
            buf = []
    return out


def _looks_binary(text: str) -> bool:
    sample = text[:20000]
    if not sample:
        return False
    bad = sum(1 for c in sample if c == "\ufffd" or (ord(c) < 32 and c not in "\t\n\r\f\v"))
    return bad / len(sample) > 0.1


# --------------------------------------------------------------------------- title


def _title_ok(line: _Line) -> bool:
    s = line.text
    if line.kind != TEXT or line.words < 3 or len(s) < 12 or not _has_letters(s):
        return False
    if _is_all_caps(s) and line.words <= 6:
        return False  # masthead or section label
    return not (_ends_full_stop(s) and line.words > 12) and line.words <= 40


def _slug_words(url: str | None) -> set[str]:
    if not url:
        return set()
    path = urlsplit(url).path.rstrip("/")
    slug = re.sub(r"\.\w{2,5}$", "", path.rsplit("/", 1)[-1])
    words = {w for w in re.split(r"[-_+]", slug.lower()) if w.isalpha()}
    return words if len(words) >= 3 else set()


def _slug_score(s: str, slug: set[str]) -> float:
    words = {re.sub(r"\W", "", w) for w in _norm(s.lower()).replace("-", " ").split()}
    return len(slug & words) / len(slug)


def _prose(line: _Line) -> bool:
    return line.kind == TEXT and (
        line.words >= 20 or (line.words >= 10 and _ends_sentence(line.text))
    )


def _rail_end(lines: list[_Line], i: int) -> int | None:
    """The index after a rail starting at ``lines[i]`` (header or byline cards), or None."""
    if lines[i].kind == RAIL:
        return max(_parse_rail(lines, i + 1, need_bylines=False)[1], i + 1)
    if lines[i].kind in (SEP, TEXT) and _implicit_rail_start(lines, i):
        items, end = _parse_rail(lines, i, need_bylines=True)
        if len(items) >= 2:
            return end
    return None


def _body_run(lines: list[_Line]) -> tuple[int, int] | None:
    """The article's run of prose: (first prose line, index after the last), or None.

    A whole-page dump has menus, teaser lists, comments and footers around the article;
    the article is the run of prose lines with only furniture, promos, rails and a few
    short lines between them. Runs are scored by their prose words, scaled down by the
    share of short text lines inside them (a teaser list alternates headline and blurb)
    and doubled when the run opens with a wire dateline.
    """
    best: tuple[float, int, int] | None = None
    start, last, words, prose, short, gap = -1, -1, 0, 0, 0, 0

    def close() -> None:
        nonlocal best
        if start < 0:
            return
        score = words * (prose / (prose + short)) ** 2
        if _DATELINE_RE.match(lines[start].text):
            score *= 2
        if best is None or score > best[0]:
            best = (score, start, last + 1)

    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        rail_end = _rail_end(lines, i) if line.kind in (RAIL, SEP, TEXT) else None
        if rail_end is not None:
            i = rail_end  # a rail inside the article does not break it
            continue
        if _prose(line):
            if start < 0:
                start, words, prose, short = i, 0, 0, 0
            words += line.words
            prose += 1
            short += gap
            last, gap = i, 0
        elif start >= 0 and (
            line.kind in (BYLINE, DATE, FOOTER)
            or (
                line.kind == TEXT and line.words >= 2  # one word is a button or a handle
            )
        ):
            gap += 1
            # A date line inside prose separates the items of a comment thread or a feed
            # (a bare time of day is a live blog's entry, which belongs to the article).
            if gap > _RUN_GAP or line.kind == FOOTER or (line.kind == DATE and _full_date(line)):
                close()
                start, gap = -1, 0
        i += 1
    close()
    return None if best is None else (best[1], best[2])


def _header_window(lines: list[_Line], anchor: int) -> int:
    """Where the article's header can start: walking back from the body, the first menu
    run (three short text lines in a row), rail header or footer ends it."""
    short, nearest = 0, anchor
    i = anchor
    while i > 0 and anchor - i < _HEADER_LOOKBACK:
        line = lines[i - 1]
        if line.kind in (FOOTER, RAIL):
            break
        if line.kind == TEXT and line.words <= 3:
            if short == 0:
                nearest = i - 1
            short += 1
            if short >= 3:
                return nearest + 1
        elif line.kind == TEXT:
            short = 0
        i -= 1
    return i


def _find_title(lines: list[_Line], url: str | None, lo: int, hi: int) -> int | None:
    """The first title-like line in ``lines[lo:hi]``; a strong URL-slug match wins."""
    first = short = None
    for i in range(lo, hi):
        line = lines[i]
        if line.kind != TEXT:
            continue
        if _title_ok(line):
            if line.words >= 5:
                first = i
                break
            # Three or four words may be a menu entry: used only when nothing longer is.
            short = i if short is None else short
        if line.words > 20:
            break  # prose before any headline: there is no title line
    first = short if first is None else first
    slug = _slug_words(url)
    if slug and (first is None or _slug_score(lines[first].text, slug) < 0.6):
        for i in range(lo, min(hi, lo + 80)):
            if _title_ok(lines[i]) and _slug_score(lines[i].text, slug) >= 0.6:
                return i
    return first


def _standfirst_ok(lines: list[_Line], i: int) -> bool:
    line = lines[i]
    s = line.text
    if line.kind != TEXT or not 4 <= line.words <= 60 or _DATELINE_RE.match(s):
        return False
    if not _ends_full_stop(s):
        return True
    for nxt in lines[i + 1 : i + 8]:
        if nxt.kind in (BYLINE, DATE):
            return True
        if nxt.kind not in (FURNITURE, SEP):
            return False
    return False


# --------------------------------------------------------------------------- rails


def _rail_title_ok(line: _Line) -> bool:
    s = line.text
    return (
        line.kind == TEXT
        and 1 <= line.words <= 25
        and len(s) <= 200
        and _has_letters(s)
        and not _ends_full_stop(s)
        and not _DATELINE_RE.match(s)
    )


def _label_line(line: _Line) -> bool:
    s = _norm(line.text)
    return (
        line.kind == TEXT
        and line.words <= 3
        and ((_is_all_caps(s) and len(s) >= 3) or s in _KICKERS)
    )


def _make_item(
    title: str, teaser: list[str], byline: Byline | None, label: str | None
) -> RelatedLink:
    title = _BULLET_RE.sub("", title, count=1)
    kicker = label
    m = _TITLE_KICKER_RE.match(title)
    if (
        m
        and len(m.group("rest").split()) >= 2
        and len(m.group("label").split()) <= 3
        and (_is_all_caps(m.group("label")) or _norm(m.group("label").lower()) in _KICKERS_LOWER)
    ):
        kicker, title = kicker or m.group("label"), m.group("rest")
    return RelatedLink(
        title=title,
        teaser=" ".join(teaser) or None,
        byline=byline.display if byline else None,
        edition=byline.edition if byline else None,
        kicker=kicker,
    )


def _parse_rail(lines: list[_Line], i: int, *, need_bylines: bool) -> tuple[list[RelatedLink], int]:
    """Parse rail items from ``lines[i]``; return them and the index after the last one."""
    items: list[RelatedLink] = []
    shape: tuple[bool, bool] | None = None
    n = len(lines)
    j = i
    while j < n:
        k = j
        had_sep = False
        while k < n and lines[k].kind in (SEP, FURNITURE):
            had_sep = had_sep or lines[k].kind == SEP
            k += 1
        label = None
        if k + 1 < n and _label_line(lines[k]) and _rail_title_ok(lines[k + 1]):
            label = lines[k].text
            k += 1
        if k >= n or not _rail_title_ok(lines[k]):
            break
        title = lines[k].text
        k += 1
        teaser: list[str] = []
        byline: Byline | None = None
        m = k
        while m < n and len(teaser) < 3:
            if lines[m].kind == BYLINE:
                byline = lines[m].byline
                m += 1
                break
            if lines[m].kind not in (TEXT, PROMO):
                break
            teaser.append(lines[m].text)
            m += 1
        if byline is not None:
            k = m
        else:
            # No byline: a following full sentence is the teaser; a title-like line is the
            # next item.
            teaser = []
            if (
                k < n
                and lines[k].kind == TEXT
                and _ends_full_stop(lines[k].text)
                and (lines[k].words <= 60)
            ):
                teaser = [lines[k].text]
                k += 1
        cur = (had_sep, byline is not None)
        if (need_bylines and byline is None) or (shape is not None and cur != shape):
            break
        shape = cur
        items.append(_make_item(title, teaser, byline, label))
        j = k
    _rail_kickers(items)
    return items, j


def _kicker_candidates(teaser: str) -> list[str]:
    """Title-Case prefixes of 2-4 words that are followed by a new sentence."""
    words = teaser.split()
    out = []
    for k in range(2, min(5, len(words) - 1)):
        prefix, w1, w2 = words[:k], words[k], words[k + 1]
        if prefix[-1].lower() in _SMALL_WORDS or not w1[:1].isupper():
            continue
        if not (w2[:1].islower() or w2[:1].isdigit()):
            continue
        if all(w[:1].isupper() or w.lower() in _SMALL_WORDS for w in prefix):
            out.append(" ".join(prefix))
    return out


def _rail_kickers(items: list[RelatedLink]) -> None:
    """Split a format label off the start of each teaser (known list, then repeats)."""
    counts: dict[str, int] = {}
    for item in items:
        for cand in set(_kicker_candidates(item.teaser or "")):
            counts[cand] = counts.get(cand, 0) + 1
    for item in items:
        if not item.teaser or item.kicker:
            continue
        t = _norm(item.teaser)
        found = next(
            (
                k
                for k in _KICKERS
                if t.startswith(k + " ")
                and len(t) > len(k) + 1
                and (
                    t[len(k) + 1].isupper()
                    or t[len(k) + 1].isdigit()
                    or _starts_with_quote(t[len(k) + 1])
                )
            ),
            None,
        )
        if found is None:
            repeated = [c for c in _kicker_candidates(item.teaser) if counts.get(c, 0) >= 2]
            found = max(repeated, key=len) if repeated else None
        if found:
            item.kicker = item.teaser[: len(found)]
            item.teaser = item.teaser[len(found) :].strip() or None


def _implicit_rail_start(lines: list[_Line], i: int) -> bool:
    """Whether a headerless rail of byline cards may start at ``lines[i]``."""
    line = lines[i]
    if line.kind == SEP:
        return True
    if not _rail_title_ok(line):
        return False
    for nxt in lines[i + 1 : i + 5]:
        if nxt.kind == BYLINE:
            return True
        if nxt.kind not in (TEXT, PROMO):
            return False
    return False


# --------------------------------------------------------------------------- body


def _full_date(line: _Line) -> bool:
    """A date line with a day, month, year or 'ago' in it, not just a time of day."""
    return bool(_FULL_DATE_RE.search(line.text))


def _dates_recur(lines: list[_Line], j: int) -> bool:
    """Whether another full date line follows within a few lines of ``lines[j - 1]``."""
    return _full_date(lines[j - 1]) and any(
        line.kind == DATE and _full_date(line) for line in lines[j : j + 8]
    )


def _paragraph_like(line: _Line) -> bool:
    return line.words >= 15 or (line.words >= 3 and _ends_sentence(line.text))


def _subhead_like(line: _Line) -> bool:
    return 2 <= line.words <= 14 and not _ends_full_stop(line.text) and _has_letters(line.text)


def extract_text_dump(
    text: str, url: str | None = None, outlet: str | None = None
) -> ExtractedArticle:
    """Extract title, standfirst, body and related links from a plain-text page dump.

    Never raises: an input without article-like text comes back with ``error`` set.
    """
    try:
        return _extract(text, url, outlet)
    except Exception as exc:  # a batch must never lose an input to a heuristic's bug
        return ExtractedArticle(url=url, outlet=outlet, error=f"text dump: internal error: {exc!r}")


def _extract(text: str, url: str | None, outlet: str | None) -> ExtractedArticle:
    result = ExtractedArticle(url=url, outlet=outlet)
    if not isinstance(text, str):
        result.error = "text dump: input is not text"
        return result
    if not text.strip():
        result.error = "text dump: empty input"
        return result
    if _looks_binary(text):
        result.error = "text dump: input looks binary, not text"
        return result

    lines = [_classify(s, outlet) for s in _reflow([_clean(s) for s in text.splitlines()])]
    n = len(lines)
    # A names-only line straight above a date line is a byline ("Jane Doe in Paris").
    for i in range(n - 1):
        line = lines[i]
        if line.kind == TEXT and line.words <= 8 and lines[i + 1].kind == DATE:
            line.byline = parse_byline(line.text, outlet, bare=True)
            if line.byline is not None:
                line.kind = BYLINE
    # Find the article's prose first, then its title in the header just above it.
    run = _body_run(lines)
    anchor, body_end = run if run is not None else (n, n)
    lo = 0 if run is None else _header_window(lines, anchor)
    title_idx = _find_title(lines, url, lo, anchor)
    seen: set[str] = set()

    # Header: title, then standfirst / bylines / dates / furniture until the first text.
    if title_idx is None:
        j = next((i for i in range(lo, n) if lines[i].kind == TEXT), n)
    else:
        result.title = lines[title_idx].text
        seen.add(result.title)
        j = title_idx + 1
        while j < n:
            line = lines[j]
            if line.kind == BYLINE and line.byline is not None:
                if not result.authors:
                    b = line.byline
                    result.authors = list(b.names) or ([b.org] if b.org else [])
                result.published = result.published or line.byline.date
            elif line.kind == DATE:
                result.published = result.published or _date_value(line.text)
            elif line.kind == TEXT and result.standfirst is None and _standfirst_ok(lines, j):
                result.standfirst = line.text
                seen.add(line.text)
            elif line.kind not in (FURNITURE, SEP, PROMO):
                break
            j += 1

    # Body: candidates in order, with rails and furniture taken out.
    candidates: list[_Line] = []
    n_paragraphs = 0  # paragraph-like candidates so far
    promo_left = 0
    while j < n:
        line = lines[j]
        kind = line.kind
        if kind == FOOTER:
            if candidates:
                break
            j += 1  # a "Privacy | Terms" row above the article is only furniture
            continue
        if kind == RAIL:
            items, end = _parse_rail(lines, j + 1, need_bylines=False)
            result.related.extend(items)
            j = max(end, j + 1)
            promo_left = 0
            continue
        if kind in (SEP, TEXT) and _implicit_rail_start(lines, j):
            items, end = _parse_rail(lines, j, need_bylines=True)
            if len(items) >= 2:
                result.related.extend(items)
                j = end
                promo_left = 0
                continue
        j += 1
        if kind == PROMO:
            promo_left = 3
            continue
        if (
            promo_left
            and kind == TEXT
            and not _starts_with_quote(line.text)
            and (line.words <= 60 and _PROMO_WEAK_RE.search(_norm(line.text.lower())))
        ):
            promo_left -= 1
            continue
        promo_left = 0
        if kind == LINK and line.link:
            result.related.append(_make_item(line.link, [], None, None))
            continue
        if kind == DATE and n_paragraphs >= 2 and _dates_recur(lines, j):
            break  # timestamps every few lines after the article: comments or a feed
        if kind == BYLINE and line.byline is not None and not result.authors:
            result.authors = list(line.byline.names)
        if kind != TEXT or line.text in seen or j > body_end:
            continue  # (past the article's prose run only rails and links are collected)
        seen.add(line.text)
        candidates.append(line)
        n_paragraphs += _paragraph_like(line)

    # A short line survives only as the subheading of a paragraph that follows it.
    for idx, line in enumerate(candidates):
        if _paragraph_like(line) or (
            _subhead_like(line)
            and idx + 1 < len(candidates)
            and _paragraph_like(candidates[idx + 1])
            and result.paragraphs
        ):
            result.paragraphs.append(line.text)

    # The same card often shows in two rails (or twice in one dump): keep the first.
    titles: set[str] = set()
    related = []
    for item in result.related:
        if item.title not in titles:
            titles.add(item.title)
            related.append(item)
    result.related = related

    if not result.paragraphs:
        result.error = "text dump: no article text found"
    return result
