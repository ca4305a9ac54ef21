"""The review desk's actions: list items, decide one, confirm one — and resume the run.

Each action authenticates the officer, checks separation of duties (``review.officers``),
stores the disposition, writes its ledger leaf (once: a retried command writes nothing
twice), and, when the disposition takes effect, runs the request's next revision
(``submit.run_request``): the law stage recomputes the decision with every disposition in
effect, newly cleared subjects are resolved, minimized and packaged when nothing holds
the request any more. The run is the same code path as a first run, so a crash between
any two of these steps is finished by running the command (or the request) again.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from fti_gateway.core.errors import InputError, NotFoundError
from fti_gateway.core.keys import load_commitment_secret
from fti_gateway.core.workspace import Workspace
from fti_gateway.law import BrightLineError
from fti_gateway.ledger.workspace import open_ledger
from fti_gateway.pipeline.deskleaves import disposition_leaf
from fti_gateway.pipeline.facts import matched_facts
from fti_gateway.pipeline.jobs import receipt_of
from fti_gateway.pipeline.rundir import MATCHES, revision_dir, run_dir_for
from fti_gateway.pipeline.submit import RunResult, run_request
from fti_gateway.review import Item, authenticate, check_may_confirm, check_may_decide, items_of
from fti_gateway.review.items import candidate_ids
from fti_gateway.store import RequestRecord, StateStore
from fti_gateway.store.reviews import (
    DispositionRecord,
    NewDisposition,
    OfficerRecord,
    ReviewStore,
)
from fti_gateway.vault.access import RESOLVER, Gate


@dataclass
class DeskResult:
    """What a desk action did: the disposition, and the revision it ran (if it took effect)."""

    item: Item
    disposition: DispositionRecord
    run: RunResult | None
    open_items: int


@dataclass(frozen=True)
class Listed:
    record: RequestRecord
    item: Item
    state: str  # open | proposed (waiting for a supervisor)
    proposal: DispositionRecord | None


def request_items(
    ws: Workspace, store: StateStore, record: RequestRecord, *, failures: bool = False,
    subjects: bool = False,
) -> list[Item]:  # fmt: skip
    """The items of ``record``'s latest decision (none before its first decision)."""
    latest = store.latest_decision(record.pk)
    if latest is None:
        return []
    pk, doc = latest
    path = revision_dir(run_dir_for(ws, record.agency, record.id), int(doc.get("revision", 1)))
    matches = pd.read_parquet(path / MATCHES) if (path / MATCHES).is_file() else None
    return items_of(
        doc,
        store.load_subject_findings(pk),
        matches,
        store.load_subjects(record.pk) if subjects else None,
        failures=failures,
    )


def list_items(
    ws: Workspace, store: StateStore, *, agency: str | None = None, request_id: str | None = None
) -> list[Listed]:
    """Every open item (with its proposal, if one waits for a supervisor)."""
    reviews = ReviewStore(store)
    out: list[Listed] = []
    for record in store.list_requests():
        if (agency and record.agency != agency) or (request_id and record.id != request_id):
            continue
        if record.status != "review":
            continue
        proposals = {d.item_id: d for d in reviews.for_request(record.pk) if not d.effective}
        for item in request_items(ws, store, record):
            p = proposals.get(item.id)
            out.append(Listed(record, item, "proposed" if p else "open", p))
    return out


def locate(
    ws: Workspace, store: StateStore, wanted: str, *, subjects: bool = False
) -> tuple[RequestRecord, Item]:
    """The request and item ``wanted`` names, bright-line failures included. An item
    already decided is found through its disposition (once answered, the question is no
    longer in the decision under its own id); with ``subjects`` (to show the evidence) the
    decisions are searched first, so a decided item still shows what it was about."""
    done = ReviewStore(store).by_item(wanted)
    if done is not None and not subjects:
        return _decided(store, done)
    records = sorted(store.list_requests(), key=lambda r: r.status != "review")
    if done is not None:
        records = [store.request(done.request_pk)]
    for record in records:
        for item in request_items(ws, store, record, failures=True):
            if item.id == wanted:
                if subjects:
                    full = request_items(ws, store, record, failures=True, subjects=True)
                    item = next(i for i in full if i.id == wanted)
                return record, item
    if done is not None:
        return _decided(store, done)
    raise NotFoundError(
        f"no review item {wanted!r} in this workspace",
        hint="`fti review list` shows the open items and their ids",
    )


def _decided(store: StateStore, done: DispositionRecord) -> tuple[RequestRecord, Item]:
    record = store.request(done.request_pk)
    return record, Item(
        done.item_id, record.agency, record.id, done.kind, done.key, done.rule, "review",
        f"decided on review: {done.outcome}",
    )  # fmt: skip


def history(store: StateStore, record: RequestRecord, item: Item) -> DispositionRecord | None:
    return ReviewStore(store).for_item(record.pk, item.id)


def decide_item(
    ws: Workspace,
    wanted: str,
    *,
    outcome: str,
    reason: str,
    officer: str,
    password: str,
    candidate: str | None = None,
) -> DeskResult:
    """An officer approves or denies one item (a request-level approval is a proposal)."""
    who = authenticate(ReviewStore(StateStore.for_workspace(ws)), officer, password)
    return decide_as(ws, who, wanted, outcome=outcome, reason=reason, candidate=candidate)


