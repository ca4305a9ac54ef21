"""Inspection leaves name the inspector by keyed pseudonym (issue 18): a proof of the leaf,
shown to a taxpayer, must not hand them an official's account id. Layout ``"v": 2``;
first-layout leaves (no ``v``, the account id in clear) still parse, read and verify."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fti_gateway.core.errors import InputError
from fti_gateway.ledger import accounting, entries
from fti_gateway.ledger.checkpoint import Signer
from fti_gateway.ledger.fsck import verify
from fti_gateway.ledger.log import Ledger

SECRET = b"s" * 32
T = datetime(2025, 6, 4, 15, 30, tzinfo=UTC)
EVENT = "gate-20250604T153000000000-0123456789abcdef"
# An inspection leaf exactly as the first layout's builder wrote it (before "v": 2): the
# bytes a log written then holds, with "officer-7" in clear, under SECRET.
V1_LEAF = (
    b'{"authority":null,"elements":["identity.address"],'
    b'"event":"gate-20250604T153000000000-0123456789abcdef","format":"fti/ledger-entry/v1",'
    b'"id":"aae56ba3046ebfe3c3b9faa639133cce8efc4ee6ac132221cfd9b59293982846",'
    b'"inspector":"officer-7","kind":"inspection","outcome":"allowed",'
    b'"policies":["officer-lookup-in-assigned-case"],'
    b'"reason":"hmac-sha256:3cec46d60e55f0501fa1f7692e075d32aa58142f7c946fbccfc117d250aa67f2",'
    b'"request":{"agency":"IRS","id":"C-2026-0007"},'
    b'"taxpayer":"hmac-sha256:d670298a8a286ea1e56237fb9017f37497c529e56b1440dcf19d6b082b55760d",'
    b'"time":"2025-06-04T15:30:00.000000Z"}'
)


def _leaf(account: str, *, secret: bytes = SECRET, time: datetime = T) -> bytes:
    """The same look as V1_LEAF, built now."""
    return entries.inspection(
        agency="IRS",
        request_id="C-2026-0007",
        inspector=entries.pseudonym(secret, account),
        reason_digest=entries.digest_text(secret, "case review"),
        taxpayer=entries.commit_taxpayer(secret, "900123456"),
        elements=["identity.address"],
        time=time,
        outcome="allowed",
        event=EVENT,
        policies=["officer-lookup-in-assigned-case"],
    )


def test_a_new_inspection_leaf_holds_the_pseudonym_and_no_account_id() -> None:
    leaf = _leaf("officer-7")
    obj = entries.parse(leaf)
    assert obj["v"] == entries.INSPECTION_VERSION == 2
    assert obj["inspector"] == entries.pseudonym(SECRET, "officer-7")
    assert b"officer-7" not in leaf
    assert entries.inspector_pseudonym(SECRET, obj) == obj["inspector"]


@pytest.mark.parametrize("account", ["officer-7", "Jane Roe, examiner", "", "hmac-sha256:ab"])
def test_the_builder_refuses_an_account_id_and_does_not_repeat_it(account: str) -> None:
    with pytest.raises(InputError, match="only by pseudonym") as e:
        entries.inspection(
            agency="IRS",
            request_id="C-1",
            inspector=account,
            reason_digest=entries.digest_text(SECRET, "r"),
            taxpayer=entries.commit_taxpayer(SECRET, "900123456"),
        )
    assert not account or account not in str(e.value)


def test_the_pseudonym_is_stable_distinct_and_needs_the_secret() -> None:
    one = entries.pseudonym(SECRET, "officer-7")
    assert one == entries.pseudonym(SECRET, "officer-7")
    assert one != entries.pseudonym(SECRET, "officer-8")
    assert one != entries.pseudonym(b"t" * 32, "officer-7")  # another workspace
    mac = hmac.new(SECRET, b"fti/officer/v1\x00officer-7", hashlib.sha256).hexdigest()
    assert one == f"hmac-sha256:{mac}"
    # without the key, the public inputs do not give it (the account list is small)
    for unkeyed in (b"officer-7", b"fti/officer/v1\x00officer-7"):
        assert one[12:] != hashlib.sha256(unkeyed).hexdigest()
    # never the same value as a text digest or a commitment of the same characters
    assert one != entries.digest_text(SECRET, "officer-7")
    with pytest.raises(InputError):
        entries.pseudonym(SECRET, "officer-\ud800")


def test_the_leaf_id_is_stable_across_retries_and_derived_from_the_pseudonym() -> None:
    first = entries.id_of(_leaf("officer-7"))
    assert first == entries.id_of(_leaf("officer-7", time=datetime(2026, 1, 1, tzinfo=UTC)))
    assert first != entries.id_of(_leaf("officer-8"))
    commitment = entries.commit_taxpayer(SECRET, "900123456")
    parts = ["IRS", "C-2026-0007", commitment]
    pseudo = entries.pseudonym(SECRET, "officer-7")
    assert first == entries.leaf_id("inspection", *parts, pseudo, EVENT)
    # the id is no hash over the account id, which anyone could test names against
    assert first != entries.leaf_id("inspection", *parts, "officer-7", EVENT)


def test_a_first_layout_leaf_still_parses_and_reads_as_the_same_pseudonym() -> None:
    obj = entries.parse(V1_LEAF)
    assert "v" not in obj and obj["inspector"] == "officer-7"
    assert entries.id_of(V1_LEAF) == obj["id"]
    # the same official under either layout: one name in every view
    assert entries.inspector_pseudonym(SECRET, obj) == json.loads(_leaf("officer-7"))["inspector"]
    with pytest.raises(InputError, match="layout"):
        entries.inspector_pseudonym(SECRET, {**obj, "v": 3})
    with pytest.raises(InputError, match="only by pseudonym"):
        entries.inspector_pseudonym(SECRET, {**obj, "v": 2})  # v2 with an account id
    with pytest.raises(InputError, match="no inspector"):
        entries.inspector_pseudonym(SECRET, {**obj, "kind": "disclosure"})


def test_a_log_with_both_layouts_verifies_and_accounts_for_both(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    origin = "fti-gateway.example/inspection-test"
    with Ledger.open(tmp_path, origin, key, durable=False) as led:
        led.append_once([V1_LEAF])
        # the same look under v2 has another id (a retry that spans the upgrade writes it
        # again); a retry under v2 writes nothing twice
        led.append_once([_leaf("officer-7"), _leaf("officer-7")])
        assert led.size == 2
    vk = Signer(origin, key).verifier_key
    report = verify(tmp_path, vk)
    assert report.ok and report.size == 2
    rows = [r for r in accounting.load(tmp_path, vk).rows if r.kind == "inspection"]
    assert len(rows) == 2
    assert rows[0].taxpayer == rows[1].taxpayer and rows[0].reason == rows[1].reason
