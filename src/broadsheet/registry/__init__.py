"""The outlet registry: the bundled list of news outlets and their feeds, plus user overrides.

The bundled registry is ``outlets.toml`` beside this module. It and the user's
``broadsheet.toml`` share one schema for an outlet, so anything the registry says a user can
say too.

User configuration (``broadsheet.toml``; only these three keys are read here, other
top-level tables belong to other parts of Broadsheet and are ignored)::

    [outlets]
    disable = ["daily-mail"]               # turn whole outlets off, by slug
    bundled = true                         # false: fetch only the outlets added below

    [feeds]                                # turn single feeds off, by exact URL
    disable = ["https://feeds.bbci.co.uk/news/health/rss.xml"]

    [[outlet]]                             # add an outlet, or override an existing slug
    slug = "my-local-paper"                # lower-case words joined by "-"
    name = "My Local Paper"
    domains = ["mylocal.example"]          # hosts its articles live on; subdomains match too
    country = "US"                         # ISO 3166-1 alpha-2 code
    edition = "us"                         # us | uk | world
    lean = "unknown"                       # left, lean-left, center, lean-right, right, unknown
    lean_source = "my own judgement"       # optional: the rating the lean comes from
    owner = "Example Media Co."            # optional
    typology = "Private Media"             # optional
    enabled = true                         # optional, default true

    [[outlet.feed]]
    url = "https://mylocal.example/rss"    # http(s) only
    section = "news"                       # news, world, politics, business, science, ...
    enabled = true                         # optional, default true

Rules:

* ``[[outlet]]`` with a new slug adds an outlet; ``slug``, ``name``, ``domains``, ``country``
  and ``edition`` are then required. An added outlet may have no feed: it is still used to
  attribute article URLs to the outlet.
* ``[[outlet]]`` with an existing slug overrides only the keys it gives. Its feeds are merged
  by URL: a known URL updates that feed's section/enabled, a new URL is appended. Use
  ``[feeds] disable`` to switch a bundled feed off. Setting ``lean`` without ``lean_source``
  records the source as ``"user override"`` (for added outlets too), so a bundled rating's
  source is never attached to a user's judgement.
* Overrides and additions are applied first, then the ``disable`` lists, so an outlet or
  feed the user added can be disabled too. Disabled outlets and feeds stay in the list with
  ``enabled = false`` (so stored articles keep their outlet); fetchers skip them.
* Unknown keys, invalid values and unknown slugs in ``[outlets] disable`` raise
  :class:`RegistryError` with a one-line message: a typo must not silently do nothing.
  An unknown URL in ``[feeds] disable`` only logs a warning: bundled feeds come and go
  between releases, and a feed that no longer exists is already not fetched.
"""

from __future__ import annotations

import logging
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import replace
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from broadsheet.models import EDITIONS, LEANS, FeedSpec, Outlet

__all__ = [
    "SECTIONS",
    "RegistryError",
    "apply_user_config",
    "load_registry",
    "outlet_for_url",
    "parse_registry",
]

# Canonical section names. Validation only checks the shape of a section name (users may
# invent their own); the bundled registry is tested to use these.
SECTIONS: tuple[str, ...] = (
    "news",
    "world",
    "politics",
    "business",
    "science",
    "technology",
    "health",
    "climate",
    "culture",
    "sport",
    "opinion",
    "travel",
    "regional",
)

_SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_SECTION_RE = re.compile(r"^[a-z][a-z0-9-]*$")
_COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
# A host name: dot-separated labels, at least two of them, no scheme, port or path.
_DOMAIN_RE = re.compile(
    r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$"
)

_OUTLET_KEYS = frozenset(
    {
        "slug",
        "name",
        "domains",
        "country",
        "edition",
        "lean",
        "lean_source",
        "owner",
        "typology",
        "feed",
        "enabled",
    }
)
_REQUIRED_OUTLET_KEYS = ("slug", "name", "domains", "country", "edition")
_FEED_KEYS = frozenset({"url", "section", "enabled"})

log = logging.getLogger(__name__)

BUNDLED_ORIGIN = "outlets.toml"
USER_ORIGIN = "broadsheet.toml"


class RegistryError(ValueError):
    """Bad registry or user-config data. The message is one line naming where and what."""


