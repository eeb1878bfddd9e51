"""The daily crossword: grids, fill, clue sources, determinism, on invented and real stores."""

from __future__ import annotations

import codecs
import json
import os
import random
import re
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from broadsheet.models import ExtractedArticle
from broadsheet.puzzles import crossword as cw_mod
from broadsheet.puzzles.crossword import (
    Crossword,
    CrosswordError,
    check_crossword,
    daily_crosswords,
    daily_vocabulary,
    fill_pattern,
    make_crossword,
    make_mini,
    make_pattern,
    pattern_slots,
)
from broadsheet.puzzles.rng import SplitMix64
from broadsheet.puzzles.words import (
    _sentence_score,
    _web2,
    blank_clue,
    is_blocked,
    is_dictionary_word,
    mention_re,
)
from broadsheet.store import Store
from broadsheet.store.articles import save_article
from broadsheet.store.feeds import sync_outlets
from broadsheet.store.schema import ArticleRow, BriefingRow, OutletRow
from broadsheet.stories.build import build_stories
from broadsheet.write.stored import build_briefings
from tests.conftest import shared_path
from tests.support.site import OUTLETS, build_site_store

# ---------------------------------------------------------------------------------------
# Independent checks of a finished crossword (not using check_crossword's code)


def _runs(cells: list[str]) -> list[tuple[int, int]]:
    out, start = [], None
    for i, ch in enumerate([*cells, "#"]):
        if ch == "#":
            if start is not None:
                out.append((start, i - start))
            start = None
        elif start is None:
            start = i
    return out


def _tokens(text: str) -> list[str]:
    return re.findall(r"[A-Za-z]+", text)


def _contains_answer(sentence: str, answer: str) -> bool:
    """Whether consecutive whole words of ``sentence`` spell ``answer`` (any case)."""
    tokens = [t.upper() for t in _tokens(sentence)]
    for i in range(len(tokens)):
        joined = ""
        for token in tokens[i:]:
            joined += token
            if joined == answer:
                return True
            if len(joined) >= len(answer):
                break
    return False


def verify(cw: Crossword, session: Session) -> None:
    n = cw.size
    grid = cw.grid
    assert len(grid) == n and all(len(row) == n for row in grid)
    # Fully filled, blocks symmetric under a half turn.
    for r in range(n):
        for c in range(n):
            assert grid[r][c] == "#" or "A" <= grid[r][c] <= "Z", (r, c, grid[r][c])
            assert (grid[r][c] == "#") == (grid[n - 1 - r][n - 1 - c] == "#")
    # The slots are the maximal runs: at least three letters each.
    slots = {}
    for r in range(n):
        for start, length in _runs(list(grid[r])):
            slots[("across", r, start)] = length
    for c in range(n):
        for start, length in _runs([grid[r][c] for r in range(n)]):
            slots[("down", start, c)] = length
    assert all(length >= 3 for length in slots.values())
    by_key = {(e.direction, e.row, e.col): e for e in cw.entries}
    assert set(by_key) == set(slots)
    # Every white cell is in exactly one across and one down entry, and both entries put
    # the grid's letter there (crossings agree).
    covered: dict[tuple[int, int], list[str]] = {}
    for e in cw.entries:
        assert len(e.answer) == slots[(e.direction, e.row, e.col)]
        for i, (r, c) in enumerate(e.cells()):
            assert grid[r][c] == e.answer[i]
            covered.setdefault((r, c), []).append(e.direction)
    whites = [(r, c) for r in range(n) for c in range(n) if grid[r][c] != "#"]
    assert all(sorted(covered[cell]) == ["across", "down"] for cell in whites)
    # White cells connected.
    seen, stack = {whites[0]}, [whites[0]]
    while stack:
        r, c = stack.pop()
        for cell in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
            if cell in covered and cell not in seen:
                seen.add(cell)
                stack.append(cell)
    assert len(seen) == len(whites)
    # No answer twice.
    answers = [e.answer for e in cw.entries]
    assert len(answers) == len(set(answers)), sorted(a for a in answers if answers.count(a) > 1)
    # Standard numbering.
    starts = sorted({(e.row, e.col) for e in cw.entries})
    numbers = {cell: i for i, cell in enumerate(starts, start=1)}
    assert all(e.number == numbers[(e.row, e.col)] for e in cw.entries)
    # Every clue traces to a stored sentence that contains the answer.
    for e in cw.entries:
        verify_source(e, session)
    # No clue gives another entry's answer away (four letters or more).
    for e in cw.entries:
        for other in cw.entries:
            if other is not e and len(other.answer) >= 4:
                assert not _contains_answer(e.clue, other.answer), (e.clue, other.answer)
    assert check_crossword(cw) == []


