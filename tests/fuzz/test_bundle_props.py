"""C2SP entry bundles and tile paths: what is encoded decodes to the same entries, and a
bundle is decoded strictly (exact width, no trailing bytes) or refused."""

from __future__ import annotations

import contextlib

from hypothesis import given
from hypothesis import strategies as st

from fti_gateway.core.errors import FtiError
from fti_gateway.ledger.tiles import (
    ENTRIES,
    MAX_ENTRY,
    TILE_WIDTH,
    TileId,
    bundle_prefix,
    decode_bundle,
    encode_bundle,
    parse_tile_path,
    tile_path,
)
from fuzz import targets

from .conftest import examples

entry_lists = st.lists(
    st.one_of(
        st.binary(max_size=64),
        # entries at the 2-byte length limit, built cheaply (Hypothesis would draw 64 KiB)
        st.integers(MAX_ENTRY - 2, MAX_ENTRY).map(lambda n: bytes([n % 251]) * n),
    ),
    min_size=1,
    max_size=TILE_WIDTH,
)


@examples(150)
@given(entry_lists, st.data())
def test_a_bundle_decodes_to_the_entries_it_encodes(
    entries: list[bytes], data: st.DataObject
) -> None:
    blob = encode_bundle(entries)
    assert decode_bundle(blob, TileId(ENTRIES, 0, len(entries))) == entries
    k = data.draw(st.integers(1, len(entries)), label="prefix width")
    assert bundle_prefix(blob, k) == encode_bundle(entries[:k])


@examples(300)
@given(
    st.one_of(
        st.binary(max_size=600),
        st.builds(
            lambda es, cut, junk: bytes([len(es) - 1]) + encode_bundle(es)[:cut] + junk,
            st.lists(st.binary(max_size=20), min_size=1, max_size=20),
            st.integers(0, 500),
            st.binary(max_size=3),
        ),
    )
)
def test_any_bytes_as_a_bundle_decode_strictly_or_are_refused(data: bytes) -> None:
    with contextlib.suppress(FtiError):
        targets.bundle(data)


@examples(300)
@given(
    level=st.one_of(st.just(ENTRIES), st.integers(0, 63)),
    index=st.integers(0, 10**15),
    width=st.integers(1, TILE_WIDTH),
)
def test_a_tile_path_names_the_tile_it_was_made_for(level: int, index: int, width: int) -> None:
    assert parse_tile_path(tile_path(level, index, width)) == TileId(level, index, width)


@examples(300)
@given(
    st.one_of(
        st.text(max_size=40),
        st.lists(
            st.sampled_from(
                ["tile", "entries", "0", "1", "x000", "x001", "005", ".p", "255", "256"]
            ),
            max_size=6,
        ).map("/".join),
    )
)
def test_any_text_as_a_tile_path_is_canonical_or_refused(path: str) -> None:
    tile = parse_tile_path(path)
    if tile is not None:
        assert tile.path == path
