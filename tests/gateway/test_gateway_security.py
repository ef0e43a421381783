"""HTTP hardening of the gateway: tokens must expire, logins and registrations are throttled,
password hashing is bounded, every answer carries security headers, the docs work offline.

Most tests run against the real gateway (PostgreSQL, Redis, S3; the throttle's counters in
Redis); the ones that need small limits or another setting run ``scribe serve``'s embedded
application. Requests name their client address with ``X-Forwarded-For`` (uvicorn trusts it
from 127.0.0.1), so the tests do not share the loopback address's counters.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from embedded_gateway import embedded_gateway
from gateway_support import JWT_SECRET, Gateway
from jose import jwt

from scribe_core.settings import AuthSettings, QueueSettings
from scribe_core.testing import free_ports
from scribe_gateway.auth.security import verify_password
from scribe_gateway.auth.throttle import AuthThrottle

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}
API_CSP = "default-src 'none'; frame-ancestors 'none'"


def _email() -> str:
    return f"sec-{uuid.uuid4().hex[:10]}@example.org"


def _address() -> str:
    """A fresh client address (198.18.0.0/15 is reserved for benchmarks: never a real peer)."""
    n = uuid.uuid4().int
    return f"198.{18 + n % 2}.{n // 2 % 256}.{n // 512 % 254 + 1}"


def _login(http: httpx.Client, email: str, password: str, address: str) -> httpx.Response:
    return http.post(
        "/api/v1/auth/token",
        data={"username": email, "password": password},
        headers={"X-Forwarded-For": address},
    )


def _register(http: httpx.Client, email: str, password: str, address: str) -> httpx.Response:
    return http.post(
        "/api/v1/auth/register",
        json={"email": email, "password": password},
        headers={"X-Forwarded-For": address},
    )


def _assert_throttled(response: httpx.Response, window_seconds: int) -> None:
    assert response.status_code == 429, response.text
    assert response.json()["code"] == "too_many_attempts"
    assert 1 <= int(response.headers["Retry-After"]) <= window_seconds


# --- tokens -------------------------------------------------------------------------------------


def test_token_without_exp_is_refused(gateway: Gateway, user: dict[str, str]) -> None:
    with gateway.client() as http:
        user_id = http.get("/api/v1/auth/me", headers=user).json()["id"]
        claims: dict[str, Any] = {"sub": user_id, "type": "access", "iat": datetime.now(UTC)}
        forever = jwt.encode(claims, JWT_SECRET, algorithm="HS256")
        refused = http.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {forever}"})
        assert refused.status_code == 401
        assert refused.json()["code"] == "not_authenticated"
        assert refused.headers["WWW-Authenticate"] == "Bearer"

        # The same claims with an expiry are accepted: the missing `exp` was the only fault.
        claims["exp"] = datetime.now(UTC) + timedelta(minutes=5)
        good = jwt.encode(claims, JWT_SECRET, algorithm="HS256")
        assert (
            http.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {good}"}).status_code
            == 200
        )


# --- login throttling on the real gateway (counters in Redis) ------------------------------------


def test_eleventh_failed_login_of_an_account_is_throttled(gateway: Gateway) -> None:
    email, password, address = _email(), "the-right-password", _address()
    with gateway.client() as http:
        assert _register(http, email, password, address).status_code == 201
        for _ in range(10):
            assert _login(http, email, "a-wrong-password", address).status_code == 401
        _assert_throttled(_login(http, email, "a-wrong-password", address), 900)
        # While throttled the password is not even checked: the right one is refused too.
        _assert_throttled(_login(http, email, password, address), 900)
        # So it is from any other address: the limit is the account's.
        _assert_throttled(_login(http, email, password, _address()), 900)

        # Another account behind the same address is not affected (10 failures < 30).
        other, other_password = _email(), "another-password"
        assert _register(http, other, other_password, address).status_code == 201
        assert _login(http, other, other_password, address).status_code == 200

    keys = gateway.redis.keys(f"{gateway.queue_name}:throttle*")
    assert keys, "the failed logins are counted in the deployment's Redis"
    assert not any(email.encode() in key for key in keys), "e-mails are hashed in the keys"


def test_successful_login_clears_the_account_failures(gateway: Gateway) -> None:
    email, password, address = _email(), "the-right-password", _address()
    with gateway.client() as http:
        assert _register(http, email, password, address).status_code == 201
        for _ in range(9):
            assert _login(http, email, "a-wrong-password", address).status_code == 401
        assert _login(http, email, password, address).status_code == 200
        # Without the reset, the second of these would be the eleventh failure.
        for _ in range(2):
            assert _login(http, email, "a-wrong-password", address).status_code == 401


# --- security headers ----------------------------------------------------------------------------


def _assert_security_headers(response: httpx.Response, csp: str | None = API_CSP) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (response.request.url, name)
    if csp is not None:
        assert response.headers.get("content-security-policy") == csp, response.request.url
    assert "strict-transport-security" not in response.headers  # plain HTTP


def test_security_headers_on_answers_and_errors(gateway: Gateway, user: dict[str, str]) -> None:
    with gateway.client() as http:
        answers = [
            http.get("/api/v1/meetings", headers=user),  # 200
            http.get("/health"),  # 200
            http.get("/api/v1/auth/me"),  # 401
            http.get(f"/api/v1/meetings/{uuid.uuid4()}", headers=user),  # 404
            http.get("/no/such/route"),  # 404 from the router
            http.post("/api/v1/auth/register", json={"email": "x"}),  # 422
            http.options(  # CORS preflight
                "/api/v1/meetings",
                headers={
                    "Origin": "http://localhost:3000",
                    "Access-Control-Request-Method": "GET",
                },
            ),
        ]
        assert [r.status_code for r in answers] == [200, 200, 401, 404, 404, 422, 200]
        for response in answers:
            _assert_security_headers(response)

        # HSTS only when the request came over HTTPS (here: through a trusted TLS proxy).
        https = http.get("/health", headers={"X-Forwarded-Proto": "https"})
        assert https.headers["strict-transport-security"] == "max-age=31536000"
        for name, value in SECURITY_HEADERS.items():
            assert https.headers[name] == value


# --- docs from packaged assets -------------------------------------------------------------------

_ASSET = re.compile(r'(?:src|href)="([^"]+)"')
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


@pytest.mark.parametrize(
    ("page", "assets"),
    [
        ("/docs", {"swagger-ui-bundle.js", "swagger-ui.css", "favicon.png"}),
        ("/redoc", {"redoc.standalone.js", "favicon.png"}),
    ],
)
def test_docs_are_served_from_the_gateway(gateway: Gateway, page: str, assets: set[str]) -> None:
    with gateway.client() as http:
        response = http.get(page)
        assert response.status_code == 200
        html = response.text
        assert "cdn." not in html
        assert "https://" not in html
        assert "http://" not in html
        urls = _ASSET.findall(html)
        assert {url.rsplit("/", 1)[-1] for url in urls} == assets
        for url in urls:
            assert url.startswith("/docs/assets/"), url
            asset = http.get(url)
            assert asset.status_code == 200, url
            assert asset.content, url
            kind = asset.headers["content-type"]
            expected = {"js": "javascript", "css": "text/css", "png": "image/png"}
            assert expected[url.rsplit(".", 1)[-1]] in kind, (url, kind)

        # The page's own policy: self-only, its inline bootstrap allowed by hash, no CDN.
        csp = response.headers["content-security-policy"]
        _assert_security_headers(response, csp=None)
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
        assert directives["default-src"] == "'none'"
        assert directives["frame-ancestors"] == "'none'"
        assert "'unsafe-inline'" not in directives["script-src"]
        for code in _INLINE_SCRIPT.findall(html):
            digest = base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in directives["script-src"]
        assert "http" not in csp

    # The schema the page points at is served by the gateway too.
    with gateway.client() as http:
        assert http.get("/openapi.json").json()["info"]["title"] == "Smart Meeting Scribe"


# --- the embedded default, with small limits ----------------------------------------------------

EMBEDDED_LIMITS = {
    "LOGIN_MAX_FAILURES_PER_ACCOUNT": "10",
    "LOGIN_MAX_FAILURES_PER_ADDRESS": "3",
    "REGISTER_MAX_PER_ADDRESS": "2",
    "PASSWORD_HASH_CONCURRENCY": "2",
    "DOCS_ENABLED": "false",
}


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``scribe serve``'s application (SQLite, local store, counters in memory), small limits."""
    with embedded_gateway(tmp_path_factory.mktemp("security-volumes"), env=EMBEDDED_LIMITS) as url:
        yield url


