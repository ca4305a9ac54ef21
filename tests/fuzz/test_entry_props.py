"""Ledger leaves (FORMATS §7): canonical JSON that is stable and parses back, and a leaf
parser that refuses, with an InputError, anything that is not one of ours."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, date, datetime
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from fti_gateway.core.errors import FtiError
from fti_gateway.ledger import entries
from fuzz import targets

from .conftest import examples

COMMITMENT = "hmac-sha256:" + "ab" * 32
SECRET = b"fuzz-commitment-secret-not-a-real-one"
# Text as intake can hand it over: YAML "\ud800" and JSON "\ud800" escapes yield lone
# surrogates, so they are part of what a leaf field may be given.
texts = st.text(st.characters(exclude_categories=[]), max_size=30)
clean_texts = st.text(max_size=30)
times = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)
json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), clean_texts
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(clean_texts, inner, max_size=4)
    ),
    max_leaves=20,
)


def _refused_or_parsed(data: bytes) -> None:
    with contextlib.suppress(FtiError):
        targets.entry(data)


@examples(300)
@given(st.binary(max_size=300))
def test_any_bytes_as_a_leaf_parse_or_are_refused(data: bytes) -> None:
    _refused_or_parsed(data)


@examples(200)
@given(
    st.one_of(
        json_values.map(lambda v: json.dumps(v).encode()),
        st.integers(1, 20_000).map(lambda n: b"[" * n + b"]" * n),
        st.integers(1, 20_000).map(lambda n: b'{"a":' * n + b"1" + b"}" * n),
        st.integers(1, 10_000).map(lambda n: b"1" * n),
        st.integers(1, 10_000).map(
            lambda n: b'{"format":"fti/ledger-entry/v1","n":' + b"9" * n + b"}"
        ),
    )
)
@example(b"[" * 100_000)  # json.loads → RecursionError
@example(b"1" * 5_000)  # json.loads → ValueError: Exceeds the limit (4300 digits)
def test_json_shaped_bytes_as_a_leaf_parse_or_are_refused(data: bytes) -> None:
    """Deep nesting and very long numbers are still 'not a leaf', not a crash."""
    _refused_or_parsed(data)


def _leaves(t: dict[str, Any], when: datetime) -> list[bytes]:
    return [
        entries.request_received(
            agency=t["agency"],
            request_id=t["rid"],
            authority=t["a"],
            received=t["day"],
            digest=t["b"],
            purpose=t["a"],
            reason_digest=entries.digest_text(SECRET, t["b"]),
            statutes=t["many"],
            elements=t["many"],
            periods=t["many"],
            subjects=t["n"],
            requester_position=t["a"],
            time=when,
        ),
        entries.decision(
            agency=t["agency"],
            request_id=t["rid"],
            authority=t["a"],
            outcome=t["outcome"],
            elements_allowed=t["many"],
            elements_refused={k: t["a"] for k in t["many"]},
            subjects={"total": t["n"]},
            digest=t["b"],
            time=when,
        ),
        entries.disclosure(
            agency=t["agency"],
            request_id=t["rid"],
            authority=t["a"],
            recipient=t["b"],
            elements=t["many"],
            periods=t["many"],
            taxpayer=COMMITMENT,
            purpose=t["a"],
            package=t["b"],
            time=when,
        ),
        entries.inspection(
            agency=t["agency"],
            request_id=t["rid"],
            inspector=entries.pseudonym(SECRET, t["a"]),
            reason_digest=entries.digest_text(SECRET, t["b"]),
            taxpayer=COMMITMENT,
            elements=t["many"],
            authority=t["a"],
            time=when,
        ),
    ]


def _fields(text: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "agency": text,
            "rid": text,
            "a": text,
            "b": text,
            "many": st.lists(text, max_size=3),
            "n": st.integers(0, 10**7),
            "day": st.dates(),
            "outcome": st.sampled_from(["approve", "partial", "deny", "review"]),
        }
    )


def _check_round_trip(t: dict[str, Any], when: datetime) -> None:
    try:
        leaves = _leaves(t, when)
    except FtiError:
        return  # refused with a diagnostic (e.g. an empty agency): fine
    assert leaves == _leaves(t, when), "the same event gave different bytes"
    for leaf in leaves:
        obj = entries.parse(leaf)
        assert entries.canonical(obj) == leaf
        assert json.loads(leaf) == obj
        assert entries.leaf_date(obj) == when.date()


@examples(150)
@given(t=_fields(clean_texts), when=times)
def test_leaves_are_canonical_stable_and_parse_back(t: dict[str, Any], when: datetime) -> None:
    _check_round_trip(t, when)


@examples(150)
@given(t=_fields(texts), when=times)
@example(
    t={
        "agency": "DOJ",
        "rid": "R-1",
        "a": "6103(i)(2)",
        "b": "\ud800 a reason read from a manifest's \\ud800 escape",
        "many": [],
        "n": 1,
        "day": date(2025, 6, 4),
        "outcome": "approve",
    },
    when=datetime(2025, 6, 4, tzinfo=UTC),
)
def test_any_text_a_leaf_is_given_is_encoded_or_refused(t: dict[str, Any], when: datetime) -> None:
    """Text that intake accepts (lone surrogates included) must become a leaf or an
    FtiError — not a UnicodeEncodeError half-way through a submission."""
    _check_round_trip(t, when)


@examples(100)
@given(day=st.one_of(st.dates().map(date.isoformat), st.text(max_size=12)))
@example(day="2025-13-01")
def test_a_received_date_given_as_text_is_encoded_or_refused(day: str) -> None:
    try:
        leaf = entries.request_received(
            agency="DOJ", request_id="R-1", authority="6103(i)(2)", received=day, digest="d"
        )
    except FtiError:
        return
    assert entries.parse(leaf)["received"] == date.fromisoformat(day).isoformat()
