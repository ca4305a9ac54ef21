"""A released request, made once per session: a small synthetic vault, one lawful
request run through the pipeline (package signed, leaves in the ledger) and one denied.

The downloads find a request through ``downloads.resolve_request``; these tests give it
the two requests directly (by resource ids of their own), so they do not depend on how
requests are filed over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from fti_gateway.core.errors import NotFoundError
from fti_gateway.core.workspace import Workspace
from fti_gateway.service import create_app, downloads
from fti_gateway.service.auth import Principal
from tests.service.authclient import Agency

RELEASED_ID = "a" * 24
DENIED_ID = "b" * 24
AWAITING_ID = "c" * 24


@dataclass
class Served:
    ws: Workspace
    client: TestClient
    doj: Agency
    ice: Agency
    request_id: str
    run_dir: Path
    denied_request_id: str


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    from fti_gateway.pipeline.submit import submit
    from fti_gateway.vault.store import Vault
    from fti_gateway.vault.synth import master, request

    ws = Workspace.init(tmp_path_factory.mktemp("served") / "home")
    master.generate(ws.vault_dir / "master", 300, seed=11)
    files = request.generate(Vault.for_workspace(ws), "criminal-i2", 12, 3, ws.home / "req")
    run = submit(ws, files.manifest)
    assert run.disclosed > 0, "the fixture needs a released package"
    manifest = yaml.safe_load(files.manifest.read_text())
    denied = dict(manifest, id=manifest["id"] + "-X", authority="6103(z)(9)")
    denied_path = files.manifest.with_name("denied.yaml")
    denied_path.write_text(yaml.safe_dump(denied))
    assert submit(ws, denied_path).outcome == "deny"
    agency = manifest["requester"]["agency"]
    records = {
        RELEASED_ID: downloads.RequestRecord(RELEASED_ID, agency, manifest["id"], "released"),
        DENIED_ID: downloads.RequestRecord(DENIED_ID, agency, denied["id"], "denied"),
        # The same package, held until a witness quorum cosigns its checkpoint.
        # The API calls it "decided" (API.md's closed list); the store says why.
        AWAITING_ID: downloads.RequestRecord(
            AWAITING_ID, agency, manifest["id"], "decided", "awaiting-witness"
        ),
    }

    def resolve(home: Path, principal: Principal, resource_id: str) -> downloads.RequestRecord:
        rec = records.get(resource_id)
        if rec is None or rec.agency != principal.agency:
            raise NotFoundError(f"no request with id {resource_id!r}")
        return rec

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(downloads, "resolve_request", resolve)
        client = TestClient(create_app(ws.home))
        doj = Agency(client, agency).register(ws.home)
        ice = Agency(client, "ICE").register(ws.home)
        yield Served(ws, client, doj, ice, manifest["id"], run.run_dir, denied["id"])
