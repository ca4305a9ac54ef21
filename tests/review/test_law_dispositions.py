"""Dispositions as the law stage's input (law/dispositions.py), scenario by scenario.

The law recomputes the decision from the request and the dispositions: an answered review
becomes a finding citing its rule and the disposition, a bright-line failure cannot be
approved, and a cleared match is checked against the bars on the chosen taxpayer.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from fti_gateway.intake import load_request
from fti_gateway.intake.models import SUBJECT_COLUMNS, Manifest
from fti_gateway.law import (
    BrightLineError,
    Decision,
    Disposition,
    Finding,
    check_resolved,
    decide,
    load_registry,
)
from fti_gateway.law.dispositions import after_resolution, request_keys, settle_matches
from fti_gateway.law.registries import Registry

SCENARIOS = Path(__file__).parents[1] / "law" / "scenarios"
SIGNER_RULE = "6103(i)(2)(A)"
ADDRESS_RULE = "6103(i)(2)(B)(i)"


def manifest(position: str = "us-attorney", agency: str = "DOJ") -> Manifest:
    return Manifest.model_validate({
        "format": "fti/request/v1", "id": "CASE-1", "received": "2025-06-04",
        "authority": "6103(i)(2)",
        "requester": {"agency": agency, "position": position, "in_writing": True, "signed": True},
        "purpose": {"kind": "criminal-investigation", "statutes": ["18 U.S.C. 1343"], "reason": None},
        "taxable_periods": ["2023"], "elements": ["identity.address"], "subjects": [],
    })  # fmt: skip


def subjects(streets: list[str]) -> pd.DataFrame:
    rows = [
        {"subject_id": f"S{i}", "last_name": f"Lee{i}", "street": s, "zip": "20001",
         "reason": f"reason number {i}"}
        for i, s in enumerate(streets)
    ]  # fmt: skip
    frame = pd.DataFrame(rows).reindex(columns=list(SUBJECT_COLUMNS)).astype(object)
    frame = frame.where(frame.notna(), None)
    frame["line"] = range(2, len(rows) + 2)
    return frame


@pytest.fixture(scope="module")
def reg() -> Registry:
    return load_registry()


def _signer(d: Decision) -> list[Finding]:
    """The who-may-sign finding (the signature check shares its rule, and comes first)."""
    return [f for f in d.findings if f.rule == SIGNER_RULE and "position" in f.message]


def _key(d: Decision, message: str) -> str:
    """The disposition key of the request-level finding whose message holds ``message``."""
    keys = request_keys(d.findings)
    return next(k for f, k in zip(d.findings, keys, strict=True) if message in f.message)


def test_a_contested_signer_cleared_on_review_becomes_a_finding_citing_the_disposition(
    reg: Registry,
) -> None:
    m, s = manifest("component-head", "ICE"), subjects(["1 Elm St", "2 Elm St"])
    before = decide(m, s, reg)
    assert before.outcome == "review" and str(_signer(before)[0].result) == "review"
    key = _key(before, "component-head")
    assert key == f"{SIGNER_RULE}#1"
    ok = Disposition("request", key, SIGNER_RULE, "approve", "it-x/r2")
    after = decide(m, s, reg, dispositions=[ok])
    (finding,) = _signer(after)
    assert str(finding.result) == "pass"
    assert "cleared on review (it-x/r2)" in finding.message
    assert after.outcome == "approve"
    doc = after.to_json()
    assert doc["dispositions"] == ["it-x/r2"]
    no = Disposition("request", key, SIGNER_RULE, "deny", "it-x/r2")
    refused = decide(m, s, reg, dispositions=[no])
    assert refused.outcome == "deny"
    assert "refused on review (it-x/r2)" in _signer(refused)[0].message


def test_an_ineligible_signer_cannot_be_approved(reg: Registry) -> None:
    m, s = manifest("case-agent", "FBI"), subjects(["1 Elm St"])
    first = decide(m, s, reg)
    assert str(_signer(first)[0].result) == "fail"
    d = Disposition("request", _key(first, "may not sign"), SIGNER_RULE, "approve", "it-x/r2")
    with pytest.raises(BrightLineError, match="cannot be approved"):
        decide(m, s, reg, dispositions=[d])


def test_a_placeholder_address_cannot_be_approved_but_a_detention_facility_can(
    reg: Registry,
) -> None:
    m = manifest()
    s = subjects(["Failed to Provide", "1 Elm St"])
    first = decide(m, s, reg)
    assert first.subject_findings.set_index("subject_id").loc["S0", "result"] == "deny"
    bad = Disposition("subject", "S0", ADDRESS_RULE, "approve", "it-y/r2")
    with pytest.raises(BrightLineError, match="placeholder"):
        decide(m, s, reg, dispositions=[bad])
    # Denying what the law already refuses changes nothing and raises nothing.
    same = decide(m, s, reg, dispositions=[Disposition("subject", "S0", ADDRESS_RULE, "deny", "r")])
    assert same.subject_findings.equals(first.subject_findings)


def _resolved(decision_frame: pd.DataFrame) -> pd.DataFrame:
    """The resolver's rows: S0 matched to TP-A, S1 ambiguous between TP-B and TP-C."""
    return pd.DataFrame({
        "subject_id": ["S0", "S1"], "taxpayer_id": ["TP-A", "TP-B"],
        "status": ["match", "ambiguous"],
    })  # fmt: skip


