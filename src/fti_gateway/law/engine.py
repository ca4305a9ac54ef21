"""``decide``: a request (manifest + accepted subjects + intake rejects) → a Decision.

Order of work: find the authority (none → 6103(a) default deny), run its request checks,
decide each element asked for, run its per-subject checks (vectorized), add one refused
row per intake reject so nothing is silently dropped, and let the Decision compute its
outcome from all of that.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import pandas as pd

from fti_gateway.core.elements import CATALOGUE
from fti_gateway.intake.models import Manifest
from fti_gateway.law.authorities import AUTHORITIES
from fti_gateway.law.authorities.base import Authority, Context, Verdict, subject_frame
from fti_gateway.law.decision import SUBJECT_COLUMNS, AuthorityInfo, Decision
from fti_gateway.law.dispositions import Disposition, refs, settle
from fti_gateway.law.findings import Finding, Result, SubjectResult, failed
from fti_gateway.law.registries import Registry

DEFAULT_DENY = "6103(a)"
_I6_AUTHORITIES = ("6103(i)(1)", "6103(i)(2)", "6103(i)(3)(A)", "6103(i)(5)", "6103(i)(7)(A)")


def decide(
    manifest: Manifest,
    subjects: pd.DataFrame,
    registry: Registry,
    *,
    rejects: Sequence[Any] | None = None,
    as_of: date | None = None,
    dispositions: Sequence[Disposition] | None = None,
) -> Decision:
    """Decide a request. ``as_of`` (default: the day it was received) dates every registry
    lookup, so a decision can be reproduced after the registries change. ``dispositions``
    (law.dispositions) are a person's answers to earlier ``review`` findings: the checks
    run as before, and each answered question becomes a finding citing its disposition."""
    on = as_of or manifest.received
    subjects = subjects.reset_index(drop=True)
    authority = AUTHORITIES.get(manifest.authority.strip())
    if authority is None:
        return _unknown_authority(manifest, subjects, rejects or [], on)
    answers = {(d.key, d.rule): d for d in dispositions or [] if d.kind == "subject"}
    ctx = Context(
        manifest=manifest, subjects=subjects, registry=registry, as_of=on, answers=answers
    )

    findings = authority.request_findings(ctx)
    allowed, refused, held, element_findings = _elements(authority, ctx)
    findings += element_findings
    frame, subject_level = authority.subject_findings(ctx)
    findings += subject_level
    frame = _with_rejects(frame, rejects or [])
    if dispositions:
        s = settle(findings, allowed, refused, held, frame, dispositions)
        findings, allowed, refused, held, frame = s.findings, s.allowed, s.refused, s.held, s.frame
    return Decision(
        request_agency=manifest.requester.agency,
        request_id=manifest.id,
        authority=authority.info(ctx),
        checked=findings,
        elements_allowed=allowed,
        elements_refused=refused,
        elements_review=held,
        subject_findings=frame,
        as_of=on,
        periods=list(manifest.taxable_periods),
        bar_rule=authority.bar_rule,
        dispositions=refs(dispositions or []),
    )


def _elements(
    authority: Authority, ctx: Context
) -> tuple[list[str], dict[str, str], dict[str, str], list[Finding]]:
    allowed: list[str] = []
    refused: dict[str, str] = {}
    held: dict[str, str] = {}
    findings: list[Finding] = []
    asked = list(dict.fromkeys(e.strip() for e in ctx.manifest.elements))
    if not asked:
        findings.append(failed(authority.id, "the request names no data element"))
    for element_id in asked:
        element = CATALOGUE.get(element_id)
        if element is None:
            refused[element_id] = DEFAULT_DENY
            findings.append(
                failed_element(
                    element_id,
                    DEFAULT_DENY,
                    "not a catalogued data element (FORMATS §4); nothing unknown is disclosed",
                )
            )
            continue
        if element.internal:
            rule = "6103(i)(6)" if authority.id in _I6_AUTHORITIES else DEFAULT_DENY
            refused[element_id] = rule
            findings.append(
                failed_element(
                    element_id, rule, "internal to the gateway's own checks; never released"
                )
            )
            continue
        v = authority.element_verdict(element_id, ctx)
        if v.verdict is Verdict.ALLOW:
            allowed.append(element_id)
        elif v.verdict is Verdict.REFUSE:
            refused[element_id] = v.rule
            findings.append(failed_element(element_id, v.rule, v.message))
        else:
            held[element_id] = v.rule
            findings.append(
                Finding(v.rule, Result.REVIEW, f"{element_id}: {v.message}", level="element")
            )
    return allowed, refused, held, findings


def failed_element(element_id: str, rule: str, message: str) -> Finding:
    """An element refusal: recorded as an element-level finding, so it refuses that element
    (outcome partial) without failing the whole request."""
    return Finding(rule, Result.FAIL, f"{element_id} refused: {message}", level="element")


def _with_rejects(frame: pd.DataFrame, rejects: Sequence[Any]) -> pd.DataFrame:
    if not rejects:
        return frame
    rows = {
        "subject_id": [
            getattr(r, "subject_id", None) or f"line-{getattr(r, 'line', '?')}" for r in rejects
        ],
        "result": [SubjectResult.DENY.value] * len(rejects),
        "rule": [DEFAULT_DENY] * len(rejects),
        "message": [
            f"row rejected at intake ({getattr(r, 'field', None) or 'row'}, line {getattr(r, 'line', '?')}): {getattr(r, 'reason', r)}"
            for r in rejects
        ],
    }
    extra = pd.DataFrame(rows, columns=SUBJECT_COLUMNS)
    extra = extra.drop_duplicates("subject_id")
    extra = extra[~extra["subject_id"].isin(frame["subject_id"])]
    return pd.concat([frame, extra], ignore_index=True)


def _unknown_authority(
    manifest: Manifest, subjects: pd.DataFrame, rejects: Sequence[Any], on: date
) -> Decision:
    claimed = manifest.authority
    known = ", ".join(AUTHORITIES)
    table = subject_frame(subjects, DEFAULT_DENY, "no authority applies")
    table.result[:] = SubjectResult.DENY.value
    frame = table.frame()
    return Decision(
        request_agency=manifest.requester.agency,
        request_id=manifest.id,
        authority=AuthorityInfo(
            id=claimed,
            citation="26 U.S.C. 6103(a)",
            title="no modeled authority",
            recipient=manifest.requester.agency,
            use_restriction="nothing may be disclosed",
            accounting=False,
            safeguards=False,
        ),
        checked=[
            failed(
                DEFAULT_DENY,
                f"authority {claimed!r} is not one the gateway models ({known}); returns and return information are confidential unless an authority applies",
            )
        ],
        elements_allowed=[],
        elements_refused={e: DEFAULT_DENY for e in manifest.elements},
        subject_findings=_with_rejects(frame, rejects),
        as_of=on,
        periods=list(manifest.taxable_periods),
    )
