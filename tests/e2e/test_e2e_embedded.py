"""End to end over HTTP on the embedded default: ``scribe serve`` alone (SQLite file,
in-process broker, local-directory store, pipeline in the same process), no server at all."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import pytest
from e2e_support import (
    Api,
    Observation,
    Service,
    check_progress,
    check_rename,
    check_sample_call_transcript,
    iter_files,
    subprocess_env,
    wait_http,
)

from scribe_core.testing import free_ports
from scribe_worker.jobs.meetings import RESULT_FILES

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def test_scribe_serve_runs_the_whole_api(tmp_path: Path, sample_call: Path) -> None:
    data_dir = tmp_path / "volumes"
    (port,) = free_ports(1)
    serve = Service(
        "serve",
        [
            str(Path(sys.executable).with_name("scribe")),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        subprocess_env(SCRIBE_DATA_DIR=str(data_dir)),
        tmp_path,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(serve, url + "/ready")
        api = Api(url)
        accepted = api.upload(sample_call)
        meeting_id = accepted["meeting_id"]
        seen = api.poll(accepted["status_url"], {"COMPLETED", "FAILED"},
                        seen=Observation(statuses=[accepted["status"]]))  # fmt: skip
        assert seen.final["status"] == "COMPLETED", (seen.final, serve.log())
        check_progress(seen)

        check_sample_call_transcript(api.exports(meeting_id), sample_call.with_suffix(".stm"))
        check_rename(api, meeting_id, "SPEAKER_00", "Sheila")

        audio = api.http.get(
            f"/api/v1/meetings/{meeting_id}/audio", headers={"Range": "bytes=44-143"}
        )
        assert audio.status_code == 206
        assert audio.content == sample_call.read_bytes()[44:144]

        # Everything lives under the data directory.
        assert (data_dir / "scribe.db").is_file()
        assert (data_dir / "jwt_secret").is_file()
        stored = sorted(p.name for p in iter_files(data_dir / "storage"))
        # The rename is revision 1 (…/revisions/0001.json); fusion.json stays as the worker
        # wrote it.
        expected = [f"{meeting_id}_sample.wav", *RESULT_FILES, "0001.json"]
        assert stored == sorted(expected)

        assert api.http.delete(f"/api/v1/meetings/{meeting_id}").status_code == 204
        assert list(iter_files(data_dir / "storage")) == []
        assert api.http.get("/api/v1/meetings").json()["total"] == 0
        api.close()
    finally:
        # uvicorn shuts down gracefully, then re-raises SIGTERM as its exit status.
        assert serve.stop() in (0, -signal.SIGTERM), serve.log()
    assert "Application shutdown complete" in serve.log()