# --------------------------------------------------------------------------- loading


def load_registry() -> list[Outlet]:
    """The bundled registry, validated. Returns fresh objects: callers may mutate them."""
    text = resources.files(__name__).joinpath("outlets.toml").read_text(encoding="utf-8")
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"{BUNDLED_ORIGIN}: invalid TOML: {exc}") from exc
    return parse_registry(doc, origin=BUNDLED_ORIGIN)


def parse_registry(doc: Mapping[str, Any], origin: str = BUNDLED_ORIGIN) -> list[Outlet]:
    """Build and validate outlets from a parsed registry document (``[[outlet]]`` tables).

    The bundled registry is stricter than user additions: every outlet needs a feed.
    """
    unknown = set(doc) - {"outlet"}
    if unknown:
        raise RegistryError(f"{origin}: unknown top-level key(s): {_names(unknown)}")
    entries = doc.get("outlet")
    if not isinstance(entries, list) or not entries:
        raise RegistryError(f"{origin}: expected a non-empty [[outlet]] array")
    outlets = []
    for i, entry in enumerate(entries):
        where = f"{origin}: outlet #{i + 1}"
        if not isinstance(entry, Mapping):
            raise RegistryError(f"{where}: expected a table")
        outlet = _new_outlet(entry, origin, where)
        if not outlet.feeds:
            raise RegistryError(f"{origin}: outlet '{outlet.slug}': has no feed")
        if outlet.lean != "unknown" and not outlet.lean_source:
            raise RegistryError(f"{origin}: outlet '{outlet.slug}': lean needs a lean_source")
        outlets.append(outlet)
    _check_collection(outlets, origin)
    return outlets


# ------------------------------------------------------------------------ user config


def apply_user_config(outlets: list[Outlet], user: Mapping[str, Any]) -> list[Outlet]:
    """Apply a parsed ``broadsheet.toml`` to ``outlets``; see the module docstring.

    Returns a new list of new objects; ``outlets`` is left untouched.
    """
    result = [_copy(o) for o in outlets]
    by_slug = {o.slug: o for o in result}
    bundled = user.get("outlets", {}).get("bundled", True) if isinstance(
        user.get("outlets", {}), Mapping
    ) else True
    if not isinstance(bundled, bool):
        raise RegistryError(f"{USER_ORIGIN}: [outlets] bundled: must be true or false")
    if not bundled:
        # Only the user's own outlets are fetched; bundled ones stay known (disabled) so
        # their domains still credit articles to the right outlet.
        for outlet in result:
            outlet.enabled = False

    entries = user.get("outlet", [])
    if not isinstance(entries, list):
        raise RegistryError(f"{USER_ORIGIN}: 'outlet' must be an array of tables ([[outlet]])")
    for i, entry in enumerate(entries):
        where = f"{USER_ORIGIN}: [[outlet]] #{i + 1}"
        if not isinstance(entry, Mapping):
            raise RegistryError(f"{where}: expected a table")
        slug = entry.get("slug")
        if isinstance(slug, str) and slug in by_slug:
            _override(by_slug[slug], entry, f"{USER_ORIGIN}: outlet '{slug}'")
        else:
            added = _new_outlet(entry, USER_ORIGIN, where)
            if added.lean != "unknown" and added.lean_source is None:
                added.lean_source = "user override"
            result.append(added)
            by_slug[added.slug] = added

    for slug in _disable_list(user, "outlets"):
        if slug not in by_slug:
            raise RegistryError(f"{USER_ORIGIN}: [outlets] disable: unknown outlet slug '{slug}'")
        by_slug[slug].enabled = False

    feeds_by_url = {f.url: f for o in result for f in o.feeds}
    for url in _disable_list(user, "feeds"):
        if url in feeds_by_url:
            feeds_by_url[url].enabled = False
        else:
            log.warning("%s: [feeds] disable: no outlet has feed %r; ignored", USER_ORIGIN, url)

    _check_collection(result, USER_ORIGIN)
    return result