def verify_source(e, session: Session) -> None:  # type: ignore[no-untyped-def]
    source = e.source
    sentence = source["sentence"]
    if source["kind"] == "article":
        article = session.get(ArticleRow, source["article_id"])
        assert article is not None
        assert sentence in article.text
    elif source["kind"] == "briefing":
        row = session.get(BriefingRow, source["story_id"])
        assert row is not None
        texts = [item["text"] for part in ("summary_sentences", "facts")
                 for item in row.record.get(part) or []]
        assert sentence in texts
    else:  # pragma: no cover - no definitions are bundled yet
        raise AssertionError(f"unexpected source {source}")
    assert _contains_answer(sentence, e.answer), (e.answer, sentence)
    # The clue is the sentence with the answer blanked (and perhaps cut to a window), and
    # other entries' answers turned into cross-references ("5-Down").
    assert "___" in e.clue
    flat = re.sub(r"\s+", " ", sentence)
    body = re.sub(r"\s*\(\d wds\.\)$", "", e.clue)
    for chunk in re.split(r"___|…|\b\d+-(?:Across|Down)\b", body):
        assert chunk.strip() in flat, (chunk, sentence)
    assert not _contains_answer(e.clue, e.answer), e.clue  # the blank hides every copy
    if e.kind == "word":
        assert is_dictionary_word(e.answer.lower()), e.answer
    else:
        # A name is written capitalised in its source sentence.
        assert any(t[0].isupper() for t in _tokens(sentence) if t.upper() in e.answer)


# ---------------------------------------------------------------------------------------
# An invented store: six stories (three outlets each) and an archive of older articles


EVENTS = [
    ("Mara Stone", "Port Linden", "Harbour Board", "ferry", "fares", "timetable"),
    ("Owen Hale", "Castlebury", "Water Trust", "reservoir", "drought", "hosepipe"),
    ("Ines Calder", "Norrow", "Rail Office", "tunnel", "signals", "platform"),
    ("Tomas Reyne", "Ashford", "Farm Union", "harvest", "tariff", "barley"),
    ("Lena Voss", "Greywick", "Arts Council", "museum", "festival", "gallery"),
    ("Rafe Ormond", "Kelby", "Health Board", "clinic", "vaccine", "nurses"),
]

TEMPLATES = [
    "{person} said the {subject} in {place} would be reviewed by the {body} before summer.",
    "The {body} confirmed that {n} residents of {place} had written to complain about the "
    "{subject}.",
    "According to {person}, the {subject} plan was agreed after a long meeting on Tuesday.",
    "Critics in {place} argued that the new {term} rules would hit families hardest.",
    "{last} told reporters that the {other} proposal was the fairest option on the table.",
    "Supporters said changes to the {term} and the {other} were long overdue.",
    "The {body} will publish its findings on the {subject} later this month.",
]

ARCHIVE_TEMPLATES = [
    "The {} near the old {} was inspected by the council on Monday.",
    "Residents said the {} and the {} would be discussed with the {} committee.",
    "According to the report, the price of {} rose while {} and {} fell.",
    "A {} was found beside the {} after the market closed.",
    "Officials described the {} as a {} that needed a {} plan.",
    "The museum will show a {} next to a {} until the spring.",
    "Volunteers carried the {} across the {} before the storm arrived.",
    "Her latest book is about a {}, a {} and a {}.",
]


