"""Private temporary folders of the worker's tasks, and the removal of those a crash left.

Each task downloads the user's recording into a folder of its own under the worker's
``work_dir`` (``scribe-task-*`` for meetings, ``scribe-enrol-*`` for enrolment samples) and
removes it when it ends. A worker killed mid-task (``kill -9``, out of memory) cannot remove
it, and the copy of the recording would stay on disk forever, so:

- :func:`task_dir` registers the folder as live in this process and holds an exclusive
  ``flock`` on it while the task runs (the kernel drops the lock when the process dies);
- :func:`remove_orphan_task_dirs` removes every folder with those prefixes that no live task
  owns: not registered here, not locked by another process sharing the same ``work_dir``,
  and older than a short grace period (the moment between creating a folder and locking it).
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

logger = logging.getLogger(__name__)

TASK_DIR_PREFIXES = ("scribe-task-", "scribe-enrol-")
"""Name prefixes of the task folders (meetings, enrolment)."""

ORPHAN_GRACE_SECONDS = 10.0
"""A task folder changed less than this long ago is never taken as an orphan."""

_live: set[Path] = set()
_live_lock = threading.Lock()


@contextmanager
def task_dir(prefix: str, work_dir: Path | None = None) -> Iterator[Path]:
    """A new private folder for one task, removed with its content when the block ends.

    Args:
        prefix: One of :data:`TASK_DIR_PREFIXES`.
        work_dir: Parent folder (created when missing); the system temporary folder when
            ``None``.

    Yields:
        The folder (mode 0700), registered as live and locked until the block ends.
    """
    if work_dir is not None:
        work_dir.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=work_dir))
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with _live_lock:
            _live.add(path)
        try:
            yield path
        finally:
            with _live_lock:
                _live.discard(path)
            shutil.rmtree(path, ignore_errors=True)
    finally:
        os.close(fd)


def live_task_dirs() -> frozenset[Path]:
    """The task folders of this process's running tasks."""
    with _live_lock:
        return frozenset(_live)


def remove_orphan_task_dirs(
    work_dir: Path | None = None, *, grace_seconds: float = ORPHAN_GRACE_SECONDS
) -> int:
    """Remove the task folders in ``work_dir`` that no live task owns.

    A folder is an orphan when its name starts with one of :data:`TASK_DIR_PREFIXES`, it is
    not a live folder of this process, no other process holds its lock, and it has not changed
    for ``grace_seconds``. Symbolic links and other files are left alone.

    Args:
        work_dir: The worker's ``work_dir`` (the system temporary folder when ``None``).
        grace_seconds: Minimum age (seconds since the folder last changed).

    Returns:
        How many folders were removed.
    """
    root = work_dir if work_dir is not None else Path(tempfile.gettempdir())
    try:
        entries = list(root.iterdir())
    except FileNotFoundError:
        return 0
    live = live_task_dirs()
    now = time.time()
    removed = 0
    for entry in entries:
        if not entry.name.startswith(TASK_DIR_PREFIXES) or entry in live:
            continue
        try:
            if entry.is_symlink() or not entry.is_dir():
                continue
            if now - entry.stat().st_mtime < grace_seconds:
                continue
            fd = os.open(entry, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        except (FileNotFoundError, PermissionError, NotADirectoryError):
            continue  # removed meanwhile, or another user's folder
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a task of another process still runs in it
            shutil.rmtree(entry, ignore_errors=True)
            removed += not entry.exists()
        finally:
            os.close(fd)
    return removed
