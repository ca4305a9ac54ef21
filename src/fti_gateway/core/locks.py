"""One small inter-process lock: ``flock`` on a lock file, waited for up to a deadline.

Why our own and not ``filelock`` (PyPI): the gateway already runs on POSIX only (the ledger
locks its folder with ``fcntl.flock``), this is the same mechanism in 30 lines, and it adds
no dependency to a package that holds FTI. ``flock`` belongs to the open file, so the lock
goes away with the process however it ends (``kill -9`` included): no stale lock files to
clean up, and no PID guessing. The lock file itself stays (empty) and is reused.

Not re-entrant: a process that takes a lock it already holds waits for itself. Callers
hold a lock around one short, named job (an import's check-and-commit, an index build).
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fti_gateway.core.errors import BusyError

POLL = 0.05  # seconds between tries while another process holds the lock


@contextmanager
def hold(path: Path, *, what: str, wait: float) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created, with its folder, if missing) for the
    block. Waits up to ``wait`` seconds for another process to let go, then raises
    :class:`BusyError` naming ``what`` is busy and the lock file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise BusyError(
                        f"{what} is busy: another command has held it for over {wait:g} s",
                        where=str(path),
                        hint="wait for the other command to finish, then run this one again",
                    ) from None
                time.sleep(POLL)
        yield
    finally:
        os.close(fd)  # releases the lock
