"""`submit`: one request through every stage, as small steps that each keep their output.

The order is the law's order: nothing is looked up in the vault before the law stage has
said which subjects may be looked up at all, and nothing is packaged before the (i)(6)
check has seen the resolved taxpayers. Everything received is persisted, and the
request's receipt is in the ledger, before any stage acts on it.

A run can stop anywhere (``kill -9``, a failed step) and be started again:

- each step's costly output is kept in the run folder (``matches.parquet``, ``package/``)
  and reused, never redone — a package that disclosure leaves may already name is never
  rebuilt;
- every ledger leaf has a deterministic identity, and ``append_once`` writes it once, so
  a retry never doubles the accounting;
- the ledger is locked only while a batch is appended, not through the run: requests run
  beside each other, and only runs of the *same* request wait for one another;
- a failure is recorded (run ``failed``, request ``failed``, with the reason) before it
  is raised; a run that died without a word is marked ``abandoned`` by the next one.

After review, the same steps run again as the request's next *revision* (one per
disposition that takes effect, ``review.ReviewStore.revision``): the law stage takes the
dispositions, subjects newly cleared are resolved (those resolved before are read back
from the earlier revision's matches), a cleared match is settled on the chosen taxpayer
before the bars run, and the package and decision are written to the revision's own
folder (``rundir.revision_dir``) — a finished folder is never rewritten.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from fti_gateway.core.keys import load_commitment_secret, load_signing_key
from fti_gateway.core.workspace import Workspace
from fti_gateway.disclose import PackageInfo, PackageSpec, build_package
from fti_gateway.disclose.reopen import reopen_package
from fti_gateway.intake import ParsedRequest, load_request
from fti_gateway.intake.parsed import RowError
from fti_gateway.intake.persist import Receipt, receive
from fti_gateway.law import Decision, Disposition, check_resolved, decide, load_registry
from fti_gateway.law.dispositions import after_resolution, settle_matches
from fti_gateway.ledger.workspace import open_ledger
from fti_gateway.pipeline import leaves, witnessing
from fti_gateway.pipeline.deskleaves import cause_of
from fti_gateway.pipeline.facts import FLAG_COLUMNS, matched_facts
from fti_gateway.pipeline.rundir import (
    CHECKPOINT,
    DECISION,
    FINDINGS,
    MATCHES,
    PACKAGE,
    SUMMARY,
    clean_temporaries,
    disclosed_earlier,
    finished,
    latest_matches,
    released_earlier,
    request_lock,
    revision_dir,
    run_dir_for,
    staged,
    write_atomic,
)
from fti_gateway.pipeline.stored import load_stored
from fti_gateway.pipeline.witnessing import AWAITING, RELEASED
from fti_gateway.report.decision import render_summary
from fti_gateway.resolve import resolve
from fti_gateway.resolve.office import office_resolve_settings
from fti_gateway.review.dispositions import law_dispositions
from fti_gateway.store import StateStore
from fti_gateway.store.reviews import ReviewStore
from fti_gateway.vault.access import RESOLVER, Gate, VaultReader

Progress = Callable[[str], None]

__all__ = [
    "STEPS",
    "Paused",
    "Progress",
    "RunResult",
    "run_dir_for",
    "run_request",
    "run_steps",
    "submit",
]


@dataclass
class RunResult:
    """What one submission produced; the CLI prints it, the service returns it."""

    run_dir: Path
    outcome: str
    new: bool
    receipt_message: str
    decision: dict[str, object]
    summary: str
    subject_counts: dict[str, int] = field(default_factory=dict)
    match_counts: dict[str, int] = field(default_factory=dict)
    disclosed: int = 0
    rejected_rows: int = 0
    checkpoint: str | None = None
    request_pk: int | None = None
    # The rows intake refused, each with its line and reason (empty for a finished run
    # returned again: `fti request show` lists a stored request's rejects).
    rejects: list[RowError] = field(default_factory=list)


def submit(ws: Workspace, manifest_path: Path, *, progress: Progress | None = None) -> RunResult:
    """Receive the request in ``manifest_path`` and run it; idempotent on (agency, id)."""
    say = progress or (lambda _msg: None)
    say("intake: reading the request")
    parsed = load_request(manifest_path)
    store = StateStore.for_workspace(ws)
    return run_request(ws, receive(parsed, store), store=store, progress=progress)


STEPS = ("law", "resolve", "disclose", "ledger")
"""A run's steps, in order; a job queue runs them one job each (``upto``)."""


