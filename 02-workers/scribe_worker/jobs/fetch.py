"""The ``fetch`` step of a URL job: download a meeting's ``audio_url`` into the object store.

A meeting created with ``{"audio_url": …}`` has no upload yet (``size_bytes`` 0). Before
``convert``, :func:`download_to_store` streams the URL into the meeting's ``upload_key``
through :class:`~scribe_core.storage.AsyncUpload` (memory bounded by two parts whatever the
size), under the same ``MAX_UPLOAD_BYTES`` limit as an upload; from there on the job is an
ordinary upload. The request goes through :mod:`scribe_core.outbound`: every address and
redirect hop is checked again here (the gateway only checked the syntax), the connection is
pinned to the checked address, and connect/read timeouts apply.

Failures end the meeting FAILED with a stable code; whatever was partly stored is removed:

============================  ==============================================================
code                          when
============================  ==============================================================
``download_refused``          the URL, or a redirect it sent, points at a refused address or
                              scheme (link-local, cloud metadata; private networks when
                              ``OUTBOUND_ALLOW_PRIVATE=false``)
``download_too_large``        the body passes ``MAX_UPLOAD_BYTES`` (cut at the limit)
``download_failed``           no connection, a timeout, too many redirects, a non-2xx answer
                              or an empty body
============================  ==============================================================
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import anyio
import httpx

from scribe_core.errors import ScribeError
from scribe_core.outbound import (
    OutboundPolicy,
    OutboundRefusedError,
    OutboundRequestError,
    OutboundTooLargeError,
    create_client,
    iter_limited,
    open_request,
)
from scribe_core.storage import AsyncUpload, ObjectStore

logger = logging.getLogger(__name__)


class DownloadError(ScribeError):
    """The recording of a URL job could not be downloaded (base of the three codes; a 4xx:
    the URL is the user's, so its ``detail`` is stored as the meeting's ``error``)."""

    status_code = 422
    code = "download_failed"


class DownloadRefusedError(DownloadError):
    """The URL (or a redirect hop) points at an address or scheme that is refused."""

    status_code = 400
    code = "download_refused"


class DownloadTooLargeError(DownloadError):
    """The remote file is larger than ``MAX_UPLOAD_BYTES``; the download was cut there."""

    status_code = 413
    code = "download_too_large"


@dataclass(frozen=True)
class FetchedAudio:
    """What :func:`download_to_store` stored.

    Attributes:
        key: Object key written.
        size: Bytes stored (> 0).
        content_type: Media type the server sent (``application/octet-stream`` when none).
    """

    key: str
    size: int
    content_type: str


async def download_to_store(
    url: str,
    store: ObjectStore,
    key: str,
    *,
    max_bytes: int,
    part_size: int,
    policy: OutboundPolicy,
    client: httpx.AsyncClient | None = None,
) -> FetchedAudio:
    """Stream ``url`` into ``store`` under ``key``, following up to ``policy.max_redirects``
    checked redirects.

    Args:
        url: The meeting's ``audio_url``.
        store: The object store.
        key: The meeting's ``upload_key``.
        max_bytes: ``MAX_UPLOAD_BYTES``; a longer body is cut there.
        part_size: Bytes per multipart-upload part.
        policy: Outbound rules (``OUTBOUND_*``).
        client: An httpx client from :func:`~scribe_core.outbound.create_client` (one is made
            for this call when ``None``).

    Returns:
        The stored object.

    Raises:
        DownloadRefusedError, DownloadTooLargeError, DownloadError: See the module table;
            nothing is left in the store.
        StorageError: The object store failed (transient; nothing is left in the store).
    """
    own_client = client is None
    http = client or create_client()
    upload: AsyncUpload | None = None
    stored = False
    try:
        async with open_request(
            http, "GET", url, policy, headers={"Accept-Encoding": "identity"},
            follow_redirects=True,
        ) as response:  # fmt: skip
            if not 200 <= response.status_code < 300:
                raise DownloadError(
                    f"the audio URL could not be downloaded: the server answered HTTP "
                    f"{response.status_code}"
                )
            media = response.headers.get("content-type", "").split(";")[0].strip().lower()
            upload = AsyncUpload(store, key, media[:255] or "application/octet-stream", part_size)
            async for chunk in iter_limited(response, max_bytes):
                await upload.write(chunk)
        if upload.size == 0:
            raise DownloadError("the audio URL could not be downloaded: the file is empty")
        size = await upload.complete()
        stored = True
        return FetchedAudio(key, size, upload.content_type)
    except OutboundRefusedError as exc:
        raise DownloadRefusedError(f"the audio URL was refused: {exc.detail}") from None
    except OutboundTooLargeError as exc:
        raise DownloadTooLargeError(
            f"the audio URL was not downloaded in full: {exc.detail}"
        ) from None
    except OutboundRequestError as exc:
        raise DownloadError(f"the audio URL could not be downloaded: {exc.detail}") from None
    finally:
        if upload is not None and not stored:
            with anyio.CancelScope(shield=True):
                await upload.abort()
        if own_client:
            await http.aclose()
