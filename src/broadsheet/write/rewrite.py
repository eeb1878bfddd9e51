"""Optional rephrasing of a briefing's summary and facts by a language model.

Off by default. When ``[rewriter]`` is configured, each summary and fact sentence is sent to
an OpenAI-compatible chat-completions endpoint (``url`` + ``/chat/completions``, any server
that speaks that API: a local llama.cpp or vLLM, or a hosted one) with the sentences it
was drawn from; the answer replaces the sentence only if ``verify_rewrite`` accepts it.
Otherwise, and whenever the endpoint fails, times out or answers nonsense, the extractive
sentence stays. The record keeps the original beside every accepted rewrite, so the
faithfulness of the extractive briefing is still checked on every build.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from broadsheet.write.briefing import BriefArticle, Briefing, Extract
from broadsheet.write.verify import verify_rewrite

SYSTEM_PROMPT = (
    "You rewrite one sentence from a news report so it reads clearly in a neutral news "
    "digest. Keep every fact, name and number exactly; add nothing that is not in the "
    "sentence; keep quotations word for word. Answer with the rewritten sentence only."
)


class RewriterConfigError(ValueError):
    """The [rewriter] settings are unusable."""


@dataclass(slots=True)
class RewriterConfig:
    url: str
    model: str
    api_key_env: str | None = None
    timeout_s: float = 30.0
    temperature: float = 0.2
    max_sentences: int = 12

    @classmethod
    def from_settings(cls, section: dict[str, Any] | None) -> RewriterConfig | None:
        """The configured rewriter, or None when ``[rewriter]`` is absent or disabled."""
        if not section or not section.get("enabled", True):
            return None
        allowed = {"url", "model", "api_key_env", "timeout_s", "temperature", "max_sentences",
                   "enabled"}
        unknown = set(section) - allowed
        if unknown:
            raise RewriterConfigError(f"unknown setting rewriter.{sorted(unknown)[0]}")
        url = section.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise RewriterConfigError(
                "rewriter.url must be the http(s) base URL of an OpenAI-compatible API"
            )
        if not isinstance(section.get("model"), str) or not section["model"]:
            raise RewriterConfigError("rewriter.model must name the model to use")
        return cls(
            url=section["url"].rstrip("/"), model=section["model"],
            api_key_env=section.get("api_key_env"),
            timeout_s=float(section.get("timeout_s", 30.0)),
            temperature=float(section.get("temperature", 0.2)),
            max_sentences=int(section.get("max_sentences", 12)),
        )


@dataclass(slots=True)
class RewriteReport:
    asked: int = 0
    accepted: int = 0
    rejected: list[str] = field(default_factory=list)  # "facts[2]: reason"
    failed: int = 0  # the endpoint errored or answered nothing usable


class Rewriter:
    def __init__(self, config: RewriterConfig, client: httpx.Client | None = None) -> None:
        self.config = config
        headers = {}
        key = os.environ.get(config.api_key_env) if config.api_key_env else None
        if key:
            headers["Authorization"] = f"Bearer {key}"
        self.client = client or httpx.Client(timeout=config.timeout_s, headers=headers)

    def close(self) -> None:
        self.client.close()

    def rephrase(self, sentence: str, context: Sequence[str]) -> str | None:
        """The model's rewrite of ``sentence``, or None if the endpoint did not give one."""
        payload = {
            "model": self.config.model,
            "temperature": self.config.temperature,
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": "Source sentences:\n" + "\n".join(context)
                 + f"\n\nSentence to rewrite:\n{sentence}"},
            ],
        }
        try:
            response = self.client.post(f"{self.config.url}/chat/completions", json=payload)
            response.raise_for_status()
            content = response.json()["choices"][0]["message"]["content"]
        except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError):
            return None
        if not isinstance(content, str):
            return None
        return " ".join(content.strip().strip('"').split()) or None


def _sources(extract: Extract, articles: Sequence[BriefArticle]) -> list[str]:
    return [articles[c - 1].text for c in extract.citations if 1 <= c <= len(articles)]


def rewrite_record(
    briefing: Briefing, record: dict[str, Any], articles: Sequence[BriefArticle],
    rewriter: Rewriter,
) -> RewriteReport:
    """Rephrase the summary and facts of ``record`` (the briefing's JSON) in place.

    Accepted rewrites replace ``text`` and keep ``original``; the summary is re-joined from
    its sentences. ``record["rewrite"]`` says how many were asked, accepted and rejected.
    """
    report = RewriteReport()
    parts: list[tuple[str, int, Extract]] = [
        ("summary", k, e) for k, e in enumerate(briefing.summary_sentences)
    ] + [("facts", k, e) for k, e in enumerate(briefing.facts)]
    summary = [e.text for e in briefing.summary_sentences]
    record.setdefault("summary_sentences", [e.to_json() for e in briefing.summary_sentences])
    for part, k, extract in parts[: rewriter.config.max_sentences]:
        sources = _sources(extract, articles)
        report.asked += 1
        candidate = rewriter.rephrase(extract.text, [extract.text])
        if candidate is None:
            report.failed += 1
            continue
        verdict = verify_rewrite(extract.text, candidate, sources)
        if not verdict.ok:
            report.rejected.append(f"{part}[{k}]: {verdict.reasons[0]}")
            continue
        report.accepted += 1
        target = record["summary_sentences"][k] if part == "summary" else record["facts"][k]
        target["original"] = extract.text
        target["text"] = candidate
        target["rewritten"] = True
        if part == "summary":
            summary[k] = candidate
    record["summary"] = " ".join(summary)
    record["rewrite"] = {"model": rewriter.config.model, "asked": report.asked,
                         "accepted": report.accepted, "rejected": report.rejected,
                         "failed": report.failed}
    return report
