"""Outbound safety (:mod:`scribe_core.outbound`): address rules, redirects checked hop by hop,
the connection pinned to the checked address, the size limit while streaming. Real sockets
on 127.0.0.1; no other network."""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from scribe_core.outbound import (
    OutboundPolicy,
    OutboundRefusedError,
    OutboundRequestError,
    OutboundTooLargeError,
    check_address,
    check_url,
    create_client,
    iter_limited,
    open_request,
    pin,
)
from scribe_core.settings import OutboundSettings, WebhookSettings

ALWAYS_REFUSED = [
    "169.254.169.254",  # cloud metadata (AWS, GCP, Azure)
    "169.254.0.1",  # link-local
    "fd00:ec2::254",  # AWS metadata over IPv6
    "fe80::1",  # IPv6 link-local
    "::ffff:169.254.169.254",  # IPv4-mapped metadata address
    "0.0.0.0",  # unspecified (reaches the local host on Linux)
    "::",
    "224.0.0.1",  # multicast
    "240.0.0.1",  # reserved
]
PRIVATE = ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.10", "100.64.0.1", "::1",
           "fd12:3456::1", "::ffff:127.0.0.1"]  # fmt: skip
PUBLIC = ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "8.8.8.8"]


@pytest.mark.parametrize("address", ALWAYS_REFUSED)
@pytest.mark.parametrize("allow_private", [True, False])
def test_link_local_metadata_and_reserved_addresses_are_always_refused(
    address: str, allow_private: bool
) -> None:
    with pytest.raises(OutboundRefusedError) as caught:
        check_address(ipaddress.ip_address(address), allow_private=allow_private)
    assert address not in caught.value.detail, "the detail never names the address"
    assert caught.value.code == "outbound_refused"


@pytest.mark.parametrize("address", PRIVATE)
def test_loopback_and_private_addresses_follow_the_setting(address: str) -> None:
    check_address(ipaddress.ip_address(address), allow_private=True)
    with pytest.raises(OutboundRefusedError, match="OUTBOUND_ALLOW_PRIVATE"):
        check_address(ipaddress.ip_address(address), allow_private=False)


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_allowed(address: str) -> None:
    check_address(ipaddress.ip_address(address), allow_private=False)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.org/a.wav", "only http"),
        ("file:///etc/passwd", "only http"),
        ("gopher://127.0.0.1:6379/_INFO", "only http"),
        ("http:///nohost", "no host"),
        ("http://user:pw@example.org/a.wav", "user name or password"),
        ("http://example.org:99999/", "malformed"),
        ("http://[::1/", "malformed"),
        ("http://169.254.169.254/latest/meta-data/", "metadata"),
        ("http://[fd00:ec2::254]/", "metadata"),
        ("https://example.org/" + "a" * 2100, "longer than 2048"),
    ],
)
def test_bad_urls_are_refused_without_any_lookup(url: str, reason: str) -> None:
    with pytest.raises(OutboundRefusedError, match=reason):
        check_url(url)


def test_check_url_parses_hosts_ports_and_literals() -> None:
    checked = check_url("HTTPS://Example.ORG./x?y=1")
    assert (checked.scheme, checked.host, checked.port, checked.literal) == (
        "https", "example.org", 443, None,
    )  # fmt: skip
    literal = check_url("http://[::1]:8080/a")
    assert (literal.host, literal.port, literal.literal) == (
        "::1",
        8080,
        ipaddress.ip_address("::1"),
    )
    with pytest.raises(OutboundRefusedError, match="OUTBOUND_ALLOW_PRIVATE"):
        check_url("http://127.0.0.1/", allow_private=False)


def test_settings_default_allows_private_networks_and_parse_the_retry_schedule() -> None:
    assert OutboundSettings().allow_private is True
    assert OutboundSettings(OUTBOUND_ALLOW_PRIVATE="false").allow_private is False  # type: ignore[call-arg]
    assert WebhookSettings().retry_schedule_seconds == [60, 300, 900, 2400]
    schedule = WebhookSettings(WEBHOOK_RETRY_SCHEDULE_SECONDS="0, 0.5,1")  # type: ignore[call-arg]
    assert schedule.retry_schedule_seconds == [0, 0.5, 1]
    assert WebhookSettings(WEBHOOK_RETRY_SCHEDULE_SECONDS="").retry_schedule_seconds == []  # type: ignore[call-arg]


