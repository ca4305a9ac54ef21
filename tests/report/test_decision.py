import json

import pandas as pd

from fti_gateway.report.decision import counts_by_rule, example_explanation, render_summary


def _findings() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "subject_id": ["s1", "s2", "s3", "s4"],
            "result": ["deny", "deny", "approve", "review"],
            "rule": ["6103(i)(2)(B)(i)", "6103(i)(2)(B)(i)", None, "6103(i)(2)(B)(iv)"],
            "message": ["no usable address", "no usable address", None, "boilerplate reason"],
        }
    )


def test_counts_by_rule_groups_and_orders_largest_first() -> None:
    counts = counts_by_rule(_findings())
    assert counts.iloc[0]["rule"] == "6103(i)(2)(B)(i)"
    assert counts.iloc[0]["subjects"] == 2
    assert counts["subjects"].sum() == 4


def test_summary_states_outcome_rules_and_counts() -> None:
    decision = {
        "format": "fti/decision/v1",
        "request": {"agency": "DHS", "id": "R-1"},
        "authority": "6103(i)(2)",
        "outcome": "review",
        "findings": [
            {"rule": "6103(i)(2)(B)(iv)", "level": "request", "result": "review", "message": "m"}
        ],
        "elements": {"allowed": ["identity.address"], "refused": {"return.agi": "6103(i)(2)(A)"}},
        "subjects": {"total": 4, "approved": 1, "denied": 2, "review": 1},
    }
    matches = pd.DataFrame(
        {
            "subject_id": ["s3"],
            "taxpayer_id": ["TP000000001"],
            "status": ["match"],
            "match_weight": [21.5],
            "runner_up_weight": [3.0],
            "explanation": [
                json.dumps(
                    {
                        "best": {"fields": [{"field": "tin", "level": "exact", "bits": 12.0}]},
                        "prior_bits": -17.5,
                        "pass": "deterministic",
                        "reasons": ["deterministic rule: tin+name"],
                    }
                )
            ],
        }
    )
    text = render_summary(decision, _findings(), matches, rejects=[object()], disclosed=0)
    assert "**Outcome: review**" in text
    assert "refused: return.agi (6103(i)(2)(A))" in text
    assert "| deny | 6103(i)(2)(B)(i) | 2 | no usable address |" in text
    assert "1 rows rejected at intake" in text
    assert "| tin | exact | +12.00 |" in text
    assert "| (prior) | before any comparison | -17.50 |" in text
    assert "Why: deterministic rule: tin+name" in text


def test_intake_rejects_are_counted_under_one_label() -> None:
    findings = pd.DataFrame(
        {
            "subject_id": ["a", "b"],
            "result": ["deny", "deny"],
            "rule": ["6103(a)", "6103(a)"],
            "message": [
                "row rejected at intake (dob, line 3): dob is in the future",
                "row rejected at intake (tin, line 9): tin must be 9 digits",
            ],
        }
    )
    counts = counts_by_rule(findings)
    assert len(counts) == 1 and counts.iloc[0]["subjects"] == 2


def test_no_explanation_without_a_match() -> None:
    matches = pd.DataFrame({"subject_id": ["a"], "status": ["ambiguous"], "explanation": ["[]"]})
    assert example_explanation(matches) == []


def test_approved_subjects_without_records_are_explained() -> None:
    decision = {
        "request": {"agency": "DOJ", "id": "R"},
        "authority": "6103(i)(2)",
        "outcome": "partial",
        "subjects": {"total": 3, "approved": 3, "denied": 0, "review": 0},
    }
    text = render_summary(decision, _findings(), pd.DataFrame(), disclosed=1, no_data=2)
    assert "1 disclosed (2 approved subjects had no records for the periods asked" in text


def test_summary_of_a_denied_decision_allows_no_element() -> None:
    """From the law stage's own decision: a deny lists no element as allowed."""
    from fti_gateway.intake.models import SUBJECT_COLUMNS, Manifest
    from fti_gateway.law import decide, load_registry

    manifest = Manifest.model_validate(
        {
            "format": "fti/request/v1",
            "id": "R-2",
            "received": "2025-06-04",
            "authority": "6103(i)(2)",
            "requester": {"agency": "DOJ", "position": "us-attorney", "in_writing": False},
            "purpose": {"kind": "criminal-investigation", "statutes": ["18 U.S.C. 1343"]},
            "taxable_periods": ["2023"],
            "elements": ["identity.address", "return.agi"],
            "subjects": [],
        }
    )
    rows = pd.DataFrame([{"subject_id": "s1", "last_name": "Lee", "street": "1 Elm St"}])
    rows = rows.reindex(columns=list(SUBJECT_COLUMNS)).astype(object)
    rows = rows.where(rows.notna(), None)
    rows["line"] = [2]
    d = decide(manifest, rows, load_registry())
    assert d.outcome.value == "deny"
    text = render_summary(d.to_json(), d.subject_findings, pd.DataFrame())
    assert "- allowed: none" in text
    assert "- refused: identity.address (6103(i)(2)(B))" in text
    assert "- refused: return.agi (6103(i)(2)(A))" in text


def test_summary_lists_elements_held_for_review() -> None:
    decision = {
        "request": {"agency": "DHS", "id": "R-3"},
        "authority": "6103(c)",
        "outcome": "review",
        "elements": {"allowed": [], "refused": {}, "review": {"return.agi": "6103(c)"}},
        "subjects": {"total": 0},
    }
    text = render_summary(decision, _findings().iloc[0:0], pd.DataFrame())
    assert "- for review: return.agi (6103(c))" in text