def _disable_list(user: Mapping[str, Any], table: str) -> list[str]:
    section = user.get(table, {})
    if not isinstance(section, Mapping):
        raise RegistryError(f"{USER_ORIGIN}: '{table}' must be a table ([{table}])")
    unknown = set(section) - {"disable", *(("bundled",) if table == "outlets" else ())}
    if unknown:
        raise RegistryError(f"{USER_ORIGIN}: [{table}]: unknown key(s): {_names(unknown)}")
    items = section.get("disable", [])
    if not isinstance(items, list) or not all(isinstance(s, str) for s in items):
        raise RegistryError(f"{USER_ORIGIN}: [{table}] disable: must be a list of strings")
    return [s.strip() for s in items]


def _override(outlet: Outlet, entry: Mapping[str, Any], where: str) -> None:
    _check_keys(entry, _OUTLET_KEYS, where)
    for key in ("name", "lean_source", "owner", "typology"):
        if key in entry:
            setattr(outlet, key, _text(entry[key], key, where))
    if "domains" in entry:
        outlet.domains = _domains(entry["domains"], where)
    if "country" in entry:
        outlet.country = _country(entry["country"], where)
    if "edition" in entry:
        outlet.edition = _choice(entry["edition"], EDITIONS, "edition", where)
    if "lean" in entry:
        outlet.lean = _choice(entry["lean"], LEANS, "lean", where)
        # A user's own lean must not keep the bundled rating's attribution.
        outlet.lean_source = (
            _text(entry["lean_source"], "lean_source", where)
            if "lean_source" in entry
            else "user override"
        )
    if "enabled" in entry:
        outlet.enabled = _bool(entry["enabled"], "enabled", where)
    if "feed" in entry:
        existing = {f.url: f for f in outlet.feeds}
        for raw in _feed_tables(entry["feed"], where):
            feed_where = f"{where}: feed"
            _check_keys(raw, _FEED_KEYS, feed_where)
            url = _url(raw.get("url"), feed_where)
            if url in existing:
                if "section" in raw:
                    existing[url].section = _section(raw["section"], feed_where)
                if "enabled" in raw:
                    existing[url].enabled = _bool(raw["enabled"], "enabled", feed_where)
            else:
                feed = _new_feed(raw, feed_where)
                outlet.feeds.append(feed)
                existing[url] = feed


# ---------------------------------------------------------------------------- lookup


def outlet_for_url(outlets: Iterable[Outlet], url: str) -> Outlet | None:
    """The outlet whose registered domain hosts ``url`` (subdomains included), or None.

    The most specific domain wins, so a user outlet for ``news.example.com`` beats one for
    ``example.com``. Disabled outlets match too: attribution does not depend on fetching.
    A bare host or ``host/path`` without a scheme is accepted.
    """
    host = _host(url)
    if not host:
        return None
    best: Outlet | None = None
    best_len = -1
    for outlet in outlets:
        for domain in outlet.domains:
            if (host == domain or host.endswith("." + domain)) and len(domain) > best_len:
                best, best_len = outlet, len(domain)
    return best


def _host(url: str) -> str:
    url = url.strip()
    if "://" not in url and not url.startswith("//"):
        url = "//" + url  # so urlsplit reads "www.bbc.co.uk/news" as a host, not a path
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:  # e.g. an invalid IPv6 literal
        return ""
    return host.rstrip(".")


# ------------------------------------------------------------------------ validation


def _new_outlet(entry: Mapping[str, Any], origin: str, where: str) -> Outlet:
    _check_keys(entry, _OUTLET_KEYS, where)
    for key in _REQUIRED_OUTLET_KEYS:
        if key not in entry:
            raise RegistryError(f"{where}: missing required key '{key}'")
    slug = entry["slug"]
    if not isinstance(slug, str) or not _SLUG_RE.match(slug):
        raise RegistryError(f"{where}: slug {slug!r} must be lower-case words joined by '-'")
    where = f"{origin}: outlet '{slug}'"  # name it by slug from here on: easier to find
    lean = _choice(entry.get("lean", "unknown"), LEANS, "lean", where)
    lean_source = _opt_text(entry.get("lean_source"), "lean_source", where)
    if lean == "unknown" and lean_source is not None and lean_source.lower() == "unknown":
        lean_source = None  # "unknown" as a source carries no information; store as absent
    return Outlet(
        slug=slug,
        name=_text(entry["name"], "name", where),
        domains=_domains(entry["domains"], where),
        country=_country(entry["country"], where),
        edition=_choice(entry["edition"], EDITIONS, "edition", where),
        lean=lean,
        lean_source=lean_source,
        owner=_opt_text(entry.get("owner"), "owner", where),
        typology=_opt_text(entry.get("typology"), "typology", where),
        feeds=[_new_feed(raw, f"{where}: feed") for raw in _feed_tables(entry.get("feed"), where)],
        enabled=_bool(entry.get("enabled", True), "enabled", where),
    )


