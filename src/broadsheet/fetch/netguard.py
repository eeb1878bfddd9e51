"""Refuse fetches that would reach private networks (SSRF guard).

Feed URLs come from a registry that users edit and from redirects that servers choose, so
a fetch must not be able to reach the host's own services (``127.0.0.1:6379``), the LAN,
or cloud metadata endpoints (``169.254.169.254``). Two layers:

* :func:`check_url` is a pre-flight check run on every hop (the first URL and each
  redirect target) before anything is sent. It rejects non-http(s) schemes, literal IPs
  in any spelling that resolvers accept (``2130706433``, ``0x7f000001``, ``127.1``,
  ``[::ffff:127.0.0.1]``) and host names that resolve to a refused address.
* :class:`GuardedTransport` repeats the check *at connection time*, inside httpcore's
  network backend, and then connects to the very address it checked. A host whose DNS
  answer changes between the pre-flight and the connect (DNS rebinding) is therefore
  still refused, and no second lookup happens between check and connect.

``allow_private_networks=True`` switches the address checks off (schemes are still
checked); tests and users with a feed on their LAN need it.
"""

from __future__ import annotations

import functools
import ipaddress
import re
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import anyio
import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
#: ``async resolver(host, port) -> [ip, ...]``; raises ``OSError`` when the name is unknown.
Resolver = Callable[[str, int], Awaitable[list[str]]]

ALLOWED_SCHEMES = ("http", "https")
_HINT = "set allow_private_networks to allow"
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_FALLBACK_CONNECT_S = 3.0
# Characters of the legacy IPv4 spellings that inet_aton() (and so getaddrinfo) accepts.
_LEGACY_V4 = re.compile(r"[0-9a-fA-Fx.]+")


class FetchError(Exception):
    """A fetch problem. ``kind`` is the ``FetchResult.error_kind`` it maps to."""

    kind: str = "network"

    def __init__(self, message: str, kind: str | None = None) -> None:
        super().__init__(message)
        if kind is not None:
            self.kind = kind


class BadURLError(FetchError):
    """The URL is unusable: not http(s), no host, or unparsable."""

    kind = "bad_url"


class PrivateAddressError(FetchError):
    """The URL's host is, or resolves to, an address on a private network."""

    kind = "refused_private"


class ResolveError(FetchError):
    """The host name does not resolve."""

    kind = "network"


def classify_address(ip: IPAddress) -> str | None:
    """Why ``ip`` is refused ("loopback", "private network", ...), or None if public."""
    if isinstance(ip, ipaddress.IPv6Address):
        # IPv6 spellings of IPv4 addresses reach the IPv4 host: judge the embedded address.
        if ip.ipv4_mapped is not None:
            return classify_address(ip.ipv4_mapped)
        embedded: ipaddress.IPv4Address | None = ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            reason = classify_address(embedded)
            if reason is not None:
                return reason
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip.is_reserved:  # before is_private, which also covers 240.0.0.0/4
        return "reserved"
    if ip.is_private:
        return "private network"
    if not ip.is_global:  # e.g. 100.64.0.0/10 (carrier-grade NAT), 192.0.0.0/24
        return "not globally routable"
    return None


def parse_ip_literal(host: str) -> IPAddress | None:
    """The address ``host`` denotes if it is an IP literal in any accepted spelling."""
    h = host.strip().strip("[]").rstrip(".")
    h = h.split("%", 1)[0]  # IPv6 zone id ("fe80::1%eth0") does not change the address
    if not h:
        return None
    try:
        return ipaddress.ip_address(h)
    except ValueError:
        pass
    # Decimal / hex / octal / shortened IPv4 ("2130706433", "0x7f.1", "0177.0.0.1",
    # "127.1"): ipaddress rejects them but the C resolver happily connects to them.
    if _LEGACY_V4.fullmatch(h) and any(c.isdigit() for c in h):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(h))
        except OSError:
            return None
    return None


def _refused(host: str, ip: IPAddress, reason: str, literal: bool) -> PrivateAddressError:
    if literal:
        return PrivateAddressError(f"refused: {host} is {ip} ({reason}); {_HINT}")
    return PrivateAddressError(f"refused: {host} resolves to {ip} ({reason}); {_HINT}")


async def default_resolver(host: str, port: int) -> list[str]:
    """Resolve ``host`` with the system resolver (off the event loop thread)."""
    infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    out: list[str] = []
    for *_, sockaddr in infos:
        addr = str(sockaddr[0])
        if addr not in out:
            out.append(addr)
    return out


