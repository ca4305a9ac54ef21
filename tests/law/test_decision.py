"""Decision mechanics: outcome rules, FORMATS §5 JSON, check_resolved, bulk vectorization,
and that every authority declares what the law stage promises (citation, unmodelled clauses,
use restriction, (p)(3)(A)/(p)(4) flags)."""

from __future__ import annotations

import inspect
from datetime import date

import numpy as np
import pandas as pd
import pytest

from fti_gateway.intake.models import SUBJECT_COLUMNS, Manifest
from fti_gateway.law import AUTHORITIES, check_resolved, decide, load_registry
from fti_gateway.law.registries import Registry

MANIFEST = {
    "format": "fti/request/v1",
    "id": "DOJ-1",
    "received": "2025-06-04",
    "authority": "6103(i)(2)",
    "requester": {"agency": "DOJ", "position": "us-attorney", "in_writing": True, "signed": True},
    "purpose": {"kind": "criminal-investigation", "statutes": ["18 U.S.C. 1343"], "reason": None},
    "taxable_periods": ["2023"],
    "elements": ["identity.address"],
    "subjects": [],
}


@pytest.fixture(scope="module")
def reg() -> Registry:
    return load_registry()


def rows(n: int, bad_every: int = 0) -> pd.DataFrame:
    out = []
    for i in range(n):
        bad = bad_every and i % bad_every == 0
        out.append(
            {
                "subject_id": f"S{i}",
                "last_name": f"Lee{i}",
                "street": "Failed to Provide" if bad else f"{i + 1} Elm St",
                "zip": "20001",
                "reason": f"reason number {i}",
            }
        )
    # As intake hands rows on: every FORMATS §2 column as str/None, plus the source line.
    frame = pd.DataFrame(out).reindex(columns=list(SUBJECT_COLUMNS)).astype(object)
    frame = frame.where(frame.notna(), None)
    frame["line"] = range(2, n + 2)
    return frame


def test_every_authority_declares_what_the_law_stage_promises() -> None:
    assert set(AUTHORITIES) == {
        "6103(c)",
        "6103(d)",
        "6103(i)(1)",
        "6103(i)(2)",
        "6103(i)(3)(A)",
        "6103(i)(3)(B)",
        "6103(i)(5)",
        "6103(i)(7)(A)",
        "6103(l)(6)",
        "6103(l)(7)",
        "6103(l)(21)",
        "6103(m)(2)",
    }
    table = {  # (p)(3)(A) accounting, (p)(4) safeguards — shared/law/6103.md ((m)(2) safeguards [open]: imposed)
        "6103(c)": (False, False),
        "6103(d)": (True, True),
        "6103(i)(1)": (True, True),
        "6103(i)(2)": (True, True),
        "6103(i)(3)(A)": (True, True),
        "6103(i)(3)(B)": (True, True),
        "6103(i)(5)": (True, True),
        "6103(i)(7)(A)": (True, True),
        "6103(l)(6)": (True, True),
        "6103(l)(7)": (False, True),
        "6103(l)(21)": (True, True),
        "6103(m)(2)": (False, True),
    }
    for aid, a in AUTHORITIES.items():
        doc = inspect.getmodule(a).__doc__ or ""  # type: ignore[union-attr]
        assert doc.startswith(a.citation) and a.citation.startswith(f"26 U.S.C. {aid}"), aid
        assert "Not modeled" in doc, aid
        assert (
            a.not_modeled
            and a.requires
            and a.use_restriction
            and a.citation.startswith("26 U.S.C.")
        ), aid
        assert (a.accounting, a.safeguards) == table[aid], aid


def test_i6_bar_applies_to_the_listed_paragraphs_only() -> None:
    bars = {aid: a.bar_rule for aid, a in AUTHORITIES.items()}
    for aid in ("6103(i)(1)", "6103(i)(2)", "6103(i)(3)(A)", "6103(i)(5)", "6103(i)(7)(A)"):
        assert bars[aid] == "6103(i)(6)"
    assert bars["6103(i)(3)(B)"] is None


