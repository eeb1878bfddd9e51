"""The bundled outlet registry, its validation, user overrides, and URL attribution."""

from __future__ import annotations

import copy
import textwrap
import tomllib
from collections import Counter
from typing import Any

import pytest

import broadsheet.registry as registry
from broadsheet.models import EDITIONS, LEANS, Outlet
from broadsheet.registry import (
    SECTIONS,
    RegistryError,
    apply_user_config,
    load_registry,
    outlet_for_url,
    parse_registry,
)

RATED = ("left", "lean-left", "center", "lean-right", "right")


@pytest.fixture(scope="module")
def outlets() -> list[Outlet]:
    return load_registry()


def by_slug(outlets: list[Outlet]) -> dict[str, Outlet]:
    return {o.slug: o for o in outlets}


# ------------------------------------------------------------------ bundled contents


def test_size_and_spread(outlets: list[Outlet]) -> None:
    editions = Counter(o.edition for o in outlets)
    assert len(outlets) >= 60
    assert editions["us"] >= 15
    assert editions["uk"] >= 10
    assert editions["world"] >= 10
    assert set(editions) <= set(EDITIONS)


def test_every_rated_lean_present_in_us(outlets: list[Outlet]) -> None:
    us_leans = Counter(o.lean for o in outlets if o.edition == "us")
    for lean in RATED:
        assert us_leans[lean] >= 2, f"US outlets need at least two rated {lean!r}"


def test_uk_spread_crosses_the_centre(outlets: list[Outlet]) -> None:
    uk_leans = {o.lean for o in outlets if o.edition == "uk"}
    assert uk_leans & {"left", "lean-left"}
    assert "center" in uk_leans
    assert uk_leans & {"lean-right", "right"}


def test_named_outlets_present(outlets: list[Outlet]) -> None:
    slugs = set(by_slug(outlets))
    for slug in (
        "the-guardian", "bbc-news", "the-telegraph", "daily-mail", "the-independent",
        "sky-news", "gb-news", "new-york-times", "washington-post", "fox-news",
        "wall-street-journal", "npr", "associated-press", "reuters", "cnn", "breitbart",
        "national-review", "the-federalist", "washington-examiner", "the-hill", "politico",
        "axios", "vox", "mother-jones", "huffpost", "the-atlantic", "new-york-post",
        "al-jazeera", "deutsche-welle", "france-24", "abc-australia", "cbc-news", "the-hindu",
        "times-of-india", "south-china-morning-post", "japan-times", "irish-times", "rte-news",
    ):  # fmt: skip
        assert slug in slugs


def test_unique_slugs_domains_and_feeds(outlets: list[Outlet]) -> None:
    slugs = [o.slug for o in outlets]
    domains = [d for o in outlets for d in o.domains]
    urls = [f.url for o in outlets for f in o.feeds]
    assert len(slugs) == len(set(slugs))
    assert len(domains) == len(set(domains))
    assert len(urls) == len(set(urls))


def test_every_outlet_is_well_formed(outlets: list[Outlet]) -> None:
    for o in outlets:
        assert o.feeds, o.slug
        assert o.enabled
        assert o.lean in LEANS
        assert len(o.country) == 2 and o.country.isupper(), o.slug
        # A rated lean always names its source; an unknown lean never pretends to have one.
        assert bool(o.lean_source) == (o.lean != "unknown"), o.slug
        for f in o.feeds:
            assert f.url.startswith(("http://", "https://")), f.url
            assert f.section in SECTIONS, (o.slug, f.section)
            assert f.enabled


def test_lean_sources_are_the_documented_ratings(outlets: list[Outlet]) -> None:
    sources = {o.lean_source for o in outlets if o.lean_source}
    assert sources <= {"AllSides media bias rating", "YouGov 2017 newspaper perception survey"}


def test_load_returns_fresh_objects() -> None:
    first = load_registry()
    first[0].feeds.clear()
    first[0].name = "changed"
    second = load_registry()
    assert second[0].feeds and second[0].name != "changed"


# ------------------------------------------------------------------------ validation


def good_doc() -> dict[str, Any]:
    return {
        "outlet": [
            {
                "slug": "one",
                "name": "One",
                "domains": ["one.example"],
                "country": "US",
                "edition": "us",
                "lean": "center",
                "lean_source": "AllSides media bias rating",
                "feed": [{"url": "https://one.example/rss", "section": "news"}],
            },
            {
                "slug": "two",
                "name": "Two",
                "domains": ["www.Two.example"],
                "country": "gb",
                "edition": "uk",
                "feed": [{"url": "https://two.example/rss"}],
            },
        ]
    }


