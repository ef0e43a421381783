"""Property-based fuzzing of every documented operation with schemathesis: no input the OpenAPI
schema admits (positive cases), nor any that breaks it on purpose (negative cases, and the
coverage phase's boundary and invalid values), makes the gateway answer 5xx.

The target is the embedded default's gateway (SQLite file, local-directory store, in-process
broker), called with a registered user's bearer token. Its broker only records the tasks it is
sent: the gateway is under test, and a worker chewing on generated uploads would cost minutes of
CPU. Bounded: at most ``MAX_EXAMPLES`` generated cases per operation in the fuzzing phase, every
request within ``REQUEST_TIMEOUT_SECONDS``, the module within the pytest timeout. Hypothesis'
per-example ``deadline`` is off: on a shared 2-core machine an Argon2 login can take seconds,
and this test is about status codes, not speed.

One pytest item per operation (``schema.parametrize()``); a failure names the operation and
prints the request that reproduces it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from embedded_gateway import embedded_gateway
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from scribe_core.tasks import ENROLL_SPEAKER, PROCESS_MEETING
from scribe_gateway.app import create_app

MAX_EXAMPLES = 20
REQUEST_TIMEOUT_SECONDS = 60

pytestmark = pytest.mark.timeout(1800)

KICKED: list[tuple[str, dict[str, Any]]] = []
"""Tasks the fuzzed gateway sent (name, keyword arguments)."""

CALLED: set[str] = set()
"""Operations fuzzed in this session (``POST /api/v1/process`` …)."""

UPLOADS = {"POST /api/v1/process": PROCESS_MEETING, "POST /api/v1/speakers": ENROLL_SPEAKER}
"""Operations that send a task when they accept their input."""


@pytest.fixture(scope="module")
def embedded_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """The embedded gateway's URL and the ``Authorization`` header of a registered user."""
    data_dir = tmp_path_factory.mktemp("schemathesis-volumes")
    with (
        embedded_gateway(data_dir, worker=False, kicked=KICKED) as url,
        httpx.Client(base_url=url, timeout=60) as http,
    ):
        email, password = f"fuzz-{uuid.uuid4().hex[:8]}@example.org", "fuzzing-password"
        registered = http.post("/api/v1/auth/register", json={"email": email, "password": password})
        assert registered.status_code == 201, registered.text
        token = http.post("/api/v1/auth/token", data={"username": email, "password": password})
        yield url, {"Authorization": f"Bearer {token.json()['access_token']}"}


schema = schemathesis.openapi.from_dict(create_app().openapi())
"""The gateway's OpenAPI document (built without starting anything; the same routes as the
served application's)."""


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,  # no example database kept between runs
    suppress_health_check=list(HealthCheck),
)
def test_no_input_makes_a_server_error(
    case: schemathesis.Case[Any], embedded_api: tuple[str, dict[str, str]]
) -> None:
    url, auth = embedded_api
    CALLED.add(case.operation.label)
    case.call_and_validate(
        base_url=url, headers=auth, checks=[not_a_server_error], timeout=REQUEST_TIMEOUT_SECONDS
    )


def test_the_fuzzing_reached_the_upload_handlers(embedded_api: tuple[str, dict[str, str]]) -> None:
    """Generated uploads were accepted too (202, a task sent), so the cases above went past
    validation into the handlers, not only into 422s."""
    fuzzed = CALLED & UPLOADS.keys()
    if not fuzzed:
        pytest.skip("the upload operations were not fuzzed in this run")
    sent = {name for name, _ in KICKED}
    assert {UPLOADS[label] for label in fuzzed} <= sent, sent
