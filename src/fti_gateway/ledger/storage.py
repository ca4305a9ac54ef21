"""Where a ledger keeps its bytes: two small protocols and a file-system driver.

After Tessera's storage drivers: the log needs to "read/write a tile" and "read/write the
checkpoint", nothing more, so a different store (an object store, say) implements these
two protocols and the rest of the ledger is unchanged.

Durability contract (what :class:`fti_gateway.ledger.log.Ledger` relies on):

- ``write_tiles`` returns only when every tile it was given is durable; each tile file
  appears atomically (never torn), but a crash may leave any subset of a batch written;
- ``write_checkpoint`` is atomic *and* durable, and is the commit point of an append: a
  log's size is its checkpoint's size, and tiles past it are leftovers to remove;
- ``commit(tiles, note, size)`` is ``write_tiles`` + ``write_checkpoint`` +
  ``keep_checkpoint`` in one: a driver may overlap their flushes as long as every tile
  is durable before the checkpoint can be. The file-system driver needs three rounds of
  flushes per append, however many files the batch touches.

Layout (the C2SP tlog-tiles layout, so the directory can be served over HTTP as is)::

    <dir>/checkpoint                 latest signed checkpoint
    <dir>/tile/entries/...           entry bundles
    <dir>/tile/<L>/...               hash tiles
    <dir>/checkpoints/<size>         checkpoints kept for auditors (history)
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol, TypeVar

from fti_gateway.ledger.tiles import TileId, parse_tile_path

CHECKPOINT = "checkpoint"
T = TypeVar("T")
HISTORY = "checkpoints"
TILE_DIR = "tile"


class TileStore(Protocol):
    def read_tile(self, tile: TileId) -> bytes | None: ...

    def write_tiles(self, tiles: Iterable[tuple[TileId, bytes]]) -> None: ...

    def delete_tile(self, tile: TileId) -> None: ...

    def list_tiles(self) -> Iterator[tuple[str, TileId | None]]:
        """Every file under ``tile/`` as (relative path, parsed id or None if unknown)."""
        ...


class CheckpointStore(Protocol):
    def read_checkpoint(self) -> bytes | None: ...

    def write_checkpoint(self, note: bytes) -> None: ...

    def keep_checkpoint(self, size: int, note: bytes) -> None: ...

    def kept_checkpoints(self) -> Iterator[tuple[str, bytes]]:
        """Kept checkpoints as (file name, bytes), in no particular order."""
        ...


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomic(path: Path, data: bytes, *, sync: bool) -> None:
    """Write to ``.<name>.tmp`` in the same folder, optionally fdatasync, rename over.
    One writer holds the ledger lock, so a fixed temporary name is safe (and cheaper than
    mkstemp); a killed writer's temporary files are removed on the next open."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        _write_all(fd, data)
        if sync:
            os.fdatasync(fd)
    except BaseException:
        os.close(fd)
        tmp.unlink(missing_ok=True)
        raise
    os.close(fd)
    os.replace(tmp, path)


_POOL: ThreadPoolExecutor | None = None


def _parallel(fn: Callable[[T], object], items: Sequence[T]) -> None:
    """Run blocking flushes side by side (they release the GIL); re-raise the first error."""
    global _POOL
    if len(items) <= 1:
        for item in items:
            fn(item)
        return
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=16, thread_name_prefix="ledger-fsync")
    for future in [_POOL.submit(fn, item) for item in items]:
        future.result()


