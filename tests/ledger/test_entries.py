"""Ledger leaves: canonical JSON, and no taxpayer in the clear."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fti_gateway.core.errors import InputError
from fti_gateway.ledger import entries
from fti_gateway.ledger.tiles import MAX_ENTRY

SECRET = b"s" * 32
T = datetime(2025, 6, 4, 15, 30, tzinfo=UTC)
U1 = entries.pseudonym(SECRET, "u1")


def test_commitment_is_hmac_sha256_of_the_digits() -> None:
    want = hmac.new(SECRET, b"900123456", hashlib.sha256).hexdigest()
    assert entries.commit_taxpayer(SECRET, "900-12-3456") == f"hmac-sha256:{want}"
    assert entries.commit_taxpayer(SECRET, "900123456") == entries.commit_taxpayer(
        SECRET, " 900 12 3456"
    )
    assert entries.commit_taxpayer(b"t" * 32, "900123456") != entries.commit_taxpayer(
        SECRET, "900123456"
    )


@pytest.mark.parametrize("tin", ["12345678", "90012345a", "", "9001234567"])
def test_malformed_tins_are_refused(tin: str) -> None:
    with pytest.raises(InputError):
        entries.commit_taxpayer(SECRET, tin)


def test_a_disclosure_leaf_is_canonical_and_holds_only_the_commitment() -> None:
    c = entries.commit_taxpayer(SECRET, "900-12-3456")
    leaf = entries.disclosure(
        agency="DOJ",
        request_id="R-1",
        authority="6103(i)(2)",
        recipient="DOJ",
        elements=["identity.address"],
        periods=["2023"],
        taxpayer=c,
        time=T,
    )
    obj = json.loads(leaf)
    assert leaf == json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()
    assert obj["kind"] == "disclosure" and obj["format"] == "fti/ledger-entry/v1"
    assert obj["taxpayer"] == c and obj["time"] == "2025-06-04T15:30:00.000000Z"
    assert b"900" not in leaf.replace(c.encode(), b"")
    assert entries.parse(leaf) == obj
    assert entries.leaf_date(obj) == date(2025, 6, 4)


@pytest.mark.parametrize("taxpayer", ["900123456", "900-12-3456", "John Doe", "hmac-sha256:abc"])
def test_a_raw_tin_or_name_can_never_become_a_leaf(taxpayer: str) -> None:
    with pytest.raises(InputError):
        entries.disclosure(
            agency="DOJ",
            request_id="R-1",
            authority="6103(i)(2)",
            recipient="DOJ",
            elements=[],
            periods=[],
            taxpayer=taxpayer,
        )
    with pytest.raises(InputError):
        entries.inspection(
            agency="DOJ",
            request_id="R-1",
            inspector=U1,
            reason_digest=entries.digest_text(SECRET, "r"),
            taxpayer=taxpayer,
        )


def test_every_kind_parses_back() -> None:
    c = entries.commit_taxpayer(SECRET, "900123456")
    leaves = [
        entries.request_received(
            agency="DOJ",
            request_id="R-1",
            authority="6103(i)(2)",
            received=date(2025, 6, 4),
            digest="ab" * 32,
            reason_digest=entries.digest_text(SECRET, "wire fraud"),
            elements=["identity.address"],
            periods=["2023"],
            subjects=3,
            time=T,
        ),
        entries.decision(
            agency="DOJ",
            request_id="R-1",
            authority="6103(i)(2)",
            outcome="partial",
            elements_allowed=["identity.address"],
            elements_refused={"return.agi": "6103(i)(2)(A)"},
            subjects={"total": 3, "approved": 1},
            time=T,
        ),
        entries.disclosure(
            agency="DOJ",
            request_id="R-1",
            authority="6103(i)(2)",
            recipient="DOJ",
            elements=["identity.address"],
            periods=["2023"],
            taxpayer=c,
            time=T,
        ),
        entries.inspection(
            agency="DOJ",
            request_id="R-1",
            inspector=entries.pseudonym(SECRET, "officer-7"),
            reason_digest=entries.digest_text(SECRET, "review of an ambiguous match"),
            taxpayer=c,
            time=T,
        ),
        entries.disposition(
            agency="DOJ",
            request_id="R-1",
            item="it-" + "0" * 20,
            item_kind="match",
            rule="6103(a)",
            action="decide",
            outcome="approve",
            reason_digest=entries.digest_text(SECRET, "the DOB agrees"),
            officer=entries.pseudonym(SECRET, "avery"),
            revision=2,
            taxpayer=c,
            time=T,
        ),
        entries.alert(
            alert_id="al-" + "1" * 20,
            rule="self-household",
            rule_version="1",
            principal=entries.pseudonym(SECRET, "E00017"),
            events=1,
            events_digest="cd" * 32,
            score=95,
            taxpayer=c,
            seen=T,
            time=T,
        ),
        entries.alert_disposition(
            alert_id="al-" + "1" * 20,
            outcome="substantiated",
            reason_digest=entries.digest_text(SECRET, "looked up own refund"),
            officer=entries.pseudonym(SECRET, "AUD001"),
            taxpayer=c,
            time=T,
        ),
    ]
    assert [entries.parse(x)["kind"] for x in leaves] == list(entries.KINDS)


def test_an_alert_leaf_holds_no_tin_no_name_no_text() -> None:
    good = {
        "alert_id": "al-" + "1" * 20, "rule": "no-case", "rule_version": "1",
        "principal": entries.pseudonym(SECRET, "E1"), "events": 2, "events_digest": "ab" * 32,
        "score": 40, "taxpayer": None, "seen": T,
    }  # fmt: skip
    assert entries.parse(entries.alert(**good))["alert"] == good["alert_id"]
    for bad in (
        {"taxpayer": "900123456"},  # a TIN, not a commitment
        {"principal": "E1"},  # a name, not a pseudonym
        {"rule": "looked up a neighbour"},  # free text
        {"score": 101},
        {"events": 0},
    ):
        with pytest.raises(InputError):
            entries.alert(**{**good, **bad})
    with pytest.raises(InputError):
        entries.alert_disposition(
            alert_id=good["alert_id"], outcome="substantiated", reason_digest="curiosity",
            officer=entries.pseudonym(SECRET, "AUD"),
        )  # fmt: skip


def test_non_canonical_or_foreign_json_is_not_a_leaf() -> None:
    with pytest.raises(InputError):
        entries.parse(b'{"kind": "decision", "format": "fti/ledger-entry/v1"}')
    with pytest.raises(InputError):
        entries.parse(b'{"format":"other","kind":"decision"}')
    with pytest.raises(InputError):
        entries.parse(b"\xff")


def test_naive_times_and_unknown_outcomes_are_refused() -> None:
    with pytest.raises(InputError):
        entries.decision(agency="A", request_id="R", authority="x", outcome="maybe")
    with pytest.raises(InputError):
        entries.decision(
            agency="A", request_id="R", authority="x", outcome="deny", time=datetime(2025, 1, 1)
        )


# -- identity (issue 14 item 6) --------------------------------------------------------


def _received(**kw: object) -> bytes:
    args: dict[str, object] = {
        "agency": "DOJ",
        "request_id": "R-1",
        "authority": "6103(i)(2)",
        "received": "2025-06-01",
        "digest": "ab" * 32,
    }
    args.update(kw)
    return entries.request_received(**args)  # type: ignore[arg-type]


def test_every_leaf_has_an_id_from_its_identity_never_its_time() -> None:
    c1, c2 = (entries.commit_taxpayer(SECRET, t) for t in ("900000001", "900000002"))
    why = entries.digest_text(SECRET, "resolution")
    later = datetime(2025, 6, 5, tzinfo=UTC)

    def ids(time: datetime) -> list[str]:
        leaves = [
            _received(time=time, subjects=time.day),
            entries.decision(
                agency="DOJ", request_id="R-1", authority="6103(i)(2)", outcome="deny", time=time
            ),
            entries.disclosure(
                agency="DOJ",
                request_id="R-1",
                authority="6103(i)(2)",
                recipient="DOJ",
                elements=[],
                periods=[],
                taxpayer=c1,
                time=time,
            ),
            entries.inspection(
                agency="DOJ",
                request_id="R-1",
                inspector=U1,
                reason_digest=why,
                taxpayer=c1,
                time=time,
            ),
        ]
        return [json.loads(leaf)["id"] for leaf in leaves]

    first = ids(T)
    assert first == ids(later) and len(set(first)) == 4
    assert all(entries.LEAF_ID.fullmatch(i) for i in first)
    want = hashlib.sha256(
        entries.canonical(["fti/ledger-id/v1", "request_received", "DOJ", "R-1"])
    ).hexdigest()
    assert first[0] == want == entries.id_of(_received())
    # what the identity holds tells leaves apart
    assert entries.id_of(_received(request_id="R-2")) != first[0]
    assert entries.id_of(_received(agency="ICE")) != first[0]
    d = {"agency": "DOJ", "request_id": "R-1", "authority": "x", "outcome": "deny"}
    assert entries.id_of(entries.decision(**d, revision=2)) != first[1]  # type: ignore[arg-type]
    other = entries.inspection(
        agency="DOJ",
        request_id="R-1",
        inspector=entries.pseudonym(SECRET, "u2"),
        reason_digest=why,
        taxpayer=c1,
    )
    assert entries.id_of(other) != first[3]
    assert entries.id_of(other.replace(c1.encode(), c2.encode())) is not None
    assert entries.id_of(b"legacy bytes") is None
    assert entries.id_of(b'{"format":"fti/ledger-entry/v1","kind":"decision"}') is None


# -- no free text (issue 14 items 7 and 9) --------------------------------------------


def test_a_reason_is_a_keyed_domain_separated_digest() -> None:
    d = entries.digest_text(SECRET, "wire fraud")
    mac = hmac.new(SECRET, b"fti/text/v1\x00wire fraud", hashlib.sha256).hexdigest()
    assert d == f"hmac-sha256:{mac}"
    assert entries.digest_text(b"t" * 32, "wire fraud") != d
    # never equal to the commitment of the same characters
    assert entries.digest_text(SECRET, "900123456") != entries.commit_taxpayer(SECRET, "900123456")
    with pytest.raises(InputError):
        entries.digest_text(b"short", "x")


def test_free_text_reasons_never_enter_a_leaf() -> None:
    """Issue 14 item 7: purpose.reason was copied verbatim into the leaf."""
    reason = "Jane Roe, SSN 900-12-3456, born 1970-01-01, wire fraud"
    with pytest.raises(InputError, match="only as a keyed digest"):
        _received(reason_digest=reason)
    leaf = _received(reason_digest=entries.digest_text(SECRET, reason))
    assert b"Jane" not in leaf and b"900-12" not in leaf
    c = entries.commit_taxpayer(SECRET, "900123456")
    with pytest.raises(InputError, match="only as a keyed digest"):
        entries.inspection(
            agency="DOJ", request_id="R-1", inspector=U1, reason_digest=reason, taxpayer=c
        )


def test_a_70_kb_reason_still_makes_a_leaf_that_fits() -> None:
    """Issue 14 item 9: "entry 0 of the batch is 70486 bytes"."""
    leaf = _received(reason_digest=entries.digest_text(SECRET, "x" * 70_000))
    assert len(leaf) < 1000


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("statutes", ["18 U.S.C. 1343, per John Smith (SSN 900-12-3456)"]),
        ("statutes", ["18 U.S.C. 1343\nJohn Smith"]),
        ("statutes", ["x" * 61]),
        ("authority", "6103(i)(2); the subject Jane Roe lives at 1 Main St"),
        ("elements", ["identity.address", "Jane Roe's W-2"]),
        ("periods", ["tax year 2023 for Jane"]),
        ("requester_position", "U.S. Attorney Jane Roe"),
        ("purpose", "Jane Roe"),
        ("request_id", "R-1\n" + "y" * 100),
        ("agency", "Department of Justice, Jane Roe"),
        ("digest", "not a digest"),
        ("elements", ["identity.address"] * 201),
    ],
)
def test_every_other_string_field_is_a_short_identifier(field: str, value: object) -> None:
    with pytest.raises(InputError) as e:
        _received(**{field: value})
    assert "Jane Roe lives" not in str(e.value)  # the error quotes at most 20 characters


def test_statute_citations_are_kept_as_written() -> None:
    leaf = json.loads(_received(statutes=["18 U.S.C. 1343", "8 U.S.C. 1253(a)(1)", "§ 7201"]))
    assert leaf["statutes"] == ["18 U.S.C. 1343", "8 U.S.C. 1253(a)(1)", "§ 7201"]


def test_decision_and_disclosure_fields_are_checked_too() -> None:
    c = entries.commit_taxpayer(SECRET, "900123456")
    base = {"agency": "DOJ", "request_id": "R-1", "authority": "6103(i)(2)"}
    with pytest.raises(InputError):
        entries.decision(**base, outcome="deny", elements_refused={"x": "because Jane Roe"})
    with pytest.raises(InputError):
        entries.decision(**base, outcome="deny", revision=0)
    with pytest.raises(InputError):
        entries.disclosure(**base, recipient="Jane Roe", elements=[], periods=[], taxpayer=c)
    with pytest.raises(InputError):
        entries.inspection(
            agency="DOJ",
            request_id="R-1",
            inspector="Jane Roe, examiner",
            reason_digest=entries.digest_text(SECRET, "r"),
            taxpayer=c,
        )


_text = st.text(max_size=300) | st.text(alphabet="ab1 .()§-\n,", max_size=80)


@settings(max_examples=150, deadline=None)
@given(
    agency=_text,
    request_id=_text,
    authority=_text,
    statutes=st.lists(_text, max_size=60),
    elements=st.lists(_text, max_size=250),
    periods=st.lists(_text, max_size=120),
    position=st.none() | _text,
    purpose=st.none() | _text,
)
def test_any_input_gives_a_leaf_that_fits_or_an_input_error(
    agency: str,
    request_id: str,
    authority: str,
    statutes: list[str],
    elements: list[str],
    periods: list[str],
    position: str | None,
    purpose: str | None,
) -> None:
    try:
        leaf = entries.request_received(
            agency=agency,
            request_id=request_id,
            authority=authority,
            received="2025-06-01",
            digest="ab" * 32,
            purpose=purpose,
            reason_digest=entries.digest_text(SECRET, request_id),
            statutes=statutes,
            elements=elements,
            periods=periods,
            requester_position=position,
        )
    except InputError:
        return
    assert len(leaf) <= MAX_ENTRY
    assert b"\n" not in leaf and b"," not in leaf.replace(b'","', b"").replace(b"],", b"")


@pytest.mark.parametrize(
    "data",
    [
        b"[" * 20_000 + b"]" * 20_000,  # json.loads: RecursionError
        b'{"format":"fti/ledger-entry/v1","a":' * 50 + b"1" + b"}" * 50,
        b"1" * 5_000,  # int(): ValueError, over Python's 4300-digit limit
        b'{"format":"fti/ledger-entry/v1","subjects":' + b"9" * 5_000 + b"}",
        b"[" * 100_000,  # over the entry size limit as well
    ],
    ids=["deep-list", "deep-object", "long-number", "long-number-in-leaf", "huge"],
)
def test_deep_or_huge_json_is_refused_as_not_a_leaf(data: bytes) -> None:
    with pytest.raises(InputError):
        entries.parse(data)
    assert entries.id_of(b"{" + data) is None


def test_a_lone_surrogate_is_an_input_error_in_every_leaf_path() -> None:
    """A JSON or YAML ``"\\ud800"`` escape yields text UTF-8 cannot hold; a leaf refuses it
    as input instead of raising UnicodeEncodeError half-way through a submission."""
    with pytest.raises(InputError, match="U\\+D800"):
        entries.digest_text(b"k" * 16, "\ud800 wire fraud")
    with pytest.raises(InputError, match="U\\+DFFF"):
        entries.canonical({"reason": "wire \udfff fraud"})


@pytest.mark.parametrize("day", ["2025-13-01", "2025-02-30", "２０２５-01-01", "", "x"])
def test_a_received_date_that_is_not_a_date_is_an_input_error(day: str) -> None:
    with pytest.raises(InputError, match="not a date"):
        entries.request_received(
            agency="DOJ", request_id="R-1", authority="6103(i)(2)", received=day, digest="d" * 64
        )
