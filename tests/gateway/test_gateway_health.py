"""``/health``, ``/ready`` (with every dependency up, then with each one down), the OpenAPI
document, CORS, and the rule that the gateway never imports torch."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
from gateway_support import Gateway, ThreadedServer

from scribe_core.settings import (
    AuthSettings,
    DatabaseSettings,
    GatewaySettings,
    QueueSettings,
    StorageSettings,
)
from scribe_core.testing import free_ports
from scribe_gateway.app import create_app
from scribe_gateway.platform import Platform


def test_health_and_ready_with_every_dependency_up(gateway: Gateway) -> None:
    with gateway.client() as http:
        assert http.get("/health").json() == {"status": "ok"}
        ready = http.get("/ready")
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ready",
        "checks": {"database": "ok", "broker": "ok", "storage": "ok"},
        "detail": None,
    }


@pytest.fixture(scope="module")
def broken_gateway(bad_storage_settings: StorageSettings) -> Iterator[str]:
    """A gateway whose database, Redis and S3 all point at ports nothing listens on."""
    db_port, redis_port = free_ports(2)
    platform = Platform.from_settings(
        gateway=GatewaySettings(READINESS_TIMEOUT_SECONDS=5),
        auth=AuthSettings(JWT_SECRET="x" * 32),
        storage=bad_storage_settings,
        database=DatabaseSettings(
            DATABASE_URL=f"postgresql://nobody@127.0.0.1:{db_port}/none",
            DATABASE_AUTO_MIGRATE=False,
        ),
        queue=QueueSettings(REDIS_URL=f"redis://127.0.0.1:{redis_port}/0"),
    )
    with ThreadedServer(create_app(platform)) as server:
        yield server.url


def test_ready_names_each_unreachable_dependency(broken_gateway: str) -> None:
    with httpx.Client(base_url=broken_gateway, timeout=30) as http:
        assert http.get("/health").status_code == 200, "the process itself is alive"
        ready = http.get("/ready")
    assert ready.status_code == 503
    body = ready.json()
    assert body["status"] == "unavailable"
    assert set(body["checks"]) == {"database", "broker", "storage"}
    assert all(check.startswith("error: ") for check in body["checks"].values())
    for name in ("database", "broker", "storage"):
        assert f"{name} unreachable" in body["detail"]


def test_openapi_documents_every_route_with_models(gateway: Gateway) -> None:
    with gateway.client() as http:
        spec = http.get("/openapi.json").json()
    paths = spec["paths"]
    assert {
        "/api/v1/auth/register", "/api/v1/auth/token", "/api/v1/auth/me", "/api/v1/process",
        "/api/v1/status/{task_id}", "/api/v1/meetings", "/api/v1/meetings/{meeting_id}",
        "/api/v1/meetings/{meeting_id}/transcript", "/api/v1/meetings/{meeting_id}/audio",
        "/api/v1/meetings/{meeting_id}/speakers/{label}", "/health", "/ready",
    } <= set(paths)  # fmt: skip
    process = paths["/api/v1/process"]["post"]
    upload = process["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert upload["properties"]["file"] == {**upload["properties"]["file"], "format": "binary"}
    assert process["responses"]["202"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/ProcessAccepted"
    )
    for code in ("400", "401", "413", "415"):
        assert process["responses"][code]["content"]["application/json"]["schema"]["$ref"].endswith(
            "/ErrorResponse"
        )
    status = paths["/api/v1/status/{task_id}"]["get"]["responses"]
    assert status["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/TaskStatus")
    assert "404" in status
    schemas = spec["components"]["schemas"]
    assert {"task_id", "meeting_id", "status", "stage", "progress", "error", "created_at",
            "started_at", "completed_at", "processing_time"} <= set(
        schemas["TaskStatus"]["properties"]
    )  # fmt: skip
    assert set(schemas["MeetingStatus"]["enum"]) == {"PENDING", "PROCESSING", "COMPLETED", "FAILED"}


def test_cors_allows_the_dashboard_origin_only(gateway: Gateway) -> None:
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization",
    }
    with gateway.client() as http:
        allowed = http.options(
            "/api/v1/process", headers={"Origin": "http://localhost:3000", **preflight}
        )
        refused = http.options(
            "/api/v1/process", headers={"Origin": "http://evil.example", **preflight}
        )
    assert allowed.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert "access-control-allow-origin" not in refused.headers


def test_the_gateway_never_imports_torch() -> None:
    code = (
        "import sys; import scribe_gateway.app, scribe_gateway.__main__; "
        "from scribe_gateway.app import create_app; create_app(); "
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'torch', 'pyannote', 'faster_whisper', 'resemblyzer', 'scribe_worker'}); "
        "assert not heavy, heavy"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_start_up_freezes_its_objects_out_of_the_garbage_collector(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Full collections would otherwise scan every module, route and model at each pause."""
    import gc

    from starlette.testclient import TestClient

    monkeypatch.setenv("SCRIBE_DATA_DIR", str(tmp_path))
    app = create_app(Platform.from_settings(queue=QueueSettings(REDIS_URL=None)))
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    with TestClient(app) as http:
        assert http.get("/health").status_code == 200
        assert gc.get_freeze_count() > 10_000