def _archive(count: int, sentences: int, seed: int = 11) -> list[tuple[str, str, datetime]]:
    """Invented older articles whose sentences use dictionary words of 3 to 8 letters, so
    the store's vocabulary is large enough for a full grid."""
    lower, _ = _web2()
    rng = random.Random(seed)
    by_length: dict[int, list[str]] = {}
    for word in sorted(lower):
        if 3 <= len(word) <= 8 and not is_blocked(word):
            by_length.setdefault(len(word), []).append(word)
    quota = {3: 500, 4: 1400, 5: 1900, 6: 1900, 7: 1500, 8: 1000}
    pool = [w for n, q in quota.items() for w in rng.sample(by_length[n], q)]
    rng.shuffle(pool)
    start = datetime(2026, 1, 10, 9, tzinfo=UTC)
    out, k = [], 0
    for i in range(count):
        body = []
        for j in range(sentences):
            template = ARCHIVE_TEMPLATES[(i + j) % len(ARCHIVE_TEMPLATES)]
            slots = template.count("{}")
            body.append(template.format(*[pool[(k + x) % len(pool)] for x in range(slots)]))
            k += slots
        out.append((f"Archive note {i}", " ".join(body), start + timedelta(hours=9 * i)))
    return out


def build_fixture_store(store: Store, *, archive: bool = True) -> None:
    rng = random.Random(3)
    with store.session() as session:
        sync_outlets(session, OUTLETS)
        outlet_ids = [row.id for row in session.scalars(select(OutletRow).order_by(OutletRow.id))]
        for e, (person, place, body, subject, term, other) in enumerate(EVENTS):
            when = datetime(2026, 3, 1, 7, tzinfo=UTC) + timedelta(hours=14 * e)
            for i in range(3):
                values = {
                    "person": person, "last": person.split()[-1], "place": place,
                    "body": body, "subject": subject, "term": term, "other": other,
                    "n": rng.randint(40, 900),
                }
                lines = [t.format(**values) for t in TEMPLATES]
                rng.shuffle(lines)
                save_article(
                    session,
                    ExtractedArticle(
                        title=f"{person} and the {place} {subject}",
                        paragraphs=[" ".join(lines[:6])],
                        published=(when + timedelta(minutes=40 * i)).isoformat(),
                    ),
                    url=f"https://story.example/{e}/{i}", outlet_id=outlet_ids[i],
                )
    build_stories(store)
    build_briefings(store)
    if not archive:
        return
    with store.session() as session:
        for i, (title, text, when) in enumerate(_archive(80, 40)):
            save_article(
                session,
                ExtractedArticle(title=title, paragraphs=[text], published=when.isoformat()),
                url=f"https://archive.example/a/{i}",
            )


@pytest.fixture(scope="module")
def fixture_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    path = tmp_path_factory.mktemp("crossword") / "fixture.db"
    store = Store(f"sqlite:///{path}")
    build_fixture_store(store)
    yield store
    store.close()


FIXTURE_DAYS = ["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-06", "2026-03-10"]


# ---------------------------------------------------------------------------------------
# Patterns and the filler


@pytest.mark.parametrize("size", [5, 11, 13])
def test_patterns_are_american_style(size: int) -> None:
    rng = SplitMix64(f"test:{size}")
    made = 0
    for max_len, blocks in cw_mod.PATTERN_SHAPES[size]:
        for _ in range(3):
            pattern = make_pattern(size, rng, max_len=max_len, blocks=blocks)
            if pattern is None:
                continue
            made += 1
            n = size
            assert all(len(row) == n for row in pattern) and len(pattern) == n
            for r in range(n):
                for c in range(n):
                    assert (pattern[r][c] == "#") == (pattern[n - 1 - r][n - 1 - c] == "#")
            slots = pattern_slots(pattern)
            assert all(3 <= s.length <= max_len for s in slots)
            assert cw_mod._connected([[ch == "#" for ch in row] for row in pattern])
            assert sum(row.count("#") for row in pattern) >= blocks
    assert made >= 3


