"""Every read of the vault on the way through `fti request submit` goes through the read
gate: each DuckDB connection to the vault is opened with the gate on the stack, and the
gate's trail holds one export per step, by the principal whose id the ledger names."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb
import pytest

from fti_gateway.core.keys import load_commitment_secret
from fti_gateway.core.workspace import Workspace
from fti_gateway.ledger import entries, verify
from fti_gateway.ledger.reader import TileReader
from fti_gateway.ledger.storage import FsStorage
from fti_gateway.ledger.tiles import TILE_WIDTH
from fti_gateway.ledger.workspace import verifier_key
from fti_gateway.pipeline.submit import submit
from fti_gateway.vault import access
from fti_gateway.vault.inspections import gate_log, read_events
from fti_gateway.vault.store import Vault
from fti_gateway.vault.synth import master
from fti_gateway.vault.synth.request import sample_request

GATE_FILE = str(Path(access.__file__).resolve())


def _gate_on_stack() -> bool:
    frame = sys._getframe(2)
    while frame is not None:
        if str(Path(frame.f_code.co_filename).resolve()) == GATE_FILE:
            return True
        frame = frame.f_back  # type: ignore[assignment]
    return False


@pytest.mark.slow
def test_every_vault_read_of_a_submit_goes_through_the_gate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = Workspace.init(tmp_path / "home")
    master.generate(ws.vault_dir / "master", 3000, seed=11)
    opened: list[bool] = []
    real_connect = Vault.connect

    def watched(self: Vault, **kw: object) -> duckdb.DuckDBPyConnection:
        opened.append(_gate_on_stack())
        return real_connect(self, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(Vault, "connect", watched)
    files = sample_request(ws.home, "criminal-i2", 40, 3, tmp_path / "req")
    run = submit(ws, files.manifest)
    assert run.outcome in ("approve", "partial"), run.outcome

    assert opened and all(opened), f"{opened.count(False)} vault connection(s) bypassed the gate"
    trail = [o for _, o in read_events(gate_log(ws.home))]
    assert trail[0]["principal"] == access.TEST_DATA.id  # the synthetic request's sample
    steps = [(e["principal"], e["purpose"], e["request"], e["outcome"]) for e in trail[1:]]
    rid = run.decision["request"]["id"]
    for purpose in ("identity-resolution", "disclosure-bars", "disclosure-package"):
        assert (access.RESOLVER.id, purpose, rid, "allowed") in steps, steps
    leaves = [json.loads(x) for x in _raw_leaves(ws)]
    inspectors = {x["inspector"] for x in leaves if x["kind"] == "inspection"}
    # the principal that ran the step, as its pseudonym (issue 18: no account id in a leaf)
    secret = load_commitment_secret(ws.keys_dir)
    assert inspectors == {entries.pseudonym(secret, access.RESOLVER.id)}
    assert not any(access.RESOLVER.id.encode() in x for x in _raw_leaves(ws))


def _raw_leaves(ws: Workspace) -> list[bytes]:
    size = verify(ws.ledger_dir, verifier_key(ws)).size
    reader = TileReader(FsStorage(ws.ledger_dir), size)
    return [e for n in range((size + TILE_WIDTH - 1) // TILE_WIDTH) for e in reader.bundle(n)]


def test_a_reader_kept_past_its_grant_reads_nothing(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "home")
    master.generate(ws.vault_dir / "master", 50, seed=1)
    gate = access.Gate.for_home(ws.home)
    with gate.read(access.RESOLVER, "export", purpose="identity-resolution", request="R") as r:
        kept = r
    with pytest.raises(RuntimeError, match="grant has ended"):
        kept.connect()
    with pytest.raises(RuntimeError, match="grant has ended"):
        kept.master_sql()
