"""Outbound HTTP with guard rails: the one way the platform reaches a URL a user gave it.

Used by the webhook sender and the ``audio_url`` fetcher of the workers, and by the gateway
to check a URL's syntax when it is registered. The rules (after the OWASP "Server Side Request
Forgery Prevention" cheat sheet):

- ``http`` and ``https`` only, a host name or literal IP, no user name or password in the URL;
- the host is resolved here and every address it resolves to is checked: link-local
  (169.254.0.0/16, fe80::/10), cloud-metadata (169.254.169.254, fd00:ec2::254), unspecified,
  multicast and reserved addresses are always refused; loopback and private-network addresses
  (everything else that is not globally routable) are refused unless ``allow_private``;
  IPv4-mapped IPv6 addresses are checked as the IPv4 address they carry;
- the connection goes to the checked address itself (the URL is rewritten to the IP, with the
  original ``Host`` header and TLS server name), so a second DNS answer cannot swap in another
  address (DNS rebinding);
- redirects are followed by hand, each hop checked the same way, at most ``max_redirects``;
- connect and read timeouts; proxies from the environment are ignored (``trust_env=False``);
- :func:`iter_limited` stops a body at a byte limit while it streams.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from scribe_core.errors import ScribeError
from scribe_core.settings import OutboundSettings

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

METADATA_ADDRESSES = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)
"""Cloud instance-metadata endpoints (AWS, GCP, Azure, OpenStack; AWS's IPv6 one)."""

_LINK_LOCAL = (ipaddress.ip_network("169.254.0.0/16"), ipaddress.ip_network("fe80::/10"))
_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})


class OutboundRefusedError(ScribeError):
    """The URL or an address it resolves to may not be reached (HTTP 400).

    ``detail`` says which rule refused it, never the address itself.
    """

    status_code = 400
    code = "outbound_refused"


class OutboundRequestError(ScribeError):
    """The remote server could not be reached or did not answer in time (HTTP 502)."""

    status_code = 502
    code = "outbound_failed"


class OutboundTooLargeError(ScribeError):
    """The remote body is larger than the limit (HTTP 413)."""

    status_code = 413
    code = "outbound_too_large"


@dataclass(frozen=True)
class OutboundPolicy:
    """What outbound requests may reach and how long they may take.

    Attributes:
        allow_private: Whether loopback and private-network addresses may be reached.
        connect_timeout: Seconds for the TCP (and TLS) connection.
        read_timeout: Seconds for each read.
        max_redirects: Redirects followed when a request follows redirects.
    """

    allow_private: bool = True
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_redirects: int = 5

    @classmethod
    def from_settings(cls, settings: OutboundSettings | None = None) -> OutboundPolicy:
        """The policy of ``OUTBOUND_*`` (read from the environment when ``settings`` is None)."""
        settings = settings or OutboundSettings()
        return cls(
            allow_private=settings.allow_private,
            connect_timeout=settings.connect_timeout_seconds,
            read_timeout=settings.read_timeout_seconds,
            max_redirects=settings.max_redirects,
        )

    def timeout(self, read: float | None = None) -> httpx.Timeout:
        """httpx timeouts: ``connect_timeout`` to connect, ``read`` (default ``read_timeout``)
        for each read, write and pool wait."""
        value = self.read_timeout if read is None else read
        return httpx.Timeout(value, connect=self.connect_timeout)