def _open_temp(path: Path, data: bytes) -> tuple[int, Path, Path]:
    """``data`` written (not yet flushed) to ``.<name>.tmp``: (fd, temporary, final)."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        _write_all(fd, data)
    except BaseException:
        os.close(fd)
        raise
    return fd, tmp, path


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class FsStorage:
    """File-system driver for both protocols. ``durable=False`` skips fsync (tests and
    throw-away logs only; crash safety then holds against process death, not power loss)."""

    def __init__(self, root: Path, *, durable: bool = True) -> None:
        self.root = Path(root)
        self.durable = durable

    # -- tiles ----------------------------------------------------------------------
    def tile_file(self, tile: TileId) -> Path:
        return self.root / tile.path

    def read_tile(self, tile: TileId) -> bytes | None:
        try:
            return self.tile_file(tile).read_bytes()
        except FileNotFoundError:
            return None

    def write_tiles(self, tiles: Iterable[tuple[TileId, bytes]]) -> None:
        """Write every tile to a temporary file, flush them all *concurrently* (ext4 and
        friends fold concurrent fsyncs into one journal commit), rename them into place,
        then flush the changed folders, again concurrently."""
        dirs: set[Path] = set()
        pending: list[tuple[int, Path, Path]] = []
        try:
            for tile, data in tiles:
                path = self.tile_file(tile)
                if not path.parent.is_dir():
                    self._mkdirs(path.parent, dirs)
                tmp = path.with_name(f".{path.name}.tmp")
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                pending.append((fd, tmp, path))
                _write_all(fd, data)
                dirs.add(path.parent)
            if self.durable:
                _parallel(os.fdatasync, [fd for fd, _, _ in pending])
        finally:
            for fd, _, _ in pending:
                os.close(fd)
        for _, tmp, path in pending:
            os.replace(tmp, path)
        if self.durable:
            _parallel(_fsync_dir, sorted(dirs))

    def commit(self, tiles: Iterable[tuple[TileId, bytes]], note: bytes, size: int) -> None:
        """Durably write ``tiles``, then atomically replace ``checkpoint`` with ``note`` and
        keep it as ``checkpoints/<size>``. Three flush rounds, each run concurrently:

        1. the data of every new file (tiles, checkpoint, kept copy), then tile renames;
        2. the tile folders — now every tile is durable — then the checkpoint renames;
        3. the ledger folder and ``checkpoints/`` — now the checkpoint is durable.
        """
        dirs: set[Path] = set()
        history = self.root / HISTORY
        if not history.is_dir():
            self._mkdirs(history, dirs)
        opened: list[tuple[int, Path, Path]] = []
        try:
            for tile, data in tiles:
                path = self.tile_file(tile)
                if not path.parent.is_dir():
                    self._mkdirs(path.parent, dirs)
                opened.append(_open_temp(path, data))
                dirs.add(path.parent)
            n_tiles = len(opened)
            opened.append(_open_temp(self.root / CHECKPOINT, note))
            opened.append(_open_temp(history / str(size), note))
            if self.durable:
                _parallel(os.fdatasync, [fd for fd, _, _ in opened])
        finally:
            for fd, _, _ in opened:
                os.close(fd)
        for _, tmp, path in opened[:n_tiles]:
            os.replace(tmp, path)
        if self.durable:
            _parallel(_fsync_dir, sorted(dirs))  # (the ledger folder only if it changed)
        for _, tmp, path in opened[n_tiles:]:
            os.replace(tmp, path)  # the checkpoint first: the commit point; then its copy
        if self.durable:
            _parallel(_fsync_dir, [self.root, history])

    def _mkdirs(self, path: Path, dirs: set[Path]) -> None:
        """Create missing folders and remember every parent whose entries changed."""
        missing = []
        p = path
        while not p.is_dir():
            missing.append(p)
            p = p.parent
        for d in reversed(missing):
            d.mkdir(exist_ok=True)
            dirs.add(d.parent)

    def delete_tile(self, tile: TileId) -> None:
        path = self.tile_file(tile)
        path.unlink(missing_ok=True)
        if not tile.full:
            with contextlib.suppress(OSError):
                path.parent.rmdir()  # the now-empty ``NNN.p`` folder

    def list_tiles(self) -> Iterator[tuple[str, TileId | None]]:
        base = self.root / TILE_DIR
        if not base.is_dir():
            return
        for dirpath, _dirs, files in os.walk(base):
            for name in files:
                rel = Path(dirpath, name).relative_to(self.root).as_posix()
                yield rel, parse_tile_path(rel)

    def remove_temporaries(self) -> None:
        """Temporary files a killed writer left behind (they were never renamed in)."""
        for dirpath, _dirs, files in os.walk(self.root):
            for name in files:
                if name.startswith(".") and name.endswith(".tmp"):
                    Path(dirpath, name).unlink(missing_ok=True)

    # -- checkpoints ----------------------------------------------------------------
    def read_checkpoint(self) -> bytes | None:
        try:
            return (self.root / CHECKPOINT).read_bytes()
        except FileNotFoundError:
            return None

    def write_checkpoint(self, note: bytes) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        _write_atomic(self.root / CHECKPOINT, note, sync=self.durable)
        if self.durable:
            _fsync_dir(self.root)

    def keep_checkpoint(self, size: int, note: bytes) -> None:
        """Keep a copy under ``checkpoints/<size>`` for consistency proofs and audits."""
        folder = self.root / HISTORY
        if not folder.is_dir():
            folder.mkdir(parents=True, exist_ok=True)
            if self.durable:
                _fsync_dir(self.root)
        _write_atomic(folder / str(size), note, sync=self.durable)
        if self.durable:
            _fsync_dir(folder)

    def kept_checkpoints(self) -> Iterator[tuple[str, bytes]]:
        folder = self.root / HISTORY
        if not folder.is_dir():
            return
        for p in folder.iterdir():
            yield p.name, p.read_bytes()

    def delete_kept(self, name: str) -> None:
        (self.root / HISTORY / name).unlink(missing_ok=True)
