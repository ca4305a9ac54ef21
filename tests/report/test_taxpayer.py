"""A taxpayer's view: a subject of a bulk request finds the request, the decision about them
and any disclosure, each with a proof the ledger README's stand-alone checker accepts."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import fti_gateway.ledger
from fti_gateway.core.workspace import Workspace
from fti_gateway.ledger import entries
from fti_gateway.ledger.state import LocalState
from fti_gateway.ledger.workspace import verifier_key
from fti_gateway.pipeline.submit import submit
from fti_gateway.report import taxpayer
from fti_gateway.vault.store import Vault
from fti_gateway.vault.synth import master, request
from tests.cli.runner import run
from tests.report.ledgers import SECRET, build, disclosed, inspection, inspection_v1

README = Path(fti_gateway.ledger.__file__).with_name("README.md")


def _checker(tmp_path: Path) -> Path:
    """The stand-alone checker, cut out of ledger/README.md as an auditor would."""
    text = README.read_text().split("<!-- auditor-snippet -->", 1)[1]
    script = tmp_path / "check_proof.py"
    script.write_text(text.split("```python\n", 1)[1].split("```", 1)[0])
    return script


@pytest.fixture(scope="module")
def bulk(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, pd.DataFrame]:
    """A workspace that ran one (i)(2) bulk request through the real pipeline."""
    ws = Workspace.init(tmp_path_factory.mktemp("taxpayer") / "home")
    master.generate(ws.vault_dir / "master", 800, seed=21)
    files = request.generate(Vault.for_workspace(ws), "criminal-i2", 24, 7, ws.home / "req")
    result = submit(ws, files.manifest)
    assert result.disclosed > 0
    findings = pd.read_csv(result.run_dir / "subject_findings.csv", dtype=str)
    subjects = pd.read_csv(files.subjects, dtype=str)
    return ws, subjects.merge(findings, on="subject_id")


def test_a_bulk_subject_sees_request_decision_and_disclosure_with_checked_proofs(
    bulk: tuple[Workspace, pd.DataFrame],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ws, subjects = bulk
    approved = subjects[(subjects["result"] == "approve") & subjects["tin"].notna()]
    denied = subjects[(subjects["result"] == "deny") & subjects["tin"].notna()]
    assert len(approved) and len(denied)
    checker, vk = _checker(tmp_path), verifier_key(ws)
    for tin, disclosed_to_them in ((approved["tin"].iloc[0], True), (denied["tin"].iloc[0], False)):
        proofs = tmp_path / f"proofs-{tin}"
        code, out, err = run(
            capsys,
            monkeypatch,
            "taxpayer",
            "view",
            tin,
            "--home",
            str(ws.home),
            "--json",
            "--proofs",
            str(proofs),
        )
        assert code == 0, err
        doc = json.loads(out)
        assert tin.replace("-", "") not in out  # the view names them by commitment only
        kinds = [e["kind"] for e in doc["events"]]
        assert kinds[0] == "request_received" and "decision" in kinds
        assert ("disclosure" in kinds) == disclosed_to_them
        for ev in doc["events"]:
            if ev["kind"] == "disclosure":
                assert ev["elements"] and ev["periods"] and ev["recipient"]
            if ev["kind"] == "inspection":
                assert entries.DIGEST.fullmatch(ev["inspector"])  # a pseudonym
            checked = subprocess.run(
                [sys.executable, str(checker), str(proofs / f"{ev['index']}.json"), vk],
                capture_output=True,
                text=True,
            )
            assert checked.returncode == 0, checked.stdout + checked.stderr
            assert checked.stdout.startswith(f"ok: entry {ev['index']} in")


def test_a_stranger_sees_nothing_and_a_bad_tin_is_refused(
    bulk: tuple[Workspace, pd.DataFrame],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ws, _ = bulk
    code, out, _err = run(
        capsys, monkeypatch, "taxpayer", "view", "999-99-9999", "--home", str(ws.home), "--json"
    )
    assert code == 0 and json.loads(out)["events"] == []
    code, _out, err = run(capsys, monkeypatch, "taxpayer", "view", "12", "--home", str(ws.home))
    assert code == 2 and "9 digits" in err


def test_deferred_entries_are_counted_not_shown_and_the_index_agrees_with_a_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from fti_gateway.ledger.log import Ledger
    from tests.report.ledgers import ORIGIN, leaves

    key = Ed25519PrivateKey.generate()
    d = tmp_path / "l"
    tin = "900000001"
    vk = build(d, [disclosed("DOJ", "A", "grand-jury", "2025-01-02", [tin, "900000002"])], key)
    secret_leaf = entries.disclosure(
        agency="FBI",
        request_id="B",
        authority="6103(i)(1)",
        recipient="FBI",
        elements=["identity.address"],
        periods=["2024"],
        taxpayer=entries.commit_taxpayer(SECRET, tin),
        notice_deferred=True,
    )
    with Ledger.open(d, ORIGIN, key, durable=False) as led:
        led.append_once([secret_leaf])  # fills the local state's subject index
        led.append(leaves(disclosed("ICE", "C", "grand-jury", "2025-03-02", [tin])))  # the tail
    state = LocalState.open_readonly(d)
    assert state is not None and state.indexed()[0] == 3  # leaf 3 is the tail, read
    state.close()
    monkeypatch.chdir(tmp_path)  # a relative ledger folder, as `--home ws` gives
    v = taxpayer.view(Path("l"), vk, SECRET, tin).to_json()
    assert [e["request"]["id"] for e in v["events"]] == ["A", "C"]
    assert v["deferred"][0]["text"] == "1 entries deferred under 6103(p)(3)(A)"
    assert v["deferred"][0]["count"] == 1
    (d / "state.sqlite").unlink()  # no index: the whole log is read, same answer
    for extra in ("state.sqlite-wal", "state.sqlite-shm"):
        (d / extra).unlink(missing_ok=True)
    assert taxpayer.view(d, vk, SECRET, tin).to_json() == v


def test_inspections_show_pseudonyms_and_new_proofs_hold_no_account_id(tmp_path: Path) -> None:
    """Issue 18: the view names officials by pseudonym, and the leaf bytes a proof carries
    must not name them either. A first-layout leaf (logged before) still shows, under the
    same pseudonym, with a proof that checks."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from fti_gateway.ledger.log import Ledger
    from fti_gateway.ledger.proofs import check_tlog_proof
    from tests.report.ledgers import ORIGIN

    key = Ed25519PrivateKey.generate()
    d, tin = tmp_path / "l", "900000001"
    vk = build(d, [disclosed("DOJ", "A", "grand-jury", "2025-01-02", [tin])], key)
    with Ledger.open(d, ORIGIN, key, durable=False) as led:
        led.append_once([inspection_v1("officer-7", tin, "C-1", "2025-02-01")])
        led.append_once([inspection("officer-7", tin, "C-2", "2025-03-01")])
        led.append_once([inspection("officer-8", tin, "C-3", "2025-04-01")])
    events = taxpayer.view(d, vk, SECRET, tin).to_json()["events"]
    looks = {e["request"]["id"]: e for e in events if e["kind"] == "inspection"}
    assert sorted(looks) == ["C-1", "C-2", "C-3"]
    seven, eight = (entries.pseudonym(SECRET, a) for a in ("officer-7", "officer-8"))
    assert [looks[r]["inspector"] for r in ("C-1", "C-2", "C-3")] == [seven, seven, eight]
    assert "officer-" not in json.dumps(looks["C-2"]) + json.dumps(looks["C-3"])
    for rid, ev in looks.items():
        leaf = base64.b64decode(ev["proof"]["entry"])
        assert check_tlog_proof(ev["tlog_proof"], leaf, vk)[0] == ev["index"]
        if rid == "C-1":  # logged in clear before layout 2; the log is never rewritten
            assert b'"inspector":"officer-7"' in leaf and b'"v"' not in leaf
        else:
            assert b"officer-" not in leaf and json.loads(leaf)["inspector"] == ev["inspector"]