def check_address(address: IPAddress, *, allow_private: bool) -> None:
    """Refuse an address the platform must not connect to.

    Args:
        address: A resolved IPv4 or IPv6 address.
        allow_private: Whether loopback and private-network addresses are allowed.

    Raises:
        OutboundRefusedError: Link-local, cloud metadata, unspecified, multicast or reserved
            (always), or loopback/private/not globally routable when ``allow_private`` is false.
    """
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address in METADATA_ADDRESSES:
        raise OutboundRefusedError("the URL points at a cloud metadata address, which is refused")
    if any(address in network for network in _LINK_LOCAL) or address.is_link_local:
        raise OutboundRefusedError("the URL points at a link-local address, which is refused")
    if (
        address.is_unspecified
        or address.is_multicast
        or (address.is_reserved and not address.is_loopback)
    ):
        raise OutboundRefusedError(
            "the URL points at an unspecified, multicast or reserved address, which is refused"
        )
    if not allow_private and (address.is_loopback or address.is_private or not address.is_global):
        raise OutboundRefusedError(
            "the URL points at a loopback or private-network address, which this server refuses "
            "(OUTBOUND_ALLOW_PRIVATE=false)"
        )


@dataclass(frozen=True)
class CheckedURL:
    """A URL whose syntax passed :func:`check_url`.

    Attributes:
        url: The URL as given.
        scheme: ``http`` or ``https``.
        host: Host name or literal IP (IPv6 without brackets), lower-cased.
        port: Explicit port, or the scheme's default (80, 443).
        literal: The host as an address when it is a literal IP, else ``None``.
    """

    url: str
    scheme: str
    host: str
    port: int
    literal: IPAddress | None


