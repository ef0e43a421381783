"""Object storage behind one small interface: S3/MinIO through boto3, or a local directory.

Keys are ``/``-separated paths: ``uploads/{meeting_id}_{safe name}`` for uploads and
``processed/{YYYYMMDD}/{meeting_id}/{name}`` for results.

- :class:`S3Store`: boto3 with SigV4, path-style addressing, explicit connect/read timeouts and
  botocore's ``standard`` retry mode (exponential backoff with jitter); presigned URLs are
  signed for a separate public endpoint when the browser reaches the server under another
  name (as polarsource/polar ``server/polar/integrations/aws/s3/``).
- :class:`LocalStore`: files under a root directory (the embedded default); writes go to a
  temporary file (``.incoming/*.part``) renamed into place, so a reader never sees half an
  object.

A writer that dies mid-upload (a crash, ``kill -9``) leaves an incomplete upload behind: a
``.part`` file, or an S3 multipart upload whose parts the bucket keeps (and bills) forever.
:meth:`ObjectStore.remove_incomplete_uploads` removes them; the worker's sweeper calls it at
start-up and then periodically.

Both are synchronous (boto3 is); async code calls them through ``anyio.to_thread`` and streams
bodies of unknown size with :class:`AsyncUpload`, which holds at most two parts in memory.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import anyio.to_thread

from scribe_core.errors import NotFoundError, ScribeError
from scribe_core.settings import StorageSettings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
else:
    S3Client = Any

logger = logging.getLogger(__name__)

INCOMPLETE_UPLOAD_MAX_AGE_SECONDS = 24 * 3600.0
"""An S3 multipart upload started longer ago than this is taken as abandoned and aborted (S3
cannot tell a live upload from a dead one; a live upload streams for minutes, not a day)."""

PART_FILE_GRACE_SECONDS = 5.0
"""A ``.part`` file younger than this is never removed: its writer may not hold its lock yet."""


class StorageError(ScribeError):
    """The object store is unreachable or refused the request (HTTP 503)."""

    status_code = 503
    code = "storage_unavailable"


class ObjectNotFoundError(NotFoundError):
    """No object under that key (HTTP 404)."""


class PartWriter(Protocol):
    """Receives the parts of one object being uploaded, then completes or aborts it."""

    def write_part(self, data: bytes | bytearray) -> None:
        """Append one part (every part but the last is at least 5 MiB on S3)."""
        ...

    def complete(self) -> None:
        """Make the object visible under its key."""
        ...

    def abort(self) -> None:
        """Discard everything written; nothing is left under the key."""
        ...


class ObjectStore(Protocol):
    """What the gateway and the worker need from an object store. Every method blocks."""

    def check(self) -> None:
        """Raise :class:`StorageError` unless the store is reachable and the bucket exists."""
        ...

    def ensure_bucket(self) -> None:
        """Create the bucket (or root directory) when it is missing."""
        ...

    def start_upload(self, key: str, content_type: str) -> PartWriter:
        """Begin a streamed upload to ``key`` (see :class:`AsyncUpload`)."""
        ...

    def put_bytes(self, key: str, data: bytes | bytearray, content_type: str) -> None:
        """Store ``data`` under ``key`` (replacing any object there)."""
        ...

    def upload_file(self, key: str, path: Path, content_type: str) -> None:
        """Store the file at ``path`` under ``key`` (multipart for large files)."""
        ...

    def download_file(self, key: str, path: Path) -> None:
        """Write the object to ``path``.

        Raises:
            ObjectNotFoundError: No such key.
        """
        ...

    def get_bytes(self, key: str) -> bytes:
        """The whole object (only for small objects such as ``fusion.json``).

        Raises:
            ObjectNotFoundError: No such key.
        """
        ...

    def size(self, key: str) -> int:
        """Size of the object in bytes.

        Raises:
            ObjectNotFoundError: No such key.
        """
        ...

    def list_keys(self, prefix: str) -> list[str]:
        """Every key starting with ``prefix``, sorted."""
        ...

    def delete(self, keys: Iterable[str]) -> None:
        """Delete ``keys``; missing keys are ignored."""
        ...

    def delete_prefix(self, prefix: str) -> int:
        """Delete every object under ``prefix``; returns how many were deleted."""
        ...

    def presigned_get_url(
        self, key: str, expires: int, filename: str | None = None, *,
        content_type: str | None = None, inline: bool = True,
    ) -> str | None:  # fmt: skip
        """A URL the browser can GET (with ``Range``) for ``expires`` seconds, or ``None`` when
        the store cannot sign URLs (then the gateway streams the object itself).

        ``content_type`` (when given) and the ``Content-Disposition`` (``inline`` or
        ``attachment``, with ``filename``) are signed into the URL as the response headers
        the server must send, whatever the object was stored with."""
        ...

    def local_path(self, key: str) -> Path | None:
        """The file holding the object when the store is a local directory, else ``None``."""
        ...

    def remove_incomplete_uploads(self) -> int:
        """Remove uploads a dead writer left unfinished; returns how many were removed.

        Local directory: ``.incoming/*.part`` files no live writer holds (each writer keeps an
        exclusive ``flock`` on its file; the kernel drops it when the process dies). S3: the
        multipart uploads started more than ``INCOMPLETE_UPLOAD_MAX_AGE_SECONDS`` ago.

        Raises:
            StorageError: The store cannot be listed.
        """
        ...


# -- S3 ------------------------------------------------------------------------------------


@contextmanager
def _s3_errors(action: str, key: str = "", *, bucket_op: bool = False) -> Iterator[None]:
    """Translate botocore exceptions into :class:`StorageError` / :class:`ObjectNotFoundError`.

    A 404 means a missing object, except for bucket operations (``bucket_op``) where a missing
    bucket is a storage failure. The error's ``detail`` names the action and S3's error code
    only; the key, the endpoint and botocore's message go to ``internal`` (the server log).
    """
    from botocore.exceptions import BotoCoreError, ClientError

    what = action.removesuffix(" of").removesuffix(" in").removesuffix(" for")
    try:
        yield
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if status == 404 and not bucket_op and code != "NoSuchBucket":
            raise ObjectNotFoundError(
                "The requested file is not in storage.", internal=f"no object {key!r}"
            ) from exc
        message = error.get("Message") or code
        raise StorageError(
            f"The file storage refused the request ({what}: {code or status}).",
            internal=f"{action} {key!r}: {code} {message}".rstrip(),
        ) from exc
    except BotoCoreError as exc:
        raise StorageError(
            f"The file storage is unreachable ({what}).",
            internal=f"{action} {key!r}: {exc}",
        ) from exc


class _S3PartWriter:
    """Multipart upload created lazily on the first part (small objects use one PUT)."""

    def __init__(self, store: S3Store, key: str, content_type: str) -> None:
        self._store = store
        self._key = key
        self._content_type = content_type
        self._upload_id: str | None = None
        self._parts: list[dict[str, Any]] = []

    def write_part(self, data: bytes | bytearray) -> None:
        client, bucket = self._store.client, self._store.bucket
        with _s3_errors("upload part of", self._key):
            if self._upload_id is None:
                created = client.create_multipart_upload(
                    Bucket=bucket, Key=self._key, ContentType=self._content_type
                )
                self._upload_id = created["UploadId"]
            number = len(self._parts) + 1
            response = client.upload_part(
                Bucket=bucket, Key=self._key, UploadId=self._upload_id,
                PartNumber=number, Body=data,
            )  # fmt: skip
        self._parts.append({"ETag": response["ETag"], "PartNumber": number})

    def complete(self) -> None:
        if self._upload_id is None:
            self._store.put_bytes(self._key, b"", self._content_type)
            return
        with _s3_errors("complete upload of", self._key):
            self._store.client.complete_multipart_upload(
                Bucket=self._store.bucket, Key=self._key, UploadId=self._upload_id,
                MultipartUpload={"Parts": self._parts},
            )  # fmt: skip

    def abort(self) -> None:
        if self._upload_id is None:
            return
        with _s3_errors("abort upload of", self._key):
            self._store.client.abort_multipart_upload(
                Bucket=self._store.bucket, Key=self._key, UploadId=self._upload_id
            )
        self._upload_id = None


class S3Store:
    """An S3-compatible bucket (MinIO, SeaweedFS, AWS S3) through boto3.

    Args:
        settings: Endpoint, credentials, bucket, timeouts and retry budget.

    Raises:
        StorageError: ``MINIO_ENDPOINT`` is not set.
    """

    incomplete_upload_max_age: float = INCOMPLETE_UPLOAD_MAX_AGE_SECONDS
    """Seconds after which a multipart upload counts as abandoned
    (:meth:`remove_incomplete_uploads`)."""

    def __init__(self, settings: StorageSettings) -> None:
        if not settings.endpoint_url:
            raise StorageError("MINIO_ENDPOINT is not set: no S3 server to talk to")
        self.settings = settings
        self.bucket = settings.bucket
        self.client: S3Client = self._client(settings.endpoint_url)
        public = settings.public_endpoint_url
        self.presign_client: S3Client = (
            self.client if public == settings.endpoint_url else self._client(public)
        )

    def _client(self, endpoint_url: str | None) -> S3Client:
        import boto3
        from botocore.config import Config

        s = self.settings
        config = Config(
            signature_version="s3v4",
            region_name=s.region,
            connect_timeout=s.connect_timeout,
            read_timeout=s.read_timeout,
            retries={"mode": "standard", "max_attempts": s.max_attempts},
            s3={"addressing_style": "path"},
            max_pool_connections=20,
        )
        return boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            aws_access_key_id=s.access_key,
            aws_secret_access_key=s.secret_key.get_secret_value() if s.secret_key else None,
            config=config,
        )

    def check(self) -> None:
        with _s3_errors("reach bucket", self.bucket, bucket_op=True):
            self.client.head_bucket(Bucket=self.bucket)

    def ensure_bucket(self) -> None:
        from botocore.exceptions import ClientError

        with _s3_errors("create bucket", self.bucket, bucket_op=True):
            try:
                self.client.head_bucket(Bucket=self.bucket)
                return
            except ClientError as exc:
                if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") != 404:
                    raise
            self.client.create_bucket(Bucket=self.bucket)

    def start_upload(self, key: str, content_type: str) -> PartWriter:
        return _S3PartWriter(self, key, content_type)

    def put_bytes(self, key: str, data: bytes | bytearray, content_type: str) -> None:
        with _s3_errors("store", key):
            self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)

    def upload_file(self, key: str, path: Path, content_type: str) -> None:
        from boto3.s3.transfer import TransferConfig

        part = self.settings.part_size
        config = TransferConfig(multipart_threshold=part, multipart_chunksize=part)
        with _s3_errors("store", key):
            self.client.upload_file(
                str(path), self.bucket, key,
                ExtraArgs={"ContentType": content_type}, Config=config,
            )  # fmt: skip

    def download_file(self, key: str, path: Path) -> None:
        with _s3_errors("download", key):
            self.client.download_file(self.bucket, key, str(path))

    def get_bytes(self, key: str) -> bytes:
        with _s3_errors("read", key):
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
            return bytes(body.read())

    def size(self, key: str) -> int:
        with _s3_errors("inspect", key):
            return int(self.client.head_object(Bucket=self.bucket, Key=key)["ContentLength"])

    def list_keys(self, prefix: str) -> list[str]:
        keys: list[str] = []
        with _s3_errors("list", prefix):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=prefix
            )
            for page in pages:
                keys.extend(obj["Key"] for obj in page.get("Contents", []))
        return sorted(keys)

    def delete(self, keys: Iterable[str]) -> None:
        batch = [{"Key": k} for k in dict.fromkeys(keys) if k]
        for start in range(0, len(batch), 1000):
            with _s3_errors("delete", batch[start]["Key"]):
                self.client.delete_objects(
                    Bucket=self.bucket,
                    Delete={"Objects": batch[start : start + 1000], "Quiet": True},
                )

    def delete_prefix(self, prefix: str) -> int:
        if not prefix:
            raise ValueError("refusing to delete the whole bucket (empty prefix)")
        keys = self.list_keys(prefix)
        self.delete(keys)
        return len(keys)

    def presigned_get_url(
        self, key: str, expires: int, filename: str | None = None, *,
        content_type: str | None = None, inline: bool = True,
    ) -> str | None:  # fmt: skip
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        if filename or not inline:
            params["ResponseContentDisposition"] = _content_disposition(
                filename or "download", inline=inline
            )
        if content_type:
            params["ResponseContentType"] = content_type
        with _s3_errors("sign a URL for", key):
            return str(
                self.presign_client.generate_presigned_url(
                    "get_object", Params=params, ExpiresIn=expires
                )
            )

    def local_path(self, key: str) -> Path | None:
        return None

    def remove_incomplete_uploads(self) -> int:
        """Abort the multipart uploads started more than ``incomplete_upload_max_age`` seconds
        ago (``INCOMPLETE_UPLOAD_MAX_AGE_SECONDS`` unless set on the instance)."""
        cutoff = datetime.now(UTC) - timedelta(seconds=self.incomplete_upload_max_age)
        stale: list[tuple[str, str]] = []
        with _s3_errors("list incomplete uploads in", self.bucket, bucket_op=True):
            pages = self.client.get_paginator("list_multipart_uploads").paginate(Bucket=self.bucket)
            for page in pages:
                for upload in page.get("Uploads", []):
                    initiated = upload.get("Initiated")
                    if initiated is not None and initiated < cutoff:
                        stale.append((upload["Key"], upload["UploadId"]))
        removed = 0
        for key, upload_id in stale:
            try:
                with _s3_errors("abort upload of", key):
                    self.client.abort_multipart_upload(
                        Bucket=self.bucket, Key=key, UploadId=upload_id
                    )
                removed += 1
            except ObjectNotFoundError:  # aborted or completed meanwhile
                continue
        return removed


# -- local directory ---------------------------------------------------------------------


_live_parts: set[Path] = set()
"""``.part`` files of this process's live writers (never removed by the clean-up)."""
_live_parts_lock = threading.Lock()


class _LocalPartWriter:
    """Writes ``.incoming/<random>.part`` and renames it into place on :meth:`complete`.

    The writer holds an exclusive ``flock`` on its file until it completes or aborts, so
    :meth:`LocalStore.remove_incomplete_uploads` (in any process) can tell its file from one a
    dead writer left.
    """

    def __init__(self, store: LocalStore, key: str) -> None:
        self._target = store.path(key)
        incoming = store.root / ".incoming"
        incoming.mkdir(parents=True, exist_ok=True)
        self._tmp = incoming / f"{uuid.uuid4().hex}.part"
        self._file = self._tmp.open("wb")
        fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        with _live_parts_lock:
            _live_parts.add(self._tmp)

    def write_part(self, data: bytes | bytearray) -> None:
        self._file.write(data)

    def _close(self) -> None:
        self._file.close()
        with _live_parts_lock:
            _live_parts.discard(self._tmp)

    def complete(self) -> None:
        try:
            self._file.flush()
            self._target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self._tmp, self._target)  # still locked: no clean-up removes it first
        finally:
            self._close()

    def abort(self) -> None:
        try:
            self._tmp.unlink(missing_ok=True)
        finally:
            self._close()


class LocalStore:
    """Objects as files under ``root`` (the embedded default's ``volumes/storage``).

    Args:
        root: Directory holding the objects; created by :meth:`ensure_bucket`.
    """

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def path(self, key: str) -> Path:
        """The file of ``key``.

        Raises:
            StorageError: ``key`` is absolute or escapes the root (``..``).
        """
        parts = key.split("/")
        if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts):
            raise StorageError(f"invalid object key {key!r}")
        return self.root.joinpath(*parts)

    def check(self) -> None:
        if not self.root.is_dir() or not os.access(self.root, os.W_OK):
            raise StorageError(
                "The storage directory is missing or not writable.", internal=str(self.root)
            )

    def ensure_bucket(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)

    def start_upload(self, key: str, content_type: str) -> PartWriter:
        return _LocalPartWriter(self, key)

    def put_bytes(self, key: str, data: bytes | bytearray, content_type: str) -> None:
        writer = _LocalPartWriter(self, key)
        writer.write_part(data)
        writer.complete()

    def upload_file(self, key: str, path: Path, content_type: str) -> None:
        writer = _LocalPartWriter(self, key)
        try:
            with path.open("rb") as source:
                while chunk := source.read(1024 * 1024):
                    writer.write_part(chunk)
        except BaseException:
            writer.abort()
            raise
        writer.complete()

    def _existing(self, key: str) -> Path:
        path = self.path(key)
        if not path.is_file():
            raise ObjectNotFoundError(
                "The requested file is not in storage.", internal=f"no object {key!r}"
            )
        return path

    def download_file(self, key: str, path: Path) -> None:
        shutil.copyfile(self._existing(key), path)

    def get_bytes(self, key: str) -> bytes:
        return self._existing(key).read_bytes()

    def size(self, key: str) -> int:
        return self._existing(key).stat().st_size

    def list_keys(self, prefix: str) -> list[str]:
        if not self.root.is_dir():
            return []
        keys = (
            p.relative_to(self.root).as_posix()
            for p in self.root.rglob("*")
            if p.is_file() and not p.relative_to(self.root).as_posix().startswith(".incoming/")
        )
        return sorted(k for k in keys if k.startswith(prefix))

    def delete(self, keys: Iterable[str]) -> None:
        for key in keys:
            path = self.path(key)
            path.unlink(missing_ok=True)
            self._prune(path.parent)

    def _prune(self, directory: Path) -> None:
        """Remove empty folders left behind, up to the root."""
        while directory != self.root and directory.is_dir() and not any(directory.iterdir()):
            directory.rmdir()
            directory = directory.parent

    def delete_prefix(self, prefix: str) -> int:
        if not prefix:
            raise ValueError("refusing to delete the whole store (empty prefix)")
        keys = self.list_keys(prefix)
        self.delete(keys)
        return len(keys)

    def presigned_get_url(
        self, key: str, expires: int, filename: str | None = None, *,
        content_type: str | None = None, inline: bool = True,
    ) -> str | None:  # fmt: skip
        return None

    def local_path(self, key: str) -> Path | None:
        return self._existing(key)

    def remove_incomplete_uploads(self) -> int:
        """Delete the ``.incoming/*.part`` files whose writer is gone: not written by a live
        writer of this process, not locked by one of another process, and older than
        ``PART_FILE_GRACE_SECONDS``."""
        incoming = self.root / ".incoming"
        if not incoming.is_dir():
            return 0
        with _live_parts_lock:
            live = set(_live_parts)
        removed = 0
        now = time.time()
        for path in incoming.glob("*.part"):
            if path in live:
                continue
            try:
                if now - path.lstat().st_mtime < PART_FILE_GRACE_SECONDS or path.is_symlink():
                    continue
                with path.open("rb") as handle:
                    try:
                        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    except BlockingIOError:
                        continue  # a writer in another process is still writing it
                    path.unlink()
            except FileNotFoundError:  # completed or aborted meanwhile
                continue
            removed += 1
        return removed


def create_store(settings: StorageSettings | None = None) -> ObjectStore:
    """The store the settings describe: :class:`S3Store` when ``MINIO_ENDPOINT`` is set, else
    :class:`LocalStore` under ``STORAGE_DIR``."""
    settings = settings or StorageSettings()
    if settings.backend == "s3":
        return S3Store(settings)
    return LocalStore(settings.local_root)


def _content_disposition(filename: str, *, inline: bool) -> str:
    from urllib.parse import quote

    ascii_name = filename.encode("ascii", "ignore").decode().replace('"', "") or "download"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


# -- async streaming -----------------------------------------------------------------------


def _write_part(writer: PartWriter, holder: list[bytearray]) -> None:
    """Send the part in ``holder`` and drop it: an idle worker thread keeps the arguments of
    its last job, which must not pin a whole part in memory."""
    writer.write_part(holder.pop())


class AsyncUpload:
    """Stream an object of unknown size into a store with bounded memory.

    Bytes are buffered until ``part_size``, then handed to the store's :class:`PartWriter` in
    a worker thread while the next part is being received: at most one part in flight and one
    being filled, so memory stays under ``2 × part_size`` plus one chunk whatever the object's
    size. An object smaller than one part is stored with a single PUT.

    Args:
        store: The destination store.
        key: Object key.
        content_type: Media type stored with the object.
        part_size: Bytes per part (≥ 5 MiB for S3).
    """

    def __init__(self, store: ObjectStore, key: str, content_type: str, part_size: int) -> None:
        self.store = store
        self.key = key
        self.content_type = content_type
        self.part_size = part_size
        self.size = 0
        """Bytes received so far."""
        self._buffer = bytearray()
        self._writer: PartWriter | None = None
        self._in_flight: asyncio.Task[None] | None = None

    async def write(self, data: bytes) -> None:
        """Append ``data``; may wait for the previous part to finish uploading."""
        self.size += len(data)
        self._buffer += data
        if len(self._buffer) >= self.part_size:
            part, self._buffer = self._buffer, bytearray()  # hand over without copying
            await self._wait_in_flight()
            if self._writer is None:
                self._writer = await anyio.to_thread.run_sync(
                    self.store.start_upload, self.key, self.content_type
                )
            self._in_flight = asyncio.ensure_future(
                anyio.to_thread.run_sync(_write_part, self._writer, [part])
            )
            del part

    async def _wait_in_flight(self) -> None:
        if self._in_flight is not None:
            task, self._in_flight = self._in_flight, None
            await task

    async def complete(self) -> int:
        """Store the rest and make the object visible; returns its size in bytes."""
        await self._wait_in_flight()
        tail, self._buffer = self._buffer, bytearray()
        if self._writer is None:
            await anyio.to_thread.run_sync(self.store.put_bytes, self.key, tail, self.content_type)
            return self.size
        writer = self._writer
        if tail:
            await anyio.to_thread.run_sync(_write_part, writer, [tail])
        await anyio.to_thread.run_sync(writer.complete)
        return self.size

    async def abort(self) -> None:
        """Discard the upload: no object and no pending multipart upload is left behind."""
        self._buffer.clear()
        try:
            await self._wait_in_flight()
        except Exception:  # noqa: BLE001 - the part failed; the abort below still runs
            pass
        if self._writer is not None:
            writer, self._writer = self._writer, None
            await anyio.to_thread.run_sync(writer.abort)


# -- key layout ----------------------------------------------------------------------------


def upload_key(meeting_id: uuid.UUID, safe_name: str) -> str:
    """``uploads/{meeting_id}_{safe_name}``: where a meeting's uploaded file lives."""
    return f"uploads/{meeting_id}_{safe_name}"


def results_prefix(meeting_id: uuid.UUID, created_at: datetime) -> str:
    """``processed/{YYYYMMDD}/{meeting_id}/``: where a meeting's results live (the date is the
    meeting's creation date in UTC, so every attempt writes to the same place)."""
    return f"processed/{created_at.astimezone(UTC):%Y%m%d}/{meeting_id}/"