def test_decision_json_has_exactly_the_formats_5_fields(reg: Registry) -> None:
    d = decide(Manifest.model_validate(MANIFEST), rows(3, bad_every=3), reg)
    j = d.to_json(subject_findings_name="sf.csv")
    for key in (
        "format",
        "request",
        "authority",
        "outcome",
        "findings",
        "elements",
        "subjects",
        "subject_findings",
    ):
        assert key in j
    assert j["format"] == "fti/decision/v1"
    assert j["subject_findings"] == "sf.csv"
    assert (
        j["subjects"]["total"] == 3
        and j["subjects"]["denied"] == 1
        and j["subjects"]["approved"] == 2
    )
    assert j["outcome"] == "partial"
    assert list(d.subject_findings.columns) == ["subject_id", "result", "rule", "message"]
    assert j["authority_info"]["use_restriction"].startswith("Disclosed under 26 U.S.C. 6103(i)(2)")


def test_bulk_findings_are_exact_and_in_row_order(reg: Registry) -> None:
    n = 30_000
    d = decide(Manifest.model_validate(MANIFEST), rows(n, bad_every=7), reg)
    sf = d.subject_findings
    assert list(sf["subject_id"]) == [f"S{i}" for i in range(n)]
    bad = np.arange(n) % 7 == 0
    assert (sf["result"].to_numpy()[bad] == "deny").all()
    assert (sf["rule"].to_numpy()[bad] == "6103(i)(2)(B)(i)").all()
    assert (sf["result"].to_numpy()[~bad] == "approve").all()


def test_approved_subjects_empty_unless_outcome_allows(reg: Registry) -> None:
    m = Manifest.model_validate(
        {**MANIFEST, "requester": {**MANIFEST["requester"], "position": "component-head"}}
    )
    d = decide(m, rows(2), reg)
    assert d.outcome.value == "review" and d.approved_subjects.empty
    ok = decide(Manifest.model_validate(MANIFEST), rows(2), reg)
    assert list(ok.approved_subjects) == ["S0", "S1"]


def test_check_resolved_handles_every_status_and_flag_spelling(reg: Registry) -> None:
    d = decide(Manifest.model_validate(MANIFEST), rows(7), reg)
    resolved = pd.DataFrame(
        {
            "subject_id": ["S0", "S1", "S2", "S3", "S4", "S5"],
            "taxpayer_id": ["T0", None, "T2", "T3", "T4", "T5"],
            "status": ["match", "no_match", "ambiguous", "match", "match", "weird"],
            "irs.open_tax_investigation": [False, False, False, "true", "0", False],
            "irs.confidential_informant": [False, False, False, "false", 1, False],
        }
    )
    after = check_resolved(d, resolved).subject_findings.set_index("subject_id")
    assert after.loc["S0", "result"] == "approve"
    assert (after.loc["S1", "result"], after.loc["S1", "rule"]) == ("deny", "6103(a)")
    assert (after.loc["S2", "result"], after.loc["S2", "rule"]) == ("review", "6103(a)")
    assert (after.loc["S3", "result"], after.loc["S3", "rule"]) == ("deny", "6103(i)(6)")
    assert (after.loc["S4", "result"], after.loc["S4", "rule"]) == ("deny", "6103(i)(6)")
    assert (after.loc["S5", "result"], after.loc["S5", "rule"]) == ("review", "6103(a)")
    assert (after.loc["S6", "result"], after.loc["S6", "rule"]) == (
        "review",
        "6103(a)",
    )  # not resolved at all
    assert d.outcome.value == "approve"  # the original decision is not mutated


def test_check_resolved_recomputes_to_deny_when_nothing_remains(reg: Registry) -> None:
    d = decide(Manifest.model_validate(MANIFEST), rows(2), reg)
    resolved = pd.DataFrame(
        {
            "subject_id": ["S0", "S1"],
            "taxpayer_id": [None, None],
            "status": ["no_match"] * 2,
            "irs.open_tax_investigation": [None, None],
            "irs.confidential_informant": [None, None],
        }
    )
    after = check_resolved(d, resolved)
    assert after.outcome.value == "deny"
    assert any(f.rule == "6103(a)" and f.result.value == "fail" for f in after.findings)


