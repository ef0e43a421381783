"""Object storage against a real S3 server (SeaweedFS ``weed mini``, credentials enforced) and
against the local-directory store of the embedded default: the same behaviour from both."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import tracemalloc
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from scribe_core.settings import StorageSettings
from scribe_core.storage import (
    AsyncUpload,
    LocalStore,
    ObjectNotFoundError,
    ObjectStore,
    S3Store,
    StorageError,
    create_store,
)
from scribe_core.testing import SeaweedS3, free_ports

MiB = 1024 * 1024
PART = 5 * MiB


@pytest.fixture(scope="module")
def weed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedS3]:
    """A SeaweedFS S3 server with a fresh data directory for this module."""
    with SeaweedS3(tmp_path_factory.mktemp("weed")) as server:
        yield server


@pytest.fixture(params=["s3", "local"])
def store(request: pytest.FixtureRequest, weed: SeaweedS3, tmp_path: Path) -> ObjectStore:
    """An empty store of each kind (a new bucket per test on S3)."""
    if request.param == "s3":
        settings = weed.storage_settings(bucket=f"t-{os.urandom(4).hex()}")
        s3 = create_store(settings)
        assert isinstance(s3, S3Store)
        s3.ensure_bucket()
        return s3
    local = create_store(StorageSettings(STORAGE_DIR=tmp_path / "objects"))
    assert isinstance(local, LocalStore)
    local.ensure_bucket()
    return local


def _chunks(total: int, chunk: int = 64 * 1024) -> Iterator[bytes]:
    """``total`` pseudo-random bytes in ``chunk``-sized pieces (deterministic)."""
    block = os.urandom(1024 * 1024)
    sent = 0
    while sent < total:
        size = min(chunk, total - sent)
        offset = sent % len(block)
        piece = (block[offset:] + block)[:size]
        sent += size
        yield piece


async def _stream(store: ObjectStore, key: str, total: int) -> bytes:
    upload = AsyncUpload(store, key, "application/octet-stream", part_size=PART)
    expected = bytearray()
    for piece in _chunks(total):
        expected += piece
        await upload.write(piece)
    assert await upload.complete() == total
    return bytes(expected)


async def test_streamed_multipart_upload_round_trips(store: ObjectStore, tmp_path: Path) -> None:
    total = 2 * PART + 123_457  # three parts, the last one short
    expected = await _stream(store, "uploads/m1_call.wav", total)

    assert store.size("uploads/m1_call.wav") == total
    target = tmp_path / "downloaded.wav"
    store.download_file("uploads/m1_call.wav", target)
    assert target.read_bytes() == expected
    assert store.list_keys("uploads/") == ["uploads/m1_call.wav"]


async def test_small_and_empty_objects_use_one_put(store: ObjectStore) -> None:
    assert await _stream(store, "uploads/small.bin", 1000) == store.get_bytes("uploads/small.bin")
    await _stream(store, "uploads/empty.bin", 0)
    assert store.size("uploads/empty.bin") == 0
    if isinstance(store, S3Store):
        assert "Uploads" not in store.client.list_multipart_uploads(Bucket=store.bucket)


async def test_aborted_upload_leaves_no_object_and_no_pending_parts(store: ObjectStore) -> None:
    upload = AsyncUpload(store, "uploads/aborted.wav", "audio/wav", part_size=PART)
    for piece in _chunks(PART + MiB):  # one part sent, the second one half-filled
        await upload.write(piece)
    await upload.abort()

    assert store.list_keys("") == []
    if isinstance(store, S3Store):
        assert "Uploads" not in store.client.list_multipart_uploads(Bucket=store.bucket)
    if isinstance(store, LocalStore):
        assert list((store.root / ".incoming").iterdir()) == []


def test_delete_prefix_and_missing_objects(store: ObjectStore, tmp_path: Path) -> None:
    keys = [f"processed/20260101/m2/{n}" for n in ("fusion.json", "transcription.json")]
    for key in keys:
        store.put_bytes(key, b"{}", "application/json")
    store.put_bytes("processed/20260101/m20/fusion.json", b"{}", "application/json")

    assert store.delete_prefix("processed/20260101/m2/") == 2
    assert store.list_keys("processed/") == ["processed/20260101/m20/fusion.json"]
    with pytest.raises(ObjectNotFoundError):
        store.get_bytes(keys[0])
    with pytest.raises(ObjectNotFoundError):
        store.download_file(keys[0], tmp_path / "x")
    store.delete(keys)  # deleting missing keys is not an error
    with pytest.raises(ValueError, match="empty prefix"):
        store.delete_prefix("")


def test_presigned_url_serves_byte_ranges(store: ObjectStore) -> None:
    store.put_bytes("uploads/ranged.wav", bytes(range(256)) * 4, "audio/wav")
    url = store.presigned_get_url("uploads/ranged.wav", 60, filename="réunion.wav")
    if isinstance(store, LocalStore):
        assert url is None
        path = store.local_path("uploads/ranged.wav")
        assert path is not None
        assert path.read_bytes()[10:20] == bytes(range(10, 20))
        return
    assert url is not None
    request = urllib.request.Request(url, headers={"Range": "bytes=10-19"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 206
        assert response.read() == bytes(range(10, 20))


def test_s3_refuses_wrong_credentials(weed: SeaweedS3) -> None:
    good = S3Store(weed.storage_settings(bucket="creds-check"))
    good.ensure_bucket()
    settings = weed.storage_settings(bucket="creds-check")
    bad = S3Store(settings.model_copy(update={"secret_key": SecretStr("no")}))
    with pytest.raises(StorageError, match="refused"):
        bad.check()
    with pytest.raises(StorageError):
        bad.put_bytes("uploads/x", b"x", "text/plain")
    assert good.list_keys("") == []


def test_s3_missing_bucket_and_unreachable_server(weed: SeaweedS3) -> None:
    with pytest.raises(StorageError, match="reach bucket"):
        S3Store(weed.storage_settings(bucket="never-created")).check()
    (closed_port,) = free_ports(1)
    settings = StorageSettings(
        MINIO_ENDPOINT=f"127.0.0.1:{closed_port}",
        MINIO_ROOT_USER="a",
        MINIO_ROOT_PASSWORD="b",
        S3_MAX_ATTEMPTS=1,
        S3_CONNECT_TIMEOUT=1,
    )
    with pytest.raises(StorageError, match="unreachable"):
        S3Store(settings).check()


def test_local_store_refuses_keys_escaping_its_root(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "objects")
    store.ensure_bucket()
    for key in ("../outside", "/etc/passwd", "uploads/../../x", "uploads//x", ""):
        with pytest.raises(StorageError, match="invalid object key"):
            store.put_bytes(key, b"x", "text/plain")
    assert not (tmp_path / "outside").exists()


async def test_streaming_memory_is_bounded_by_two_parts(tmp_path: Path) -> None:
    """64 MiB streamed through :class:`AsyncUpload` never holds more than ~2 parts."""
    store = LocalStore(tmp_path / "objects")
    store.ensure_bucket()
    upload = AsyncUpload(store, "uploads/big.bin", "application/octet-stream", part_size=PART)
    piece = os.urandom(64 * 1024)
    tracemalloc.start()
    try:
        for _ in range(64 * 16):
            await upload.write(piece)
        await upload.complete()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert store.size("uploads/big.bin") == 64 * MiB
    assert peak < 2.25 * PART, f"peak Python allocations {peak / MiB:.1f} MiB"


_DEAD_WRITER = """
import sys
from pathlib import Path
from scribe_core.storage import LocalStore
writer = LocalStore(Path(sys.argv[1])).start_upload("uploads/killed.wav", "audio/wav")
writer.write_part(b"the first part of a recording")
print("writing", flush=True)
sys.stdin.read()
"""


async def test_incomplete_uploads_of_a_dead_writer_are_removed(
    store: ObjectStore, tmp_path: Path
) -> None:
    live = AsyncUpload(store, "uploads/live.wav", "audio/wav", part_size=PART)
    for piece in _chunks(2 * PART + 1):  # the first part stored, the second one in flight
        await live.write(piece)

    if isinstance(store, S3Store):
        # A gateway that died mid-upload: parts stored, never completed nor aborted.
        created = store.client.create_multipart_upload(Bucket=store.bucket, Key="uploads/dead")
        store.client.upload_part(
            Bucket=store.bucket, Key="uploads/dead", UploadId=created["UploadId"],
            PartNumber=1, Body=b"x" * PART,
        )  # fmt: skip
        assert store.remove_incomplete_uploads() == 0, "younger than a day: maybe still live"
        store.incomplete_upload_max_age = 0.0
        assert store.remove_incomplete_uploads() == 2  # both, once "a day" is 0 s
        assert "Uploads" not in store.client.list_multipart_uploads(Bucket=store.bucket)
        return

    assert isinstance(store, LocalStore)
    writer = subprocess.Popen(
        [sys.executable, "-c", _DEAD_WRITER, str(store.root)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert writer.stdout is not None
    assert writer.stdout.readline().strip() == "writing"
    parts = sorted((store.root / ".incoming").glob("*.part"))
    assert len(parts) == 2
    for part in parts:
        then = time.time() - 60
        os.utime(part, (then, then))
    assert store.remove_incomplete_uploads() == 0, "both writers are alive"
    writer.kill()  # SIGKILL: no clean-up runs in the writer
    writer.wait()
    assert store.remove_incomplete_uploads() == 1
    (kept,) = (store.root / ".incoming").glob("*.part")
    for piece in _chunks(10):
        await live.write(piece)
    assert await live.complete() == 2 * PART + 11
    assert not kept.exists()
    assert store.list_keys("") == ["uploads/live.wav"]
