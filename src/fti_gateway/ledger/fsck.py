"""fsck: re-verify a whole ledger from its files and the verifier key alone.

After Tessera's ``fsck``: a library function with a thin command on top. It re-reads every
entry bundle and hash tile, recomputes every leaf hash and every tile root, recomputes the
root of the latest checkpoint and of every kept one, checks every signature, and accounts
for every file under ``tile/``. Any single changed, missing, truncated or extra byte is
reported, naming what was computed, what was claimed, and where — e.g. "calculated root X
for size N, but checkpoint claims Y".

Run against the workspace's own ledger, a verification is *recorded* in the ledger's
local state (:mod:`~fti_gateway.ledger.state`): the fingerprint and root of every full
tile it hashed. :func:`verify_since_last` then re-verifies only what is new since, plus
any file whose fingerprint changed — cheap enough to run on a schedule — and
:meth:`Ledger.open <fti_gateway.ledger.log.Ledger.open>` runs the same tile check before
it takes any append. Damage a verification finds is recorded too, and the ledger refuses
appends until a full verification passes again.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from fti_gateway.core.errors import FtiError
from fti_gateway.ledger.checkpoint import Checkpoint, Verifier
from fti_gateway.ledger.lock import lock_dir
from fti_gateway.ledger.reader import TileReader
from fti_gateway.ledger.state import (
    STATE_FILES,
    LocalState,
    Record,
    changed_since,
    fingerprint,
)
from fti_gateway.ledger.storage import CHECKPOINT, HISTORY, TILE_DIR, FsStorage
from fti_gateway.ledger.tiles import (
    ENTRIES,
    TILE_WIDTH,
    TileId,
    decode_bundle,
    level_width,
    tile_at,
    tiles_for_size,
)
from fti_gateway.ledger.tree import HASH_SIZE, leaf_hash, perfect_root_bytes

MAX_PROBLEMS = 50
ALLOWED_TOP = {CHECKPOINT, HISTORY, TILE_DIR, "README.md", *STATE_FILES}


@dataclass
class Problem:
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass
class Report:
    """What fsck found. ``ok`` only when nothing is wrong; ``problems[0]`` is the first
    bad place in reading order (checkpoint, entry bundles, hash tiles by level, history)."""

    dir: str
    origin: str | None = None
    size: int = 0
    root: str | None = None
    entries: int = 0
    tiles: int = 0
    checkpoints: int = 0
    problems: list[Problem] = field(default_factory=list)
    mode: str = "full"
    verified: dict[str, Record] = field(default_factory=dict, repr=False)
    """Files checked and unchanged since they were stat'ed: what a recording keeps."""

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first(self) -> Problem | None:
        return self.problems[0] if self.problems else None

    def add(self, where: str, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(where, message))

    def to_json(self) -> dict[str, object]:
        return {
            "format": "fti/ledger-fsck/v1",
            "dir": self.dir,
            "ok": self.ok,
            "origin": self.origin,
            "size": self.size,
            "root": self.root,
            "entries_checked": self.entries,
            "tiles_checked": self.tiles,
            "checkpoints_checked": self.checkpoints,
            "mode": self.mode,
            "problems": [{"where": p.where, "message": p.message} for p in self.problems],
        }


def verify(dir: Path, verifier_key: str, *, record: bool = False, wait: float = 30.0) -> Report:
    """Verify the ledger in ``dir`` against ``verifier_key`` (note format), all of it.
    With ``record``, hold the ledger's lock (waiting up to ``wait`` seconds for a writer)
    and record the result in the ledger's local state: what verified, or the damage."""
    if not record:
        return _verify(Path(dir), verifier_key, None, None)
    return _recorded(Path(dir), verifier_key, wait, since_last=False)


def verify_since_last(dir: Path, verifier_key: str, *, wait: float = 30.0) -> Report:
    """Re-verify only what changed since the last recorded verification: tiles and kept
    checkpoints added since, and any whose fingerprint changed; then record the result.
    With no record yet, this is a full verification. Holds the ledger's lock."""
    return _recorded(Path(dir), verifier_key, wait, since_last=True)


def _recorded(dir: Path, verifier_key: str, wait: float, *, since_last: bool) -> Report:
    if not (dir / CHECKPOINT).is_file():
        return _verify(dir, verifier_key, None, None)  # nothing to lock or record
    fd = lock_dir(dir, wait)
    try:
        state = LocalState.open(dir)
        try:
            ref = state.clock()
            known = state.files() if since_last else None
            report = _verify(dir, verifier_key, known, ref)
            report.mode = "since-last" if since_last else "full"
            mark = state.high_water()
            if mark is not None and mark[0] > report.size:
                report.add(
                    CHECKPOINT,
                    f"the log is at size {report.size}, but it has been at size {mark[0]}: "
                    "it was rolled back",
                )
            if report.ok and report.root is not None:
                state.record_verified(
                    report.size,
                    bytes.fromhex(report.root),
                    report.mode,
                    report.verified,
                    full=not since_last,
                )
            elif not report.ok:
                state.set_damage(str(report.problems[0]))
        finally:
            state.close()
    finally:
        os.close(fd)
    return report