def test_parse_good_doc_normalises() -> None:
    one, two = parse_registry(good_doc())
    assert one.lean == "center"
    assert two.domains == ["two.example"]  # lower-cased, "www." dropped
    assert two.country == "GB"
    assert two.lean == "unknown" and two.lean_source is None
    assert two.feeds[0].section == "news"


def mutate(path: str, value: Any) -> dict[str, Any]:
    """good_doc() with one value replaced; path like "0.lean" or "1.feed.0.url"."""
    doc = good_doc()
    target: Any = doc["outlet"]
    *parts, last = path.split(".")
    for part in parts:
        target = target[int(part)] if part.isdigit() else target[part]
    if value is DELETE:
        del target[int(last) if last.isdigit() else last]
    else:
        target[int(last) if last.isdigit() else last] = value
    return doc


DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "fragment"),
    [
        ("1.slug", "one", "duplicate outlet slug 'one'"),
        ("0.slug", "Not A Slug", "slug 'Not A Slug'"),
        ("0.lean", "centre", "lean 'centre' is not one of"),
        ("0.edition", "eu", "edition 'eu' is not one of"),
        ("0.country", "USA", "country 'USA'"),
        ("0.domains", ["https://one.example/"], "not a bare host name"),
        ("0.domains", [], "'domains' must be a non-empty list"),
        ("0.feed.0.url", "ftp://one.example/rss", "must be an absolute http(s) URL"),
        ("0.feed.0.url", "/rss", "must be an absolute http(s) URL"),
        ("0.feed.0.section", "World News", "section 'World News'"),
        ("0.feed", [], "outlet 'one': has no feed"),
        ("0.feed", DELETE, "outlet 'one': has no feed"),
        ("0.feed", {"url": "https://one.example/rss"}, "'feed' must be an array of tables"),
        ("0.feed.0.enabled", "yes", "'enabled' must be true or false"),
        ("0.website", "x", "unknown key(s): 'website'"),
        ("0.feed.0.format", "rss", "unknown key(s): 'format'"),
        ("0.name", DELETE, "missing required key 'name'"),
        ("0.name", "  ", "'name' must be a non-empty string"),
        ("0.lean_source", DELETE, "lean needs a lean_source"),
        ("1.domains", ["one.example"], "domain 'one.example' is claimed by both 'one' and 'two'"),
        ("1.feed.0.url", "https://one.example/rss", "listed by both 'one' and 'two'"),
    ],
)
def test_bad_registry_data(path: str, value: Any, fragment: str) -> None:
    with pytest.raises(RegistryError) as info:
        parse_registry(mutate(path, value), origin="test.toml")
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("test.toml: ")
    assert fragment in message


def test_bad_registry_shapes() -> None:
    with pytest.raises(RegistryError, match="non-empty"):
        parse_registry({})
    with pytest.raises(RegistryError, match="unknown top-level"):
        parse_registry({**good_doc(), "outlets": {}})
    with pytest.raises(RegistryError, match="expected a table"):
        parse_registry({"outlet": ["bbc"]})
    doc = good_doc()
    doc["outlet"][0]["feed"].append(dict(doc["outlet"][0]["feed"][0]))
    with pytest.raises(RegistryError, match="listed twice by 'one'"):
        parse_registry(doc)


def test_bundled_file_errors_are_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    class Fake:
        def joinpath(self, _name: str) -> Fake:
            return self

        def read_text(self, encoding: str) -> str:
            return "[[outlet]\nslug = "

    monkeypatch.setattr(registry.resources, "files", lambda _pkg: Fake())
    with pytest.raises(RegistryError, match=r"^outlets\.toml: invalid TOML"):
        load_registry()


# ----------------------------------------------------------------------- user config


def docstring_example() -> dict[str, Any]:
    """The user-config example from the module docstring, parsed: the docs must stay true."""
    doc = registry.__doc__ or ""
    block = doc.split("::\n\n", 1)[1].split("\nRules:", 1)[0]
    return tomllib.loads(textwrap.dedent(block))


