"""Near-duplicate index: wire rewrites matched, same-topic stories kept apart, state bounded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from broadsheet.stories.neardup import (
    MIN_WORDS,
    IncompatibleSnapshot,
    NearDuplicateIndex,
    shingle_hashes,
    tokens,
)

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)

# An invented wire story (about 330 words).
WIRE = """\
Flooding along the Varna river forced the evacuation of about 4,000 residents on Tuesday,
regional officials said, after three days of heavy rain overwhelmed levees built in the 1970s.

The regional emergency agency said the river had risen almost two metres above its usual
spring level by early afternoon, and that water had entered low-lying streets in the towns
of Kessel and Marrow Bridge. No deaths had been reported, but two people were treated in
hospital for hypothermia after being pulled from a car trapped on a flooded road.

"We are asking everyone in the marked zones to leave now and not wait for the water to reach
their doors," the agency's director, Lena Hartmann, told reporters at a briefing in the
regional capital. Schools in the affected districts will stay closed until at least Friday.

Forecasters expect a further 40 millimetres of rain over the next 48 hours, with the heaviest
falls in the hills upstream of Kessel. The national weather service raised its warning for
the river basin to the highest level, the first time it has done so since the floods of 2013.

Engineers spent the night reinforcing a section of levee near the railway bridge with
sandbags and gravel, and the army sent two hundred soldiers and a dozen amphibious vehicles
to help with the evacuation. Train services between Kessel and the coast were suspended.

Local businesses said the timing was especially painful because many had only just reopened
after repairs from smaller floods last autumn. Insurers have not yet estimated the damage.

The regional government said it would ask the national treasury for emergency funds and that
temporary shelters had been set up in sports halls in three towns. Residents were urged to
register with the agency so that relatives could find them.

Environmental groups have long argued that the levees are too low for the heavier rainfall
the region now sees, and that wetlands upstream should be restored to hold back flood water.
A study published last year by the national university found that restoring 3,000 hectares
of former marsh above Kessel would lower peak river levels in the town by up to 40
centimetres, at a fraction of the cost of raising the levees along the whole valley.

The agency said it would publish updated flood maps on its website every six hours and asked
people not to drive through standing water, which has been the cause of most flood deaths in
the region over the past two decades. Volunteers with boats were asked to register at the
fire station in Marrow Bridge rather than set out on their own.
"""

# The same story as an outlet runs it: own opening line, a word or two changed, a tagline.
REWRITE = (
    "Thousands were told to leave their homes in the Varna valley on Tuesday,\n"
    + WIRE.split("\n", 1)[1].replace("two hundred soldiers", "200 soldiers")
    + "\nReporting by Anna Kowalski; editing by Mark Reyes. Additional reporting by our staff."
)

# A different story on the same topic: the same floods, written independently.
OTHER = """\
Farmers in the Varna basin say this week's flooding has wiped out the winter wheat on
thousands of hectares of low fields, and that many will not be able to replant before summer.

At a farm outside Marrow Bridge, Piotr Danek stood at the edge of a field that had become a
brown lake. His family has grown wheat and sugar beet here for four generations. "We have had
floods before, but never in March and never this deep," he said. "The seed is gone."

Agricultural economists at the national university estimate the losses at tens of millions,
though they caution that the figure depends on how quickly the water drains. Cattle farmers
have moved herds to higher pastures and are buying in feed at rising prices.

The farmers' union wants the government to declare a natural disaster, which would release
compensation and defer tax payments. The agriculture ministry said it was assessing the
damage and would decide next week.

