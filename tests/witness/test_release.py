"""A package is not released until its entries sit under a checkpoint the witness quorum
cosigned: 2 of 3 real witnesses, one down → released; two down → held as
awaiting-witness (and its download refused), then released once they are back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from fti_gateway.core.workspace import Workspace
from fti_gateway.ledger.workspace import verifier_key
from fti_gateway.pipeline.submit import submit
from fti_gateway.pipeline.witnessing import cosign_and_release, request_checkpoint
from fti_gateway.store import StateStore
from fti_gateway.witness.client import witnessed
from fti_gateway.witness.policy import load_policy, policy_path

from .procs import ThreadedWitness


@pytest.fixture(scope="module")
def setup(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Workspace, Path, list[ThreadedWitness]]]:
    from fti_gateway.vault.store import Vault
    from fti_gateway.vault.synth import master, request

    root = tmp_path_factory.mktemp("release")
    ws = Workspace.init(root / "home")
    master.generate(ws.vault_dir / "master", 300, seed=11)
    files = request.generate(Vault.for_workspace(ws), "criminal-i2", 12, 3, ws.home / "req")
    witnesses = [
        ThreadedWitness(root / f"w{n}", f"witness.test/w{n}", verifier_key(ws)) for n in (1, 2, 3)
    ]
    lines = [f"witness w{n} {w.cosigner.verifier_key} {w.url}" for n, w in enumerate(witnesses, 1)]
    policy_path(ws).write_text("\n".join([*lines, "group two 2 w1 w2 w3", "quorum two", ""]))
    yield ws, files.manifest, witnesses
    for w in witnesses:
        w.stop()


def _copy(manifest: Path, suffix: str) -> Path:
    doc = yaml.safe_load(manifest.read_text())
    out = manifest.with_name(f"manifest-{suffix}.yaml")
    out.write_text(yaml.safe_dump(dict(doc, id=f"{doc['id']}-{suffix}")))
    return out


def _status(ws: Workspace, pk: int | None) -> str:
    assert pk is not None
    return StateStore.for_workspace(ws).request(pk).status


def test_one_witness_down_still_releases(
    setup: tuple[Workspace, Path, list[ThreadedWitness]],
) -> None:
    ws, manifest, (w1, w2, _w3) = setup
    w1.start()
    w2.start()
    run = submit(ws, _copy(manifest, "A"))
    assert run.disclosed > 0
    assert _status(ws, run.request_pk) == "disclosed"
    policy = load_policy(ws)
    assert policy is not None
    done = witnessed(ws, policy)
    assert done is not None and done.size >= int(run.checkpoint.split("\n")[1])
    w1.stop()
    w2.stop()


def test_two_down_holds_the_package_until_they_are_back(
    setup: tuple[Workspace, Path, list[ThreadedWitness]],
) -> None:
    ws, manifest, (w1, _w2, w3) = setup
    w3.start()  # one of three: short of the quorum
    run = submit(ws, _copy(manifest, "B"))
    assert run.disclosed > 0 and run.request_pk is not None
    assert _status(ws, run.request_pk) == "awaiting-witness"
    store = StateStore.for_workspace(ws)
    _result, released = cosign_and_release(ws, store)
    assert released == [] and _status(ws, run.request_pk) == "awaiting-witness"
    # A second request's run does not release the first either, while witnesses are down.
    w1.start()
    result, released = cosign_and_release(ws, store)
    assert result is not None and result.satisfied
    agency, rid = store.request(run.request_pk).agency, store.request(run.request_pk).id
    assert released == [f"{agency}/{rid}"]
    assert _status(ws, run.request_pk) == "disclosed"
    note = request_checkpoint(store, run.request_pk)
    assert note is not None
    w1.stop()
    w3.stop()


def test_the_services_watch_retries_cosigning(
    setup: tuple[Workspace, Path, list[ThreadedWitness]],
) -> None:
    """`fti serve`'s ledger watch asks again each round and releases what it covers."""
    from fti_gateway.service.ledgerwatch import LedgerWatch

    ws, manifest, (_w1, w2, w3) = setup
    run = submit(ws, _copy(manifest, "C"))  # every witness down
    assert run.disclosed > 0 and _status(ws, run.request_pk) == "awaiting-witness"
    watch = LedgerWatch(ws, 300)
    watch.check()
    assert _status(ws, run.request_pk) == "awaiting-witness"
    w2.start()
    w3.start()
    try:
        watch.check()
        assert _status(ws, run.request_pk) == "disclosed"
    finally:
        w2.stop()
        w3.stop()
