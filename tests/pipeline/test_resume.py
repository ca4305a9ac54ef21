"""Runs that fail, collide or overlap: nothing lost, nothing counted twice (issue 14)."""

from __future__ import annotations

import json
import threading
from collections import Counter
from pathlib import Path

import pytest
import yaml

import fti_gateway.pipeline.submit as pipeline
from fti_gateway.core.workspace import Workspace
from fti_gateway.ledger import accounting, verify
from fti_gateway.ledger.workspace import verifier_key
from fti_gateway.pipeline.submit import run_dir_for, submit
from fti_gateway.store import StateStore
from fti_gateway.vault.store import Vault
from fti_gateway.vault.synth import master, request


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    ws = Workspace.init(tmp_path_factory.mktemp("resume") / "home")
    master.generate(ws.vault_dir / "master", 2000, seed=5)
    return ws


def _manifest(ws: Workspace, name: str, seed: int, request_id: str | None = None) -> Path:
    files = request.generate(Vault.for_workspace(ws), "criminal-i2", 12, seed, ws.home / name)
    if request_id is not None:
        doc = yaml.safe_load(files.manifest.read_text())
        doc["id"] = request_id
        files.manifest.write_text(yaml.safe_dump(doc))
    return files.manifest


def _kinds(ws: Workspace, request_id: str) -> Counter[str]:
    rows = accounting.load(ws.ledger_dir, verifier_key(ws)).rows
    return Counter(r.kind for r in rows if r.request_id == request_id)


def test_ids_that_differ_only_in_punctuation_get_their_own_run_folders(ws: Workspace) -> None:
    a = submit(ws, _manifest(ws, "case-space", 1, request_id="CASE 9"))
    b = submit(ws, _manifest(ws, "case-underscore", 2, request_id="CASE_9"))
    assert a.run_dir != b.run_dir
    assert a.run_dir == run_dir_for(ws, "DOJ", "CASE 9")
    assert b.run_dir == run_dir_for(ws, "DOJ", "CASE_9")
    # Neither overwrote the other: each folder holds its own request's decision.
    assert yaml.safe_load((a.run_dir / "decision.json").read_text())["request"]["id"] == "CASE 9"
    assert yaml.safe_load((b.run_dir / "decision.json").read_text())["request"]["id"] == "CASE_9"


