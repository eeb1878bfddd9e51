"""SSRF guard: address classification, URL checks, and refusals inside the fetcher."""

from __future__ import annotations

import asyncio
import ipaddress
from dataclasses import replace

import httpx
import pytest

from broadsheet.fetch import netguard
from broadsheet.fetch.http import FetchPolicy, FetchResult, PoliteFetcher
from tests.support.http_server import LoopbackServer, Response, redirect

STRICT = FetchPolicy(per_host_delay_s=0.0, backoff_s=0.01, timeout_s=5.0, retries=0)
RSS = b'<rss version="2.0"><channel><title>t</title></channel></rss>'


def fake_resolver(table: dict[str, list[str]]) -> netguard.Resolver:
    async def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise OSError(f"unknown host {host}")
        return table[host]

    return resolve


def fetch(
    url: str,
    policy: FetchPolicy = STRICT,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    resolver: netguard.Resolver | None = None,
) -> FetchResult:
    async def go() -> FetchResult:
        async with PoliteFetcher(policy, transport=transport, resolver=resolver) as f:
            return await f.fetch(url)

    return asyncio.run(go())


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.1.2", "loopback"),
        ("10.1.2.3", "private network"),
        ("172.16.0.1", "private network"),
        ("192.168.1.1", "private network"),
        ("169.254.169.254", "link-local"),  # cloud metadata
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "not globally routable"),  # carrier-grade NAT
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link-local"),
        ("fc00::1", "private network"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
        ("::ffff:10.0.0.1", "private network"),
        ("64:ff9b::a00:1", "private network"),  # NAT64 of 10.0.0.1
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
    ],
)
def test_refused_addresses(address: str, reason: str) -> None:
    assert netguard.classify_address(ipaddress.ip_address(address)) == reason


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"]
)
def test_public_addresses(address: str) -> None:
    assert netguard.classify_address(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("2130706433", "127.0.0.1"),  # decimal
        ("0x7f000001", "127.0.0.1"),  # hex
        ("0177.0.0.1", "127.0.0.1"),  # octal
        ("127.1", "127.0.0.1"),  # shortened
        ("[::ffff:127.0.0.1]", "::ffff:7f00:1"),
        ("fe80::1%25eth0", "fe80::1"),
        ("example.com", None),
        ("cafe", None),
        ("deadbeef.example", None),
    ],
)
def test_parse_ip_literal(host: str, expected: str | None) -> None:
    ip = netguard.parse_ip_literal(host)
    assert (str(ip) if ip else None) == expected


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/feed",
        "http://2130706433/feed",
        "http://0x7f000001/feed",
        "http://127.1:8080/feed",
        "http://[::1]/feed",
        "http://[::ffff:169.254.169.254]/latest/meta-data",
        "https://user:pw@10.0.0.1/",
        "http://localhost/feed",  # resolved via /etc/hosts: no network needed
    ],
)
def test_check_url_refuses_private_hosts(url: str) -> None:
    with pytest.raises(netguard.PrivateAddressError, match=r"^refused: .*allow_private_networks"):
        asyncio.run(netguard.check_url(url))
    # ... and allows them when told to.
    asyncio.run(netguard.check_url(url, allow_private=True))


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.com/x", "gopher://x/", "javascript:alert(1)"]
)
def test_check_url_refuses_other_schemes(url: str) -> None:
    for allow in (False, True):
        with pytest.raises(netguard.BadURLError, match="not http or https"):
            asyncio.run(netguard.check_url(url, allow_private=allow))


def test_error_message_names_host_and_address() -> None:
    resolver = fake_resolver({"feed.example": ["127.0.0.1"]})
    with pytest.raises(netguard.PrivateAddressError) as info:
        asyncio.run(netguard.check_url("http://feed.example/rss", resolver=resolver))
    assert str(info.value) == (
        "refused: feed.example resolves to 127.0.0.1 (loopback); "
        "set allow_private_networks to allow"
    )


def test_any_private_answer_refuses_the_host() -> None:
    resolver = fake_resolver({"mixed.example": ["93.184.216.34", "10.0.0.7"]})
    with pytest.raises(netguard.PrivateAddressError, match=r"10\.0\.0\.7"):
        asyncio.run(netguard.check_url("http://mixed.example/", resolver=resolver))