def test_docstring_example_applies(outlets: list[Outlet]) -> None:
    result = apply_user_config(outlets, docstring_example())
    index = by_slug(result)
    assert not index["daily-mail"].enabled
    health = [f for f in index["bbc-news"].feeds if f.section == "health"]
    assert health and not any(f.enabled for f in health)
    local = index["my-local-paper"]
    assert local.edition == "us" and local.country == "US"
    assert [f.url for f in local.feeds] == ["https://mylocal.example/rss"]
    assert outlet_for_url(result, "https://www.mylocal.example/story/1") is local


def test_disable_outlets_and_feeds(outlets: list[Outlet]) -> None:
    bbc_feed = by_slug(outlets)["bbc-news"].feeds[0].url
    result = apply_user_config(
        outlets, {"outlets": {"disable": ["fox-news"]}, "feeds": {"disable": [bbc_feed]}}
    )
    index = by_slug(result)
    assert not index["fox-news"].enabled
    assert all(f.enabled for f in index["fox-news"].feeds)  # outlet-level switch only
    bbc = index["bbc-news"]
    assert bbc.enabled
    assert [f.enabled for f in bbc.feeds] == [False] + [True] * (len(bbc.feeds) - 1)
    assert sum(o.enabled for o in result) == len(outlets) - 1


