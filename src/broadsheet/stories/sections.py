"""Sections: which part of the paper an article or a story belongs in.

``classify_section`` decides in this order:

1. **Feed sections.** The section of the feed an article came from is the editors' own
   label, so a specific one (``sport``, ``football``, ``climate``, ``money`` ...) decides
   outright; when an article came through several specific feeds they vote (ties by
   ``PRIORITY``). General feeds (``news``, ``world``, ``top stories``, ``regional`` ...) are
   only weak evidence: they add a little to "world" (``world`` / ``international``) or
   nothing (``news``), and the text decides.
2. **Keyword lexicon.** Weighted terms per section (single words, phrases, and ``prefix*``
   stems), written from general knowledge of news vocabulary, counted in the title (×2) and
   the lead (the first ``LEAD_WORDS`` words of the text). A term counts at most
   ``MAX_HITS`` times so one repeated word cannot carry an article.
3. **Default "world"**: too little evidence (best score under ``MIN_SCORE``) means general
   news, which this project files under "world".

``SECTIONS`` is the brief's list unchanged. "culture" covers arts, entertainment, celebrity
and lifestyle; "environment" covers climate, weather extremes and nature; "opinion" is only
ever chosen from a feed or from explicit markers ("op-ed", "editorial"), because the topic
of an opinion piece is indistinguishable from news by vocabulary.

``story_section`` gives a story the majority section of its articles, ties broken by
``PRIORITY`` (specific sections before the catch-all "world"; "opinion" last because a
story is an event, not a column).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

SECTIONS: tuple[str, ...] = (
    "world", "politics", "business", "science", "technology",
    "health", "culture", "sport", "environment", "opinion",
)
DEFAULT_SECTION = "world"
# Tie-break order: the more specific section first, the catch-alls last.
PRIORITY: tuple[str, ...] = (
    "sport", "health", "science", "technology", "environment",
    "business", "culture", "politics", "world", "opinion",
)
LEAD_WORDS = 120
TITLE_WEIGHT = 2.0
MAX_HITS = 3
MIN_SCORE = 2.0
WEAK_FEED_WEIGHT = 1.5

# Feed section names (lower case, punctuation folded to spaces) -> section.
FEED_SECTIONS: dict[str, str] = {
    **dict.fromkeys(
        ("sport", "sports", "football", "soccer", "cricket", "rugby", "rugby union",
         "rugby league", "tennis", "golf", "formula 1", "formula one", "f1", "motorsport",
         "cycling", "boxing", "athletics", "olympics", "nfl", "nba", "mlb", "nhl",
         "baseball", "basketball", "hockey", "college football", "premier league"),
        "sport"),
    **dict.fromkeys(
        ("business", "money", "markets", "market", "economy", "economics", "finance",
         "companies", "personal finance", "business news", "industry", "deals",
         "your money", "work", "careers", "real estate", "property"),
        "business"),
    **dict.fromkeys(
        ("politics", "us politics", "uk politics", "election", "elections", "government",
         "congress", "westminster", "white house", "policy", "politics news"),
        "politics"),
    **dict.fromkeys(("science", "space", "science news", "research"), "science"),
    **dict.fromkeys(
        ("technology", "tech", "science and technology", "science technology", "sci tech",
         "gadgets", "internet", "ai", "artificial intelligence", "cybersecurity", "games",
         "gaming", "technology news"),
        "technology"),
    **dict.fromkeys(
        ("health", "wellness", "medicine", "health news", "coronavirus", "covid",
         "well", "mental health", "nutrition"),
        "health"),
    **dict.fromkeys(
        ("culture", "arts", "art", "entertainment", "film", "films", "movies", "music",
         "books", "tv", "television", "tv and radio", "stage", "theatre", "theater",
         "celebrity", "showbiz", "lifestyle", "style", "fashion", "food", "travel",
         "life and style", "arts and culture", "entertainment news", "media"),
        "culture"),
    **dict.fromkeys(
        ("environment", "climate", "climate change", "climate crisis", "energy and environment",
         "nature", "weather", "wildlife"),
        "environment"),
    **dict.fromkeys(
        ("opinion", "comment", "commentisfree", "comment is free", "editorial", "editorials",
         "op ed", "oped", "columns", "columnists", "letters", "analysis and opinion",
         "views", "voices", "ideas"),
        "opinion"),
}
# General feeds: weak evidence for "world" (or none).
WEAK_FEEDS: dict[str, float] = {
    "world": WEAK_FEED_WEIGHT, "world news": WEAK_FEED_WEIGHT, "international": WEAK_FEED_WEIGHT,
    "global": WEAK_FEED_WEIGHT, "foreign": WEAK_FEED_WEIGHT, "europe": WEAK_FEED_WEIGHT,
    "asia": WEAK_FEED_WEIGHT, "africa": WEAK_FEED_WEIGHT, "middle east": WEAK_FEED_WEIGHT,
    "americas": WEAK_FEED_WEIGHT, "latin america": WEAK_FEED_WEIGHT,
    "news": 0.0, "top": 0.0, "top stories": 0.0, "home": 0.0, "latest": 0.0,
    "breaking": 0.0, "regional": 0.0, "local": 0.0, "us": 0.0, "uk": 0.0, "national": 0.0,
    "nation": 0.0, "main": 0.0, "headlines": 0.0, "front page": 0.0, "all": 0.0,
}

# The lexicon: section -> {term: weight}. Weight 3 = nearly decisive on its own
# ("premier league"), 2 = strong, 1 = suggestive. "*" ends a prefix term.
_COUNTRIES = (
    # Foreign countries, capitals and demonyms: suggestive of world news for a US/UK reader.
    # The US and UK themselves are left out on purpose, and so are names that are mostly
    # something else in English news (Georgia, Jordan, Indiana via "indian*").
    "afghanistan* africa* albania* algeria* angola* argentin* armenia* australia* austria* "
    "azerbaijan* bahrain* bangladesh* belarus* belgi* bolivia* bosnia* brazil* bulgaria* "
    "burkina burma burmese cambodia* cameroon* chile* china chinese colombia* congo* "
    "croatia* cuba* cyprus cypriot czech* denmark danish egypt* eritrea* estonia* ethiopia* "
    "europe* finland finnish france french gaza germany german* ghana* greece greek "
    "guatemala* haiti* honduras hungar* india indian indians indonesia* iran iranian* "
    "iraq* ireland irish israel* italy italian* japan* kazakh* kenya* korea* kosovo* "
    "kremlin kurd* kuwait* lebanon lebanese libya* lithuania* malaysia* mali malian mexico "
    "mexican* moldova* mongolia* morocc* mozambique myanmar nato nepal* netherlands dutch "
    "nicaragua* niger nigeria* norway norwegian* pakistan* palestin* panama* peru peruvian* "
    "philippine* filipino* poland polish portug* qatar* romania* russia* rwanda* saudi* "
    "senegal* serbia* singapore* slovak* somali* spain spanish sri sudan* sweden swedish "
    "switzerland swiss syria* taiwan* taliban tanzania* thailand thai tunisia* turkey "
    "turkish ukrain* uganda* uzbek* venezuela* vietnam* yemen* zambia* zimbabwe* beijing "
    "moscow kyiv kiev tehran jerusalem brussels berlin tokyo pyongyang seoul delhi "
    "islamabad kabul baghdad damascus cairo caracas"
)


def _terms(spec: str, weight: float) -> dict[str, float]:
    return dict.fromkeys(spec.split(), weight)


def _phrases(weight: float, *phrases: str) -> dict[str, float]:
    return dict.fromkeys(phrases, weight)


# Prefix terms are kept to stems that do not start common unrelated words ("win*" would
# match "winter", "star*" "start", "gene*" "general"): those are spelled out instead.
LEXICON: dict[str, dict[str, float]] = {
    "world": {
        **_terms(_COUNTRIES, 1.0),
        **_terms("embassy* diplomat* ambassador* refugee* asylum ceasefire cease-fire "
                 "insurgen* militant* militia* rebel rebels coup junta sanction* troops "
                 "airstrike* missile* warhead* annex* humanitarian peacekeep* genocide "
                 "invasion invaded overseas foreign abroad", 1.0),
        **_phrases(2.0, "united nations", "foreign minister", "foreign ministry",
                   "security council", "european union", "prime minister", "state media",
                   "human rights", "world leaders", "peace talks", "ballistic missile",
                   "foreign secretary", "secretary of state", "g7", "g20", "un"),
    },
    "politics": {
        **_terms("senate senator* congress congressional congressman congresswoman "
                 "lawmaker* legislat* parliament* mp mps democrat* republican* gop "
                 "election* elector* campaign* ballot* voter* voting polls polling "
                 "candidate* governor* mayor* impeach* filibuster bipartisan partisan "
                 "tory tories labour conservatives liberal* caucus primaries referendum "
                 "cabinet minister* chancellor politic* policy policies", 1.0),
        **_phrases(2.0, "white house", "house of representatives", "supreme court",
                   "downing street", "house of commons", "house of lords", "prime minister",
                   "executive order", "president trump", "president biden",
                   "attorney general", "justice department", "oval office", "capitol hill",
                   "state department", "general election", "opposition leader",
                   "spending bill", "party leader", "opinion poll", "opinion polls",
                   "public opinion"),
        **_phrases(1.0, "the president"),
    },
    "business": {
        **_terms("compan* corporat* firm firms shares stock stocks investor* markets "
                 "market earnings profit* revenue* sales quarterly economy economic* "
                 "economist* inflation recession gdp jobs unemployment employer* wage* "
                 "retail* bank banks banking banker* lender* merger* acquisition* "
                 "takeover ipo ceo cfo shareholder* dividend* bonds treasury currency "
                 "dollar* euro euros sterling yen tariff* trade exports imports "
                 "manufactur* industry industrial startup* valuation bankrupt* layoff* "
                 "price prices consumer* oil opec airline* crypto* bitcoin", 1.0),
        **_phrases(2.0, "wall street", "stock market", "central bank", "federal reserve",
                   "the fed", "bank of england", "interest rates", "interest rate",
                   "dow jones", "s&p 500", "nasdaq", "ftse", "chief executive",
                   "share price", "fiscal year", "annual report", "trade war",
                   "supply chain", "hedge fund", "private equity"),
        **_phrases(1.0, "per cent", "percent"),
    },
    "science": {
        **_terms("scientist* research* study studies physics physicist* chemist* "
                 "biolog* astronom* astrophysic* telescope* galax* planet* star stars "
                 "asteroid* comet* meteor* moon lunar mars jupiter saturn orbit* "
                 "spacecraft rocket* nasa esa spacex cosmic universe particle* quantum "
                 "genome* gene genes genetic* dna evolution* fossil* dinosaur* "
                 "archaeolog* species paleontolog* experiment* laboratory lab "
                 "molecule* molecular neuroscien* peer-reviewed specimen* mathematic* "
                 "geolog* volcan* seismic", 1.0),
        **_phrases(2.0, "space station", "black hole", "big bang", "solar system",
                   "published in", "the journal", "peer reviewed", "space agency",
                   "gravitational waves", "hubble", "james webb", "large hadron collider"),
    },
    "technology": {
        **_terms("tech technolog* software hardware app apps smartphone* iphone* android "
                 "ios google apple microsoft amazon facebook meta instagram whatsapp "
                 "twitter tiktok youtube netflix tesla samsung huawei nvidia intel "
                 "chip chips chipmaker* semiconductor* comput* internet online digital "
                 "cyber* hack* encrypt* algorithm* robot* automat* ai drone* gadget* "
                 "device* broadband 5g wi-fi wifi silicon browser* platform* users user "
                 "programmer* server* blockchain bitcoin crypto* console consoles gaming "
                 "videogame* laptop* tablet* startup*", 1.0),
        **_phrases(2.0, "artificial intelligence", "machine learning", "silicon valley",
                   "social media", "tech giant", "tech giants", "big tech", "self-driving",
                   "electric vehicle", "data breach", "open source", "operating system",
                   "video game", "video games", "virtual reality", "augmented reality",
                   "chatgpt", "openai", "search engine", "elon musk", "mark zuckerberg",
                   "cloud computing"),
    },
    "health": {
        **_terms("health* hospital* patient* doctor* nurse* medic* clinic* disease* "
                 "virus* infect* outbreak* epidemic* pandemic* vaccin* cancer* tumou* "
                 "tumor* diabet* obes* cardiac heart dementia alzheimer* surgery surgeon* "
                 "treatment* therap* drug drugs pharma* prescription* symptom* diagnos* "
                 "mental depression anxiety suicide overdose* opioid* nhs medicaid "
                 "medicare flu influenza covid* coronavirus measles malaria hiv aids "
                 "ebola cholera tuberculosis diet nutrition fitness", 1.0),
        **_phrases(2.0, "public health", "world health organization", "cdc", "health care",
                   "healthcare", "clinical trial", "mental health", "life expectancy", "fda",
                   "food and drug administration", "death rate", "blood pressure",
                   "side effects"),
    },
    "culture": {
        **_terms("film films filmmaker* movie* cinema* actor* actress* hollywood oscar* "
                 "bafta* emmy* grammy* box-office album* song* singer* band bands "
                 "concert* tour tours music* musician* rapper* pop rock festival* "
                 "theatre theater broadway musical* play plays playwright* ballet "
                 "opera orchestra* art artist* artwork* museum* gallery galleries "
                 "exhibition* painting* sculpture* novel novels novelist* author "
                 "authors book books poet* poetry literary fiction celebrit* starring "
                 "fans premiere* sequel* trailer* series episode* sitcom drama dramas "
                 "comedy comedian* tv television netflix disney hbo streaming fashion "
                 "designer* royal royals princess prince wedding* divorce* kardashian* "
                 "beyonce", 1.0),
        **_phrases(2.0, "box office", "red carpet", "award ceremony", "academy awards",
                   "golden globes", "best actor", "best actress", "best picture",
                   "reality show", "reality tv", "music video", "world tour",
                   "record label", "film festival", "film director", "cannes",
                   "eurovision"),
    },
    "sport": {
        **_terms("sport* football* soccer cricket* rugby tennis golf* athlet* olympi* "
                 "championship* champion* tournament* league* cup match matches game "
                 "games season player players coach* teammate* club clubs striker "
                 "goalkeeper* midfielder* defender* quarterback* touchdown* goal goals "
                 "scored win wins winning winner winners won victory defeat* fixture* "
                 "stadium* referee* penalty nfl nba mlb nhl fifa uefa icc wicket* "
                 "innings batsman bowler* wimbledon marathon sprint* medal* podium f1 "
                 "boxing boxer* ufc cyclist* cycling race races racing horse* jockey* "
                 "playoff* postseason semifinal* semi-final* quarterfinal* "
                 "quarter-final* final finals fans", 1.0),
        **_phrases(3.0, "premier league", "champions league", "world cup", "super bowl",
                   "world series", "stanley cup", "grand slam", "grand prix", "formula one",
                   "formula 1", "us open", "australian open", "french open", "ryder cup",
                   "six nations", "tour de france", "head coach", "home run",
                   "first half", "second half", "extra time", "hat-trick", "hat trick"),
    },
    "environment": {
        **_terms("climate* environment* emission* carbon co2 greenhouse fossil "
                 "renewable* solar wind turbine* coal pollut* deforest* biodivers* "
                 "wildlife conservation* endangered extinct* habitat* ocean* coral "
                 "glacier* arctic antarctic* drought* flood* wildfire* heatwave* "
                 "hurricane* typhoon* cyclone* storm* tornado* rainfall weather "
                 "temperature* warming recycl* plastic* sustainab* ecolog*", 1.0),
        **_phrases(3.0, "climate change", "global warming", "net zero", "paris agreement",
                   "greenhouse gas", "greenhouse gases", "sea level", "sea levels",
                   "extreme weather", "fossil fuels", "renewable energy", "cop26", "cop27",
                   "cop28", "cop29", "air pollution", "carbon emissions", "clean energy"),
    },
    "opinion": {
        # Only explicit markers: an opinion piece's topic vocabulary is news vocabulary.
        # Weight 2 with a bar of 2 × MIN_SCORE: a marker in the title decides, one passing
        # mention in the lead does not.
        **_phrases(2.0, "op-ed", "opinion", "editorial", "the views expressed", "column",
                   "columnist", "letters to the editor", "our view", "guest essay"),
    },
}

_TOKEN_RE = re.compile(r"[\w&]+(?:[-'][\w&]+)*")
_FEED_FOLD_RE = re.compile(r"[^a-z0-9]+")


def _tokens(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).casefold().replace("’", "'")
    return [t.removesuffix("'s") for t in _TOKEN_RE.findall(text)]


class _Lexicon:
    """A compiled lexicon: exact n-grams plus prefix stems, looked up token by token."""

    def __init__(self, lexicon: Mapping[str, Mapping[str, float]]) -> None:
        self.exact: dict[tuple[str, ...], list[tuple[str, float]]] = {}
        self.prefixes: dict[str, list[tuple[str, float]]] = {}
        for section, terms in lexicon.items():
            for term, weight in terms.items():
                if term.endswith("*"):
                    self.prefixes.setdefault(term[:-1], []).append((section, weight))
                else:
                    key = tuple(_tokens(term))
                    self.exact.setdefault(key, []).append((section, weight))
        self.max_n = max(len(key) for key in self.exact)
        self.prefix_lengths = sorted({len(p) for p in self.prefixes})

    def hits(self, tokens: Sequence[str]) -> Counter[tuple[str, str]]:
        """(section, term) -> occurrences. A token matched by an exact term or phrase is
        not matched again by a prefix, so "climate change" is not also "climate*"."""
        found: Counter[tuple[str, str]] = Counter()
        covered = [False] * len(tokens)
        for n in range(self.max_n, 0, -1):
            for i in range(len(tokens) - n + 1):
                key = tuple(tokens[i : i + n])
                entries = self.exact.get(key)
                if entries and not any(covered[i : i + n]):
                    for section, _ in entries:
                        found[section, " ".join(key)] += 1
                    covered[i : i + n] = [True] * n
        for i, token in enumerate(tokens):
            if covered[i]:
                continue
            for length in self.prefix_lengths:
                if length > len(token):
                    break
                for section, _ in self.prefixes.get(token[:length], ()):
                    found[section, token[:length] + "*"] += 1
        return found

    def weight(self, section: str, term: str) -> float:
        if term.endswith("*"):
            entries = self.prefixes[term[:-1]]
        else:
            entries = self.exact[tuple(term.split())]
        return next(w for s, w in entries if s == section)


_COMPILED = _Lexicon(LEXICON)


def _fold_feed(name: str) -> str:
    return _FEED_FOLD_RE.sub(" ", name.casefold()).strip()


def feed_section(name: str) -> str | None:
    """The section a feed's own section name stands for, or None for a general feed."""
    folded = _fold_feed(name)
    if folded in FEED_SECTIONS:
        return FEED_SECTIONS[folded]
    if folded in SECTIONS and folded != DEFAULT_SECTION:
        return folded
    return None