def check_url(url: str, *, allow_private: bool = True) -> CheckedURL:
    """Check a URL's syntax (and its address, when the host is a literal IP), without DNS.

    Args:
        url: The URL a user gave.
        allow_private: See :func:`check_address`.

    Returns:
        Its parts.

    Raises:
        OutboundRefusedError: Not ``http``/``https``, no host, credentials in the URL, an
            invalid port, longer than 2048 characters, or a refused literal address.
    """
    if len(url) > 2048:
        raise OutboundRefusedError("the URL is longer than 2048 characters")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise OutboundRefusedError("the URL is malformed (bad host or port)") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise OutboundRefusedError("only http:// and https:// URLs are accepted")
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        raise OutboundRefusedError("the URL has no host")
    if parts.username is not None or parts.password is not None:
        raise OutboundRefusedError("the URL must not contain a user name or password")
    if port == 0:
        raise OutboundRefusedError("the URL's port must be from 1 to 65535")
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        check_address(literal, allow_private=allow_private)
    return CheckedURL(url, scheme, host, port or (443 if scheme == "https" else 80), literal)


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (``getaddrinfo`` in a thread), in resolver order.

    Raises:
        OutboundRequestError: The name does not resolve.
    """
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise OutboundRequestError("the URL's host name does not resolve") from None
    addresses: list[IPAddress] = []
    for _, _, _, _, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise OutboundRequestError("the URL's host name does not resolve")
    return addresses


@dataclass(frozen=True)
class PinnedURL:
    """A checked URL and the address the connection must go to.

    Attributes:
        checked: The URL's parts.
        address: The checked address to connect to.
        connect_url: The URL with the host replaced by ``address`` (what httpx connects to).
        host_header: The ``Host`` header of the original URL.
    """

    checked: CheckedURL
    address: IPAddress
    connect_url: str
    host_header: str


async def pin(url: str, policy: OutboundPolicy) -> PinnedURL:
    """Check ``url``, resolve its host, check EVERY address, and pin the first one.

    Raises:
        OutboundRefusedError: See :func:`check_url` and :func:`check_address`.
        OutboundRequestError: The host does not resolve.
    """
    checked = check_url(url, allow_private=policy.allow_private)
    if checked.literal is not None:
        addresses: list[IPAddress] = [checked.literal]
    else:
        addresses = await resolve(checked.host, checked.port)
        for address in addresses:
            check_address(address, allow_private=policy.allow_private)
    address = addresses[0]
    parts = urlsplit(url.strip())
    host = f"[{address}]" if address.version == 6 else str(address)
    default_port = 443 if checked.scheme == "https" else 80
    netloc = host if checked.port == default_port else f"{host}:{checked.port}"
    connect_url = parts._replace(scheme=checked.scheme, netloc=netloc).geturl()
    name = f"[{checked.host}]" if ":" in checked.host else checked.host
    host_header = name if checked.port == default_port else f"{name}:{checked.port}"
    return PinnedURL(checked, address, connect_url, host_header)


def create_client() -> httpx.AsyncClient:
    """The httpx client for outbound requests: no proxies from the environment, redirects
    never followed by httpx itself, and no connection kept alive (connections are pooled by
    address, and one opened for a TLS server name must not carry another's request)."""
    return httpx.AsyncClient(
        trust_env=False,
        follow_redirects=False,
        limits=httpx.Limits(max_keepalive_connections=0),
    )


@asynccontextmanager
async def open_request(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    policy: OutboundPolicy,
    *,
    headers: dict[str, str] | None = None,
    content: bytes | None = None,
    follow_redirects: bool = False,
    read_timeout: float | None = None,
) -> AsyncIterator[httpx.Response]:
    """Send a request to a user's URL under ``policy`` and yield the streamed response.

    Each hop is pinned (:func:`pin`); a 301/302/303 turns the next hop into a body-less GET
    (as browsers do), 307/308 repeat the method and body. The response is closed on exit.

    Args:
        client: From :func:`create_client`.
        method: HTTP method.
        url: The URL a user gave.
        policy: Address rules, timeouts and redirect limit.
        headers: Extra request headers.
        content: Request body.
        follow_redirects: Follow up to ``policy.max_redirects`` redirects; when false a 3xx
            is yielded like any other response.
        read_timeout: Seconds per read instead of ``policy.read_timeout``.

    Yields:
        The final response, body not read yet (see :func:`iter_limited`).

    Raises:
        OutboundRefusedError: A hop points at a refused address or scheme.
        OutboundRequestError: No connection, a timeout, a protocol error, or more redirects
            than allowed.
    """
    for _ in range(policy.max_redirects + 1):
        target = await pin(url, policy)
        extensions = (
            {"sni_hostname": target.checked.host} if target.checked.scheme == "https" else {}
        )
        request = client.build_request(
            method,
            target.connect_url,
            headers={**(headers or {}), "Host": target.host_header},
            content=content,
            timeout=policy.timeout(read_timeout),
            extensions=extensions,
        )
        try:
            response = await client.send(request, stream=True, follow_redirects=False)
        except httpx.TimeoutException:
            raise OutboundRequestError("the remote server did not answer in time") from None
        except httpx.HTTPError as exc:
            logger.info("outbound %s to %s failed: %r", method, target.host_header, exc)
            raise OutboundRequestError("the remote server could not be reached") from None
        location = response.headers.get("location")
        if not (follow_redirects and response.status_code in _REDIRECT_CODES and location):
            try:
                yield response
            finally:
                await response.aclose()
            return
        await response.aclose()
        if response.status_code in (301, 302, 303) and method != "HEAD":
            method, content = "GET", None
        url = urljoin(url, location)
    else:
        raise OutboundRequestError(f"the URL redirected more than {policy.max_redirects} times")


async def iter_limited(response: httpx.Response, max_bytes: int) -> AsyncIterator[bytes]:
    """The response body in chunks, stopped as soon as it passes ``max_bytes``.

    A ``Content-Length`` over the limit is refused before any byte is read.

    Raises:
        OutboundTooLargeError: The body is (or announces itself) larger than ``max_bytes``.
        OutboundRequestError: The connection broke or timed out mid-body.
    """
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise OutboundTooLargeError(
            f"the remote file is {int(declared)} bytes; the limit is {max_bytes} bytes"
        )
    received = 0
    try:
        async for chunk in response.aiter_bytes():
            received += len(chunk)
            if received > max_bytes:
                raise OutboundTooLargeError(
                    f"the remote file is larger than the limit of {max_bytes} bytes"
                )
            yield chunk
    except httpx.TimeoutException:
        raise OutboundRequestError("the remote server stopped sending (timeout)") from None
    except httpx.HTTPError:
        raise OutboundRequestError("the connection broke while the file was downloaded") from None