def test_unknown_feed_in_disable_list_only_warns(
    outlets: list[Outlet], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("WARNING", logger="broadsheet.registry"):
        result = apply_user_config(outlets, {"feeds": {"disable": ["https://gone.example/rss"]}})
    assert result == outlets
    assert "https://gone.example/rss" in caplog.text


def test_input_is_not_mutated(outlets: list[Outlet]) -> None:
    before = copy.deepcopy(outlets)
    apply_user_config(
        outlets,
        {
            "outlets": {"disable": ["cnn"]},
            "feeds": {"disable": [outlets[0].feeds[0].url]},
            "outlet": [{"slug": "npr", "lean": "center", "feed": [{"url": "https://n.example/r"}]}],
        },
    )
    assert outlets == before


def test_override_existing_outlet(outlets: list[Outlet]) -> None:
    npr = by_slug(outlets)["npr"]
    first_url = npr.feeds[0].url
    user = {
        "outlet": [
            {
                "slug": "npr",
                "lean": "center",
                "owner": "Someone Else",
                "feed": [
                    {"url": first_url, "section": "politics"},
                    {"url": "https://extra.npr.example/rss", "section": "health"},
                ],
            },
            {"slug": "bbc-news", "lean": "lean-left", "lean_source": "Ad Fontes Media"},
        ]
    }
    index = by_slug(apply_user_config(outlets, user))
    new_npr = index["npr"]
    assert new_npr.lean == "center"
    assert new_npr.lean_source == "user override"  # never keep AllSides' name on a user's lean
    assert new_npr.owner == "Someone Else"
    assert new_npr.name == npr.name and new_npr.domains == npr.domains
    assert new_npr.feeds[0].url == first_url and new_npr.feeds[0].section == "politics"
    assert new_npr.feeds[-1].url == "https://extra.npr.example/rss"
    assert len(new_npr.feeds) == len(npr.feeds) + 1
    assert index["bbc-news"].lean_source == "Ad Fontes Media"


def test_override_can_disable_a_feed_inline(outlets: list[Outlet]) -> None:
    url = by_slug(outlets)["cnn"].feeds[1].url
    user = {"outlet": [{"slug": "cnn", "feed": [{"url": url, "enabled": False}]}]}
    cnn = by_slug(apply_user_config(outlets, user))["cnn"]
    assert [f.enabled for f in cnn.feeds if f.url == url] == [False]


def test_added_outlet_can_be_disabled_and_feedless(outlets: list[Outlet]) -> None:
    user = {
        "outlet": [
            {
                "slug": "archive-only",
                "name": "Archive Only",
                "domains": ["archive.example"],
                "country": "ie",
                "edition": "world",
            }
        ],
        "outlets": {"disable": ["archive-only"]},
    }
    added = by_slug(apply_user_config(outlets, user))["archive-only"]
    assert not added.enabled and added.feeds == [] and added.country == "IE"
    assert added.lean == "unknown" and added.lean_source is None


def test_added_outlet_with_lean_records_user_source(outlets: list[Outlet]) -> None:
    entry = {
        "slug": "mine",
        "name": "Mine",
        "domains": ["mine.example"],
        "country": "US",
        "edition": "us",
        "lean": "right",
    }
    added = by_slug(apply_user_config(outlets, {"outlet": [entry]}))["mine"]
    assert added.lean == "right" and added.lean_source == "user override"


def test_unrelated_top_level_keys_are_ignored(outlets: list[Outlet]) -> None:
    result = apply_user_config(outlets, {"store": {"path": "x.db"}, "title": "My paper"})
    assert result == outlets


@pytest.mark.parametrize(
    ("user", "fragment"),
    [
        ({"outlets": {"disable": ["dialy-mail"]}}, "unknown outlet slug 'dialy-mail'"),
        ({"outlets": {"disabled": ["cnn"]}}, "[outlets]: unknown key(s): 'disabled'"),
        ({"outlets": {"disable": "cnn"}}, "must be a list of strings"),
        ({"outlets": ["cnn"]}, "'outlets' must be a table"),
        ({"outlet": {"slug": "x"}}, "'outlet' must be an array of tables"),
        ({"outlet": [{"slug": "cnn", "lean": "far-left"}]}, "lean 'far-left' is not one of"),
        ({"outlet": [{"slug": "cnn", "colour": "red"}]}, "unknown key(s): 'colour'"),
        ({"outlet": [{"slug": "new-one", "name": "New"}]}, "missing required key 'domains'"),
        (
            {
                "outlet": [
                    {
                        "slug": "bbc-clone",
                        "name": "Clone",
                        "domains": ["bbc.co.uk"],
                        "country": "GB",
                        "edition": "uk",
                    }
                ]
            },
            "domain 'bbc.co.uk' is claimed by both",
        ),
        (
            {"outlet": [{"slug": "cnn", "feed": [{"url": "javascript:alert(1)"}]}]},
            "must be an absolute http(s) URL",
        ),
    ],
)
def test_bad_user_config(outlets: list[Outlet], user: dict[str, Any], fragment: str) -> None:
    with pytest.raises(RegistryError) as info:
        apply_user_config(outlets, user)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("broadsheet.toml: ")
    assert fragment in message


# -------------------------------------------------------------------- outlet_for_url


@pytest.mark.parametrize(
    ("url", "slug"),
    [
        ("https://www.bbc.co.uk/news/articles/c123", "bbc-news"),
        ("https://feeds.bbci.co.uk/news/rss.xml", "bbc-news"),
        ("http://BBC.COM/news", "bbc-news"),
        ("https://www.theguardian.com./world/2025/jan/01/x", "the-guardian"),
        ("https://edition.cnn.com/2025/01/01/politics/x", "cnn"),
        ("www.foxnews.com/politics/x", "fox-news"),
        ("https://user:pw@nypost.com:443/2025/01/01/x/", "new-york-post"),
        ("https://timesofindia.indiatimes.com/india/x.cms", "times-of-india"),
        ("https://economictimes.indiatimes.com/x.cms", None),  # a sibling, not a subdomain
        ("https://notbbc.co.uk/news", None),  # suffix must end on a label boundary
        ("https://bbc.co.uk.evil.example/news", None),
        ("https://example.org/", None),
        ("", None),
        ("not a url at all", None),
        ("http://[::1/", None),
    ],
)
def test_outlet_for_url(outlets: list[Outlet], url: str, slug: str | None) -> None:
    found = outlet_for_url(outlets, url)
    assert (found.slug if found else None) == slug


def test_most_specific_domain_wins(outlets: list[Outlet]) -> None:
    user = {
        "outlet": [
            {
                "slug": "bbc-scotland",
                "name": "BBC Scotland",
                "domains": ["scotland.bbc.co.uk"],
                "country": "GB",
                "edition": "uk",
            }
        ],
        "outlets": {"disable": ["bbc-scotland"]},
    }
    result = apply_user_config(outlets, user)
    found = outlet_for_url(result, "https://news.scotland.bbc.co.uk/x")
    assert found is not None and found.slug == "bbc-scotland"  # disabled outlets still match
    found = outlet_for_url(result, "https://www.bbc.co.uk/x")
    assert found is not None and found.slug == "bbc-news"


def test_bundled_false_keeps_only_the_users_outlets_enabled() -> None:
    user = {
        "outlets": {"bundled": False},
        "outlet": [{
            "slug": "mine", "name": "Mine", "domains": ["mine.example"], "country": "US",
            "edition": "us", "feed": [{"url": "https://mine.example/rss"}],
        }],
    }
    outlets = apply_user_config(load_registry(), user)
    enabled = [o.slug for o in outlets if o.enabled]
    assert enabled == ["mine"]
    with pytest.raises(RegistryError, match="bundled"):
        apply_user_config(load_registry(), {"outlets": {"bundled": "no"}})
