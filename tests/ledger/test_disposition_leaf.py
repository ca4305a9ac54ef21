"""The ``disposition`` leaf (review desk): versioned, no free text, one identity per
(item, action), and a decision revision that points at the one before it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from fti_gateway.core.errors import InputError
from fti_gateway.ledger import entries

SECRET = b"k" * 32
T = datetime(2025, 6, 4, 12, tzinfo=UTC)
ITEM = "it-0123456789abcdef0123"


def leaf(**kw: object) -> bytes:
    args: dict[str, object] = {
        "agency": "DHS", "request_id": "ICE-1", "item": ITEM, "item_kind": "request",
        "rule": "6103(i)(2)(A)", "action": "propose", "outcome": "approve",
        "reason_digest": entries.digest_text(SECRET, "the Director heads ICE"),
        "officer": entries.pseudonym(SECRET, "avery"), "time": T,
    }  # fmt: skip
    args.update(kw)
    return entries.disposition(**args)  # type: ignore[arg-type]


def test_a_disposition_leaf_is_versioned_and_holds_no_name_or_reason() -> None:
    obj = entries.parse(leaf())
    assert obj["v"] == entries.DISPOSITION_VERSION == 1
    assert obj["officer"].startswith("hmac-sha256:") and "avery" not in leaf().decode()
    assert "Director" not in leaf().decode()
    # The pseudonym is stable and is neither the text digest nor a commitment of the name.
    assert entries.pseudonym(SECRET, "avery") == obj["officer"]
    assert entries.pseudonym(SECRET, "avery") != entries.digest_text(SECRET, "avery")


def test_free_text_is_refused_where_a_digest_belongs() -> None:
    with pytest.raises(InputError, match="keyed digest"):
        leaf(reason_digest="because the Director heads ICE")
    with pytest.raises(InputError, match="keyed digest"):
        leaf(officer="avery")
    with pytest.raises(InputError):
        leaf(item="Jane Doe's match")


def test_identity_is_the_item_and_the_action_never_the_time() -> None:
    later = datetime(2026, 1, 1, tzinfo=UTC)
    assert entries.id_of(leaf()) == entries.id_of(leaf(time=later))
    assert entries.id_of(leaf()) != entries.id_of(leaf(action="confirm", revision=2))


def test_a_later_decision_revision_points_at_the_previous_one() -> None:
    base = {"agency": "DHS", "request_id": "ICE-1", "authority": "6103(i)(2)", "time": T}
    first = entries.decision(outcome="review", **base)  # type: ignore[arg-type]
    assert b"previous" not in first and b"revision" not in first  # revision 1 as before
    prev = entries.id_of(first)
    assert prev is not None
    with pytest.raises(InputError, match="previous"):
        entries.decision(outcome="approve", revision=1, previous=prev, **base)  # type: ignore[arg-type]
    second = entries.parse(
        entries.decision(outcome="approve", revision=2, previous=prev, **base)  # type: ignore[arg-type]
    )
    assert second["previous"] == prev and second["revision"] == 2
