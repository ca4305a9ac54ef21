"""The whole pipeline on a small generated workspace: decisions, packages, ledger, idempotency."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from fti_gateway.core.workspace import Workspace
from fti_gateway.disclose import verify_package
from fti_gateway.ledger import accounting, verify
from fti_gateway.ledger.workspace import verifier_key
from fti_gateway.pipeline.submit import submit
from fti_gateway.vault.store import Vault
from fti_gateway.vault.synth import master, request


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    ws = Workspace.init(tmp_path_factory.mktemp("pipeline") / "home")
    master.generate(ws.vault_dir / "master", 3000, seed=11)
    return ws


def _request(ws: Workspace, kind: str, size: int, seed: int) -> Path:
    files = request.generate(Vault.for_workspace(ws), kind, size, seed, ws.home / f"req-{kind}")
    return files.manifest


def _raw_leaves(ws: Workspace) -> list[bytes]:
    from fti_gateway.ledger.reader import TileReader
    from fti_gateway.ledger.storage import FsStorage

    size = verify(ws.ledger_dir, verifier_key(ws)).size
    reader = TileReader(FsStorage(ws.ledger_dir), size)
    return [e for n in range((size + 255) // 256) for e in reader.bundle(n)]


def _leaves(ws: Workspace) -> list[accounting.Row]:
    return accounting.load(ws.ledger_dir, verifier_key(ws)).rows


def test_a_lawful_request_is_decided_resolved_and_accounted(ws: Workspace) -> None:
    manifest = _request(ws, "criminal-i2", 60, seed=3)
    run = submit(ws, manifest)
    decision = json.loads((run.run_dir / "decision.json").read_text())
    assert decision["format"] == "fti/decision/v1"
    assert decision["outcome"] == run.outcome
    findings = pd.read_csv(run.run_dir / "subject_findings.csv")
    assert len(findings) == decision["subjects"]["total"] == 60
    matches = pd.read_parquet(run.run_dir / "matches.parquet")
    # Only subjects the law let through were looked up in the vault.
    approved_by_law = set(findings.loc[findings["result"] != "deny", "subject_id"])
    assert set(matches["subject_id"]) <= approved_by_law | set(findings["subject_id"])
    # Every match that was not a clean match is held or refused, never approved.
    unclear = matches.loc[matches["status"] != "match", "subject_id"]
    assert not findings.loc[findings["subject_id"].isin(unclear), "result"].eq("approve").any()
    assert verify(ws.ledger_dir, verifier_key(ws)).ok
    rows = [r for r in _leaves(ws) if r.request_id == decision["request"]["id"]]
    kinds = [r.kind for r in rows]
    assert kinds[0] == "request_received" and kinds[-1] == "decision"
    # The ledger's decision leaf commits to the exact decision.json in the run folder.
    leaves = accounting.load(ws.ledger_dir, verifier_key(ws))
    stored_leaves = [json.loads(b) for b in _raw_leaves(ws)]
    digests = [
        leaf["digest"]
        for leaf in stored_leaves
        if leaf["kind"] == "decision" and leaf["request"]["id"] == decision["request"]["id"]
    ]
    on_disk = hashlib.sha256((run.run_dir / "decision.json").read_bytes()).hexdigest()
    assert digests == [on_disk] and leaves.checkpoint.size >= len(rows)
    assert kinds.count("inspection") == int((matches["status"] == "match").sum())
    assert kinds.count("disclosure") == run.disclosed
    if run.disclosed:
        assert run.outcome in ("approve", "partial")
        report = verify_package(run.run_dir / "package")
        assert report.ok
        data = pd.read_parquet(run.run_dir / "package" / "data.parquet")
        released = set(data["subject_id"])
        ok = set(findings.loc[findings["result"] == "approve", "subject_id"])
        assert released <= ok
    else:
        assert not (run.run_dir / "package").exists()


def test_resubmission_changes_nothing(ws: Workspace) -> None:
    manifest = _request(ws, "criminal-i2", 20, seed=4)
    first = submit(ws, manifest)
    size = verify(ws.ledger_dir, verifier_key(ws)).size
    again = submit(ws, manifest)
    assert again.new is False and again.outcome == first.outcome
    assert "already" in again.receipt_message
    assert verify(ws.ledger_dir, verifier_key(ws)).size == size


def test_an_unknown_authority_is_denied_without_looking_anyone_up(ws: Workspace) -> None:
    manifest = _request(ws, "criminal-i2", 10, seed=5)
    doc = yaml.safe_load(manifest.read_text())
    doc["authority"] = "6103(z)(9)"
    doc["id"] = "DOJ-UNKNOWN-AUTHORITY-1"
    manifest.write_text(yaml.safe_dump(doc))
    run = submit(ws, manifest)
    assert run.outcome == "deny"
    assert not (run.run_dir / "matches.parquet").exists()
    assert not (run.run_dir / "package").exists()
    rows = [r for r in _leaves(ws) if r.request_id == "DOJ-UNKNOWN-AUTHORITY-1"]
    assert [r.kind for r in rows] == ["request_received", "decision"]
    assert verify(ws.ledger_dir, verifier_key(ws)).ok


def test_the_bulk_request_discloses_nothing_without_review(ws: Workspace) -> None:
    run = submit(ws, _request(ws, "ice-2025", 400, seed=6))
    findings = pd.read_csv(run.run_dir / "subject_findings.csv")
    assert run.outcome in ("review", "deny")
    assert run.disclosed == 0
    # The 2025 failure: a placeholder address never passes, whatever else matches.
    subjects = pd.read_csv(manifest_subjects(run), dtype=str, keep_default_na=False)
    placeholder = subjects["street"].str.upper().isin(["FAILED TO PROVIDE", "UNKNOWN ADDRESS"])
    held = findings.set_index("subject_id").loc[subjects.loc[placeholder, "subject_id"], "result"]
    assert (held == "deny").all()


def manifest_subjects(run: object) -> Path:
    run_dir: Path = run.run_dir  # type: ignore[attr-defined]
    ws_home = run_dir.parent.parent
    return ws_home / "req-ice-2025" / "subjects.csv"


def test_a_run_interrupted_after_packaging_resumes_with_the_same_package(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "own")  # its state is wiped below: not the shared one
    master.generate(ws.vault_dir / "master", 3000, seed=11)
    manifest = _request(ws, "criminal-i2", 30, seed=8)
    first = submit(ws, manifest)
    assert first.disclosed
    package_sha = hashlib.sha256((first.run_dir / "package" / "manifest.json").read_bytes())
    size = verify(ws.ledger_dir, verifier_key(ws)).size
    # A stop after the disclosures reached the ledger, before the run finished: the state
    # store forgets the request, and the run folder has its package and no decision.
    (first.run_dir / "decision.json").unlink()
    import sqlalchemy as sa

    from fti_gateway.store import StateStore

    store = StateStore.for_workspace(ws)
    with store.engine.begin() as c:
        for table in ("subject_findings", "decisions", "runs", "request_events",
                      "request_rejects", "request_subjects", "requests"):  # fmt: skip
            c.execute(sa.text(f"DELETE FROM {table}"))
    again = submit(ws, manifest)
    assert again.new and again.outcome == first.outcome and again.disclosed == first.disclosed
    # The package the ledger's disclosure leaves name is kept, never rebuilt...
    on_disk = hashlib.sha256((again.run_dir / "package" / "manifest.json").read_bytes())
    assert on_disk.hexdigest() == package_sha.hexdigest()
    assert verify_package(again.run_dir / "package").ok
    # ...and nothing is accounted twice: the retry wrote no new leaf.
    assert verify(ws.ledger_dir, verifier_key(ws)).size == size
    assert (again.run_dir / "decision.json").exists()