Some growers blame the drainage authority for failing to clear ditches and pumping stations
after last autumn's storms; the authority says its budget has been cut three years running.
"""


def test_wire_rewrite_with_new_first_line_and_tagline_is_matched() -> None:
    index = NearDuplicateIndex()
    assert index.add("wire", WIRE, T0) is None
    assert index.add("outlet", REWRITE, T0 + timedelta(hours=2)) == "wire"
    # The duplicate is answered, not indexed: only the canonical text takes space.
    assert len(index) == 1 and "outlet" not in index


def test_identical_text_is_matched() -> None:
    index = NearDuplicateIndex()
    index.add("a", WIRE, T0)
    assert index.add("b", WIRE, T0) == "a"
    assert index.query(WIRE, T0) == "a"


def test_same_topic_different_story_is_not_matched() -> None:
    index = NearDuplicateIndex()
    index.add("wire", WIRE, T0)
    assert index.add("farmers", OTHER, T0) is None
    assert len(index) == 2


def test_normalisation_ignores_case_and_punctuation() -> None:
    index = NearDuplicateIndex()
    index.add("a", WIRE, T0)
    shouted = WIRE.upper().replace(",", "").replace('"', "“")
    assert index.add("b", shouted, T0) == "a"


def test_short_texts_are_never_matched_or_indexed() -> None:
    short = " ".join(tokens(WIRE)[: MIN_WORDS - 1])
    index = NearDuplicateIndex()
    assert index.add("a", short, T0) is None
    assert index.add("b", short, T0) is None
    assert len(index) == 0


def test_first_seen_text_stays_canonical() -> None:
    index = NearDuplicateIndex()
    index.add("first", WIRE, T0)
    assert index.add("second", REWRITE, T0) == "first"
    assert index.add("third", WIRE + "\nUpdated at 15:00.", T0) == "first"
    assert index.add("first", WIRE, T0) is None  # re-adding the canonical key is a no-op


def test_expire_drops_old_entries_and_bounds_state() -> None:
    index = NearDuplicateIndex(window=timedelta(days=2))
    index.add("old", WIRE, T0)
    index.add("new", OTHER, T0 + timedelta(days=2))
    assert index.expire(T0 + timedelta(days=3)) == 1
    assert "old" not in index and "new" in index
    # Once expired, the old wire text counts as new again.
    assert index.add("again", WIRE, T0 + timedelta(days=3)) is None
    assert index.expire(T0 + timedelta(days=30)) == 2
    assert len(index) == 0


def test_without_expire_the_index_keeps_about_two_windows_of_texts() -> None:
    # A build never calls expire(): the index bounds itself by the newest time it saw.
    index = NearDuplicateIndex(window=timedelta(days=2))
    for day in range(30):
        text = " ".join(f"word{day}x{i}" for i in range(2 * MIN_WORDS))  # one text a day
        assert index.add(f"day{day}", text, T0 + timedelta(days=day)) is None
    assert len(index) == 5  # days 25 to 29 (two windows behind day 29), not all 30
    assert all(f"day{day}" in index for day in range(25, 30))
    # The clock survives a snapshot: a restored index drops exactly what this one would.
    restored = NearDuplicateIndex.restore(index.snapshot())
    for one in (index, restored):
        one.add("late", OTHER, T0 + timedelta(days=31))
    assert restored.snapshot() == index.snapshot() and len(index) == 4


def test_matches_stay_within_the_window_even_before_expire() -> None:
    index = NearDuplicateIndex(window=timedelta(days=1))
    index.add("old", WIRE, T0)
    assert index.add("much-later", WIRE, T0 + timedelta(days=5)) is None


def test_naive_datetimes_are_utc() -> None:
    index = NearDuplicateIndex(window=timedelta(hours=1))
    index.add("a", WIRE, datetime(2024, 3, 1, 12, 0))
    assert index.expire(T0 + timedelta(minutes=30)) == 0
    assert index.expire(T0 + timedelta(hours=2)) == 1


def test_snapshot_restore_is_equivalent_and_deterministic() -> None:
    index = NearDuplicateIndex(threshold=0.75, window=timedelta(days=3))
    index.add("wire", WIRE, T0)
    index.add("farmers", OTHER, T0 + timedelta(hours=1))
    data = index.snapshot()
    assert data == index.snapshot()

    restored = NearDuplicateIndex.restore(data)
    assert restored.snapshot() == data
    assert (restored.threshold, restored.window, len(restored)) == (0.75, timedelta(days=3), 2)
    assert restored.add("outlet", REWRITE, T0) == "wire"
    later = T0 + timedelta(days=1)
    assert restored.add("fresh", WIRE.replace("Varna", "Lode") + OTHER, later) is None
    assert restored.expire(T0 + timedelta(days=3, minutes=30)) == 1
    assert "wire" not in restored


def test_a_fresh_index_gives_the_same_bytes() -> None:
    # Nothing salted: two independent indexes built the same way serialise identically.
    def build() -> bytes:
        index = NearDuplicateIndex()
        index.add("wire", WIRE, T0)
        index.add("farmers", OTHER, T0)
        return index.snapshot()

    assert build() == build()


def test_restore_rejects_foreign_bytes() -> None:
    import zlib

    with pytest.raises(ValueError):
        NearDuplicateIndex.restore(zlib.compress(b'{"format": "something-else"}'))


def test_shingles_are_five_word_windows_hashed_in_order() -> None:
    words = tokens("One, two THREE four five six.")
    assert words == ["one", "two", "three", "four", "five", "six"]
    hashes = shingle_hashes(words)
    assert hashes.dtype == np.uint32 and len(hashes) == 2  # two windows of five words
    assert set(shingle_hashes(words[:5])) < set(hashes)  # "one two three four five"
    assert len(shingle_hashes(words[:5] * 2)) == 5  # six windows, the first one twice
    assert not set(shingle_hashes(words[::-1])) & set(hashes)  # the same words reversed
    assert len(shingle_hashes(words[:4])) == 0


def test_a_snapshot_of_other_signatures_is_refused_but_its_clock_is_read() -> None:
    import json
    import zlib

    index = NearDuplicateIndex()
    index.add("wire", WIRE + OTHER, T0)
    state = json.loads(zlib.decompress(index.snapshot()))
    assert state["shingle_hash"] == "crc32-poly64"
    del state["shingle_hash"]  # as saved before the hash was named: SHA-1 shingles
    older = zlib.compress(json.dumps(state).encode())
    with pytest.raises(IncompatibleSnapshot):
        NearDuplicateIndex.restore(older)
    assert NearDuplicateIndex.snapshot_clock(older) == T0.timestamp()
