"""Request bodies streamed to disk, counted against a limit, never held whole in memory.

An agency's subject file can be a million rows; the service takes it chunk by chunk as
the client sends it, into a private folder of the workspace's spool, with its SHA-256
computed on the way and fsynced before anything reads it. Past the limit the upload
stops at once and leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from starlette.concurrency import run_in_threadpool

from fti_gateway.core.errors import ConfigError

MAX_UPLOAD_ENV = "FTI_MAX_UPLOAD_BYTES"
DEFAULT_MAX_UPLOAD = 2 * 1024**3  # 2 GiB: a 1.3-million-row request is a few hundred MB
SPOOL = "spool"


class TooLarge(Exception):
    """The body passed the configured limit (HTTP 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


@dataclass(frozen=True)
class Spooled:
    path: Path
    size: int
    sha256: str


def max_upload_bytes(given: int | None) -> int:
    """The limit: ``given`` (``fti serve --max-upload-bytes``), else the environment, else
    2 GiB. A limit that is not a positive number is a setting error, said at start."""
    raw: object = given if given is not None else os.environ.get(MAX_UPLOAD_ENV)
    if raw is None:
        return DEFAULT_MAX_UPLOAD
    try:
        value = int(str(raw))
    except ValueError:
        value = 0
    if value <= 0:
        raise ConfigError(
            f"the upload limit must be a positive number of bytes, not {raw!r}",
            where=MAX_UPLOAD_ENV if given is None else "--max-upload-bytes",
            hint="e.g. 2147483648 for 2 GiB",
        )
    return value


def new_folder(home: Path) -> Path:
    """A private folder under ``<home>/spool`` (remove it with :func:`discard`)."""
    root = home / SPOOL
    root.mkdir(exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="upload.", dir=root))


def discard(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


async def spool(chunks: AsyncIterator[bytes], path: Path, limit: int) -> Spooled:
    """Write ``chunks`` to ``path`` (new), hashing and counting; :class:`TooLarge` (and
    the file removed) as soon as more than ``limit`` bytes have come."""
    digest = hashlib.sha256()
    size = 0
    with path.open("xb") as out:
        try:
            async for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise TooLarge(limit)
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            await run_in_threadpool(os.fsync, out.fileno())
        except BaseException:
            out.close()
            path.unlink(missing_ok=True)
            raise
    return Spooled(path, size, digest.hexdigest())