def _first_by_priority(scores: Mapping[str, float]) -> str:
    best = max(scores.values())
    return next(s for s in PRIORITY if scores.get(s, 0.0) == best)


def section_scores(title: str, text: str) -> dict[str, float]:
    """Lexicon score per section: title hits ×2 plus lead hits, each term capped."""
    scores = dict.fromkeys(SECTIONS, 0.0)
    lead = _tokens(text)[:LEAD_WORDS]
    for tokens, factor in ((_tokens(title), TITLE_WEIGHT), (lead, 1.0)):
        for (section, term), count in _COMPILED.hits(tokens).items():
            scores[section] += factor * _COMPILED.weight(section, term) * min(count, MAX_HITS)
    return scores


def classify_section(title: str, text: str, feed_sections: Sequence[str] = ()) -> str:
    """The section of one article: specific feed sections first, then the lexicon."""
    votes = Counter(s for s in map(feed_section, feed_sections) if s is not None)
    if votes:
        return _first_by_priority(votes)
    scores = section_scores(title or "", text or "")
    scores[DEFAULT_SECTION] += sum(WEAK_FEEDS.get(_fold_feed(f), 0.0) for f in feed_sections)
    scores["opinion"] = scores["opinion"] if scores["opinion"] >= 2 * MIN_SCORE else 0.0
    if max(scores.values()) < MIN_SCORE:
        return DEFAULT_SECTION
    return _first_by_priority(scores)


def story_section(article_sections: Iterable[str]) -> str:
    """A story's section: its articles' majority, ties by ``PRIORITY``; "world" if none."""
    votes = Counter(s for s in article_sections if s in SECTIONS)
    if not votes:
        return DEFAULT_SECTION
    return _first_by_priority(votes)
