"""The ledger's lock: one writer — or one recording verification — at a time.

An exclusive ``flock`` on the ledger folder itself: the kernel releases it when the
process dies (even by ``kill -9``), so a crashed writer never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

from fti_gateway.core.errors import BusyError


class LedgerBusy(BusyError):
    """Another process has the ledger open for writing (exit 6: try again)."""


def lock_dir(dir: Path, wait: float) -> int:
    """Lock ``dir`` exclusively, waiting up to ``wait`` seconds; returns the descriptor
    to ``os.close`` (which releases the lock)."""
    fd = os.open(dir, os.O_RDONLY | os.O_DIRECTORY)
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError as e:
            if time.monotonic() >= deadline:
                os.close(fd)
                raise LedgerBusy(
                    "the ledger is open for writing elsewhere",
                    where=str(dir),
                    hint="another command is using the ledger; try again in a moment",
                ) from e
            time.sleep(0.02)
