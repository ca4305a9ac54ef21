"""The service's watch over its ledger: ``fti ledger verify --since-last`` on a schedule.

Opening the ledger for an append already checks the right edge and the fingerprints of
every tile; this re-verifies, every ``interval`` seconds, what was added or changed since
the last verification and records the result. Damage is recorded in the ledger's local
state — after which every append is refused until a full ``fti ledger verify`` passes —
logged as an error, and shown by ``/v1/health`` (503), so an operator hears of it at once
rather than at the next request.

With a ``witness-policy``, each round also asks the witnesses to cosign the latest
checkpoint and releases the requests held as ``awaiting-witness`` that the quorum's
checkpoint now covers (pipeline/witnessing.py) — the service's retry of cosigning.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field

from fti_gateway.core.errors import BusyError
from fti_gateway.core.workspace import Workspace
from fti_gateway.ledger.fsck import verify_since_last
from fti_gateway.ledger.workspace import verifier_key
from fti_gateway.pipeline.witnessing import cosign_and_release
from fti_gateway.store import StateStore
from fti_gateway.witness.policy import load_policy

log = logging.getLogger(__name__)

INTERVAL_ENV = "FTI_VERIFY_EVERY"
DEFAULT_INTERVAL = 300.0


def interval_from_env(given: float | None = None) -> float:
    """Seconds between checks: ``given``, else ``$FTI_VERIFY_EVERY``, else 300; 0 = off."""
    if given is not None:
        return given
    return float(os.environ.get(INTERVAL_ENV, DEFAULT_INTERVAL))


@dataclass
class LedgerWatch:
    """Checks the workspace's ledger every ``interval`` seconds in a daemon thread."""

    ws: Workspace
    interval: float
    damage: str | None = None
    checked_size: int | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def check(self) -> None:
        """One since-last verification; a busy ledger is checked next time."""
        if not (self.ws.ledger_dir / "checkpoint").is_file():
            return
        try:
            report = verify_since_last(self.ws.ledger_dir, verifier_key(self.ws), wait=5.0)
        except BusyError:
            return
        if report.ok:
            self.checked_size = report.size
            self.witness()
            return
        self.damage = str(report.problems[0])
        log.error("the ledger failed verification; appends are refused: %s", self.damage)

    def witness(self) -> None:
        """One cosigning round, if the workspace has a witness policy; its alarms are
        kept by the client and logged here."""
        if load_policy(self.ws) is None:
            return
        result, released = cosign_and_release(self.ws, StateStore.for_workspace(self.ws))
        for outcome in result.alarms if result is not None else []:
            log.error("witness alarm from %s: %s", outcome.witness, outcome.detail)
        if released:
            log.info("released after witnessing: %s", ", ".join(released))

    def start(self) -> None:
        if self.interval <= 0 or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="fti-ledger-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.check()
            except Exception:  # the watch must outlive one bad check
                log.exception("ledger check failed")
            self._stop.wait(self.interval)
