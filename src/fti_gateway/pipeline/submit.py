"""`submit`: one request through every stage, in order, with a run folder at the end.

The order is the law's order: nothing is looked up in the vault before the law stage has
said which subjects may be looked up at all, and nothing is packaged before the (i)(6)
check has seen the resolved taxpayers. Everything received is persisted, and the
request's receipt is in the ledger, before any stage acts on it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from fti_gateway.core.keys import load_commitment_secret, load_signing_key
from fti_gateway.core.workspace import Workspace
from fti_gateway.disclose import PackageSpec, build_package
from fti_gateway.intake import ParsedRequest, load_request
from fti_gateway.intake.persist import receive
from fti_gateway.law import Decision, check_resolved, decide, load_registry
from fti_gateway.ledger import entries
from fti_gateway.ledger.workspace import open_ledger
from fti_gateway.report.decision import render_summary
from fti_gateway.resolve import resolve
from fti_gateway.store import StateStore
from fti_gateway.vault.store import Vault

Progress = Callable[[str], None]

FLAG_COLUMNS = ("irs.open_tax_investigation", "irs.confidential_informant")
RESOLVER = "fti-gateway/resolve"


@dataclass
class RunResult:
    """What one submission produced; the CLI prints it, the service returns it."""

    run_dir: Path
    outcome: str
    new: bool
    receipt_message: str
    decision: dict[str, object]
    summary: str
    subject_counts: dict[str, int] = field(default_factory=dict)
    match_counts: dict[str, int] = field(default_factory=dict)
    disclosed: int = 0
    rejected_rows: int = 0
    checkpoint: str | None = None


def run_dir_for(ws: Workspace, agency: str, request_id: str) -> Path:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in f"{agency}__{request_id}")
    return ws.runs_dir / safe


def _vault_facts(vault: Vault, taxpayer_ids: list[str]) -> pd.DataFrame:
    """TIN and (i)(6) flags of the resolved taxpayers, across every tax year the vault holds."""
    cols = ", ".join(f'bool_or(coalesce(m."{c}", false)) AS "{c}"' for c in FLAG_COLUMNS)
    con = vault.connect()
    try:
        con.register("wanted", pd.DataFrame({"taxpayer_id": pd.Series(taxpayer_ids, dtype=str)}))
        return con.execute(
            f"SELECT m.taxpayer_id, any_value(m.tin) AS tin, {cols} "
            "FROM master m JOIN wanted w USING (taxpayer_id) GROUP BY m.taxpayer_id"
        ).df()
    finally:
        con.close()


def _received_leaf(parsed: ParsedRequest) -> bytes:
    m = parsed.manifest
    return entries.request_received(
        agency=m.requester.agency,
        request_id=m.id,
        authority=m.authority,
        received=m.received,
        digest=parsed.digest,
        purpose=m.purpose.kind.value,
        reason=m.purpose.reason,
        statutes=m.purpose.statutes,
        elements=m.elements,
        periods=m.taxable_periods,
        subjects=len(parsed.subjects) + len(parsed.rejects),
        requester_position=m.requester.position,
    )


def _package_spec(parsed: ParsedRequest, decision: Decision) -> PackageSpec:
    m = parsed.manifest
    info = decision.authority
    return PackageSpec(
        request_agency=m.requester.agency,
        request_id=m.id,
        authority=m.authority,
        recipient=info.recipient or m.requester.agency,
        elements=list(decision.elements_allowed),
        periods=list(decision.periods or m.taxable_periods),
        use_restriction=info.use_restriction,
        outcome=decision.outcome,
    )


def submit(ws: Workspace, manifest_path: Path, *, progress: Progress | None = None) -> RunResult:
    """Run one request through every stage; idempotent on (agency, id)."""
    say = progress or (lambda _msg: None)
    say("intake: reading the request")
    parsed = load_request(manifest_path)
    store = StateStore.for_workspace(ws)
    receipt = receive(parsed, store)
    manifest = parsed.manifest
    agency, request_id = manifest.key
    run_dir = run_dir_for(ws, agency, request_id)
    if not receipt.new and (run_dir / "decision.json").exists():
        decision_doc = json.loads((run_dir / "decision.json").read_text())
        return RunResult(
            run_dir=run_dir,
            outcome=str(decision_doc["outcome"]),
            new=False,
            receipt_message=receipt.message,
            decision=decision_doc,
            summary=(run_dir / "summary.md").read_text(),
        )
    run_dir.mkdir(parents=True, exist_ok=True)
    # A package without a decision.json is from a run that stopped before its disclosures
    # reached the ledger: it was never released, so it is rebuilt, not kept.
    shutil.rmtree(run_dir / "package", ignore_errors=True)
    run_pk = store.start_run(receipt.request_pk, str(run_dir))

    signing_key = load_signing_key(ws.keys_dir)
    # Waits for another writer (a concurrent submission) rather than failing at once.
    with open_ledger(ws) as ledger:
        ledger.append([_received_leaf(parsed)])

        say("law: deciding the request")
        registry = load_registry(ws.registry_dir if ws.registry_dir.exists() else None)
        decision: Decision = decide(manifest, parsed.subjects, registry, rejects=parsed.rejects)

        matches = pd.DataFrame()
        commitments: dict[str, str] = {}
        vault = Vault.for_workspace(ws)
        findings = decision.subject_findings
        approved = findings.loc[findings["result"] == "approve", "subject_id"]
        if decision.outcome != "deny" and len(approved):
            to_resolve = parsed.subjects[parsed.subjects["subject_id"].isin(approved)]
            if vault.is_empty():
                # No taxpayer at all: every subject is a no-match, decided as such below.
                matches = pd.DataFrame(
                    {
                        "subject_id": to_resolve["subject_id"],
                        "taxpayer_id": None,
                        "status": "no_match",
                    }
                )
            else:
                say(f"resolve: matching {len(to_resolve):,} subjects against the vault")
                matches = resolve(to_resolve, vault, models_dir=ws.models_dir)
            matches.to_parquet(run_dir / "matches.parquet", index=False)
            found = matches.loc[matches["status"] == "match", "taxpayer_id"].dropna()
            facts = _vault_facts(vault, found.astype(str).tolist())
            secret = load_commitment_secret(ws.keys_dir)
            commitments = {
                tp: entries.commit_taxpayer(secret, tin)
                for tp, tin in zip(facts["taxpayer_id"], facts["tin"], strict=True)
            }
            # 6103(b)(7): resolving a subject examines the matched taxpayer's record.
            ledger.append(
                [
                    entries.inspection(
                        agency=agency,
                        request_id=request_id,
                        inspector=RESOLVER,
                        reason="identity resolution for a request under " + manifest.authority,
                        taxpayer=commitments[tp],
                        elements=["identity.name", "identity.address", "identity.tin"],
                        authority=manifest.authority,
                    )
                    for tp in found
                ]
            )
            resolved = matches.merge(
                facts.drop(columns=["tin"]), on="taxpayer_id", how="left"
            ).reindex(columns=["subject_id", "taxpayer_id", "status", *FLAG_COLUMNS])
            decision = check_resolved(decision, resolved)

        disclosed = no_data = 0
        if decision.outcome in ("approve", "partial") and not matches.empty:
            released = decision.subject_findings.merge(
                matches[["subject_id", "taxpayer_id", "status"]], on="subject_id"
            )
            released = released[(released["result"] == "approve") & (released["status"] == "match")]
            if len(released) and decision.elements_allowed:
                say(f"disclose: packaging {len(released):,} subjects")
                spec = _package_spec(parsed, decision)
                info = build_package(run_dir / "package", spec, released, vault, signing_key)
                secret = load_commitment_secret(ws.keys_dir)
                ledger.append(
                    [
                        entries.disclosure(
                            agency=agency,
                            request_id=request_id,
                            authority=manifest.authority,
                            recipient=spec.recipient,
                            elements=spec.elements,
                            periods=list(periods),
                            taxpayer=entries.commit_taxpayer(secret, tin),
                            purpose=manifest.purpose.kind.value,
                            package=info.manifest_sha256,
                        )
                        for tin, periods in zip(
                            info.disclosed["tin"], info.disclosed["periods"], strict=True
                        )
                    ]
                )
                disclosed = len(info.subjects)
                no_data = len(info.no_data)

        decision_doc = decision.to_json(subject_findings_name="subject_findings.csv")
        ledger.append(
            [
                entries.decision(
                    agency=agency,
                    request_id=request_id,
                    authority=manifest.authority,
                    outcome=decision.outcome,
                    elements_allowed=decision.elements_allowed,
                    elements_refused=decision.elements_refused,
                    subjects=decision_doc.get("subjects"),
                    digest=hashlib.sha256(decision.json_bytes()).hexdigest(),
                )
            ]
        )
        checkpoint = ledger.checkpoint().decode()

    say("report: writing the run folder")
    (run_dir / "checkpoint").write_text(checkpoint)
    summary = render_summary(
        decision_doc,
        decision.subject_findings,
        matches,
        rejects=parsed.rejects,
        disclosed=disclosed,
        no_data=no_data,
    )
    (run_dir / "summary.md").write_text(summary)
    decision.write(run_dir)  # written last among the files: it marks a finished run
    store.save_decision(receipt.request_pk, decision_doc, decision.subject_findings)
    store.set_status(
        receipt.request_pk, _STATUS[decision.outcome] if not disclosed else "disclosed"
    )
    store.finish_run(run_pk, "done", {"outcome": decision.outcome, "disclosed": disclosed})
    return RunResult(
        run_dir=run_dir,
        outcome=decision.outcome,
        new=receipt.new,
        receipt_message=receipt.message,
        decision=decision_doc,
        summary=summary,
        subject_counts=decision.counts,
        match_counts=_counts(matches["status"]) if not matches.empty else {},
        disclosed=disclosed,
        rejected_rows=len(parsed.rejects),
        checkpoint=checkpoint,
    )


def _counts(values: pd.Series) -> dict[str, int]:
    return {str(k): int(v) for k, v in values.value_counts().items()}


_STATUS = {"approve": "decided", "partial": "decided", "deny": "denied", "review": "review"}