# -- real requests against a local server ---------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    """``/redirect?to=URL`` → 302 to URL; ``/loop/N`` → 302 to ``/loop/N+1``; ``/big`` → 3 MiB
    chunked without Content-Length; ``/declared`` → Content-Length 10 GiB; ``/host`` → the Host
    header it got; anything else → ``hello``."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        path, _, query = self.path.partition("?")
        if path == "/redirect":
            self._send(302, b"", {"Location": query.removeprefix("to=")})
        elif path.startswith("/loop/"):
            self._send(302, b"", {"Location": f"/loop/{int(path[6:]) + 1}"})
        elif path == "/host":
            self._send(200, self.headers["Host"].encode())
        elif path == "/declared":
            self.send_response(200)
            self.send_header("Content-Length", str(10 * 1024**3))
            self.end_headers()
        elif path == "/big":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"x" * 65536
            try:
                for _ in range(48):
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass
        else:
            self._send(200, b"hello")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


async def _get(url: str, policy: OutboundPolicy, max_bytes: int = 1 << 20) -> tuple[int, bytes]:
    async with (
        create_client() as client,
        open_request(client, "GET", url, policy, follow_redirects=True) as response,
    ):
        body = b"".join([chunk async for chunk in iter_limited(response, max_bytes)])
        return response.status_code, body


POLICY = OutboundPolicy(allow_private=True, connect_timeout=2, read_timeout=5, max_redirects=5)


async def test_a_redirect_to_the_metadata_address_is_refused_before_connecting(
    server: str,
) -> None:
    with pytest.raises(OutboundRefusedError, match="metadata"):
        await _get(f"{server}/redirect?to=http://169.254.169.254/latest/meta-data/", POLICY)
    with pytest.raises(OutboundRefusedError, match="only http"):
        await _get(f"{server}/redirect?to=file:///etc/passwd", POLICY)


async def test_redirects_are_followed_hop_by_hop_up_to_the_limit(server: str) -> None:
    assert await _get(f"{server}/redirect?to={server}/hello", POLICY) == (200, b"hello")
    with pytest.raises(OutboundRequestError, match="more than 0 times"):
        await _get(f"{server}/loop/1", OutboundPolicy(max_redirects=0))
    async with (
        create_client() as client,
        open_request(client, "GET", f"{server}/loop/1", POLICY) as response,
    ):
        assert response.status_code == 302, "without follow_redirects a 3xx is the answer"
    with pytest.raises(OutboundRequestError, match="more than 5 times"):
        await _get(f"{server}/loop/1", POLICY)


async def test_localhost_is_refused_when_private_networks_are_off(server: str) -> None:
    closed = OutboundPolicy(allow_private=False)
    port = server.rsplit(":", 1)[1]
    with pytest.raises(OutboundRefusedError, match="OUTBOUND_ALLOW_PRIVATE"):
        await _get(f"http://localhost:{port}/hello", closed)  # resolved, then refused
    with pytest.raises(OutboundRefusedError, match="OUTBOUND_ALLOW_PRIVATE"):
        await _get(server + "/hello", closed)


async def test_the_connection_goes_to_the_checked_address_with_the_original_host(
    server: str,
) -> None:
    port = int(server.rsplit(":", 1)[1])
    pinned = await pin(f"http://localhost:{port}/host?x=1", POLICY)
    assert pinned.address.is_loopback
    assert pinned.connect_url in (
        f"http://127.0.0.1:{port}/host?x=1",
        f"http://[::1]:{port}/host?x=1",
    )
    assert pinned.host_header == f"localhost:{port}"
    if pinned.address.version == 4:  # the test server listens on IPv4 only
        assert await _get(f"http://localhost:{port}/host", POLICY) == (
            200,
            f"localhost:{port}".encode(),
        )


async def test_bodies_are_cut_at_the_limit_while_streaming(server: str) -> None:
    with pytest.raises(OutboundTooLargeError, match="larger than the limit of 1048576 bytes"):
        await _get(f"{server}/big", POLICY, max_bytes=1 << 20)
    with pytest.raises(OutboundTooLargeError, match="10737418240 bytes"):
        await _get(f"{server}/declared", POLICY, max_bytes=1 << 20)
    status, body = await _get(f"{server}/big", POLICY, max_bytes=4 << 20)
    assert (status, len(body)) == (200, 48 * 65536)


async def test_unreachable_and_unresolvable_hosts_fail_cleanly() -> None:
    with pytest.raises(OutboundRequestError, match="could not be reached"):
        await _get("http://127.0.0.1:9/", POLICY)  # discard port: nothing listens
    with pytest.raises(OutboundRequestError, match="does not resolve"):
        await _get("http://no-such-host.invalid/", POLICY)
