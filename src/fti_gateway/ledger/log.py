"""The append-only ledger: batched, durable appends to a tiled RFC 9162 log.

How an append stays crash safe (``kill -9`` or power loss at any instant):

1. the batch's new tiles, the new signed checkpoint and its kept copy are written to
   temporary files and flushed (concurrently); the tiles are renamed into place under
   names no committed file has (tiles only grow, and a grown partial tile gets a new
   ``.p/<W>`` path, so committed files are never overwritten), and their folders flushed;
2. ``checkpoint`` is atomically replaced — **the commit point** — then the copy is renamed
   to ``checkpoints/<size>``, and both folders are flushed. :meth:`Ledger.append` returns
   after that: three rounds of flushes per batch, however many files it touches;
3. only then are superseded partial tiles removed.

On open, :meth:`Ledger.open` recovers: it verifies the checkpoint with the log's own key
(rolling forward to a kept copy whose ``checkpoint`` rename a power cut lost), rebuilds
the right edge of the tree from the tiles the checkpoint names, checks that they give the
checkpoint's root, and deletes every tile the checkpoint does not name — the leftovers of
a batch that never committed, and superseded partial tiles. A batch is therefore all or
nothing, and every acknowledged entry survives.

Open never deletes committed data, and never extends a log it cannot vouch for. With the
ledger's local state (:mod:`~fti_gateway.ledger.state`) it refuses, with an
:class:`IntegrityError`, a log that lost its checkpoint but has tiles (or once had
entries), one that is smaller than it has been or whose tree at that size changed, one a
verification found damaged, and one whose new or changed tiles do not hash to their
neighbours (:func:`~fti_gateway.ledger.fsck.check_tiles`: one ``stat`` per tile, hashing
only what is new or changed since it was last verified).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fti_gateway.core.errors import InputError, IntegrityError
from fti_gateway.ledger.checkpoint import Checkpoint, Signer, sign_checkpoint
from fti_gateway.ledger.entries import id_of, index_keys
from fti_gateway.ledger.fsck import Report, check_tiles
from fti_gateway.ledger.lock import LedgerBusy, lock_dir
from fti_gateway.ledger.reader import TileReader
from fti_gateway.ledger.state import LocalState
from fti_gateway.ledger.storage import FsStorage
from fti_gateway.ledger.tiles import (
    ENTRIES,
    MAX_ENTRY,
    TILE_HEIGHT,
    TILE_WIDTH,
    TileId,
    decode_bundle,
    level_width,
    split_hashes,
    tile_at,
    tiles_for_size,
)
from fti_gateway.ledger.tree import (
    EMPTY_ROOT,
    fold_right,
    perfect_decomposition,
    perfect_root_bytes,
)

RESTORE = "restore ledger/checkpoint and ledger/checkpoints/ from a backup (the tiles are kept)"


def edge_root(edge: Sequence[Sequence[bytes]]) -> bytes:
    """The tree root from the right edge alone: the partial tile of every level,
    ``edge[L]``, decomposes into the perfect subtrees the size's binary digits name."""
    parts: list[bytes] = []
    for level in reversed(range(len(edge))):
        if edge[level]:
            parts.extend(perfect_decomposition(edge[level]))
    return fold_right(parts) if parts else EMPTY_ROOT


