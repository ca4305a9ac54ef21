"""The service re-verifies its ledger on a schedule and says so loudly on damage."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from fti_gateway.core.errors import IntegrityError
from fti_gateway.core.workspace import Workspace
from fti_gateway.ledger.workspace import open_ledger
from fti_gateway.service import create_app


def test_damage_found_by_the_scheduled_check_is_reported_and_stops_appends(
    workspace: Workspace,
) -> None:
    with open_ledger(workspace) as ledger:
        ledger.append([b'{"n":%d}' % i for i in range(300)])  # one full tile and more
    app = create_app(workspace.home, verify_every=0.2)
    with TestClient(app) as client:
        assert client.get("/v1/health").status_code == 200
        deadline = time.monotonic() + 30
        while app.state.ledger_watch.checked_size != 300:
            assert time.monotonic() < deadline, "the watch never checked the ledger"
            time.sleep(0.05)
        tile = workspace.ledger_dir / "tile" / "entries" / "000"
        data = bytearray(tile.read_bytes())
        data[100] ^= 0x01  # one bit of an old, full entry bundle
        tile.write_bytes(bytes(data))
        while app.state.ledger_watch.damage is None:
            assert time.monotonic() < deadline, "the watch never noticed the damage"
            time.sleep(0.05)
        r = client.get("/v1/health")
        assert r.status_code == 503 and r.json()["status"] == "ledger-damaged"
    with pytest.raises(IntegrityError), open_ledger(workspace) as ledger:
        ledger.append([b'{"n":"after"}'])


def test_the_watch_can_be_turned_off(workspace: Workspace) -> None:
    app = create_app(workspace.home, verify_every=0)
    with TestClient(app) as client:
        assert client.get("/v1/health").status_code == 200
    assert app.state.ledger_watch._thread is None