@dataclass(frozen=True)
class Paused:
    """A run stopped, as asked, after ``step``: the next job continues run ``run_pk``."""

    run_pk: int
    step: str


def run_request(
    ws: Workspace,
    receipt: Receipt,
    *,
    store: StateStore | None = None,
    progress: Progress | None = None,
) -> RunResult:
    """Run a received request through every step, reading it back from the state store
    (so any worker that sees the store can run or resume it); a finished run is returned
    as it is."""
    result = run_steps(ws, receipt, store=store, progress=progress)
    assert isinstance(result, RunResult)
    return result


def run_steps(
    ws: Workspace,
    receipt: Receipt,
    *,
    upto: str = STEPS[-1],
    run_pk: int | None = None,
    store: StateStore | None = None,
    progress: Progress | None = None,
) -> RunResult | Paused:
    """Run the request's steps up to and including ``upto``, continuing run ``run_pk``
    (or starting a new one). Steps before ``upto`` that an earlier job finished are
    replayed from what they kept — the stored request, ``matches.parquet``, the package,
    leaves written once — so each costs a read, not a redo."""
    if upto not in STEPS:
        raise ValueError(f"unknown step {upto!r}; the steps are {', '.join(STEPS)}")
    say = progress or (lambda _msg: None)
    store = store or StateStore.for_workspace(ws)
    record = store.request(receipt.request_pk)
    base = run_dir_for(ws, record.agency, record.id)
    with request_lock(base, on_wait=say):
        # The revision is read under the lock: a disposition that took effect while an
        # earlier revision ran is picked up by the run that waited for it.
        effective = ReviewStore(store).for_request(receipt.request_pk, effective=True)
        revision = 1 + len(effective)
        run_dir = revision_dir(base, revision)
        if finished(run_dir):
            return _finished_result(ws, store, run_dir, receipt, disclosed_earlier(base, revision))
        run_dir.mkdir(parents=True, exist_ok=True)
        parsed = load_stored(store, receipt.request_pk)
        run = _Run(ws, store, parsed, receipt, run_dir, say)
        run.review(base, revision, law_dispositions(effective), cause_of(record, effective))
        return run.execute(upto=upto, run_pk=run_pk)


def _finished_result(
    ws: Workspace,
    store: StateStore,
    run_dir: Path,
    receipt: Receipt,
    earlier: set[str] | None = None,
) -> RunResult:
    """A finished run's result. A run stopped after renaming ``decision.json`` in but
    before its last bookkeeping (the request's status, the run's end) is settled here.
    ``earlier``: the subjects whose data earlier revisions disclosed."""
    doc = json.loads((run_dir / DECISION).read_text())
    disclosed = (run_dir / PACKAGE / "manifest.json").is_file()
    status = _status(str(doc["outcome"]), int(disclosed) + len(earlier or ()))
    if status == RELEASED:
        checkpoint = (run_dir / CHECKPOINT).read_text()
        status = witnessing.gate(ws, status, checkpoint)
    # Its folder is finished, so a run record still "running" did its work and was killed
    # before its bookkeeping (between the request's status and the run's end, either order).
    if store.abandon_runs(receipt.request_pk, status="done") and receipt.status != status:
        store.set_status(receipt.request_pk, status, note="settled after an interrupted run")
    elif receipt.status == AWAITING and status == RELEASED:
        store.set_status(receipt.request_pk, status, note="witnessed: cosigned by the quorum")
    return RunResult(
        run_dir=run_dir,
        outcome=str(doc["outcome"]),
        new=False,
        receipt_message=receipt.message,
        decision=doc,
        summary=(run_dir / SUMMARY).read_text(),
        rejected_rows=receipt.rejected_rows,
        request_pk=receipt.request_pk,
    )