def test_a_failed_step_is_recorded_and_a_retry_finishes_without_double_accounting(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = _manifest(ws, "fails-once", 3, request_id="FAILS-ONCE-1")

    def broken(*_a: object, **_k: object) -> None:
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(pipeline, "render_summary", broken)
    with pytest.raises(OSError, match="simulated"):
        submit(ws, manifest)
    store = StateStore.for_workspace(ws)
    record = store.get_request("DOJ", "FAILS-ONCE-1")
    assert record is not None and record.status == "failed"
    assert [r.status for r in store.list_runs(record.pk)] == ["failed"]
    assert "simulated" in str(store.list_runs(record.pk)[0].summary)
    before = _kinds(ws, "FAILS-ONCE-1")
    monkeypatch.undo()

    again = submit(ws, manifest)
    assert again.outcome in ("approve", "partial")
    after = _kinds(ws, "FAILS-ONCE-1")
    assert after["request_received"] == 1 and after["decision"] == 1
    # The first attempt had already accounted its inspections and disclosures.
    assert after["inspection"] == before["inspection"] > 0
    assert after["disclosure"] == before["disclosure"] == again.disclosed
    record = store.get_request("DOJ", "FAILS-ONCE-1")
    assert record is not None and record.status in ("decided", "disclosed")
    assert [r.status for r in store.list_runs(record.pk)] == ["failed", "done"]
    assert verify(ws.ledger_dir, verifier_key(ws)).ok


def test_a_run_that_died_is_marked_abandoned_by_the_next(ws: Workspace) -> None:
    manifest = _manifest(ws, "died", 4, request_id="DIED-1")
    store = StateStore.for_workspace(ws)
    from fti_gateway.intake import load_request
    from fti_gateway.intake.persist import receive

    receipt = receive(load_request(manifest), store)
    store.start_run(receipt.request_pk, "a run killed with -9")  # never finished
    submit(ws, manifest)
    assert [r.status for r in store.list_runs(receipt.request_pk)] == ["abandoned", "done"]


def test_a_slow_request_does_not_hold_up_another(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ledger is locked only while appending: a run stuck in resolution does not stop
    a second request from running to its end (before, it waited 30 s and gave up)."""
    slow, quick = _manifest(ws, "slow", 6, "SLOW-1"), _manifest(ws, "quick", 7, "QUICK-1")
    entered, release = threading.Event(), threading.Event()
    real = pipeline.resolve

    def stalled(subjects, vault, **kw):  # type: ignore[no-untyped-def]
        if (subjects["subject_id"].str.len() > 0).all() and not entered.is_set():
            entered.set()
            assert release.wait(120), "the test never released the slow run"
        return real(subjects, vault, **kw)

    monkeypatch.setattr(pipeline, "resolve", stalled)
    outcome: dict[str, object] = {}
    t = threading.Thread(target=lambda: outcome.setdefault("slow", submit(ws, slow)))
    t.start()
    try:
        assert entered.wait(120)
        done = submit(ws, quick)  # runs to its end while the slow one is mid-resolution
        assert done.outcome in ("approve", "partial")
    finally:
        release.set()
        t.join(180)
    assert "slow" in outcome
    assert verify(ws.ledger_dir, verifier_key(ws)).ok


def test_free_text_a_requester_writes_never_enters_a_leaf(ws: Workspace) -> None:
    """The reason, and statutes or periods spelled as prose, enter the log as keyed
    digests; the text stays in the state store (issue 14, item 7)."""
    manifest = _manifest(ws, "prose", 8, request_id="PROSE-1")
    doc = yaml.safe_load(manifest.read_text())
    secret_text = "John Q. Roe, SSN 900-12-3456, DOB 1980-01-02, lives at 1 Elm St"
    doc["purpose"]["reason"] = secret_text + " " + "x" * 70_000  # once over MAX_ENTRY
    doc["purpose"]["statutes"] = ["Title 18, United States Code, Section 1343"]
    doc["taxable_periods"] = ["2022", "tax year 2023"]
    doc["elements"] = ["identity.address", "the W-2 employer"]
    manifest.write_text(yaml.safe_dump(doc))
    run = submit(ws, manifest)
    assert run.outcome != "deny" or run.decision["findings"]
    raw = b"".join(_leaf_bytes(ws))
    for text in ("900-12-3456", "John Q. Roe", "Title 18", "tax year", "W-2 employer"):
        assert text.encode() not in raw
    received = [
        leaf
        for leaf in map(json.loads, _leaf_bytes(ws))
        if leaf["kind"] == "request_received" and leaf["request"]["id"] == "PROSE-1"
    ]
    assert len(received) == 1
    assert received[0]["reason"].startswith("hmac-sha256:")
    assert received[0]["statutes"][0].startswith("hmac-sha256:")
    assert received[0]["periods"][0] == "2022"
    assert received[0]["periods"][1].startswith("hmac-sha256:")
    store = StateStore.for_workspace(ws)
    record = store.get_request("DOJ", "PROSE-1")
    assert record is not None and record.manifest["purpose"]["reason"].startswith(secret_text)


def _leaf_bytes(ws: Workspace) -> list[bytes]:
    from fti_gateway.ledger.reader import TileReader
    from fti_gateway.ledger.storage import FsStorage

    size = verify(ws.ledger_dir, verifier_key(ws)).size
    reader = TileReader(FsStorage(ws.ledger_dir), size)
    return [e for n in range((size + 255) // 256) for e in reader.bundle(n)]


def test_a_doubled_vault_stops_a_request_before_anyone_is_looked_up(tmp_path: Path) -> None:
    """Two imports that both committed (before the vault had a lock) made every later
    request fail part-way, after its inspections were in the ledger; now the damage is
    named when the resolver first meets the changed vault, and nothing is looked up."""
    import shutil

    from fti_gateway.core.errors import IntegrityError

    ws = Workspace.init(tmp_path / "doubled")
    master.generate(ws.vault_dir / "master", 400, seed=9)
    manifest = _manifest(ws, "doubled-req", 9, request_id="DOUBLED-1")
    part = sorted((ws.vault_dir / "master").glob("*.parquet"))[0]
    shutil.copy(part, part.with_name("part-zz-copy.parquet"))
    with pytest.raises(IntegrityError, match="more than once"):
        submit(ws, manifest)
    assert _kinds(ws, "DOUBLED-1") == Counter({"request_received": 1})
    record = StateStore.for_workspace(ws).get_request("DOJ", "DOUBLED-1")
    assert record is not None and record.status == "failed"


def test_each_stage_of_a_run_is_recorded(ws: Workspace) -> None:
    """What API.md's `stages` list shows: every stage with its state and times."""
    run = submit(ws, _manifest(ws, "staged", 10, request_id="STAGED-1"))
    assert run.request_pk is not None
    stages = StateStore.for_workspace(ws).stages(run.request_pk)
    assert [s.name for s in stages] == ["intake", "law", "resolve", "disclose", "ledger"]
    assert run.disclosed and all(s.state == "done" for s in stages)
    assert all(s.started is not None and s.finished is not None for s in stages)
    accepted = run.decision["subjects"]["total"]
    assert (stages[0].done, stages[0].total) == (accepted, accepted + run.rejected_rows)