def _verify(
    dir: Path, verifier_key: str, known: Mapping[str, Record] | None, ref: int | None
) -> Report:
    """The verification; ``known`` = files verified before (None: trust nothing),
    ``ref`` = the file-system clock at the start (None: do not collect records)."""
    report = Report(dir=str(dir))
    verifier = Verifier.parse(verifier_key)
    store = FsStorage(dir, durable=False)

    note = store.read_checkpoint()
    if note is None:
        report.add(CHECKPOINT, "missing: there is no checkpoint, so nothing can be verified")
        return report
    try:
        cp = verifier.open_checkpoint(note, where=CHECKPOINT)
    except FtiError as e:
        report.add(CHECKPOINT, e.message)
        return report
    if cp.origin != verifier.name:
        report.add(CHECKPOINT, f"origin is {cp.origin!r}, but the key is {verifier.name!r}")
    report.origin, report.size = cp.origin, cp.size

    _check_files(dir, store, cp.size, report)
    sound = check_tiles(store, cp.size, report, known, ref)
    reader = TileReader(store, cp.size, cache_tiles=1024) if sound else None
    if reader is not None:
        root = reader.root()
        report.root = root.hex()
        if root != cp.root:
            report.add(
                CHECKPOINT,
                f"calculated root {root.hex()} for size {cp.size}, "
                f"but checkpoint claims {cp.root.hex()}",
            )
    _check_history(store, verifier, reader, cp, report, known, ref)
    return report


def _check_files(dir: Path, store: FsStorage, size: int, report: Report) -> None:
    """Every file is accounted for: expected tiles exist, nothing else is there."""
    for p in sorted(dir.iterdir()):
        if p.name not in ALLOWED_TOP:
            report.add(p.name, "unexpected file in the ledger folder")
    wanted = set(tiles_for_size(size))
    present: set[TileId] = set()
    for path, tile in sorted(store.list_tiles()):
        if tile is None:
            report.add(path, "unexpected file: not a tile path")
        elif tile not in wanted:
            report.add(path, f"unexpected tile: a log of size {size} has no such tile")
        else:
            present.add(tile)
    for tile in sorted(wanted - present):
        report.add(tile.path, f"missing: a log of size {size} needs this tile")