def test_registry_lookups_are_dated_by_receipt_unless_as_of_is_given(reg: Registry) -> None:
    m = Manifest.model_validate(
        {**MANIFEST, "purpose": {**MANIFEST["purpose"], "statutes": ["18 U.S.C. 1028A"]}}
    )
    assert decide(m, rows(1), reg).outcome.value == "approve"
    assert decide(m, rows(1), reg, as_of=date(2004, 1, 1)).outcome.value == "review"


def test_summary_counts_by_outcome_and_rule(reg: Registry) -> None:
    from fti_gateway.law import summarize

    ok = decide(Manifest.model_validate(MANIFEST), rows(4, bad_every=2), reg)
    contested = Manifest.model_validate(
        {**MANIFEST, "requester": {**MANIFEST["requester"], "position": "component-head"}}
    )
    held = decide(contested, rows(3), reg)
    s = summarize([ok, held])
    assert s["requests"] == 2
    assert s["by_outcome"] == {"partial": 1, "review": 1}
    assert s["subjects"] == {"total": 7, "approved": 5, "denied": 2, "review": 0}
    assert s["subjects_by_rule"] == {"6103(i)(2)(B)(i)": 2}
    assert s["findings_by_rule"]["6103(i)(2)(A)"] == {"review": 1}


def test_write_puts_decision_and_findings_side_by_side(reg: Registry, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    d = decide(Manifest.model_validate(MANIFEST), rows(3, bad_every=3), reg)
    path = d.write(tmp_path / "run")
    j = json.loads(path.read_text())
    assert j["outcome"] == "partial" and j["subject_findings"] == "subject_findings.csv"
    back = pd.read_csv(tmp_path / "run" / "subject_findings.csv", dtype=str)
    assert list(back["result"]) == ["deny", "approve", "approve"]


def test_subject_findings_csv_escapes_every_formula_start(reg: Registry, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import csv
    import io

    from fti_gateway.core.csvsafe import FORMULA_STARTS

    frame = rows(len(FORMULA_STARTS))
    frame["subject_id"] = [c + "cmd|' /C calc'!A0" for c in FORMULA_STARTS]
    d = decide(Manifest.model_validate(MANIFEST), frame, reg)
    d.write(tmp_path / "run")
    text = (tmp_path / "run" / "subject_findings.csv").read_bytes().decode()
    back = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [r["subject_id"] for r in back] == ["'" + sid for sid in frame["subject_id"]]
    assert list(d.subject_findings["subject_id"]) == list(frame["subject_id"])  # raw in memory


def test_a_deny_allows_no_element_and_names_the_rule_that_denied(reg: Registry) -> None:
    from fti_gateway.law.explain import decision_text

    unsigned = {**MANIFEST, "elements": ["identity.address", "return.agi"]}
    unsigned["requester"] = {**MANIFEST["requester"], "in_writing": False}
    d = decide(Manifest.model_validate(unsigned), rows(2), reg)
    assert d.outcome.value == "deny"
    request_fail = next(f for f in d.findings if f.result.value == "fail" and f.level == "request")
    j = d.to_json()
    assert j["elements"]["allowed"] == [] and j["elements"]["review"] == {}
    # every requested element is refused: the one the authority refused keeps its own rule
    assert j["elements"]["refused"] == {
        "identity.address": request_fail.rule,
        "return.agi": "6103(i)(2)(A)",
    }
    assert "elements allowed: none" in decision_text(d)
    # no made-up "no data element may be disclosed" finding is added by the refusal
    assert not any("no data element" in f.message for f in d.findings)


def test_a_deny_after_resolution_refuses_the_elements_too(reg: Registry) -> None:
    d = decide(Manifest.model_validate(MANIFEST), rows(2), reg)
    assert d.elements_allowed == ["identity.address"]
    resolved = pd.DataFrame(
        {"subject_id": ["S0", "S1"], "taxpayer_id": [None, None], "status": ["no_match"] * 2}
    )
    after = check_resolved(d, resolved)
    assert after.outcome.value == "deny"
    assert after.elements_allowed == [] and after.elements_refused == {
        "identity.address": "6103(a)"
    }
    denied = [f.message for f in after.findings if f.result.value == "fail"]
    assert denied == [
        "none of the 2 subjects may be disclosed; returns and return information stay confidential"
    ]
