"""The extractive briefing on invented stories, and the faithfulness check."""

from __future__ import annotations

import dataclasses

from broadsheet.write.briefing import BriefArticle, Extract, compose_briefing
from broadsheet.write.faithfulness import check_briefing
from broadsheet.write.sentences import concepts, content_words, normalise, split_sentences

STORY = [
    BriefArticle(
        id="a1", outlet="Left Daily", lean="left", title="City council approves new bridge plan",
        text=(
            "The city council voted 7-2 on Tuesday to approve a $40 million plan for a new "
            "bridge over the Green River. The bridge will replace the 80-year-old span that "
            "was closed last spring after inspectors found cracks in its supports. "
            "\"This bridge reconnects two neighbourhoods that have been cut off for a year,\" "
            "Mayor Ana Ruiz said. Construction is expected to begin in March."
        ),
        url="https://left.example/bridge",
    ),
    BriefArticle(
        id="a2", outlet="Centre Times", lean="center",
        title="Council approves $40 million bridge plan over Green River",
        text=(
            "On Tuesday the city council approved a $40 million plan to build a new bridge "
            "over the Green River, by a vote of 7-2. The old span was closed last spring after "
            "inspectors found cracks in its supports. Council member Tom Baker said the cost "
            "estimate was too optimistic. Work should start in March, officials said."
        ),
        url="https://centre.example/bridge",
    ),
    BriefArticle(
        id="a3", outlet="Right Post", lean="right",
        title="Taxpayers face $40 million bill as council backs bridge",
        text=(
            "Taxpayers will pay for a $40 million bridge over the Green River after the city "
            "council approved the plan on Tuesday by a vote of 7-2. "
            "\"The council is writing a blank cheque with other people's money,\" council "
            "member Tom Baker said. Critics argued that a repair of the old span would cost "
            "far less."
        ),
        url="https://right.example/bridge",
    ),
]


def test_sentences_keep_offsets_and_skip_abbreviations() -> None:
    text = "Sen. John F. Kennedy spoke Monday. \"It is fine,\" he said.\nA new line"
    sents = split_sentences(text)
    assert [s.text for s in sents] == [
        "Sen. John F. Kennedy spoke Monday.", "\"It is fine,\" he said.", "A new line"]
    assert all(text[s.start : s.end] == s.text for s in sents)
    assert normalise("“a”\u00a0 —b") == '"a" -b'


def test_headline_is_the_most_shared_wording() -> None:
    b = compose_briefing(STORY)
    assert b.headline == "Council approves $40 million bridge plan over Green River"
    assert b.headline_article == 1


def test_summary_budget_and_traceable_sentences() -> None:
    for budget in (20, 40, 100):
        b = compose_briefing(STORY, words=budget)
        assert len(b.summary.split()) <= budget
        for e in b.summary_sentences + b.facts:
            src = STORY[e.article].text
            assert normalise(e.text).casefold() == normalise(src[e.start : e.end]).casefold()
    assert compose_briefing(STORY, words=100).summary


def test_concepts_are_content_words_and_bigrams() -> None:
    got = concepts("The ferries' new timetable starts today.")
    assert {"ferrie", "timetable", "new timetable", "timetable start", "the ferrie"} <= got
    assert "the" not in got  # a stopword alone is no concept
    assert "start today" in got and "starts today" not in got  # plurals folded as in bags


def _whole_source_sentence(e: Extract, articles: list[BriefArticle]) -> bool:
    text = articles[e.article].text
    return any(s.end == e.end and e.start >= s.start for s in split_sentences(text))


def test_summary_prefers_what_several_outlets_report() -> None:
    shared = "The ferry service to the island resumes on Friday after a two-week strike."
    story = [
        BriefArticle(id="f1", outlet="Harbour News", title="Island ferries return",
                     text="Local anglers report a record catch of mackerel this autumn. "
                          + shared),
        BriefArticle(id="f2", outlet="Coast Daily", title="Ferry strike ends",
                     text="After a two-week strike, the ferry service to the island resumes "
                          "on Friday, the operator said."),
        BriefArticle(id="f3", outlet="Bay Courier", title="Ferries back on Friday",
                     text="Ferry service to the island resumes Friday after the strike, "
                          "which lasted two weeks."),
    ]
    b = compose_briefing(story, words=16)
    assert b.summary and "mackerel" not in b.summary
    assert "ferry" in b.summary.lower() and len(b.summary.split()) <= 16
    assert check_briefing(b, story) == []


