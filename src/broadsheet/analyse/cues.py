"""Hand-written word lists for attribution: cue verbs, fillers, titles, outlets.

The default extractor runs with no model, so what a tagger or parser would learn is
written down here as closed lists of general English (reporting and cognition verbs as in
the usual linguistic classes, not words picked from any one corpus). Verb forms are
generated from the lemma with the regular rules plus an irregular table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

# Verb classes. "speech": reporting verbs, usable with the content before the cue
# ("..., she said") or after it. "cognition": beliefs and wishes, same shapes. "stance": a
# source acting on a proposition or a target ("X criticised Y"): only "SOURCE CUE CONTENT".
SPEECH = [
    "say", "tell", "add", "note", "explain", "argue", "claim", "insist", "warn", "announce",
    "write", "tweet", "ask", "reply", "respond", "suggest", "declare", "acknowledge", "admit",
    "concede", "recall", "report", "reveal", "confirm", "deny", "assert", "maintain", "contend",
    "predict", "promise", "pledge", "vow", "urge", "caution", "complain", "boast", "joke", "quip",
    "observe", "remark", "mention", "comment", "emphasize", "emphasise", "stress", "repeat",
    "reiterate", "testify", "allege", "conclude", "estimate", "describe", "accuse", "inform",
    "advise", "assure", "remind", "indicate", "hint", "imply", "confess", "disclose", "proclaim",
    "charge", "threaten", "lament", "muse", "elaborate", "clarify", "continue", "counter",
    "retort", "shout", "exclaim", "whisper", "scream", "yell", "chant", "demand", "propose",
    "recommend", "agree", "disagree", "object", "speculate", "grumble", "protest", "concur",
    "answer", "reason", "recount", "show", "find", "forecast", "insinuate", "opine", "posit",
    "surmise", "theorize", "theorise", "volunteer", "interject", "brag", "state", "cite", "quote",
    "email", "text",
]
COGNITION = [
    "think", "believe", "feel", "know", "hope", "fear", "worry", "expect", "doubt", "suspect",
    "assume", "guess", "reckon", "want", "wish", "consider", "understand", "realize", "realise",
    "recognize", "recognise", "imagine", "decide", "intend", "learn", "prefer", "view", "plan",
    "seem", "appear", "regret",
]
# Verbs of speaking that name the act rather than report words ("voiced", "echoed"); "speak"
# and "talk" count only with "about" / "of" (PHRASAL), not "spoke for 30 minutes".
SPEECH_ACTS = [
    "echo", "voice", "post", "publish",
]
STANCE = [
    "support", "oppose", "endorse", "reject", "dismiss", "defend", "condemn", "denounce", "slam",
    "blast", "attack", "welcome", "applaud", "question", "challenge", "dispute", "seek",
    "criticize", "criticise", "mock", "ridicule", "praise", "blame", "thank", "credit", "decry",
    "lambaste", "chide", "scold", "rebuke", "fault", "hail", "tout", "champion", "vow", "call",
    "back", "refuse", "decline", "vote", "offer", "express", "compare", "highlight",
    "congratulate", "commend", "celebrate", "taunt", "insult", "promote", "advocate", "favor",
    "favour", "embrace", "apologize", "apologise", "deplore", "refute", "rebut", "resist",
    "boycott", "discuss", "order", "brand", "label", "dub", "deem", "portray", "depict",
    "characterize", "characterise", "cast", "admire", "respect", "dislike", "detest", "despise",
    "appreciate", "trust", "distrust", "resent", "love", "hate",
]

# Forms a lemma's regular rules would get wrong.
IRREGULAR: dict[str, tuple[str, ...]] = {
    "say": ("says", "said", "saying"),
    "tell": ("tells", "told", "telling"),
    "write": ("writes", "wrote", "written", "writing"),
    "think": ("thinks", "thought", "thinking"),
    "know": ("knows", "knew", "known", "knowing"),
    "feel": ("feels", "felt", "feeling"),
    "understand": ("understands", "understood", "understanding"),
    "seek": ("seeks", "sought", "seeking"),
    "learn": ("learns", "learned", "learnt", "learning"),
    "forecast": ("forecasts", "forecast", "forecasting"),
    "admit": ("admits", "admitted", "admitting"),
    "find": ("finds", "found", "finding"),
    "show": ("shows", "showed", "shown", "showing"),
    "plan": ("plans", "planned", "planning"),
    "prefer": ("prefers", "preferred", "preferring"),
    "regret": ("regrets", "regretted", "regretting"),
    "cast": ("casts", "casting"),
    "refer": ("refers", "referred", "referring"),
    "text": ("texted", "texting"),
    "speak": ("speaks", "spoke", "spoken", "speaking"),
    "post": ("posted", "posting"),
    "voice": ("voiced", "voicing"),
    "quip": ("quips", "quipped", "quipping"),
    "dispute": ("disputes", "disputed", "disputing"),
    "rebuke": ("rebukes", "rebuked", "rebuking"),
}

# Forms left out: far more often nouns, adjectives or other words ("the United States",
# "a primary contest", "known as"). Forms that are often but not mostly nouns are kept and
# gated by a subject check instead (NOUN_LIKE_BASE, NOUN_LIKE_S below).
NOT_A_CUE = {
    "state", "states", "reason", "reasons", "learning", "feeling", "feelings", "thinking",
    "understanding", "knowing", "known", "continue", "continues", "continuing", "writing",
    "writings", "sayings", "testimony", "warnings", "finding", "findings", "answering",
    "concern", "concerns", "object", "objects", "contest", "contests", "cast", "casts",
    "casting", "dubbed", "brand", "brands", "label", "labels", "labeling", "branding",
    "express", "chant", "chants", "shout", "counter", "champion", "welcome", "seek",
    "wish", "wishes", "guess", "imagine", "consider", "decide", "intend",
    "loving", "hating", "trusting", "respecting", "offering", "ordering", "voting",
    "planning", "expressing", "forecast",
}


@dataclass(frozen=True, slots=True)
class CueWord:
    """One verb form: its lemma and class."""

    lemma: str
    klass: str  # "speech", "cognition" or "stance"
    form: str  # "base", "s", "past", "ing"


# Stressed final syllables that double their consonant ("admitted", "referred").
_DOUBLING = {"admit", "commit", "regret", "refer", "prefer", "occur", "control", "compel",
             "omit", "submit", "permit", "rebut", "abet", "confer", "defer", "deter",
             "equip", "patrol", "propel", "transfer", "upset", "acquit", "allot", "infer"}


def _doubles(lemma: str) -> bool:
    """One-syllable consonant-vowel-consonant verbs double: "slam" -> "slammed"."""
    if lemma in _DOUBLING:
        return True
    return bool(re.fullmatch(r"[^aeiou]*[aeiou][bdgklmnprt]", lemma)) and not lemma.endswith(
        ("w", "x", "y")
    )


def _regular(lemma: str) -> tuple[str, str, str]:
    if re.search(r"(s|sh|ch|x|z|o)$", lemma):
        third = lemma + "es"
    elif re.search(r"[^aeiou]y$", lemma):
        third = lemma[:-1] + "ies"
    else:
        third = lemma + "s"
    if _doubles(lemma):
        return third, lemma + lemma[-1] + "ed", lemma + lemma[-1] + "ing"
    if lemma.endswith("e"):
        past = lemma + "d"
        ing = lemma[:-1] + "ing" if not lemma.endswith("ee") else lemma + "ing"
    elif re.search(r"[^aeiou]y$", lemma):
        past = lemma[:-1] + "ied"
        ing = lemma + "ing"
    else:
        past = lemma + "ed"
        ing = lemma + "ing"
    return third, past, ing


@cache
def cue_forms() -> dict[str, CueWord]:
    """Every inflected form of every cue lemma, lower-cased."""
    table: dict[str, CueWord] = {}
    for klass, lemmas in (
        ("stance", STANCE), ("stance", SPEECH_ACTS), ("cognition", COGNITION), ("speech", SPEECH)
    ):
        for lemma in lemmas:
            if lemma in IRREGULAR:
                forms = IRREGULAR[lemma]
                tagged = [(lemma, "base")]
                for f in forms:
                    kind = "s" if f.endswith("s") and f != lemma + "ed" else (
                        "ing" if f.endswith("ing") else "past"
                    )
                    tagged.append((f, kind))
            else:
                third, past, ing = _regular(lemma)
                tagged = [(lemma, "base"), (third, "s"), (past, "past"), (ing, "ing")]
            for form, kind in tagged:
                if form in NOT_A_CUE:
                    continue
                # Speech wins over the other classes when a lemma is listed twice.
                table[form] = CueWord(lemma, klass, kind)
    return table


# Plural nouns that share a form with the verb's third person ("false claims").
NOUN_LIKE_S = {
    "claims", "calls", "views", "plans", "hopes", "fears", "supports", "attacks", "wants",
    "backs", "votes", "offers", "orders", "quotes", "remarks", "comments", "reports",
    "thanks", "promises", "pledges", "vows", "praises", "questions", "doubts", "demands",
    "estimates", "warnings", "charges", "answers", "replies", "notes", "posts", "texts",
    "tweets", "agrees", "thinks", "echoes", "protests", "challenges", "disputes", "emails",
    "favors", "favours", "loves", "declines", "respects", "trusts", "credits", "blames",
    "insults", "taunts", "slams", "blasts", "faults", "cites", "talks", "voices", "issues",
    "regrets", "welcomes", "hails", "touts", "mocks", "defends", "rebukes", "finds", "shows",
}

# Base forms that are common nouns too ("the support", "a plan"): as verbs they need a
# subject right before them ("voters support", "they plan").
NOUN_LIKE_BASE = {
    "support", "hope", "fear", "want", "call", "plan", "view", "vote", "claim", "doubt",
    "offer", "order", "back", "attack", "praise", "blame", "thank", "question", "challenge",
    "demand", "promise", "pledge", "vow", "estimate", "report", "comment", "remark", "answer",
    "reply", "show", "find", "post", "text", "quote", "credit", "welcome", "defend", "dispute",
    "boycott", "contest", "respect", "trust", "love", "hate", "dislike", "brand", "label",
    "cast", "email", "tweet", "note", "charge", "counter", "object", "protest", "concern",
    "regret", "rebuke", "champion", "tout", "slam", "blast", "mock", "voice", "echo",
    "talk", "wish", "guess", "cite", "state", "forecast", "decline", "refuse",
    "resist", "express", "compare", "highlight", "discuss", "promote", "favor", "favour",
    "hail", "fault", "reason", "continue", "insult", "taunt", "learn", "issue",
}

# Attitude adjectives after a linking verb: "X is skeptical of Y", "confident that ...".
ATTITUDE_ADJECTIVES = {
    "skeptical", "sceptical", "critical", "confident", "concerned", "worried", "eager",
    "convinced", "certain", "sure", "optimistic", "pessimistic", "supportive", "opposed",
    "hopeful", "doubtful", "wary", "aware", "adamant", "unhappy", "angry", "upset",
    "frustrated", "furious", "pleased", "proud", "determined", "reluctant", "willing",
    "outspoken", "vocal", "insistent", "fearful", "afraid", "enthusiastic", "unconvinced",
    "dismissive", "suspicious", "disappointed", "satisfied", "dissatisfied", "nervous",
    "anxious", "cautious", "bullish", "bearish", "open", "hostile", "sympathetic",
}
LINKING_VERBS = {
    "is", "are", "was", "were", "be", "been", "being", "’s", "'s", "’re", "'re", "remain",
    "remains", "remained", "seem", "seems", "seemed", "appear", "appears", "appeared",
    "become", "becomes", "became", "grew", "grown", "feel", "feels", "felt", "sounded",
    "looked", "stay", "stayed", "stays",
}
# Nouns of saying and stance with a possessor: "his claim of ...", "Trump's attack on".
SPEECH_NOUNS = {
    "criticism", "criticisms", "endorsement", "endorsements", "decision", "opposition",
    "support", "praise", "attack", "attacks", "claim", "claims", "remarks", "comments",
    "comment", "statement", "views", "view", "position", "stance", "promise", "pledge",
    "plan", "proposal", "warning", "warnings", "call", "calls", "demand", "demands", "belief",
    "beliefs", "hope", "hopes", "fear", "fears", "concern", "concerns", "assertion",
    "argument", "suggestion", "accusation", "accusations", "allegation", "allegations",
    "denial", "admission", "insistence", "vow", "threat", "threats", "rhetoric",
    "description", "characterization", "apology", "refusal", "acknowledgment",
    "acknowledgement", "rejection", "condemnation", "defense", "defence", "skepticism",
    "embrace", "opinion", "assessment", "prediction", "objection", "objections",
    "complaint", "complaints", "response", "reaction", "answer", "contention",
    "suggestions", "proposals", "promises", "pledges", "statements", "pitch", "appeal",
}
NOUN_PREPOSITIONS = {
    "of", "for", "to", "on", "about", "against", "that", "over", "toward", "towards", "with",
}

# Multi-word cues: first word -> list of (following words, lemma, class).
PHRASAL: dict[str, tuple[tuple[tuple[str, ...], str], ...]] = {
    "point": ((("out",), "point out"),),
    "points": ((("out",), "point out"),),
    "pointed": ((("out",), "point out"), (("to",), "point to")),
    "pointing": ((("out",), "point out"), (("to",), "point to")),
    "call": ((("for",), "call for"), (("on",), "call on")),
    "calls": ((("for",), "call for"), (("on",), "call on")),
    "called": ((("for",), "call for"), (("on",), "call on")),
    "calling": ((("for",), "call for"), (("on",), "call on")),
    "push": ((("for",), "push for"),),
    "pushed": ((("for",), "push for"), (("back",), "push back")),
    "make": ((("clear",), "make clear"), (("it", "clear"), "make clear")),
    "made": ((("clear",), "make clear"), (("it", "clear"), "make clear")),
    "makes": ((("clear",), "make clear"), (("it", "clear"), "make clear")),
    "went": ((("on", "to", "say"), "say"),),
    "goes": ((("on", "to", "say"), "say"),),
    "spoke": ((("of",), "speak"), (("about",), "speak"), (("out",), "speak")),
    "speaks": ((("of",), "speak"), (("about",), "speak"), (("out",), "speak")),
    "speaking": ((("of",), "speak"), (("about",), "speak"), (("out",), "speak")),
    "talked": ((("about",), "talk about"),),
    "talking": ((("about",), "talk about"),),
    "talks": ((("about",), "talk about"),),
    "weighed": ((("in",), "weigh in"),),
    "took": ((("issue", "with"), "take issue"),),
    "referred": ((("to",), "refer to"),),
    "referring": ((("to",), "refer to"),),
    "refers": ((("to",), "refer to"),),
    "wondered": ((("whether",), "wonder"), (("if",), "wonder")),
}

# Verbs that take a hearer before the content: "told reporters that ...".
RECIPIENT_LEMMAS = {
    "tell", "inform", "assure", "remind", "warn", "advise", "ask", "urge", "promise",
    "caution", "thank", "call on", "write",
}

# Words that may sit between a source and its cue: "has long said", "also told".
AUXILIARIES = {
    "has", "have", "had", "also", "would", "will", "could", "can", "may", "might", "should",
    "must", "did", "does", "do", "not", "never", "just", "already", "even", "still", "then",
    "now", "again", "later", "earlier", "previously", "recently", "once", "often", "always",
    "long", "first", "initially", "simply", "further", "reportedly", "'s", "’s", "’ve",
    "'ve", "’d", "'d", "’ll", "'ll", "didn’t", "didn't", "doesn’t", "doesn't", "don’t",
    "don't", "hasn’t", "hasn't", "haven’t", "haven't", "won’t", "won't", "wouldn’t",
    "wouldn't", "has.", "is", "are", "was", "were", "be", "been", "being", "too", "all",
    "both", "herself", "himself", "themselves", "itself", "openly", "only",
}
BE_FORMS = {"is", "are", "was", "were", "be", "been", "being", "’s", "'s", "’re", "'re"}
# Passives that still carry an attribution with no source: "he was asked whether".
PASSIVE_OK = {"ask", "expect", "tell", "report", "believe", "say", "quote", "think"}

PRONOUNS = {
    "he": "he", "she": "she", "they": "they", "i": "i", "we": "we", "you": "you", "it": "it",
}
PERSON_PRONOUNS = {"he", "she"}

# Lower-case words that cannot be inside a subject noun phrase: they end the backward scan.
NP_STOPS = {
    "that", "which", "who", "whom", "whose", "when", "where", "while", "because", "since",
    "although", "though", "if", "unless", "but", "or", "so", "than", "as", "until",
    "whether", "what", "how", "why", "is", "are", "was", "were", "be", "been", "being",
    "has", "have", "had", "do", "does", "did", "will", "would", "can", "could", "should",
    "may", "might", "must", "not", "to", "also", "there", "here", "yet", "however", "and",
    "then", "said", "says", "say", "told", "tells", "it", "this", "said,",
    "after", "before", "once", "now", "even", "just", "only", "still", "again", "instead",
    "meanwhile", "unlike", "like", "despite", "without", "into", "onto",
}
DETERMINERS = {
    "the", "a", "an", "his", "her", "their", "its", "our", "my", "your", "this", "that",
    "these", "those", "some", "many", "most", "several", "other", "another", "each", "every",
    "no", "any", "both", "few", "all", "such",
}
PREPOSITIONS = {
    "in", "on", "at", "during", "after", "before", "since", "for", "from", "with", "by",
    "under", "over", "through", "via", "to", "about", "of", "among", "against", "outside",
    "inside", "following", "near", "across", "behind", "amid",
}
# Words opening a fronted time or place phrase: "On Tuesday Smith said ...".
FRONTED_PREPS = {
    "in", "on", "at", "during", "after", "before", "since", "by", "from", "with", "under",
    "over", "through", "via", "following", "last", "this", "earlier", "later", "then",
    "meanwhile", "still", "also", "now", "today", "yesterday", "and", "but", "so", "yet",
}

WEEKDAYS = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
}
MONTHS = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "jan.", "feb.", "mar.", "apr.", "jun.", "jul.",
    "aug.", "sep.", "sept.", "oct.", "nov.", "dec.",
}
TIME_WORDS = WEEKDAYS | MONTHS | {
    "today", "yesterday", "tonight", "morning", "afternoon", "evening", "night", "week",
    "weekend", "month", "year", "day", "days", "weeks", "months", "years", "ago", "earlier",
    "later", "recently", "previously", "repeatedly", "publicly", "privately", "again",
    "also", "once", "twice", "late", "early", "last", "this", "next", "then", "overnight",
}

# Nouns naming where or how something was said, so "in a statement on Tuesday" is skipped
# between the cue and the content.
VENUE_NOUNS = {
    "statement", "statements", "interview", "interviews", "speech", "speeches", "rally",
    "conference", "briefing", "event", "hearing", "email", "e-mail", "letter", "tweet",
    "tweets", "post", "appearance", "debate", "op-ed", "column", "memo", "call", "meeting",
    "release", "address", "remarks", "video", "broadcast", "podcast", "show", "program",
    "programme", "session", "twitter", "facebook", "instagram", "radio", "television", "tv",
    "stage", "ceremony", "forum", "gathering", "luncheon", "dinner", "summit", "convention",
    "stop", "message", "note", "filing", "report", "book", "article", "editorial", "blog",
    "testimony", "town", "hall", "visit", "trip", "news", "phone", "telephone",
    "sunday", "press", "response", "reply", "written", "court", "documents", "deposition",
    "campaign", "retreat", "fundraiser", "event,", "transcript", "exchange", "ad",
    "advertisement", "commercial", "segment", "episode", "panel", "lecture", "sermon",
    "posting", "livestream", "conversation", "chat", "call,", "night",
}

# Titles that precede a name and are not part of it ("Senate Majority Leader Mitch X").
TITLES = {
    "mr.", "mrs.", "ms.", "miss", "mx.", "dr.", "prof.", "professor", "sen.", "senator",
    "rep.", "representative", "gov.", "governor", "gen.", "general", "adm.", "admiral",
    "lt.", "col.", "sgt.", "capt.", "captain", "president", "vice", "secretary", "leader",
    "majority", "minority", "speaker", "chief", "justice", "judge", "mayor", "attorney",
    "former", "candidate", "nominee", "chairman", "chairwoman", "chair", "director",
    "minister", "prime", "deputy", "ambassador", "commissioner", "sheriff", "detective",
    "officer", "pastor", "rev.", "reverend", "father", "pope", "king", "queen", "prince",
    "princess", "lord", "lady", "sir", "dame", "state", "white", "house", "press",
    "spokesman", "spokeswoman", "spokesperson", "presidential", "democratic", "republican",
    "gop", "u.s.", "us", "senate", "congressman", "congresswoman", "assemblyman", "rabbi",
    "imam", "council", "councilman", "councilwoman", "executive", "ceo", "cfo", "coach",
    "host", "anchor", "columnist", "correspondent", "editor", "reporter", "analyst",
    "economist", "strategist", "pollster", "adviser", "advisor", "aide", "manager",
    "campaign", "first", "sens.", "reps.", "govs.", "presumptive", "independent", "sheikh",
    "gov", "sen", "rep", "mr", "mrs", "ms", "dr", "treasury", "defense", "homeland",
    "security", "national", "foreign", "finance", "health", "labor", "energy", "agriculture",
    "commerce", "education", "interior", "transportation", "veterans", "affairs", "general,",
}
HONORIFIC_GENDER = {"mr.": "he", "mr": "he", "mrs.": "she", "ms.": "she", "mrs": "she",
                    "ms": "she", "miss": "she"}

# Words that make a capitalised run an organisation or a place rather than a person.
ORG_WORDS = {
    "party", "committee", "campaign", "department", "ministry", "agency", "council",
    "house", "senate", "congress", "court", "university", "college", "institute",
    "foundation", "association", "union", "company", "corp.", "inc.", "group", "bank",
    "office", "administration", "government", "commission", "board", "news", "times",
    "post", "journal", "press", "network", "center", "centre", "police", "service",
    "services", "force", "army", "navy", "church", "fund", "club", "league", "pac",
    "states", "nations", "republicans", "democrats", "gop", "fbi", "cia", "nsa", "un",
    "nato", "eu", "isis", "white", "pentagon", "kremlin", "daily", "tribune", "herald",
    "magazine", "review", "telegraph", "guardian", "observer", "examiner", "monitor",
    "centers", "centres", "bureau", "authority", "organization", "organisation",
    "coalition", "alliance", "institutes", "agencies", "departments", "ministries",
}

# News outlets, matched case-sensitively against source names; the bundled registry's
# names are added at first use.
OUTLETS = {
    "Reuters", "AP", "Associated Press", "The Associated Press", "AFP", "Agence France-Presse",
    "Bloomberg", "Bloomberg News", "CNN", "Fox News", "MSNBC", "NBC", "NBC News", "ABC",
    "ABC News", "CBS", "CBS News", "NPR", "BBC", "Politico", "POLITICO", "Axios",
    "The Hill", "The New York Times", "New York Times", "The Washington Post",
    "Washington Post", "The Wall Street Journal", "Wall Street Journal", "The Guardian",
    "Daily Mail", "Breitbart", "Breitbart News", "HuffPost", "The Huffington Post",
    "Huffington Post", "USA Today", "USA TODAY", "Los Angeles Times", "The Los Angeles Times",
    "New York Daily News", "The New York Post", "New York Post", "Newsweek", "The Atlantic",
    "BuzzFeed", "BuzzFeed News", "Vox", "The Daily Beast", "Daily Beast", "The Times",
    "the Times", "The Post", "the Post", "The Journal", "the Journal", "Daily News",
    "the Daily News", "Western Journalism", "The Financial Times", "Financial Times", "the FT",
    "The Economist", "Al Jazeera", "Sky News", "The Independent", "The Telegraph",
    "The Boston Globe", "Boston Globe", "The Chicago Tribune", "Chicago Tribune",
    "The Washington Times", "Washington Times", "The Daily Caller", "Daily Caller",
    "The Intercept", "ProPublica", "Mother Jones", "National Review", "The New Yorker",
    "Yahoo News", "Fox Business", "C-SPAN", "Univision", "Telemundo", "PBS", "CNBC",
    "The Daily Telegraph", "the newspaper", "the paper", "the network", "the outlet",
    "the magazine", "the news agency", "the agency", "the broadcaster", "the website",
    "the site", "the report", "the Globe", "the Tribune", "the Examiner",
}
OUTLET_NOUNS = {
    "newspaper", "paper", "network", "outlet", "magazine", "broadcaster", "website",
    "tabloid", "daily", "wire",
}


@cache
def outlet_names() -> frozenset[str]:
    """OUTLETS plus the bundled registry's outlet names (when the registry loads)."""
    names = set(OUTLETS)
    try:
        import tomllib
        from importlib import resources

        raw = resources.files("broadsheet.registry").joinpath("outlets.toml").read_bytes()
        for outlet in tomllib.loads(raw.decode("utf-8")).get("outlet", []):
            name = outlet.get("name")
            # One-word registry names that are also common words ("Reason", "Slate")
            # are too ambiguous as speakers; keep multi-word and all-capital ones.
            if isinstance(name, str) and (" " in name or name.isupper()):
                names.add(name)
                if name.startswith("The "):
                    names.add(name[4:])
    except Exception:  # the registry is optional here: the bundled list still works
        pass
    return frozenset(names)
