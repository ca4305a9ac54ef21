"""Release gate: a package is not released until its ledger entries sit under a
checkpoint the witness quorum cosigned.

With a ``witness-policy`` in the workspace, a run that disclosed asks the witnesses to
cosign the ledger's latest checkpoint (which covers the run's entries) before it marks
the request ``disclosed`` (API: ``released``). Short of the quorum — a witness down, a
split-view alarm — the request waits as ``awaiting-witness`` and its package is not
served; ``fti witness cosign``, or the request's next run (the worker takes
``awaiting-witness`` requests up again when it starts), asks again and releases every
waiting request whose entries the newly witnessed checkpoint covers.

Without a policy (the demo default) nothing waits: a package is released once its
entries are in the signed log, as before witnessing existed.
"""

from __future__ import annotations

import logging
from pathlib import Path

from fti_gateway.core.errors import FtiError
from fti_gateway.core.workspace import Workspace
from fti_gateway.pipeline.rundir import CHECKPOINT
from fti_gateway.store import StateStore
from fti_gateway.witness.client import CosignResult, Post, cosign, http_post, witnessed
from fti_gateway.witness.policy import Policy, load_policy

AWAITING = "awaiting-witness"
RELEASED = "disclosed"
log = logging.getLogger("fti.witness")


def checkpoint_size(note: str) -> int:
    """The tree size of a checkpoint note (its second line)."""
    return int(note.split("\n", 2)[1])


def gate(ws: Workspace, status: str, checkpoint: str, post: Post = http_post) -> str:
    """``status`` as the release gate lets it stand: a ``disclosed`` request whose
    checkpoint (note text) the quorum has not cosigned is ``awaiting-witness``. Nothing
    here fails a finished run: a policy that cannot be read, or a cosigning round that
    fails, holds the package (in doubt, do not release) and is logged."""
    if status != RELEASED:
        return status
    try:
        policy = load_policy(ws)
    except FtiError:
        log.exception("the witness policy cannot be read; the package waits")
        return AWAITING
    if policy is None:
        return status
    size = checkpoint_size(checkpoint)
    if _covered(ws, policy, size):
        return RELEASED
    try:
        cosign(ws, policy, post)
    except Exception:
        log.exception("cosigning failed; the package waits for witnesses")
    return RELEASED if _covered(ws, policy, size) else AWAITING


def _covered(ws: Workspace, policy: Policy, size: int) -> bool:
    """Whether the quorum has cosigned a checkpoint of at least ``size``."""
    try:
        done = witnessed(ws, policy)
    except FtiError:
        log.exception("the quorum's checkpoint does not verify; the package waits")
        return False
    return done is not None and done.size >= size


def request_checkpoint(store: StateStore, request_pk: int) -> str | None:
    """The checkpoint the request's latest finished run was written under."""
    for run in reversed(store.list_runs(request_pk)):
        if run.status == "done" and run.run_dir:
            path = Path(run.run_dir) / CHECKPOINT
            if path.is_file():
                return path.read_text()
    return None


def cosign_and_release(
    ws: Workspace, store: StateStore, post: Post = http_post
) -> tuple[CosignResult | None, list[str]]:
    """One cosigning round over the latest checkpoint, then every ``awaiting-witness``
    request the quorum's checkpoint now covers is released. Returns the round's result
    (None without a policy) and the released requests as ``agency/id``."""
    policy = load_policy(ws)
    if policy is None:
        return None, []
    result = cosign(ws, policy, post)
    done = witnessed(ws, policy)
    released: list[str] = []
    if done is None:
        return result, released
    for record in store.list_requests():
        if record.status != AWAITING:
            continue
        note = request_checkpoint(store, record.pk)
        if note is not None and checkpoint_size(note) <= done.size:
            store.set_status(
                record.pk, RELEASED, note=f"witnessed: checkpoint {done.size} cosigned by quorum"
            )
            released.append(f"{record.agency}/{record.id}")
    return result, released
