"""C2SP tlog-tiles: tile coordinates, paths, and the two tile encodings.

A log of size ``n`` is stored as

- *entry bundles* ``tile/entries/<N>[.p/<W>]``: up to 256 entries, each a 2-byte
  big-endian length followed by the entry bytes;
- *hash tiles* ``tile/<L>/<N>[.p/<W>]``: up to 256 concatenated 32-byte hashes. Level 0
  holds leaf hashes; an entry of level ``L`` is the root of the perfect subtree over 256
  entries of level ``L-1`` (that is, of ``256**L`` leaves).

``<N>`` is the tile index in zero-padded groups of three digits, all but the last
prefixed with ``x`` (1234067 → ``x001/x234/067``). A tile with fewer than 256 entries is
*partial* and carries its width ``W`` in the path. Tiles only ever grow, so any version
of a tile is a prefix of every later one — that is what makes a tile log easy to mirror
and to verify, and what :mod:`fti_gateway.ledger.fsck` relies on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from fti_gateway.core.errors import IntegrityError
from fti_gateway.ledger.tree import HASH_SIZE

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT  # 256
ENTRIES = -1
"""The "level" of entry bundles; hash tiles have levels 0, 1, 2, ..."""
MAX_ENTRY = 0xFFFF


@dataclass(frozen=True, order=True)
class TileId:
    """One tile: its level (``ENTRIES`` for an entry bundle), index and width (1..256)."""

    level: int
    index: int
    width: int

    @property
    def full(self) -> bool:
        return self.width == TILE_WIDTH

    @property
    def path(self) -> str:
        return tile_path(self.level, self.index, self.width)

    @property
    def data_level(self) -> int:
        """The hash level whose coordinates this tile shares (bundles pair with level 0)."""
        return 0 if self.level == ENTRIES else self.level


def encode_index(n: int) -> str:
    """1234067 → ``x001/x234/067``; 5 → ``005``."""
    if n < 0:
        raise ValueError(f"tile index {n} is negative")
    parts = [f"{n % 1000:03d}"]
    n //= 1000
    while n > 0:
        parts.append(f"x{n % 1000:03d}")
        n //= 1000
    return "/".join(reversed(parts))


def tile_path(level: int, index: int, width: int = TILE_WIDTH) -> str:
    if not 1 <= width <= TILE_WIDTH:
        raise ValueError(f"tile width {width} is not in 1..{TILE_WIDTH}")
    head = "tile/entries" if level == ENTRIES else f"tile/{level}"
    tail = encode_index(index)
    if width < TILE_WIDTH:
        tail += f".p/{width}"
    return f"{head}/{tail}"


_PATH = re.compile(
    r"^tile/(?P<level>entries|0|[1-9][0-9]?)/(?P<groups>(?:x[0-9]{3}/)*)(?P<last>[0-9]{3})"
    r"(?:\.p/(?P<width>[1-9][0-9]{0,2}))?$"
)


def parse_tile_path(path: str) -> TileId | None:
    """The tile a relative path names, or None when it is not a canonical tile path
    (``x000`` leading groups and widths outside 1..255 are not canonical)."""
    m = _PATH.match(path)
    if not m:
        return None
    groups = [g[1:] for g in m["groups"].split("/") if g]
    if groups and groups[0] == "000":
        return None
    index = int("".join([*groups, m["last"]]))
    width = int(m["width"]) if m["width"] else TILE_WIDTH
    if m["width"] and width >= TILE_WIDTH:
        return None
    level = ENTRIES if m["level"] == "entries" else int(m["level"])
    return TileId(level, index, width)


def level_width(size: int, level: int) -> int:
    """How many entries tile level ``level`` has in total for a tree of ``size`` leaves."""
    return size >> (TILE_HEIGHT * max(level, 0))


def tiles_for_size(size: int) -> Iterator[TileId]:
    """Every tile a log of ``size`` leaves consists of: full tiles plus, on each level, at
    most one partial tile at the right edge. Entry bundles first, then levels 0, 1, ..."""
    level = ENTRIES
    while True:
        count = level_width(size, level)
        if count == 0:
            break
        full, rest = divmod(count, TILE_WIDTH)
        for i in range(full):
            yield TileId(level, i, TILE_WIDTH)
        if rest:
            yield TileId(level, full, rest)
        level = 0 if level == ENTRIES else level + 1


def tile_at(size: int, level: int, index: int) -> TileId:
    """The version of tile ``index`` on ``level`` that a log of ``size`` leaves has."""
    count = level_width(size, level)
    width = min(TILE_WIDTH, count - index * TILE_WIDTH)
    if width <= 0:
        raise ValueError(f"level {level} has no tile {index} at size {size}")
    return TileId(level, index, width)


def encode_bundle(entries: list[bytes]) -> bytes:
    out = bytearray()
    for e in entries:
        if len(e) > MAX_ENTRY:
            raise ValueError(f"an entry of {len(e)} bytes exceeds the {MAX_ENTRY}-byte limit")
        out += len(e).to_bytes(2, "big")
        out += e
    return bytes(out)


def decode_bundle(data: bytes, tile: TileId) -> list[bytes]:
    """Entries of a bundle, strictly: exactly ``tile.width`` entries, no trailing bytes."""
    entries: list[bytes] = []
    pos, n = 0, len(data)
    while pos < n:
        if pos + 2 > n:
            raise IntegrityError(
                f"entry {len(entries)} has a truncated length prefix at byte {pos}",
                where=tile.path,
            )
        length = int.from_bytes(data[pos : pos + 2], "big")
        end = pos + 2 + length
        if end > n:
            raise IntegrityError(
                f"entry {len(entries)} at byte {pos} claims {length} bytes, "
                f"but only {n - pos - 2} remain",
                where=tile.path,
            )
        entries.append(data[pos + 2 : end])
        pos = end
    if len(entries) != tile.width:
        raise IntegrityError(
            f"bundle holds {len(entries)} entries, but its path says {tile.width}",
            where=tile.path,
        )
    return entries


def bundle_prefix(data: bytes, width: int) -> bytes:
    """The first ``width`` entries of a (larger) bundle, still encoded."""
    pos = 0
    for _ in range(width):
        if pos + 2 > len(data):
            break
        pos += 2 + int.from_bytes(data[pos : pos + 2], "big")
    return data[:pos]


def split_hashes(data: bytes, tile: TileId) -> list[bytes]:
    """Hashes of a hash tile, strictly: exactly ``tile.width`` of them."""
    if len(data) != tile.width * HASH_SIZE:
        raise IntegrityError(
            f"hash tile is {len(data)} bytes, but width {tile.width} needs "
            f"{tile.width * HASH_SIZE}",
            where=tile.path,
        )
    return [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]
