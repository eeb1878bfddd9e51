"""The optional LLM rewriter against a stand-in endpoint, and the verifier that guards it."""

from __future__ import annotations

import pytest

from broadsheet.write.briefing import BriefArticle, compose_briefing
from broadsheet.write.faithfulness import check_briefing
from broadsheet.write.rewrite import Rewriter, RewriterConfig, RewriterConfigError, rewrite_record
from broadsheet.write.verify import verify_rewrite
from tests.support.llm_server import stand_in_llm

SOURCE = (
    "The Harbour Board voted on Monday to freeze ferry fares for 12 months. "
    "Mayor Quilla Brenn said the decision would help 4,000 daily riders. "
    "Critics said the board had not published its accounts."
)


def test_verifier_accepts_a_faithful_rephrasing() -> None:
    original = "The Harbour Board voted on Monday to freeze ferry fares for 12 months."
    assert verify_rewrite(original, "On Monday the Harbour Board voted to hold ferry fares "
                          "for 12 months.", [SOURCE]).ok


@pytest.mark.parametrize(("rewrite", "reason"), [
    ("The Harbour Board, led by Tomas Vell, froze fares for 12 months.", "name not in"),
    ("The Harbour Board voted to freeze ferry fares for 18 months.", "number not in"),
    ("The Harbour Board voted to freeze ferry fares.", "drops the number 12"),
    ('The board said fares were "frozen until further notice" for 12 months.', "quote not in"),
    ("The Harbour Board did not vote to freeze ferry fares for 12 months.", "negation"),
    ("", "empty"),
    (None, "empty"),
    ("The Harbour Board voted to freeze fares for 12 months " + "and more " * 20, "longer"),
])
def test_verifier_rejects_what_the_sources_do_not_say(rewrite: str | None, reason: str) -> None:
    original = "The Harbour Board voted on Monday to freeze ferry fares for 12 months."
    verdict = verify_rewrite(original, rewrite, [SOURCE])
    assert not verdict.ok and any(reason in r for r in verdict.reasons), verdict.reasons


def _articles() -> list[BriefArticle]:
    return [
        BriefArticle(id="1", outlet="Harbour Gazette", lean="left", title="Ferry fares frozen",
                     text=SOURCE),
        BriefArticle(id="2", outlet="Valley Times", lean="right", title="Fares held for a year",
                     text="The Harbour Board voted on Monday to freeze ferry fares for 12 "
                          "months. The vote was close."),
    ]


def test_rewrites_are_verified_and_bad_ones_keep_the_extractive_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TEST_LLM_KEY", "sk-test")
    articles = _articles()
    briefing = compose_briefing(articles, story_id="s1")
    assert check_briefing(briefing, articles) == []
    sentences = [e.text for e in briefing.summary_sentences + briefing.facts]
    assert sentences

    def answer(sentence: str) -> str | int | None:
        if "12 months" in sentence:
            return "On Monday the Harbour Board voted to hold ferry fares for 12 months."
        if "4,000" in sentence:
            return "Mayor Quilla Brenn said 9,000 riders would benefit."  # invented number
        return 503

    with stand_in_llm(answer) as llm:
        config = RewriterConfig(url=llm.url, model="stand-in", api_key_env="TEST_LLM_KEY")
        record = briefing.to_json()
        rewriter = Rewriter(config)
        report = rewrite_record(briefing, record, articles, rewriter)
        rewriter.close()
    assert report.asked == len(sentences)
    assert report.accepted >= 1
    rewritten = [f for f in record["facts"] + record["summary_sentences"] if f.get("rewritten")]
    assert rewritten and all(f["original"] in SOURCE for f in rewritten)
    assert all("9,000" not in f["text"] for f in record["facts"] + record["summary_sentences"])
    if any("4,000" in s for s in sentences):
        assert any("number not in" in r for r in report.rejected)
    assert record["rewrite"]["model"] == "stand-in"
    assert llm.requests[0]["path"] == "/v1/chat/completions"
    assert llm.requests[0]["body"]["model"] == "stand-in"
    assert llm.requests[0]["authorization"] == "Bearer sk-test"
    # The extractive briefing itself still passes the faithfulness check.
    assert check_briefing(briefing, articles) == []


def test_an_unreachable_endpoint_changes_nothing() -> None:
    articles = _articles()
    briefing = compose_briefing(articles, story_id="s1")
    record = briefing.to_json()
    before = record["summary"]
    rewriter = Rewriter(RewriterConfig(url="http://127.0.0.1:9/v1", model="m", timeout_s=1))
    report = rewrite_record(briefing, record, articles, rewriter)
    assert report.failed == report.asked and report.accepted == 0
    assert record["summary"] == before


def test_rewriter_config() -> None:
    assert RewriterConfig.from_settings(None) is None
    disabled = {"url": "http://x/v1", "model": "m", "enabled": False}
    assert RewriterConfig.from_settings(disabled) is None
    config = RewriterConfig.from_settings({"url": "http://x/v1/", "model": "m"})
    assert config is not None and config.url == "http://x/v1"
    for bad in ({"url": "ftp://x", "model": "m"}, {"url": "http://x"}, {"url": "http://x",
                "model": "m", "temprature": 1}):
        with pytest.raises(RewriterConfigError):
            RewriterConfig.from_settings(bad)