@pytest.fixture
def verify_calls(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Counts the password checks of the login service: ``calls``, and ``peak``, the most that
    ran at the same time."""
    counts = {"calls": 0, "running": 0, "peak": 0}
    real = verify_password

    async def counting(password: str, hashed: str | None) -> bool:
        counts["calls"] += 1
        counts["running"] += 1
        counts["peak"] = max(counts["peak"], counts["running"])
        try:
            return await real(password, hashed)
        finally:
            counts["running"] -= 1

    monkeypatch.setattr("scribe_gateway.auth.service.verify_password", counting)
    return counts


def test_failed_logins_are_limited_per_address(embedded: str, verify_calls: dict[str, int]) -> None:
    address, email, password = _address(), _email(), "the-right-password"
    with httpx.Client(base_url=embedded, timeout=60) as http:
        assert _register(http, email, password, _address()).status_code == 201
        for _ in range(3):  # three accounts, one failure each
            assert _login(http, _email(), "a-wrong-password", address).status_code == 401
        assert verify_calls["calls"] == 3

        refused = _login(http, email, password, address)
        _assert_throttled(refused, 900)
        assert "address" in refused.json()["detail"]
        _assert_throttled(_login(http, _email(), "a-wrong-password", address), 900)
        assert verify_calls["calls"] == 3, "a throttled attempt hashes no password"

        # The account itself is fine from elsewhere.
        assert _login(http, email, password, _address()).status_code == 200
        assert verify_calls["calls"] == 4


def test_registrations_are_limited_per_address(embedded: str) -> None:
    address = _address()
    with httpx.Client(base_url=embedded, timeout=60) as http:
        taken = _email()
        assert _register(http, taken, "long-enough", address).status_code == 201
        assert _register(http, taken, "long-enough", address).status_code == 409  # counts too
        _assert_throttled(_register(http, _email(), "long-enough", address), 3600)
        assert _register(http, _email(), "long-enough", _address()).status_code == 201


async def test_parallel_logins_hash_two_passwords_at_a_time(
    embedded: str, verify_calls: dict[str, int]
) -> None:
    async with httpx.AsyncClient(base_url=embedded, timeout=120) as http:
        answers = await asyncio.gather(
            *(
                http.post(
                    "/api/v1/auth/token",
                    data={"username": _email(), "password": "a-wrong-password"},
                    headers={"X-Forwarded-For": _address()},
                )
                for _ in range(12)
            )
        )
    assert [a.status_code for a in answers] == [401] * 12
    assert verify_calls["calls"] == 12
    assert 1 <= verify_calls["peak"] <= 2  # PASSWORD_HASH_CONCURRENCY


def test_docs_can_be_turned_off(embedded: str) -> None:
    with httpx.Client(base_url=embedded, timeout=60) as http:
        for path in ("/docs", "/redoc", "/docs/assets/swagger-ui-bundle.js"):
            response = http.get(path)
            assert response.status_code == 404, path
            _assert_security_headers(response)
        assert http.get("/openapi.json").status_code == 200


async def test_an_unreachable_counter_store_does_not_lock_everyone_out() -> None:
    (port,) = free_ports(1)  # nothing listens there: connection refused
    throttle = AuthThrottle.from_settings(
        AuthSettings(LOGIN_MAX_FAILURES_PER_ACCOUNT=1),
        QueueSettings(REDIS_URL=f"redis://127.0.0.1:{port}/0"),
    )
    for _ in range(3):  # fails open: nothing is counted, nothing is refused
        await throttle.check_login("someone@example.org", "198.18.0.1")
        await throttle.login_failed("someone@example.org", "198.18.0.1")
        await throttle.register_attempt("198.18.0.1")
    await throttle.login_succeeded("someone@example.org")


def test_an_unexpected_error_answers_500_with_the_security_headers(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Starlette sends the catch-all 500 from outside every middleware: it carries its own
    security headers, and neither the exception's text nor a path."""
    from starlette.testclient import TestClient

    from scribe_gateway.app import create_app
    from scribe_gateway.platform import Platform

    monkeypatch.setenv("SCRIBE_DATA_DIR", str(tmp_path))
    app = create_app(Platform.from_settings(queue=QueueSettings(REDIS_URL=None)))

    async def boom() -> None:
        raise RuntimeError("/secret/path/of/the/server")

    app.add_api_route("/boom", boom)
    response = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"
    assert "/secret/path" not in response.text
    _assert_security_headers(response)


def test_the_login_throttle_closes_its_redis_connections_at_shutdown(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from starlette.testclient import TestClient

    from scribe_core.testing import redis_server_url, require_server
    from scribe_gateway.app import create_app
    from scribe_gateway.auth.throttle import AuthThrottle
    from scribe_gateway.platform import Platform

    require_server(redis_server_url(), "Redis")
    monkeypatch.setenv("SCRIBE_DATA_DIR", str(tmp_path))
    queue = QueueSettings(REDIS_URL=redis_server_url(), TASKIQ_QUEUE=f"t-{uuid.uuid4().hex[:8]}")
    app = create_app(Platform.from_settings(queue=queue))
    with TestClient(app) as http:
        refused = _login(http, _email(), "wrong-password-1", _address())
        assert refused.status_code == 401
        throttle: AuthThrottle = getattr(app.state, AuthThrottle.STATE_KEY)
        assert throttle.pool is not None
        connections = list(throttle.pool._available_connections)  # noqa: SLF001
        assert connections, "the failed login counted in Redis"
        assert all(c.is_connected for c in connections)
    assert not any(c.is_connected for c in connections)