def check_tiles(
    store: FsStorage,
    size: int,
    report: Report,
    known: Mapping[str, Record] | None = None,
    ref: int | None = None,
    *,
    report_missing: bool = False,
) -> bool:
    """Recompute leaf hashes and tile roots and compare them with the stored tiles.

    Every hash in a tile must equal what is computed from the tile below (leaf hashes
    from the entry bundle, for level 0). With ``known`` (the local state's verified
    files), a check between two tiles that both still have their recorded fingerprint
    is skipped, and a verified hash tile's root is taken from the record — so the cost is
    one ``stat`` per tile plus hashing what is new or changed; partial tiles are always
    checked. Returns False when a tile is missing, malformed or wrong (no root is
    computed then). With ``ref``, files checked here and unchanged since ``ref`` are put
    in ``report.verified`` for the caller to record. ``report_missing`` reports missing
    tiles (``verify`` leaves that to its file census)."""
    trusted: set[TileId] = set()
    roots: dict[TileId, bytes | None] = {}
    stamps: dict[TileId, str | None] = {}
    sound = True
    if known is not None or ref is not None or report_missing:
        for tile in tiles_for_size(size):
            stamps[tile] = fp = fingerprint(store.tile_file(tile))
            if fp is None and report_missing:
                report.add(tile.path, f"missing: a log of size {size} needs this tile")
                sound = False
            rec = (known or {}).get(tile.path)
            same = tile.full and fp is not None and rec is not None and rec[0] == fp
            if same and rec is not None and (tile.level == ENTRIES or rec[1] is not None):
                trusted.add(tile)
                roots[tile] = rec[1]
    for index in range(-(-size // TILE_WIDTH)):
        bundle, hashes = tile_at(size, ENTRIES, index), tile_at(size, 0, index)
        if bundle in trusted and hashes in trusted:
            continue
        data = store.read_tile(bundle)
        leaves: list[bytes | None] = [None] * bundle.width
        if data is not None:
            report.tiles += 1
            try:
                entries = decode_bundle(data, bundle)
                leaves = [leaf_hash(e) for e in entries]
                report.entries += len(entries)
            except FtiError as e:
                report.add(bundle.path, e.message)
        sound &= data is not None and None not in leaves
        root, ok = _check_hash_tile(store, hashes, leaves, report)
        sound &= ok
        if hashes not in trusted:
            roots[hashes] = root
    level = 1
    while level_width(size, level):
        for index in range(-(-level_width(size, level) // TILE_WIDTH)):
            tile = tile_at(size, level, index)
            below = [tile_at(size, level - 1, index * TILE_WIDTH + i) for i in range(tile.width)]
            if tile in trusted and all(b in trusted for b in below):
                continue
            root, ok = _check_hash_tile(store, tile, [roots.get(b) for b in below], report)
            sound &= ok
            if tile not in trusted:
                roots[tile] = root
        level += 1
    if ref is not None and sound and not report.problems:
        for tile, fp in stamps.items():
            if tile.full and fp is not None and not changed_since(fp, ref):
                report.verified[tile.path] = (fp, None if tile.level == ENTRIES else roots[tile])
    return sound


def _check_hash_tile(
    store: FsStorage, tile: TileId, expected: list[bytes | None], report: Report
) -> tuple[bytes | None, bool]:
    """Compare a hash tile with the hashes computed from below; returns the tile's root
    (if it is full and readable) and whether it matched."""
    data = store.read_tile(tile)
    if data is None:
        return None, False
    report.tiles += 1
    if len(data) != tile.width * HASH_SIZE:
        report.add(
            tile.path,
            f"hash tile is {len(data)} bytes, but width {tile.width} needs "
            f"{tile.width * HASH_SIZE}",
        )
        return None, False
    hashes = _split(data)
    root = perfect_root_bytes(data) if tile.full else None
    for i, (calc, held) in enumerate(zip(expected, hashes, strict=True)):
        if calc is not None and calc != held:
            n = tile.index * TILE_WIDTH + i
            if tile.level == 0:
                what = f"leaf hash of entry {n} ({TileId(ENTRIES, tile.index, tile.width).path})"
            else:
                what = f"level-{tile.level} node {n}"
            report.add(
                f"{tile.path} (bytes {i * HASH_SIZE}..{i * HASH_SIZE + HASH_SIZE - 1})",
                f"calculated {what} as {calc.hex()}, but the tile holds {held.hex()}",
            )
            return root, False
    return root, None not in expected


def _split(data: bytes) -> list[bytes]:
    return [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]


def _check_history(
    store: FsStorage,
    verifier: Verifier,
    reader: TileReader | None,
    latest: Checkpoint,
    report: Report,
    known: Mapping[str, Record] | None = None,
    ref: int | None = None,
) -> None:
    """Kept checkpoints: signature, name, size; and their roots when the tiles are sound.
    With ``known``, a kept checkpoint whose fingerprint is recorded is not checked again."""
    report.checkpoints = 1
    folder = store.root / HISTORY
    names = sorted(os.listdir(folder), key=lambda n: (len(n), n)) if folder.is_dir() else []
    for name in names:
        where = f"{HISTORY}/{name}"
        fp = fingerprint(folder / name)
        rec = (known or {}).get(where)
        if fp is None or (rec is not None and rec[0] == fp):
            if fp is not None:
                report.verified[where] = (fp, None)
            continue
        problems = len(report.problems)
        _check_kept(name, (folder / name).read_bytes(), verifier, reader, latest, report)
        if ref is not None and len(report.problems) == problems and not changed_since(fp, ref):
            report.verified[where] = (fp, None)


def _check_kept(
    name: str,
    note: bytes,
    verifier: Verifier,
    reader: TileReader | None,
    latest: Checkpoint,
    report: Report,
) -> None:
    where = f"{HISTORY}/{name}"
    try:
        cp = verifier.open_checkpoint(note, where=where)
    except FtiError as e:
        report.add(where, e.message)
        return
    report.checkpoints += 1
    if name != str(cp.size):
        report.add(where, f"file name says size {name}, but the checkpoint says {cp.size}")
        return
    if cp.origin != latest.origin:
        report.add(where, f"origin is {cp.origin!r}, not {latest.origin!r}")
    if cp.size > latest.size:
        report.add(where, f"kept checkpoint has size {cp.size}, beyond the latest {latest.size}")
        return
    if reader is None:
        return
    root = reader.root(cp.size)
    if root != cp.root:
        report.add(
            where,
            f"calculated root {root.hex()} for size {cp.size}, "
            f"but checkpoint claims {cp.root.hex()}",
        )