def test_fetch_of_loopback_without_setting_is_refused_and_never_connects(
    http_server: LoopbackServer,
) -> None:
    http_server.route("/feed.xml", Response(RSS))
    for url in (http_server.url("/feed.xml"), f"http://localhost:{http_server.port}/feed.xml"):
        r = fetch(url)
        assert r.error_kind == "refused_private", r.error
        assert r.error and r.error.startswith("refused: ") and "allow_private_networks" in r.error
        assert r.attempts == 0
    assert http_server.requests == []  # not even robots.txt


def test_hostname_resolving_to_loopback_is_refused(http_server: LoopbackServer) -> None:
    resolver = fake_resolver({"feed.example": ["127.0.0.1"]})
    r = fetch(f"http://feed.example:{http_server.port}/feed.xml", resolver=resolver)
    assert r.error_kind == "refused_private"
    assert "feed.example resolves to 127.0.0.1" in (r.error or "")
    assert http_server.requests == []


def test_dns_rebinding_is_caught_at_connection_time(http_server: LoopbackServer) -> None:
    """The pre-flight lookup says public; the lookup at connect time says loopback."""
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])

    async def rebinding(host: str, port: int) -> list[str]:
        return next(answers)

    policy = replace(STRICT, respect_robots=False)
    r = fetch(f"http://rebind.example:{http_server.port}/feed.xml", policy, resolver=rebinding)
    assert r.error_kind == "refused_private", r.error
    assert "rebind.example resolves to 127.0.0.1" in (r.error or "")
    assert http_server.requests == []


def test_transport_connects_to_the_checked_address(http_server: LoopbackServer) -> None:
    """With the setting on, a made-up name reaches the server via the resolver's answer."""
    http_server.route("/feed.xml", Response(RSS))
    resolver = fake_resolver({"feeds.internal": ["127.0.0.1"]})
    policy = replace(STRICT, allow_private_networks=True)
    r = fetch(f"http://feeds.internal:{http_server.port}/feed.xml", policy, resolver=resolver)
    assert r.error is None and r.content == RSS
    (req,) = http_server.requests_for("/feed.xml")
    assert req.headers["Host"] == f"feeds.internal:{http_server.port}"


def test_redirect_to_private_address_is_refused_per_hop() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if request.url.host == "feed.example":
            return httpx.Response(302, headers={"Location": "http://internal.example/admin"})
        return httpx.Response(200, content=RSS)

    resolver = fake_resolver(
        {"feed.example": ["93.184.216.34"], "internal.example": ["192.168.0.10"]}
    )
    policy = replace(STRICT, respect_robots=False)
    r = fetch(
        "http://feed.example/rss",
        policy,
        transport=httpx.MockTransport(handler),
        resolver=resolver,
    )
    assert r.error_kind == "refused_private"
    assert "internal.example resolves to 192.168.0.10 (private network)" in (r.error or "")
    assert r.final_url == "http://internal.example/admin"
    assert seen == ["http://feed.example/rss"]


def test_redirect_to_literal_metadata_address_is_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(301, headers={"Location": "http://169.254.169.254/latest/"})

    resolver = fake_resolver({"feed.example": ["93.184.216.34"]})
    policy = replace(STRICT, respect_robots=False)
    r = fetch(
        "http://feed.example/rss",
        policy,
        transport=httpx.MockTransport(handler),
        resolver=resolver,
    )
    assert r.error_kind == "refused_private" and "link-local" in (r.error or "")


def test_unresolvable_host_is_a_network_error() -> None:
    r = fetch("http://nowhere.invalid/feed", resolver=fake_resolver({}))
    assert r.error_kind == "network" and "cannot resolve nowhere.invalid" in (r.error or "")


def test_setting_allows_loopback_redirects(http_server: LoopbackServer) -> None:
    # A redirect on the loopback server to another loopback URL, with the setting on.
    http_server.route("/a", redirect("/feed.xml"))
    http_server.route("/feed.xml", Response(RSS))
    policy = replace(STRICT, allow_private_networks=True)
    r = fetch(http_server.url("/a"), policy)
    assert r.status == 200 and r.final_url == http_server.url("/feed.xml")