def decide_as(
    ws: Workspace,
    who: OfficerRecord,
    wanted: str,
    *,
    outcome: str,
    reason: str,
    candidate: str | None = None,
) -> DeskResult:
    """:func:`decide_item` for an officer already authenticated (the desk's signed-in
    session): the one implementation behind `fti review decide` and the browser desk."""
    store = StateStore.for_workspace(ws)
    reviews = ReviewStore(store)
    record, item = locate(ws, store, wanted)
    done = reviews.for_item(record.pk, item.id)
    if done is not None:
        same = (done.officer, done.outcome, done.candidate, done.reason) == (
            who.name, outcome, candidate, reason,
        )  # fmt: skip
        if not same:
            state = "decided" if done.effective else "proposed and waits for a supervisor"
            raise InputError(
                f"item {item.id} was already {state} by {done.officer} ({done.outcome})",
                hint="a decided item is not decided again; `fti review show` has its history",
            )
        if not done.needs_confirmation and not done.effective:  # stopped in between
            reviews.take_effect(done.pk)
            done = reviews.get(done.pk)
        return _carry_out(ws, store, record, item, done)  # a retry: finish what it began
    if not item.open:
        raise BrightLineError(
            f"{item.kind} item {item.id} is a bright-line failure under {item.rule} "
            f"({item.message}); it cannot be approved on review",
            where=item.id,
            hint="only 'review' findings are open to a person; a 'fail' is the statute's",
        )
    needs_second = check_may_decide(who, item, outcome)
    _check_candidate(item, outcome, candidate)
    if not reason.strip():
        raise InputError("a disposition needs a reason", hint="--reason 'why, in a sentence'")
    new = NewDisposition(
        record.pk, item.id, item.kind, item.key, item.rule, outcome, candidate, reason,
        needs_confirmation=needs_second,
    )  # fmt: skip
    return _carry_out(ws, store, record, item, reviews.record(new, who))


def confirm_item(ws: Workspace, wanted: str, *, officer: str, password: str) -> DeskResult:
    """A supervisor confirms another person's proposal; it then takes effect."""
    who = authenticate(ReviewStore(StateStore.for_workspace(ws)), officer, password)
    return confirm_as(ws, who, wanted)


def confirm_as(ws: Workspace, who: OfficerRecord, wanted: str) -> DeskResult:
    """:func:`confirm_item` for an officer already authenticated (the browser desk)."""
    store = StateStore.for_workspace(ws)
    reviews = ReviewStore(store)
    record, item = locate(ws, store, wanted)
    proposal = reviews.for_item(record.pk, item.id)
    if proposal is None or not proposal.needs_confirmation:
        raise InputError(
            f"nothing is proposed on item {item.id} that waits for a supervisor",
            hint="an officer proposes with `fti review decide`; subject items need no second person",
        )
    if proposal.effective or proposal.confirmed_by is not None:
        if proposal.confirmed_by != who.name:
            raise InputError(f"item {item.id} was already confirmed by {proposal.confirmed_by}")
        if not proposal.effective:  # confirmed, then stopped before it took effect
            proposal = reviews.confirm(proposal.pk, who)
        return _carry_out(ws, store, record, item, proposal, confirming=True)
    check_may_confirm(who, proposal)
    return _carry_out(ws, store, record, item, reviews.confirm(proposal.pk, who), confirming=True)


def _check_candidate(item: Item, outcome: str, candidate: str | None) -> None:
    if item.kind != "match":
        if candidate is not None:
            raise InputError(f"--candidate is for match items; {item.id} is a {item.kind} item")
        return
    if outcome == "deny":
        if candidate is not None:
            raise InputError("denying a match chooses no taxpayer: leave out --candidate")
        return
    choices = candidate_ids(item)
    if candidate not in choices:
        raise InputError(
            f"approving match {item.id} needs the taxpayer chosen among its candidates",
            where=item.id,
            hint=f"--candidate one of: {', '.join(choices) or '(none recorded)'}",
        )


def _carry_out(
    ws: Workspace,
    store: StateStore,
    record: RequestRecord,
    item: Item,
    d: DispositionRecord,
    *,
    confirming: bool = False,
) -> DeskResult:
    """Log ``d`` (once) and, if it is in effect, run the request's next revision."""
    secret = load_commitment_secret(ws.keys_dir)
    tin = _tin(ws, record.id, d.candidate) if d.kind == "match" and d.candidate else None
    batch = []
    if confirming:
        batch.append(disposition_leaf(record, d, secret))  # the proposal, if a retry lost it
    batch.append(disposition_leaf(record, d, secret, confirming=confirming, taxpayer_tin=tin))
    with open_ledger(ws) as ledger:
        ledger.append_once(batch)
    run = run_request(ws, receipt_of(store, record.pk), store=store) if d.effective else None
    left = len(list_items(ws, store, agency=record.agency, request_id=record.id))
    return DeskResult(item, d, run, left)


def _tin(ws: Workspace, request_id: str, taxpayer_id: str) -> str | None:
    """The TIN of the taxpayer an officer chose, for its ledger commitment: read through the
    gate by the gateway's resolver service, for the request under review."""
    facts = matched_facts(Gate.for_home(ws.home), RESOLVER, [taxpayer_id], request=request_id)
    return None if facts.empty else str(facts["tin"].iloc[0])
