"""Accounts and bearer tokens over HTTP against the running gateway (PostgreSQL behind it)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from gateway_support import JWT_SECRET, Gateway
from jose import jwt

from scribe_gateway.auth.security import create_access_token


def _email() -> str:
    return f"Ada-{uuid.uuid4().hex[:8]}@Example.org"


def test_register_login_me(gateway: Gateway) -> None:
    email = _email()
    with gateway.client() as http:
        created = http.post("/api/v1/auth/register", json={"email": email, "password": "s3cret-pw"})
        assert created.status_code == 201
        body = created.json()
        assert body["email"] == email.lower()
        assert set(body) == {"id", "email", "created_at"}  # never the hash

        token = http.post(
            "/api/v1/auth/token", data={"username": email.upper(), "password": "s3cret-pw"}
        )
        assert token.status_code == 200
        assert token.json()["token_type"] == "bearer"
        assert token.json()["expires_in"] == 180 * 60

        me = http.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"}
        )
        assert me.status_code == 200
        assert me.json()["id"] == body["id"]


def test_register_refuses_duplicates_and_bad_input(gateway: Gateway) -> None:
    email = _email()
    with gateway.client() as http:
        assert (
            http.post(
                "/api/v1/auth/register", json={"email": email, "password": "long-enough"}
            ).status_code
            == 201
        )
        again = http.post(
            "/api/v1/auth/register", json={"email": email.lower(), "password": "other-one"}
        )
        assert again.status_code == 409
        assert again.json()["error"] == "ConflictError"
        assert (
            http.post(
                "/api/v1/auth/register", json={"email": "not-an-email", "password": "long-enough"}
            ).status_code
            == 422
        )
        assert (
            http.post(
                "/api/v1/auth/register", json={"email": _email(), "password": "short"}
            ).status_code
            == 422
        )


def test_wrong_password_and_unknown_user_get_the_same_401(gateway: Gateway) -> None:
    email = _email()
    with gateway.client() as http:
        http.post("/api/v1/auth/register", json={"email": email, "password": "right-password"})
        wrong = http.post("/api/v1/auth/token", data={"username": email, "password": "wrong-pw"})
        unknown = http.post(
            "/api/v1/auth/token", data={"username": _email(), "password": "right-password"}
        )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.headers["www-authenticate"] == "Bearer"


def test_missing_malformed_forged_and_expired_tokens_get_401(gateway: Gateway) -> None:
    user_id = uuid.uuid4()
    expired, _ = create_access_token(user_id, JWT_SECRET, "HS256", timedelta(seconds=-1))
    forged, _ = create_access_token(user_id, "another-key" * 4, "HS256", timedelta(minutes=5))
    unsigned = jwt.encode({"sub": str(user_id), "type": "access"}, "", algorithm="HS256")
    ghost, _ = create_access_token(user_id, JWT_SECRET, "HS256", timedelta(minutes=5))
    cases = {
        "missing": {},
        "not a bearer": {"Authorization": "Basic dXNlcjpwdw=="},
        "malformed": {"Authorization": "Bearer not.a.jwt"},
        "forged": {"Authorization": f"Bearer {forged}"},
        "unsigned": {"Authorization": f"Bearer {unsigned}"},
        "expired": {"Authorization": f"Bearer {expired}"},
    }
    routes = [
        ("GET", "/api/v1/auth/me"),
        ("GET", "/api/v1/meetings"),
        ("GET", f"/api/v1/status/{uuid.uuid4()}"),
        ("POST", "/api/v1/process"),
        ("DELETE", f"/api/v1/meetings/{uuid.uuid4()}"),
    ]
    with gateway.client() as http:
        for name, headers in cases.items():
            for method, path in routes:
                response = http.request(method, path, headers=headers)
                assert response.status_code == 401, (name, path, response.text)
                assert response.json()["error"] == "AuthenticationError", name
        # A well-signed token of a user that no longer exists: no account, no upload.
        ghost_headers = {"Authorization": f"Bearer {ghost}"}
        assert http.get("/api/v1/auth/me", headers=ghost_headers).status_code == 401
        assert http.post("/api/v1/process", headers=ghost_headers).status_code == 401
        assert http.get("/api/v1/meetings", headers=ghost_headers).json()["total"] == 0
    assert "expired" in http_detail(gateway, expired)


def http_detail(gateway: Gateway, token: str) -> str:
    with gateway.client({"Authorization": f"Bearer {token}"}) as http:
        return str(http.get("/api/v1/auth/me").json()["detail"])