def test_fill_pattern_small_grid() -> None:
    pattern = ["...", "...", "..."]
    words = {3: ["BAT", "ORE", "WED", "BOW", "ARE", "TED", "TEA", "DOG", "CAT"]}
    filled = fill_pattern(pattern, words)
    assert filled is not None
    grid, placements = filled
    # The square or its transpose: the only fills from these words.
    assert grid in (["BAT", "ORE", "WED"], ["BOW", "ARE", "TED"])
    assert placements >= 6
    # Without a word for one crossing there is no fill, and the search says so.
    assert fill_pattern(pattern, {3: ["BAT", "ORE", "WED", "BOW", "ARE", "TEA"]}) is None


def test_fill_never_repeats_a_word() -> None:
    # The only fills of this word square put the same word across and down.
    words = {3: ["BAT", "ARE", "TEN"]}
    assert fill_pattern(["...", "...", "..."], words) is None


PINNED = [375, 683, 86, 817, 391]


def test_rng_is_stable() -> None:
    # SplitMix64 seeded from SHA-256 of the key: the same numbers on every machine.
    first = SplitMix64("crossword:daily:11:2026-03-02")
    second = SplitMix64("crossword:daily:11:2026-03-02")
    numbers = [first.below(1000) for _ in range(5)]
    assert numbers == [second.below(1000) for _ in range(5)] == PINNED
    other = SplitMix64("crossword:daily:11:2026-03-03")
    assert numbers != [other.below(1000) for _ in range(5)]


# ---------------------------------------------------------------------------------------
# Words and clues


def test_dictionary_words_and_inflections() -> None:
    for word in ("vote", "votes", "voted", "voting", "taxes", "cities", "bigger", "harbour"):
        assert is_dictionary_word(word), word
    for word in ("xqzt", "brexitt", "zzz"):
        assert not is_dictionary_word(word), word


def test_blocklist() -> None:
    listed = codecs.decode("fuvg", "rot13")
    assert is_blocked(listed) and is_blocked(listed.upper()) and is_blocked(listed + "s")
    assert not is_blocked("harbour")


def test_blank_clue() -> None:
    sentence = "The ferry left; ferrymen said the Ferry would return."
    assert blank_clue(sentence, "ferry") == "The ___ left; ferrymen said the ___ would return."
    assert blank_clue("Biden-led talks; Biden's aides.", "Biden") == "___-led talks; ___'s aides."
    assert blank_clue("The NBC  News report", "NBC News") == "The ___ report"
    long = " ".join(f"word{i}" for i in range(60)) + " harbour " + " ".join(
        f"tail{i}" for i in range(60))
    clue = blank_clue(long, "harbour")
    assert "___" in clue and clue.startswith("…") and clue.endswith("…")
    assert len(clue) <= 175


# ---------------------------------------------------------------------------------------
# Daily puzzles from the invented store


def test_fixture_crosswords_fill(fixture_store: Store) -> None:
    themes = 0
    with fixture_store.session() as session:
        for day in FIXTURE_DAYS:
            puzzles = daily_crosswords(session, day)
            daily, mini = puzzles["daily"], puzzles["mini"]
            assert (daily.size, daily.kind, daily.date) == (11, "daily", day)
            assert (mini.size, mini.kind) == (5, "mini")
            verify(daily, session)
            verify(mini, session)
            themes += daily.stats["theme_entries"]
    assert themes > 0  # answers from the week's briefings do get in


def test_fixture_crossword_13(fixture_store: Store) -> None:
    with fixture_store.session() as session:
        big = make_crossword(session, FIXTURE_DAYS[1], size=13)
        assert big.size == 13
        verify(big, session)