class Ledger:
    """A tiled transparency log in one folder, written by one process at a time."""

    def __init__(self, storage: FsStorage, signer: Signer) -> None:
        self.storage = storage
        self.signer = signer
        self._lock_fd: int | None = None
        self._size = 0
        self._root = EMPTY_ROOT
        self._note = b""
        self._bundle: list[bytes] = []  # encoded entries of the partial entry bundle
        self._edge: list[list[bytes]] = []  # partial hash tile of each level
        self._kept: set[str] = set()
        self._mutex = threading.Lock()  # one append at a time within the process, too
        self._broken = False
        self._state: LocalState | None = None

    # -- opening and recovery -----------------------------------------------------------
    @classmethod
    def open(
        cls,
        dir: Path,
        origin: str,
        signing_key: Ed25519PrivateKey,
        *,
        durable: bool = True,
        wait: float = 0.0,
    ) -> Ledger:
        """Open (creating if needed) the ledger in ``dir`` and recover from any crash.
        ``wait`` seconds to wait for another writer to close it (default: fail at once)."""
        ledger = cls(FsStorage(Path(dir), durable=durable), Signer(origin, signing_key))
        Path(dir).mkdir(parents=True, exist_ok=True)
        ledger._lock(wait)
        try:
            ledger._recover()
        except BaseException:
            ledger.close()
            raise
        return ledger

    def _lock(self, wait: float) -> None:
        self._lock_fd = lock_dir(self.storage.root, wait)

    def close(self) -> None:
        if self._state is not None:
            self._state.close()
            self._state = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the flock
            self._lock_fd = None

    def __enter__(self) -> Ledger:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _recover(self) -> None:
        st = self.storage
        where = str(st.root / "checkpoint")
        st.remove_temporaries()
        verifier = self.signer.verifier()
        note = st.read_checkpoint()
        cp = verifier.open_checkpoint(note, where=where) if note is not None else None
        if cp is not None and cp.origin != self.signer.name:
            raise InputError(
                f"this ledger's origin is {cp.origin!r}, not {self.signer.name!r}",
                where=where,
            )
        kept = dict(st.kept_checkpoints())
        cp, note = self._roll_forward(cp, note, kept)
        state = self._state = LocalState.open(st.root)
        mark = state.high_water()
        if cp is None or note is None:
            self._refuse_lost_checkpoint(mark)
            # Never committed anything: a new, empty log.
            self._commit_state(0, [], [], self._sign(0, EMPTY_ROOT))
            state.raise_high_water(0, EMPTY_ROOT)
            return
        bundle, edge = self._load_edge(cp.size)
        root = edge_root(edge)
        if root != cp.root:
            raise IntegrityError(
                f"calculated root {root.hex()} for size {cp.size}, "
                f"but checkpoint claims {cp.root.hex()}",
                where=where,
                hint="run `fti ledger verify` to find the damaged tile",
            )
        self._refuse_shrunk(cp, mark)
        self._delete_unnamed(cp.size)
        self._refuse_damage(cp)
        self._kept = set(kept)
        self._commit_state(cp.size, bundle, edge, note)
        state.raise_high_water(cp.size, cp.root)

    def _refuse_lost_checkpoint(self, mark: tuple[int, bytes] | None) -> None:
        """No checkpoint at all: only a new ledger may start at size 0. Tiles, or a local
        state that saw entries, mean the checkpoint was lost — deleting the tiles would
        wipe the log, so refuse and keep everything as it is."""
        found = sorted(path for path, _ in self.storage.list_tiles())
        if not found and (mark is None or mark[0] == 0):
            return
        evidence = []
        if found:
            shown = ", ".join(found[:3]) + (", ..." if len(found) > 3 else "")
            evidence.append(f"{len(found)} tile file(s) ({shown})")
        if mark is not None and mark[0] > 0:
            evidence.append(f"the ledger's local state says it had {mark[0]} entries")
        raise IntegrityError(
            "there is no checkpoint, but the ledger has had entries: " + "; ".join(evidence),
            where=str(self.storage.root / "checkpoint"),
            hint=RESTORE + "; the ledger will not start over at size 0",
        )

    def _refuse_shrunk(self, cp: Checkpoint, mark: tuple[int, bytes] | None) -> None:
        """A log only grows, and its tree at any size it had stays the same."""
        if mark is None:
            return
        size, root = mark
        if size > cp.size:
            raise IntegrityError(
                f"the checkpoint is at size {cp.size}, but this ledger has been at size "
                f"{size}: it was rolled back",
                where=str(self.storage.root / "checkpoint"),
                hint=f"restore the ledger folder from a backup that holds all {size} entries",
            )
        if size and TileReader(self.storage, cp.size).root(size) != root:
            raise IntegrityError(
                f"the log's tree at size {size} is not the one this ledger had "
                f"(root {root.hex()}): the log was replaced or rewritten",
                where=str(self.storage.root),
                hint="restore the ledger folder from a backup",
            )

    def _refuse_damage(self, cp: Checkpoint) -> None:
        """Damage a verification found, or new or changed tiles that do not hash to their
        neighbours: no append may be signed over them."""
        assert self._state is not None
        state = self._state
        damage = state.damage()
        if damage is not None:
            raise IntegrityError(
                "the ledger takes no appends: its last verification found damage",
                where=str(self.storage.root),
                details=[damage],
                hint="restore the damaged file from a backup, then run `fti ledger verify` "
                "(a full verification clears this once the ledger verifies)",
            )
        report = Report(dir=str(self.storage.root))
        ref = state.clock()
        files = state.files()
        check_tiles(self.storage, cp.size, report, files, ref, report_missing=True)
        if report.problems:
            first = report.problems[0]
            state.set_damage(str(first))
            raise IntegrityError(
                first.message,
                where=str(self.storage.root / first.where),
                details=[str(p) for p in report.problems[1:]],
                hint="the ledger takes no appends until it verifies: restore the damaged "
                "file from a backup, then run `fti ledger verify`",
            )
        tiles = {p: r for p, r in files.items() if not p.startswith("checkpoints/")}
        if report.verified != tiles:  # new or changed tiles hashed: not again next time
            kept = {p: r for p, r in files.items() if p.startswith("checkpoints/")}
            state.record_files({**kept, **report.verified})

    def _roll_forward(
        self, cp: Checkpoint | None, note: bytes | None, kept: dict[str, bytes]
    ) -> tuple[Checkpoint | None, bytes | None]:
        """A commit renames ``checkpoint`` and then its kept copy, and flushes both
        folders together; after a power cut the copy's rename may survive alone. Its tiles
        were already durable, so a kept checkpoint beyond ``checkpoint`` whose tiles give
        its root *is* the latest commit. One whose tiles are gone means ``checkpoint`` was
        rolled back by hand: refuse."""
        base = cp.size if cp is not None else 0
        beyond = [n for n in kept if n.isdigit() and int(n) > base]
        if not beyond:
            return cp, note
        name = max(beyond, key=int)
        where = str(self.storage.root / "checkpoints" / name)
        latest = self.signer.verifier().open_checkpoint(kept[name], where=where)
        try:
            _bundle, edge = self._load_edge(latest.size)
            sound = edge_root(edge) == latest.root
        except IntegrityError:
            sound = False
        if not sound or latest.origin != self.signer.name:
            raise IntegrityError(
                f"checkpoint is at size {base}, but checkpoints up to size {latest.size} "
                "were published and their tiles are gone: the ledger was rolled back",
                where=str(self.storage.root / "checkpoint"),
                hint="restore the ledger folder from a backup",
            )
        return latest, kept[name]

    def _load_edge(self, size: int) -> tuple[list[bytes], list[list[bytes]]]:
        """The partial entry bundle and partial hash tiles of a log at ``size``."""
        bundle: list[bytes] = []
        if size % TILE_WIDTH:
            tile = tile_at(size, ENTRIES, size // TILE_WIDTH)
            data = self._must_read(tile)
            bundle = [len(e).to_bytes(2, "big") + e for e in decode_bundle(data, tile)]
        edge: list[list[bytes]] = []
        level = 0
        while level_width(size, level):
            count = level_width(size, level)
            if count % TILE_WIDTH:
                tile = tile_at(size, level, count // TILE_WIDTH)
                edge.append(split_hashes(self._must_read(tile), tile))
            else:
                edge.append([])
            level += 1
        return bundle, edge

    def _must_read(self, tile: TileId) -> bytes:
        data = self.storage.read_tile(tile)
        if data is None:
            raise IntegrityError(
                "a tile the checkpoint needs is missing", where=str(self.storage.root / tile.path)
            )
        return data

    def _delete_unnamed(self, size: int) -> None:
        """Remove every tile a log of ``size`` does not consist of."""
        wanted = set(tiles_for_size(size))
        for _path, tile in list(self.storage.list_tiles()):
            if tile is not None and tile not in wanted:
                self.storage.delete_tile(tile)

    # -- state ----------------------------------------------------------------------------
    @property
    def size(self) -> int:
        return self._size

    @property
    def root(self) -> bytes:
        return self._root

    @property
    def origin(self) -> str:
        return self.signer.name

    @property
    def verifier_key(self) -> str:
        return self.signer.verifier_key

    @property
    def latest(self) -> bytes:
        """The latest signed checkpoint note (covers every acknowledged entry)."""
        return self._note

    def reader(self, cache_tiles: int = 64) -> TileReader:
        return TileReader(self.storage, self._size, cache_tiles=cache_tiles)

    def _sign(self, size: int, root: bytes) -> bytes:
        return sign_checkpoint(self.signer, Checkpoint(self.signer.name, size, root))

    def _commit_state(
        self, size: int, bundle: list[bytes], edge: list[list[bytes]], note: bytes
    ) -> None:
        if self.storage.read_checkpoint() != note:
            self.storage.write_checkpoint(note)
        self._size, self._bundle, self._edge, self._note = size, bundle, edge, note
        self._root = edge_root(edge)

    # -- appending ------------------------------------------------------------------------
    def append(self, entries: Sequence[bytes]) -> list[int]:
        """Append a batch; returns the entries' indices once the batch is durable and
        covered by a signed checkpoint. All or nothing: a crash keeps none of a batch
        that has not returned."""
        with self._mutex:
            return self._append(entries)

    def append_once(self, entries: Sequence[bytes]) -> list[int]:
        """Append the entries whose leaf ``id`` is not in the log yet, in one all-or-nothing
        batch; returns every given entry's index — the existing one for an entry already
        written (or given twice in the batch). So a retried step, or two runs of one
        request, write each leaf once. Entries without an id are always appended.

        The id → index map is a cache in the local state, caught up from the log's
        entries before it is consulted (after a crash between an append and the cache
        update, or when the file was deleted), so it never decides on stale data."""
        with self._mutex:
            ids = [id_of(bytes(e)) if isinstance(e, bytes | bytearray) else None for e in entries]
            found = self._index().lookup(i for i in ids if i is not None)
            fresh: list[bytes] = []
            slot: dict[str, int] = {}  # id -> position in ``fresh``
            where: list[tuple[bool, int]] = []  # (already in the log?, index or position)
            for e, i in zip(entries, ids, strict=True):
                if i is not None and i in found:
                    where.append((True, found[i]))
                elif i is not None and i in slot:
                    where.append((False, slot[i]))
                else:
                    if i is not None:
                        slot[i] = len(fresh)
                    where.append((False, len(fresh)))
                    fresh.append(e)
            start = self._size
            indices = self._append(fresh)
            with contextlib.suppress(sqlite3.Error):  # a cache: the next call catches up
                subjects = [(t, start + k) for k, e in enumerate(fresh) if (t := index_keys(e)[1])]
                self._index().add_ids(
                    [(i, start + k) for i, k in slot.items()],
                    self._size,
                    self._root,
                    subjects=subjects,
                )
            return [n if done else indices[n] for done, n in where]

    def _index(self) -> LocalState:
        """The local state with its id index caught up to the log (rebuilt from the
        entries if it reaches further than the log, or into a different tree)."""
        state = self._state
        if state is None or self._lock_fd is None:
            raise InputError("the ledger is closed")
        size, root = state.indexed()
        reset = size > self._size or (size > 0 and self.reader().root(size) != root)
        if reset or size < self._size:
            start = 0 if reset else size
            reader = self.reader()
            pairs, subjects = [], []
            for index in range(start, self._size):
                i, taxpayer = index_keys(reader.entry(index))
                if i is not None:
                    pairs.append((i, index))
                if taxpayer is not None:
                    subjects.append((taxpayer, index))
            state.add_ids(pairs, self._size, self._root, reset=reset, subjects=subjects)
        return state

    def _append(self, entries: Sequence[bytes]) -> list[int]:
        if self._lock_fd is None:
            raise InputError("the ledger is closed")
        if self._broken:
            raise IntegrityError(
                "a checkpoint write failed; the ledger must be reopened to recover",
                where=str(self.storage.root),
            )
        for i, e in enumerate(entries):
            if not isinstance(e, bytes | bytearray):
                raise InputError(f"entry {i} of the batch is not bytes")
            if len(e) > MAX_ENTRY:
                raise InputError(
                    f"entry {i} of the batch is {len(e)} bytes; the limit is {MAX_ENTRY}"
                )
        if not entries:
            return []
        start = self._size
        new_size = start + len(entries)
        writes: dict[TileId, bytes] = {}

        bundle = list(self._bundle)
        index = start // TILE_WIDTH
        for e in entries:
            bundle.append(len(e).to_bytes(2, "big") + bytes(e))
            if len(bundle) == TILE_WIDTH:
                writes[TileId(ENTRIES, index, TILE_WIDTH)] = b"".join(bundle)
                bundle = []
                index += 1
        if bundle:
            writes[TileId(ENTRIES, index, len(bundle))] = b"".join(bundle)

        edge = [list(level) for level in self._edge]
        sha = hashlib.sha256
        carry = [sha(b"\x00" + e).digest() for e in entries]
        level = 0
        while carry:
            if level == len(edge):
                edge.append([])
            row = edge[level]
            index = level_width(start, level) // TILE_WIDTH
            up: list[bytes] = []
            for h in carry:
                row.append(h)
                if len(row) == TILE_WIDTH:
                    data = b"".join(row)
                    writes[TileId(level, index, TILE_WIDTH)] = data
                    up.append(perfect_root_bytes(data))
                    row = []
                    index += 1
            if row:
                writes[TileId(level, index, len(row))] = b"".join(row)
            edge[level] = row
            carry = up
            level += 1

        old = set(_edge_tiles(start))
        root = edge_root(edge)
        note = self._sign(new_size, root)
        try:
            self.storage.commit(writes.items(), note, new_size)
        except BaseException:
            if self.storage.read_checkpoint() == note:
                # Renamed in, but perhaps not durable: only recovery can tell.
                self._broken = True
                raise
            # Nothing committed, and no committed file shares a name with a new tile:
            # remove what was written (recovery on the next open would, too).
            for tile in writes:
                with contextlib.suppress(OSError):
                    self.storage.delete_tile(tile)
            self.storage.delete_kept(str(new_size))
            self.storage.remove_temporaries()
            raise
        self._kept.add(str(new_size))
        self._size, self._bundle, self._edge, self._note = new_size, bundle, edge, note
        self._root = root
        for tile in old - set(_edge_tiles(new_size)):
            self.storage.delete_tile(tile)
        if self._state is not None:
            with contextlib.suppress(sqlite3.Error):  # a lower bound; the log is the record
                self._state.raise_high_water(new_size, root)
        return list(range(start, new_size))

    def checkpoint(self) -> bytes:
        """The current signed checkpoint, kept in ``checkpoints/<size>`` (the history
        auditors ask consistency proofs between). Every append keeps its checkpoint as it
        commits; this also keeps one that recovery or creation signed."""
        with self._mutex:
            name = str(self._size)
            if name not in self._kept:
                self.storage.keep_checkpoint(self._size, self._note)
                self._kept.add(name)
            return self._note


def _edge_tiles(size: int) -> list[TileId]:
    """The partial tiles a log of ``size`` has (at most one per level, plus the bundle)."""
    out = []
    level = ENTRIES
    while True:
        count = level_width(size, level)
        if count == 0:
            break
        if count % TILE_WIDTH:
            out.append(TileId(level, count // TILE_WIDTH, count % TILE_WIDTH))
        level = 0 if level == ENTRIES else level + 1
    return out


__all__ = ["TILE_HEIGHT", "Ledger", "LedgerBusy", "edge_root"]
