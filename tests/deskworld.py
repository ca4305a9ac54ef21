"""A world for the review desk's tests (tests/review, tests/desk, tests/browser).

One synthetic vault and one (i)(2) request signed by a component head (a contested signer:
a request-level item) whose resolution leaves ambiguous matches (match items). The source
is made once per test session (``desk_source`` in tests/conftest.py: it trains the
model); each test takes a :func:`fresh` workspace holding a copy of its vault and model.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from fti_gateway.core.workspace import Workspace
from fti_gateway.ledger import entries
from fti_gateway.ledger.workspace import verifier_key
from fti_gateway.pipeline.submit import submit
from fti_gateway.resolve import index
from fti_gateway.review import add_officer
from fti_gateway.store import StateStore
from fti_gateway.store.reviews import ReviewStore
from fti_gateway.vault.store import Vault
from fti_gateway.vault.synth import master, request

OFFICERS = {"avery": "officer", "blake": "supervisor", "casey": "supervisor", "drew": "auditor"}
AGENCY, RID = "DOJ", "DOJ-DESK-1"


def pw(name: str) -> str:
    return f"correct horse battery {name}"


def make_source(base: Path) -> tuple[Workspace, Path]:
    """A workspace whose vault and model the tests copy, and the request's manifest."""
    ws = Workspace.init(base / "home")
    master.generate(ws.vault_dir / "master", 3000, seed=2025)
    files = request.generate(Vault.for_workspace(ws), "criminal-i2", 200, 2025, ws.home / "req")
    doc = yaml.safe_load(files.manifest.read_text())
    doc["id"] = RID
    doc["requester"]["position"] = "component-head"  # contested under (i)(2)(A): review
    files.manifest.write_text(yaml.safe_dump(doc))
    submit(ws, files.manifest)  # trains the model once
    return ws, files.manifest


def fresh(source: tuple[Workspace, Path], path: Path, *, informant: str | None = None) -> Workspace:
    """A new workspace holding the same vault and model, the request submitted, officers
    added; ``informant``: a taxpayer the copy's vault flags as a confidential informant
    (the flags play no part in matching, so the trained model still fits)."""
    src, manifest = source
    ws = Workspace.init(path)
    shutil.copytree(src.vault_dir, ws.vault_dir, dirs_exist_ok=True)
    if informant is not None:
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        for part in (ws.vault_dir / "master").glob("*.parquet"):
            t = pq.read_table(part)
            col = "irs.confidential_informant"
            flagged = pc.or_(t[col], pc.equal(t["taxpayer_id"], pa.scalar(informant)))
            pq.write_table(t.set_column(t.schema.get_field_index(col), col, flagged), part)
    # The trained model, under the copy's fingerprint (it names the vault's files by path).
    trained = index.locate(Vault.for_workspace(src), src.models_dir).dir
    shutil.copytree(trained, index.locate(Vault.for_workspace(ws), ws.models_dir).dir)
    shutil.copytree(manifest.parent, path / "req")
    submit(ws, path / "req" / manifest.name)
    reviews = ReviewStore(StateStore.for_workspace(ws))
    for name, role in OFFICERS.items():
        add_officer(reviews, name, role, pw(name))
    return ws


def leaves(ws: Workspace, kind: str) -> list[dict[str, object]]:
    from fti_gateway.ledger.proofs import open_log
    from fti_gateway.ledger.tiles import TILE_WIDTH

    cp, _note, reader = open_log(ws.ledger_dir, verifier_key(ws))
    data: list[bytes] = []
    for tile in range(-(-cp.size // TILE_WIDTH)):
        data.extend(reader.bundle(tile))
    parsed = [entries.parse(d) for d in data[: cp.size]]
    return [p for p in parsed if p["kind"] == kind]
