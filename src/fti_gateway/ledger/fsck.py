"""fsck: re-verify a whole ledger from its files and the verifier key alone.

After Tessera's ``fsck``: a library function with a thin command on top. It re-reads every
entry bundle and hash tile, recomputes every leaf hash and every tile root, recomputes the
root of the latest checkpoint and of every kept one, checks every signature, and accounts
for every file under ``tile/``. Any single changed, missing, truncated or extra byte is
reported, naming what was computed, what was claimed, and where — e.g. "calculated root X
for size N, but checkpoint claims Y".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fti_gateway.core.errors import FtiError
from fti_gateway.ledger.checkpoint import Checkpoint, Verifier
from fti_gateway.ledger.reader import TileReader
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
ALLOWED_TOP = {CHECKPOINT, HISTORY, TILE_DIR, "README.md"}


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
            "problems": [{"where": p.where, "message": p.message} for p in self.problems],
        }


def verify(dir: Path, verifier_key: str) -> Report:
    """Verify the ledger in ``dir`` against ``verifier_key`` (note format)."""
    dir = Path(dir)
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
    sound = _check_tiles(store, cp.size, report)
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
    _check_history(store, verifier, reader, cp, report)
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


def _check_tiles(store: FsStorage, size: int, report: Report) -> bool:
    """Recompute every leaf hash and tile root and compare with the stored tiles.
    Returns False when a tile is missing, malformed or wrong (no root is computed then).
    Bundles and level-0 tiles are checked pairwise, so memory stays one tile deep."""
    sound = True
    below: list[bytes | None] = []  # roots of the full tiles of the level below
    for index in range(-(-size // TILE_WIDTH)):
        bundle = tile_at(size, ENTRIES, index)
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
        root, ok = _check_hash_tile(store, tile_at(size, 0, index), leaves, report)
        sound &= ok
        below.append(root)
    level = 1
    while level_width(size, level):
        roots: list[bytes | None] = []
        for index in range(-(-level_width(size, level) // TILE_WIDTH)):
            tile = tile_at(size, level, index)
            expected = below[index * TILE_WIDTH : index * TILE_WIDTH + tile.width]
            root, ok = _check_hash_tile(store, tile, expected, report)
            sound &= ok
            roots.append(root)
        below = roots
        level += 1
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
) -> None:
    """Kept checkpoints: signature, name, size; and their roots when the tiles are sound."""
    report.checkpoints = 1
    for name, note in sorted(store.kept_checkpoints(), key=lambda kv: (len(kv[0]), kv[0])):
        where = f"{HISTORY}/{name}"
        try:
            cp = verifier.open_checkpoint(note, where=where)
        except FtiError as e:
            report.add(where, e.message)
            continue
        report.checkpoints += 1
        if name != str(cp.size):
            report.add(where, f"file name says size {name}, but the checkpoint says {cp.size}")
            continue
        if cp.origin != latest.origin:
            report.add(where, f"origin is {cp.origin!r}, not {latest.origin!r}")
        if cp.size > latest.size:
            report.add(
                where, f"kept checkpoint has size {cp.size}, beyond the latest {latest.size}"
            )
            continue
        if reader is None:
            continue
        root = reader.root(cp.size)
        if root != cp.root:
            report.add(
                where,
                f"calculated root {root.hex()} for size {cp.size}, "
                f"but checkpoint claims {cp.root.hex()}",
            )
