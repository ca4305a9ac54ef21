"""Reading a tiled log: entries, tree nodes, roots and subtree hashes for any size.

A :class:`TileReader` looks at the log as it is at ``size`` (the latest checkpoint) and
answers for any smaller size too, because tiles only grow. The tree nodes between tile
levels (heights 1–7 inside each tile) are recomputed from the tile's hashes; expanded
tiles are kept in a small LRU cache so that proofs near each other share the work.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

from fti_gateway.core.errors import IntegrityError
from fti_gateway.ledger.storage import TileStore
from fti_gateway.ledger.tiles import (
    ENTRIES,
    TILE_HEIGHT,
    TILE_WIDTH,
    TileId,
    bundle_prefix,
    decode_bundle,
    split_hashes,
    tile_at,
)
from fti_gateway.ledger.tree import EMPTY_ROOT, HASH_SIZE, SubtreeHash, fold_right, node_hash, split


def expand(data: bytes) -> list[bytes]:
    """All internal levels of one hash tile, each as concatenated 32-byte hashes:
    ``out[r][32*i : 32*i+32]`` is the node at height ``r`` above the tile's bottom row
    covering entries ``[i * 2**r, (i+1) * 2**r)`` (complete nodes only). Each node hash is
    one slice of the level below (its two children are adjacent), which keeps this, the
    hot loop of cold proofs, to one concatenation and one SHA-256 per node."""
    sha = hashlib.sha256
    levels = [data]
    cur = data
    for _ in range(TILE_HEIGHT):
        pairs = len(cur) // (2 * HASH_SIZE)
        cur = b"".join([sha(b"\x01" + cur[64 * i : 64 * i + 64]).digest() for i in range(pairs)])
        levels.append(cur)
    return levels


def read_tile_version(store: TileStore, tile: TileId) -> bytes | None:
    """The bytes of ``tile`` at its width, or None. A writer may have grown a partial
    tile and removed this version; any bigger version starts with the same bytes
    (tlog-tiles), so read the full tile, or else a wider partial one, and cut it."""
    data = store.read_tile(tile)
    if data is not None or tile.full:
        return data
    for width in [TILE_WIDTH, *range(tile.width + 1, TILE_WIDTH)]:
        bigger = store.read_tile(TileId(tile.level, tile.index, width))
        if bigger is not None:
            if tile.level == ENTRIES:
                return bundle_prefix(bigger, tile.width)
            return bigger[: tile.width * HASH_SIZE]
    return None


class TileReader:
    def __init__(self, store: TileStore, size: int, cache_tiles: int = 64) -> None:
        self.store = store
        self.size = size
        self.cache_tiles = cache_tiles
        self._cache: OrderedDict[tuple[int, int], list[bytes]] = OrderedDict()
        self._bundle: tuple[int, list[bytes]] | None = None

    def _read(self, tile: TileId) -> bytes:
        data = read_tile_version(self.store, tile)
        if data is None:
            raise IntegrityError(f"tile is missing for a log of size {self.size}", where=tile.path)
        return data

    def tile(self, level: int, index: int) -> list[bytes]:
        key = (level, index)
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        tile = tile_at(self.size, level, index)
        data = self._read(tile)
        if len(data) != tile.width * HASH_SIZE:
            split_hashes(data, tile)  # raises, naming the tile and both lengths
        levels = expand(data)
        self._cache[key] = levels
        if len(self._cache) > self.cache_tiles:
            self._cache.popitem(last=False)
        return levels

    def node(self, height: int, index: int) -> bytes:
        """The perfect subtree root at ``height`` over leaves ``[index << height, ...)``."""
        k, r = divmod(height, TILE_HEIGHT)
        first = index << r  # first level-k entry under the node
        j = (first % TILE_WIDTH) >> r
        return self.tile(k, first // TILE_WIDTH)[r][32 * j : 32 * j + 32]

    def subtree(self, start: int, end: int) -> bytes:
        """MTH of leaves ``[start, end)`` (the ``SubtreeHash`` proofs are written against)."""
        n = end - start
        if n <= 0 or end > self.size:
            raise ValueError(f"no subtree [{start}, {end}) in a log of size {self.size}")
        h = n.bit_length() - 1
        if n == 1 << h and start % n == 0:
            return self.node(h, start >> h)
        k = split(n)
        return node_hash(self.subtree(start, start + k), self.subtree(start + k, end))

    def as_subtree_hash(self) -> SubtreeHash:
        return self.subtree

    def root(self, size: int | None = None) -> bytes:
        """The tree root at ``size`` (default: the reader's size)."""
        n = self.size if size is None else size
        if n > self.size:
            raise ValueError(f"size {n} is beyond the log's size {self.size}")
        if n == 0:
            return EMPTY_ROOT
        parts = []
        start = 0
        for h in range(n.bit_length() - 1, -1, -1):
            if n >> h & 1:
                parts.append(self.node(h, start >> h))
                start += 1 << h
        return fold_right(parts)

    def bundle(self, n: int) -> list[bytes]:
        """The entries of bundle ``n`` as the log has them at the reader's size."""
        if self._bundle is None or self._bundle[0] != n:
            tile = tile_at(self.size, ENTRIES, n)
            self._bundle = (n, decode_bundle(self._read(tile), tile))
        return self._bundle[1]

    def entry(self, index: int) -> bytes:
        if not 0 <= index < self.size:
            raise ValueError(f"entry {index} is outside a log of size {self.size}")
        n, i = divmod(index, TILE_WIDTH)
        return self.bundle(n)[i]

    def leaf_hash(self, index: int) -> bytes:
        return self.node(0, index)
