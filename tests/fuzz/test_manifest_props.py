"""The manifest reader (``load_request``) on arbitrary bytes, near-misses of a good
manifest, and well-formed manifests with arbitrary values: it refuses with an FtiError
or accepts — and what it accepts, the ledger can record."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from fti_gateway.core.errors import FtiError
from fti_gateway.intake import load_request
from fti_gateway.ledger import entries
from fti_gateway.ledger.record import request_leaf
from fuzz import targets

from .conftest import examples

GOOD = (Path(__file__).parents[1] / "intake" / "data" / "manifest.yaml").read_bytes()
GOOD_CONTENT: dict[str, Any] = {
    "format": "fti/request/v1",
    "id": "DOJ-USAO-DC-2025-0042",
    "received": "2025-06-04",
    "authority": "6103(i)(2)",
    "requester": {"agency": "DOJ", "position": "us-attorney", "in_writing": True, "signed": True},
    "purpose": {"kind": "criminal-investigation", "statutes": ["18 U.S.C. 1343"], "reason": "r"},
    "taxable_periods": ["2022"],
    "elements": ["identity.address"],
    "subjects": "subjects.csv",
}
SECRET = b"fuzz-commitment-secret-not-a-real-one"
# Any text a JSON or YAML escape can spell, lone surrogates included.
texts = st.text(st.characters(exclude_categories=[]), max_size=20)
values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), texts),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(texts, inner, max_size=3)),
    max_leaves=8,
)


def _refused_or_read(data: bytes, suffix: str) -> None:
    with contextlib.suppress(FtiError):
        targets.manifest(data, suffix)


@examples(200)
@given(st.binary(max_size=400), st.sampled_from(targets.MANIFEST_SUFFIXES))
@example(b"format: x\x00", ".yaml")  # a character YAML does not allow (yaml ReaderError)
@example(b'{"format": "fti/request/v1", "id": "a\xef\xbf\xbeb"}', ".json")  # U+FFFE in JSON
def test_any_bytes_as_a_manifest_are_read_or_refused(data: bytes, suffix: str) -> None:
    _refused_or_read(data, suffix)


@examples(200)
@given(
    cuts=st.lists(
        st.tuples(st.integers(0, len(GOOD)), st.integers(0, 12), st.binary(max_size=6)),
        min_size=1,
        max_size=4,
    ),
    suffix=st.sampled_from(targets.MANIFEST_SUFFIXES),
)
def test_a_good_manifest_with_bytes_cut_or_inserted_is_read_or_refused(
    cuts: list[tuple[int, int, bytes]], suffix: str
) -> None:
    data = GOOD
    for at, drop, insert in cuts:
        data = data[:at] + insert + data[at + drop :]
    _refused_or_read(data, suffix)


def _set(content: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    out = json.loads(json.dumps(content))
    *head, last = path.split(".")
    block = out
    for part in head:
        block = block[part]
    block[last] = value
    return out


@examples(200)
@given(
    path=st.sampled_from(
        [
            "id",
            "received",
            "authority",
            "requester.agency",
            "requester.position",
            "requester.official",
            "purpose.kind",
            "purpose.reason",
            "purpose.statutes",
            "taxable_periods",
            "elements",
            "subjects",
            "court_order",
            "extra_field",
        ]
    ),
    value=values,
)
@example(path="purpose.reason", value="\ud800 wire fraud")  # JSON/YAML "\ud800" escape
def test_what_intake_accepts_the_ledger_can_record(path: str, value: Any) -> None:
    """An accepted manifest gives a request_received leaf that parses back — otherwise
    `fti request submit` stores the request and then dies before its receipt is logged."""
    text = json.dumps(_set(GOOD_CONTENT, path, value), ensure_ascii=True).encode()
    folder = targets.scratch()
    (folder / "manifest.json").write_bytes(text)
    try:
        parsed = load_request(folder / "manifest.json")
    except FtiError:
        return
    try:
        leaf = request_leaf(parsed.manifest, parsed.digest, len(parsed.subjects), secret=SECRET)
    except FtiError:
        return  # refused with a diagnostic is acceptable; a crash is not
    assert entries.canonical(entries.parse(leaf)) == leaf