def _new_feed(raw: Mapping[str, Any], where: str) -> FeedSpec:
    _check_keys(raw, _FEED_KEYS, where)
    return FeedSpec(
        url=_url(raw.get("url"), where),
        section=_section(raw.get("section", "news"), where),
        enabled=_bool(raw.get("enabled", True), "enabled", where),
    )


def _feed_tables(value: Any, where: str) -> list[Mapping[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise RegistryError(f"{where}: 'feed' must be an array of tables ([[outlet.feed]])")
    return value


def _check_collection(outlets: list[Outlet], origin: str) -> None:
    """Cross-outlet rules: unique slugs, and each domain and feed URL owned by one outlet."""
    slugs: set[str] = set()
    domain_owner: dict[str, str] = {}
    feed_owner: dict[str, str] = {}
    for o in outlets:
        if o.slug in slugs:
            raise RegistryError(f"{origin}: duplicate outlet slug '{o.slug}'")
        slugs.add(o.slug)
        for d in o.domains:
            if d in domain_owner and domain_owner[d] != o.slug:
                raise RegistryError(
                    f"{origin}: domain '{d}' is claimed by both '{domain_owner[d]}' and '{o.slug}'"
                )
            domain_owner[d] = o.slug
        for f in o.feeds:
            if f.url in feed_owner:
                other = feed_owner[f.url]
                what = "twice by" if other == o.slug else f"by both '{other}' and"
                raise RegistryError(f"{origin}: feed '{f.url}' is listed {what} '{o.slug}'")
            feed_owner[f.url] = o.slug


def _check_keys(entry: Mapping[str, Any], allowed: frozenset[str], where: str) -> None:
    unknown = set(entry) - allowed
    if unknown:
        raise RegistryError(f"{where}: unknown key(s): {_names(unknown)}")


def _text(value: Any, key: str, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RegistryError(f"{where}: '{key}' must be a non-empty string")
    return value.strip()


def _opt_text(value: Any, key: str, where: str) -> str | None:
    return None if value is None else _text(value, key, where)


def _bool(value: Any, key: str, where: str) -> bool:
    if not isinstance(value, bool):
        raise RegistryError(f"{where}: '{key}' must be true or false")
    return value


def _choice(value: Any, allowed: tuple[str, ...], key: str, where: str) -> str:
    if value not in allowed:
        raise RegistryError(f"{where}: {key} {value!r} is not one of {', '.join(allowed)}")
    return str(value)


def _country(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _COUNTRY_RE.match(value.strip().upper()):
        raise RegistryError(f"{where}: country {value!r} must be an ISO 3166-1 alpha-2 code")
    return value.strip().upper()


def _domains(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not value:
        raise RegistryError(f"{where}: 'domains' must be a non-empty list of host names")
    out: list[str] = []
    for raw in value:
        if not isinstance(raw, str):
            raise RegistryError(f"{where}: domain {raw!r} must be a string")
        d = raw.strip().lower().rstrip(".")
        d = d.removeprefix("www.")  # "www." is matched as a subdomain anyway
        if not _DOMAIN_RE.match(d):
            raise RegistryError(f"{where}: domain {raw!r} is not a bare host name like bbc.co.uk")
        if d not in out:
            out.append(d)
    return out


def _url(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RegistryError(f"{where}: 'url' must be a non-empty string")
    url = value.strip()
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        host = None
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not host:
        raise RegistryError(f"{where}: feed URL {url!r} must be an absolute http(s) URL")
    return url


def _section(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _SECTION_RE.match(value):
        raise RegistryError(f"{where}: section {value!r} must be a lower-case name like 'news'")
    return value


def _copy(outlet: Outlet) -> Outlet:
    return replace(outlet, domains=list(outlet.domains), feeds=[replace(f) for f in outlet.feeds])


def _names(keys: Iterable[str]) -> str:
    return ", ".join(sorted(repr(k) for k in keys))