def test_same_date_same_puzzle(fixture_store: Store) -> None:
    day = FIXTURE_DAYS[0]
    with fixture_store.session() as session:
        first = make_crossword(session, day).to_json()
        again = make_crossword(session, day).to_json()
        shared = make_crossword(session, day, vocabulary=daily_vocabulary(session, day))
        other = make_crossword(session, FIXTURE_DAYS[2]).to_json()
        mini = make_mini(session, day).to_json()
    assert first == again == shared.to_json()
    assert first["grid"] != other["grid"]
    assert Crossword.from_json(json.loads(json.dumps(first))).to_json() == first
    # Another process, with another string-hash seed, makes the same puzzles.
    script = (
        "import json, sys\n"
        "from broadsheet.store import Store\n"
        "from broadsheet.puzzles.crossword import make_crossword, make_mini\n"
        "s = Store(sys.argv[1])\n"
        "with s.session() as se:\n"
        "    print(json.dumps([make_crossword(se, sys.argv[2]).to_json(),"
        " make_mini(se, sys.argv[2]).to_json()]))\n"
    )
    env = dict(os.environ, PYTHONHASHSEED="12345")
    out = subprocess.run(
        [sys.executable, "-c", script, fixture_store.url, day], capture_output=True,
        text=True, env=env, check=True, timeout=120,
    )
    assert json.loads(out.stdout) == [first, mini]


def test_thin_store_is_refused(store: Store) -> None:
    build_site_store(store, events=3, hostile=False)
    started = time.perf_counter()
    with store.session() as session, pytest.raises(CrosswordError, match="too few words"):
        make_crossword(session, "2026-03-01")
    assert time.perf_counter() - started < 10


def test_bad_size(fixture_store: Store) -> None:
    with fixture_store.session() as session, pytest.raises(ValueError):
        make_crossword(session, FIXTURE_DAYS[0], size=9)


# ---------------------------------------------------------------------------------------
# Real data: 30 days of crosswords from the AllSides roundups


@pytest.fixture(scope="module")
def allsides_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    from broadsheet.ingest_records import ingest_records

    source = shared_path("data/stories/allsides-roundups.jsonl")
    path = tmp_path_factory.mktemp("crossword-real") / "allsides.db"
    store = Store(f"sqlite:///{path}")
    ingest_records(store, [Path(source)])
    build_stories(store)
    build_briefings(store)
    yield store
    store.close()


REAL_DAYS = [date(2021, 4, 26) + timedelta(days=6 * i) for i in range(30)]


@pytest.mark.realdata
@pytest.mark.slow
def test_realdata_thirty_days(allsides_store: Store) -> None:
    times = []
    themes = []
    with allsides_store.session() as session:
        for day in REAL_DAYS:
            started = time.perf_counter()
            puzzles = daily_crosswords(session, day)
            times.append(time.perf_counter() - started)
            for puzzle in puzzles.values():
                verify(puzzle, session)
            assert puzzles["daily"].story_ids
            themes.append(puzzles["daily"].stats["theme_entries"])
    assert len({d.isoformat() for d in REAL_DAYS}) == 30
    assert sum(t > 0 for t in themes) >= 25  # the week's news is in (almost) every grid
    print(f"30 days: {sum(times):.1f}s, slowest {max(times):.1f}s, themes {themes}")


@pytest.mark.parametrize(
    "furniture",
    [
        "(Reporting by Tom Fenwick and Ada Brennan; Editing by Ruth Okafor)",
        "Harbour pilots march through Porthaven on Monday (Ruth Okafor/AP)",
        "Harbour pilots march through Porthaven on Monday, photo ©Ruth Okafor",
        "Harbour pilots march through Porthaven on Monday in the rain",  # a caption
        "Hint: the pilots marched through Porthaven on Monday in the rain.",
    ],
)
def test_clue_sentences_prefer_prose_over_credits_and_captions(furniture: str) -> None:
    prose = "Harbour pilots marched through Porthaven on Monday to demand safer night shifts."
    assert _sentence_score(furniture, 1) < _sentence_score(prose, 1) - 1.0


def test_a_clue_that_shows_an_answer_split_by_an_apostrophe_or_hyphen_refers_to_it() -> None:
    # A real run's clue showed the possessive "shot’s" beside the answer SHOTS.
    mention = mention_re("shots")
    for shown in ("the shot’s hurdles", "the shot's hurdles", "the SHOTS", "sho-ts"):
        assert mention.sub("3-Down", shown).endswith(("3-Down hurdles", "3-Down")), shown
    for hidden in ("snapshots", "the shot hurdles", "shotsy"):
        assert mention.sub("3-Down", hidden) == hidden