def parse_url(url: str) -> httpx.URL:
    """Parse ``url`` and check its scheme and host; raises :class:`BadURLError`."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        raise BadURLError(f"bad url {url!r}: {exc}") from None
    if parsed.scheme not in ALLOWED_SCHEMES:
        shown = parsed.scheme or "(none)"
        raise BadURLError(f"refused: scheme {shown!r} is not http or https: {url}")
    if not parsed.host:
        raise BadURLError(f"bad url {url!r}: no host")
    return parsed


async def checked_addresses(
    host: str, port: int, *, allow_private: bool, resolver: Resolver | None = None
) -> list[str]:
    """Resolve ``host`` and return its addresses, refusing any private one.

    If *any* address is refused the whole host is: an attacker who controls a DNS
    answer could otherwise mix a public and a private address and win a race.
    """
    literal = parse_ip_literal(host)
    if literal is not None:
        reason = classify_address(literal)
        if reason is not None and not allow_private:
            raise _refused(host, literal, reason, literal=True)
        return [str(literal)]
    try:
        addrs = await (resolver or default_resolver)(host, port)
    except (OSError, UnicodeError) as exc:
        raise ResolveError(f"cannot resolve {host}: {exc}") from None
    if not addrs:
        raise ResolveError(f"cannot resolve {host}: no addresses")
    if not allow_private:
        for addr in addrs:
            ip = ipaddress.ip_address(addr.split("%", 1)[0])
            reason = classify_address(ip)
            if reason is not None:
                raise _refused(host, ip, reason, literal=False)
    return addrs


async def check_url(
    url: str, *, allow_private: bool = False, resolver: Resolver | None = None
) -> httpx.URL:
    """Pre-flight check of one hop; returns the parsed URL or raises a FetchError."""
    parsed = parse_url(url)
    if not allow_private:
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        await checked_addresses(parsed.host, port, allow_private=False, resolver=resolver)
    return parsed


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore network backend that checks the address it is about to connect to."""

    def __init__(
        self,
        *,
        allow_private: bool = False,
        resolver: Resolver | None = None,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self.allow_private = allow_private
        self.resolver = resolver
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            with anyio.fail_after(timeout):
                addrs = await checked_addresses(
                    host, port, allow_private=self.allow_private, resolver=self.resolver
                )
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"timed out resolving {host}") from None
        except ResolveError as exc:
            # httpx maps httpcore.ConnectError to httpx.ConnectError (retryable).
            raise httpcore.ConnectError(str(exc)) from None
        last: Exception | None = None
        for i, addr in enumerate(addrs):
            # Connect to the address just checked, never to the name (no second lookup).
            # TLS still verifies against the URL's host name: httpcore passes the origin
            # host as server_hostname to start_tls, not the address used here.
            # Addresses are tried in turn; all but the last get a short connect timeout
            # so a black-holed IPv6 route does not use up the whole budget.
            this_timeout = timeout
            if i < len(addrs) - 1 and timeout is not None:
                this_timeout = min(timeout, _FALLBACK_CONNECT_S)
            try:
                return await self._inner.connect_tcp(
                    addr,
                    port,
                    timeout=this_timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        await anyio.sleep(seconds)


@functools.cache
def _default_ssl_context() -> ssl.SSLContext:
    # Loading the CA bundle takes tens of milliseconds; one verifying context can be
    # shared by every transport.
    return httpx.create_ssl_context(verify=True, trust_env=False)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx transport whose every new connection goes through :class:`GuardedBackend`.

    httpx has no public hook for the network backend, so the connection pool that
    ``AsyncHTTPTransport`` builds is replaced by an equivalent one with our backend
    (``_pool`` is the attribute httpx 0.2x uses; ``handle_async_request`` and its
    exception mapping are inherited unchanged). Proxies are not supported: through a
    proxy the proxy resolves the name and the guard could not see the address.
    """

    def __init__(
        self,
        *,
        allow_private: bool = False,
        resolver: Resolver | None = None,
        limits: httpx.Limits | None = None,
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        limits = limits or httpx.Limits(max_connections=100, max_keepalive_connections=20)
        ssl_context = _default_ssl_context() if verify is True else verify
        super().__init__(verify=ssl_context, limits=limits, trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context if isinstance(ssl_context, ssl.SSLContext) else None,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=False,
            retries=0,
            network_backend=GuardedBackend(allow_private=allow_private, resolver=resolver),
        )