class _Run:
    """One run of one request; each method is one step, in the order :meth:`execute` reads."""

    def __init__(
        self,
        ws: Workspace,
        store: StateStore,
        parsed: ParsedRequest,
        receipt: Receipt,
        run_dir: Path,
        say: Progress,
    ) -> None:
        self.ws, self.store, self.parsed, self.receipt = ws, store, parsed, receipt
        self.run_dir, self.say = run_dir, say
        self.secret = load_commitment_secret(ws.keys_dir)
        self.gate = Gate.for_home(ws.home)
        #: Who reads the vault in this run: the gateway's resolver service (FORMATS §9).
        self.principal = RESOLVER
        self.matches = pd.DataFrame()
        self.disclosed = self.no_data = 0
        self.checkpoint = ""
        self.base, self.revision = run_dir, 1
        self.dispositions: list[Disposition] = []
        self.cause: str | None = None
        # Subjects earlier revisions released (approved and matched, with records or
        # not), and those of them whose data went out (the request's status counts these).
        self.released_before: set[str] = set()
        self.disclosed_before: set[str] = set()

    def review(
        self, base: Path, revision: int, dispositions: list[Disposition], cause: str | None
    ) -> None:
        """Make this run revision ``revision`` of the request whose folder is ``base``,
        decided with ``dispositions`` (``cause``: the disposition leaf that made it)."""
        self.base, self.revision = base, revision
        self.dispositions, self.cause = dispositions, cause

    def execute(self, *, upto: str = STEPS[-1], run_pk: int | None = None) -> RunResult | Paused:
        pk = self.receipt.request_pk
        if run_pk is None:
            # The request lock is held: a run of this request still marked running is dead.
            self.store.abandon_runs(pk)
            run_pk = self.store.start_run(pk, str(self.run_dir))
        self.run_pk = run_pk
        self.store.set_status(pk, "running")
        p = self.parsed
        self.store.stage(
            run_pk, "intake", "done", done=len(p.subjects), total=p.accepted + p.rejected_rows
        )
        try:
            clean_temporaries(self.run_dir)
            with self.stage("law", total=len(p.subjects)):
                self.append([leaves.received(p, self.secret)])
                decision = self.decide()
            if upto == "law":
                return Paused(run_pk, upto)
            with self.stage("resolve", skip=decision.outcome == "deny"):
                if decision.outcome != "deny":
                    decision = self.resolve(decision)
            if upto == "resolve":
                return Paused(run_pk, upto)
            with self.stage("disclose", skip=not self.releasable(decision)):
                decision = self.disclose(decision)
            if upto == "disclose":
                return Paused(run_pk, upto)
            with self.stage("ledger"):
                doc = decision.to_json(subject_findings_name=FINDINGS)
                self.append([leaves.decision(p, decision, self.secret, cause=self.cause)])
                # Stored before decision.json marks the run finished, and once: a run
                # that stopped between the two finds the same decision already there.
                latest = self.store.latest_decision(pk)
                if latest is None or latest[1] != doc:
                    self.store.save_decision(
                        pk, doc, decision.subject_findings, revision=self.revision
                    )
                summary = self.write_folder(decision, doc)
        except BaseException as e:
            reason = f"{type(e).__name__}: {e}"[:2000]
            self.store.finish_run(run_pk, "failed", {"error": reason})
            self.store.set_status(pk, "failed", note=reason)
            raise
        status = _status(decision.outcome, self.disclosed + len(self.disclosed_before))
        # Released only under a checkpoint the witness quorum cosigned (if a policy says so).
        self.store.set_status(pk, witnessing.gate(self.ws, status, self.checkpoint))
        self.store.finish_run(
            run_pk, "done", {"outcome": decision.outcome, "disclosed": self.disclosed}
        )
        return RunResult(
            run_dir=self.run_dir,
            outcome=decision.outcome,
            new=self.receipt.new,
            receipt_message=self.receipt.message,
            decision=doc,
            summary=summary,
            subject_counts=decision.counts,
            match_counts=_counts(self.matches["status"]) if not self.matches.empty else {},
            disclosed=self.disclosed,
            rejected_rows=len(self.parsed.rejects),
            checkpoint=self.checkpoint,
            request_pk=pk,
            rejects=list(self.parsed.rejects),
        )

    @contextlib.contextmanager
    def stage(self, name: str, *, total: int | None = None, skip: bool = False) -> Iterator[None]:
        """Record stage ``name`` of this run as running, then done (or failed, or skipped
        when the decision leaves it nothing to do); API.md's ``stages`` list reads these."""
        if skip:
            self.store.stage(self.run_pk, name, "skipped")
            yield
            return
        self.store.stage(self.run_pk, name, "running", total=total)
        try:
            yield
        except BaseException:
            self.store.stage(self.run_pk, name, "failed")
            raise
        self.store.stage(self.run_pk, name, "done", done=total)

    # -- steps ------------------------------------------------------------------------------
    def export(self, purpose: str, rows: int) -> contextlib.AbstractContextManager[VaultReader]:
        """A bulk read of the vault for this request, by this run's principal, through the
        read gate (recorded before the reader is handed out)."""
        return self.gate.read(
            self.principal, "export", purpose=purpose, request=self.parsed.manifest.id, rows=rows
        )

    def append(self, batch: Sequence[bytes]) -> None:
        """Write ``batch`` to the ledger, each leaf once; the lock is held for this only."""
        with open_ledger(self.ws) as ledger:
            ledger.append_once(batch)
            self.checkpoint = ledger.checkpoint().decode()

    def decide(self) -> Decision:
        self.say("law: deciding the request")
        registry = load_registry(self.ws.registry_dir if self.ws.registry_dir.exists() else None)
        p = self.parsed
        decision = decide(
            p.manifest, p.subjects, registry, rejects=p.rejects, dispositions=self.dispositions
        )
        decision.revision = self.revision
        return decision

    def resolve(self, decision: Decision) -> Decision:
        """Match the subjects the law let through, account the inspections, apply the bars."""
        findings = decision.subject_findings
        approved = findings.loc[findings["result"] == "approve", "subject_id"]
        if not len(approved):
            return decision
        subjects = self.parsed.subjects
        matches = self._matches(subjects[subjects["subject_id"].isin(approved)])
        # A cleared match goes on as a match to the taxpayer the officer chose: that
        # taxpayer's record is inspected and the bars below run on it.
        self.matches = settle_matches(matches, self.dispositions)
        found = self.matches.loc[self.matches["status"] == "match", "taxpayer_id"].dropna()
        facts = matched_facts(
            self.gate, self.principal, found.astype(str).tolist(), request=self.parsed.manifest.id
        )
        commitments = leaves.commitments(self.secret, facts)
        self.append(
            leaves.inspections(
                self.parsed,
                (commitments[str(tp)] for tp in found),
                self.secret,
                inspector=self.principal.id,
            )
        )
        resolved = self.matches.merge(
            facts.drop(columns=["tin"]), on="taxpayer_id", how="left"
        ).reindex(columns=["subject_id", "taxpayer_id", "status", *FLAG_COLUMNS])
        return after_resolution(check_resolved(decision, resolved), self.dispositions)

    def _matches(self, subjects: pd.DataFrame) -> pd.DataFrame:
        """The resolver's matches, kept in the run folder and reused by a resumed run (the
        inspections already accounted were of exactly these taxpayers). A revision after
        review reads back the subjects an earlier revision resolved and resolves only
        those cleared since."""
        path = self.run_dir / MATCHES
        if path.is_file():
            self.say("resolve: reusing the matches of an earlier, interrupted run")
            return pd.read_parquet(path)
        earlier = latest_matches(self.base, self.revision)
        if earlier is not None:
            known = pd.read_parquet(earlier)
            known = known[known["subject_id"].isin(subjects["subject_id"])]
            fresh = self._resolve(subjects[~subjects["subject_id"].isin(known["subject_id"])])
            matches = pd.concat([known, fresh], ignore_index=True) if len(fresh) else known
        else:
            matches = self._resolve(subjects)
        with staged(path) as tmp:
            matches.to_parquet(tmp, index=False)
        return matches

    def _resolve(self, subjects: pd.DataFrame) -> pd.DataFrame:
        if not len(subjects):
            return pd.DataFrame()
        if self.gate.vault.is_empty():
            # No taxpayer at all: every subject is a no-match, decided as such below.
            matches = pd.DataFrame(
                {"subject_id": subjects["subject_id"], "taxpayer_id": None, "status": "no_match"}
            )
        else:
            self.say(f"resolve: matching {len(subjects):,} subjects against the vault")
            with self.export("identity-resolution", rows=len(subjects)) as reader:
                matches = resolve(
                    subjects,
                    reader,
                    models_dir=self.ws.models_dir,
                    settings=office_resolve_settings(self.ws.home),
                )
        return matches

    def releasable(self, decision: Decision) -> bool:
        """An approve or partial decision is released; after review has begun (revision
        2 on), so is a decision still in review when only subjects are held (partial
        release): request-level and element questions hold everything."""
        if decision.outcome in ("approve", "partial"):
            return True
        return decision.outcome == "review" and self.revision > 1 and not decision.held_whole

    def disclose(self, decision: Decision) -> Decision:
        """Package the approved, matched subjects, and account each disclosure. A revision
        packages only the subjects no earlier revision released — with records for the
        periods or not, so a subject without any is not handed over again to make an empty
        package — and a revision that releases nobody new builds none: each disclosure
        happens once, in the package of the revision that made it."""
        if not self.releasable(decision) or self.matches.empty:
            return decision
        released = decision.subject_findings.merge(
            self.matches[["subject_id", "taxpayer_id", "status"]], on="subject_id"
        )
        released = released[(released["result"] == "approve") & (released["status"] == "match")]
        self.released_before = released_earlier(self.base, self.revision)
        self.disclosed_before = disclosed_earlier(self.base, self.revision)
        released = released[~released["subject_id"].astype(str).isin(self.released_before)]
        if not len(released) or not decision.elements_allowed:
            return decision
        spec = _package_spec(self.parsed, decision)
        info = self._package(spec, released)
        self.append(leaves.disclosures(self.parsed, spec, info, self.secret))
        self.disclosed, self.no_data = len(info.subjects), len(info.no_data)
        return decision

    def _package(self, spec: PackageSpec, released: pd.DataFrame) -> PackageInfo:
        path = self.run_dir / PACKAGE
        with self.export("disclosure-package", rows=len(released)) as reader:
            if (path / "manifest.json").is_file():
                self.say("disclose: reopening the package of an earlier, interrupted run")
                return reopen_package(path, spec, released, reader)
            self.say(f"disclose: packaging {len(released):,} subjects")
            key = load_signing_key(self.ws.keys_dir)
            return build_package(path, spec, released, reader, key)

    def write_folder(self, decision: Decision, doc: dict[str, Any]) -> str:
        """The run folder's files; ``decision.json`` is renamed in last (a finished run)."""
        self.say("report: writing the run folder")
        summary = render_summary(
            doc,
            decision.subject_findings,
            self.matches,
            rejects=self.parsed.rejects,
            disclosed=self.disclosed,
            no_data=self.no_data,
        )
        write_atomic(self.run_dir / CHECKPOINT, self.checkpoint.encode())
        write_atomic(self.run_dir / SUMMARY, summary.encode())
        # Decision.write puts both files in one folder: stage it, then rename them in,
        # the findings first and decision.json last.
        with tempfile.TemporaryDirectory(prefix=".decision.", dir=self.run_dir) as staging:
            decision.write(Path(staging))
            for name in (FINDINGS, DECISION):
                with staged(self.run_dir / name) as tmp:
                    os.replace(Path(staging) / name, tmp)
        return summary


def _package_spec(parsed: ParsedRequest, decision: Decision) -> PackageSpec:
    m = parsed.manifest
    info = decision.authority
    return PackageSpec(
        request_agency=m.requester.agency,
        request_id=m.id,
        authority=m.authority,
        recipient=info.recipient or m.requester.agency,
        elements=list(decision.elements_allowed),
        periods=list(decision.periods or m.taxable_periods),
        use_restriction=info.use_restriction,
        # A partial release after review discloses as a partial decision would.
        outcome=decision.outcome if decision.outcome != "review" else "partial",
    )


def _counts(values: pd.Series) -> dict[str, int]:
    return {str(k): int(v) for k, v in values.value_counts().items()}


_STATUS = {"approve": "decided", "partial": "decided", "deny": "denied", "review": "review"}


def _status(outcome: str, disclosed: int) -> str:
    """The request's status after a finished run (in review while items are open, even
    when a partial release has disclosed some subjects)."""
    if outcome == "review":
        return "review"
    return "disclosed" if disclosed else _STATUS[outcome]