FLAGS = {  # the vault's internal flags per taxpayer: TP-C is a confidential informant
    "TP-A": (False, False), "TP-B": (False, False), "TP-C": (False, True),
}  # fmt: skip


def _with_flags(matches: pd.DataFrame) -> pd.DataFrame:
    """What the pipeline does after settling: read the chosen taxpayers' flags."""
    out = matches.copy()
    tp = out["taxpayer_id"].where(out["status"] == "match")
    out["irs.open_tax_investigation"] = [FLAGS[t][0] if isinstance(t, str) else None for t in tp]
    out["irs.confidential_informant"] = [FLAGS[t][1] if isinstance(t, str) else None for t in tp]
    return out


def test_a_cleared_match_runs_the_i6_bar_on_the_chosen_taxpayer(reg: Registry) -> None:
    m, s = manifest(), subjects(["1 Elm St", "2 Elm St"])
    decision = decide(m, s, reg)
    held = check_resolved(decision, _with_flags(_resolved(decision.subject_findings)))
    assert held.subject_findings.set_index("subject_id").loc["S1", "result"] == "review"

    chose_c = Disposition("match", "S1", "6103(a)", "approve", "it-m/r2", candidate="TP-C")
    settled = settle_matches(_resolved(decision.subject_findings), [chose_c])
    assert settled.set_index("subject_id").loc["S1", "taxpayer_id"] == "TP-C"
    out = after_resolution(check_resolved(decision, _with_flags(settled)), [chose_c])
    row = out.subject_findings.set_index("subject_id").loc["S1"]
    assert (row["result"], row["rule"]) == ("deny", "6103(i)(6)")
    assert "confidential informant" in row["message"]
    assert "taxpayer TP-C chosen on review (it-m/r2)" in row["message"]

    chose_b = Disposition("match", "S1", "6103(a)", "approve", "it-m/r2", candidate="TP-B")
    ok = after_resolution(
        check_resolved(decision, _with_flags(settle_matches(_resolved(None), [chose_b]))),  # type: ignore[arg-type]
        [chose_b],
    )
    assert ok.subject_findings.set_index("subject_id").loc["S1", "result"] == "approve"
    assert ok.outcome == "approve"


def test_a_match_is_approved_only_with_a_chosen_taxpayer() -> None:
    with pytest.raises(Exception, match="chosen taxpayer"):
        Disposition("match", "S1", "6103(a)", "approve", "r")


def test_an_element_held_for_review_is_allowed_or_refused_by_its_disposition(
    reg: Registry, tmp_path: Path
) -> None:
    """(i)(3)(B): identity goes out, other elements only "to the extent necessary": a
    person confirms each (the shipped scenario of that name)."""
    sc = yaml.safe_load((SCENARIOS / "i3b-elements-beyond-identity-go-to-review.yaml").read_text())
    (tmp_path / "m.yaml").write_text(yaml.safe_dump(sc["manifest"]))
    parsed = load_request(tmp_path / "m.yaml")
    m, s = parsed.manifest, parsed.subjects
    element = "info_return.w2.employer"
    assert decide(m, s, reg).elements_review == {element: "6103(i)(3)(B)"}
    ok = Disposition("element", element, "6103(i)(3)(B)", "approve", "it-e/r2")
    approved = decide(m, s, reg, dispositions=[ok])
    assert element in approved.elements_allowed and not approved.elements_review
    assert approved.outcome == "partial"  # return.copy stays refused
    assert any("cleared on review (it-e/r2)" in f.message for f in approved.findings)
    no = Disposition("element", element, "6103(i)(3)(B)", "deny", "it-e/r2")
    denied = decide(m, s, reg, dispositions=[no])
    assert denied.elements_refused[element] == "6103(i)(3)(B)"
    assert element not in denied.elements_allowed


REASON_RULE = "6103(i)(2)(B)(iv)"


def test_clearing_one_question_leaves_a_subjects_next_question_open(reg: Registry) -> None:
    """A subject held twice — a detention facility as its address and a boilerplate reason
    shared by 102 subjects — shows one question at a time. Clearing the address must not
    approve the reason no one has looked at: the subject is held again under (B)(iv), and
    a refusal of the boilerplate at the request level refuses it too."""
    m = manifest()
    s = subjects(["18201 Detention Center Rd", *(f"{i} Elm St" for i in range(1, 102))])
    s["reason"] = "suspected of an offence"
    first = decide(m, s, reg)
    rows = first.subject_findings.set_index("subject_id")
    assert (rows.loc["S0", "result"], rows.loc["S0", "rule"]) == ("review", ADDRESS_RULE)
    assert (rows.loc["S1", "result"], rows.loc["S1", "rule"]) == ("review", REASON_RULE)

    address_ok = Disposition("subject", "S0", ADDRESS_RULE, "approve", "it-a/r2")
    next_up = decide(m, s, reg, dispositions=[address_ok]).subject_findings.set_index("subject_id")
    assert (next_up.loc["S0", "result"], next_up.loc["S0", "rule"]) == ("review", REASON_RULE)

    boilerplate_no = Disposition(
        "request", _key(first, "identical reason"), REASON_RULE, "deny", "it-b/r2"
    )
    both = decide(m, s, reg, dispositions=[address_ok, boilerplate_no])
    rows = both.subject_findings.set_index("subject_id")
    assert (rows.loc["S0", "result"], rows.loc["S0", "rule"]) == ("deny", REASON_RULE)
    assert set(rows["result"]) == {"deny"} and both.outcome == "deny"
