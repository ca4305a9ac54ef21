"""tlog-tiles paths and encodings, against the examples of the C2SP spec."""

from __future__ import annotations

import pytest

from fti_gateway.core.errors import IntegrityError
from fti_gateway.ledger import tiles
from fti_gateway.ledger.tiles import ENTRIES, TileId


@pytest.mark.parametrize(
    ("level", "index", "width", "path"),
    [
        (0, 1234067, 256, "tile/0/x001/x234/067"),
        (0, 1234067, 8, "tile/0/x001/x234/067.p/8"),
        (ENTRIES, 5, 256, "tile/entries/005"),
        (ENTRIES, 1234067, 1, "tile/entries/x001/x234/067.p/1"),
        (3, 0, 255, "tile/3/000.p/255"),
        (1, 1000, 256, "tile/1/x001/000"),
    ],
)
def test_paths_follow_the_spec_and_parse_back(
    level: int, index: int, width: int, path: str
) -> None:
    assert tiles.tile_path(level, index, width) == path
    assert tiles.parse_tile_path(path) == TileId(level, index, width)


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/x000/005",
        "tile/0/005.p/256",
        "tile/0/005.p/0",
        "tile/0/05",
        "tile/x/005",
        "tile/0/005.p/007",
        "tile/entries/005/extra",
        "checkpoint",
    ],
)
def test_non_canonical_paths_are_not_tiles(path: str) -> None:
    assert tiles.parse_tile_path(path) is None


def test_tiles_for_size_names_full_and_partial_tiles_on_every_level() -> None:
    got = list(tiles.tiles_for_size(256 * 256 + 300))
    assert TileId(ENTRIES, 257, 44) in got
    assert TileId(0, 256, 256) in got and TileId(0, 257, 44) in got
    assert TileId(1, 0, 256) in got and TileId(1, 1, 1) in got
    assert TileId(2, 0, 1) in got
    assert len(got) == 258 + 258 + 2 + 1
    assert list(tiles.tiles_for_size(0)) == []


def test_bundles_round_trip_and_carry_big_endian_lengths() -> None:
    entries = [b"", b"a", b"x" * 300]
    data = tiles.encode_bundle(entries)
    assert data[:2] == b"\x00\x00" and data[2:5] == b"\x00\x01a" and data[5:7] == b"\x01\x2c"
    assert tiles.decode_bundle(data, TileId(ENTRIES, 0, 3)) == entries
    assert tiles.bundle_prefix(data, 2) == data[:5]


@pytest.mark.parametrize("cut", [1, 2, 5])
def test_truncated_or_miscounted_bundles_are_refused(cut: int) -> None:
    data = tiles.encode_bundle([b"abc", b"de"])
    with pytest.raises(IntegrityError):
        tiles.decode_bundle(data[:-cut], TileId(ENTRIES, 0, 2))
    with pytest.raises(IntegrityError):
        tiles.decode_bundle(data, TileId(ENTRIES, 0, 3))


def test_oversized_entries_cannot_be_encoded() -> None:
    with pytest.raises(ValueError):
        tiles.encode_bundle([b"x" * 65536])