def test_summary_fills_the_budget_with_whole_sentences() -> None:
    text = ("The county opened a new public library in the old mill on Saturday morning. "
            "The building was restored over three years with money from a local trust and "
            "a national heritage fund, and it now holds forty thousand books. "
            "Entry to the library is free for residents. "
            "Volunteers will run weekend reading clubs for children.")
    story = [BriefArticle(id="l1", outlet="Valley Post", title="Library opens in old mill",
                          text=text)]
    for budget in (25, 40, 60):
        b = compose_briefing(story, words=budget)
        used = len(b.summary.split())
        assert used <= budget
        assert all(_whole_source_sentence(e, story) for e in b.summary_sentences)
        # Nothing left out would still fit: the search skips a long sentence for shorter ones.
        chosen = {e.start for e in b.summary_sentences}
        left = [s for s in split_sentences(text) if s.start not in chosen]
        assert all(used + len(s.text.split()) > budget for s in left), (budget, b.summary)
    assert len(compose_briefing(story, words=25).summary_sentences) >= 2


def test_summary_does_not_repeat_a_shared_sentence() -> None:
    wire = "Heavy rain closed the coastal road between the two towns on Sunday."
    story = [BriefArticle(id=f"w{i}", outlet=f"Paper {i}", title="Coastal road closed",
                          text=f"{wire} {extra}")
             for i, extra in enumerate(["Drivers were told to use the inland route.",
                                        "Crews expect to reopen it by Wednesday.",
                                        "A bus service will link the towns meanwhile."])]
    b = compose_briefing(story, words=100)
    assert sum(e.text == wire for e in b.summary_sentences) == 1
    assert check_briefing(b, story) == []


def test_facts_cite_several_outlets_first_and_do_not_repeat() -> None:
    b = compose_briefing(STORY)
    assert b.facts
    counts = [len(f.citations) for f in b.facts]
    assert counts[0] >= 2
    assert counts == sorted(counts, reverse=True)
    bags = [set(content_words(f.text)) for f in b.facts]
    for i, x in enumerate(bags):
        for y in bags[i + 1 :]:
            assert len(x & y) / min(len(x), len(y)) < 0.5


def test_perspectives_from_both_sides_and_quotes() -> None:
    b = compose_briefing(STORY)
    leans = {p["lean"] for p in b.perspectives}
    assert {"left", "right"} <= leans
    speakers = {q["speaker"] for q in b.quotes}
    assert any("Ruiz" in s for s in speakers)
    assert any("Baker" in s for s in speakers)


def test_json_contract_and_coverage() -> None:
    record = compose_briefing(STORY, story_id="s1").to_json()
    assert list(record) == ["story", "headline", "summary", "facts", "perspectives",
                            "quotes", "coverage", "sources"]
    assert record["coverage"]["by_lean"]["left"] == 1
    assert [s["outlet"] for s in record["sources"]] == [a.outlet for a in STORY]
    assert all(f["citations"] for f in record["facts"])


def test_faithfulness_passes_and_catches_a_planted_sentence() -> None:
    b = compose_briefing(STORY)
    assert check_briefing(b, STORY) == []
    planted = Extract("The bridge will be painted gold next week.", 0, 0, 40, [1, 2])
    bad = dataclasses.replace(b, facts=[*b.facts, planted])
    problems = check_briefing(bad, STORY)
    assert problems and all(p.part == "facts" for p in problems)
    # A real sentence falsely credited to an outlet that does not report it.
    quote_sent = next(s for s in split_sentences(STORY[0].text) if "Construction" in s.text)
    wrong = Extract(quote_sent.text, 0, quote_sent.start, quote_sent.end, [1, 3])
    assert check_briefing(dataclasses.replace(b, facts=[wrong]), STORY)


def test_single_article_and_empty_story() -> None:
    one = compose_briefing(STORY[:1], words=40)
    assert one.summary and check_briefing(one, STORY[:1]) == []
    empty = compose_briefing([])
    assert empty.summary == "" and empty.headline == ""
