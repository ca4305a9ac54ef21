"""What each desk page shows, as plain data the templates render (no HTTP here).

The desk reads through the same functions as `fti review list/show` (``pipeline.review``)
so the browser and the command line can never disagree about what is open, what was
decided, or what an item's evidence is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fti_gateway.core.errors import FtiError, InputError
from fti_gateway.core.workspace import Workspace
from fti_gateway.law import Registry
from fti_gateway.law.explain import explain, explain_text
from fti_gateway.law.text import provision
from fti_gateway.pipeline.review import Listed, history, list_items, locate, request_items
from fti_gateway.review import Item
from fti_gateway.store import RequestRecord, StateStore
from fti_gateway.store.reviews import DispositionRecord, ReviewStore

KINDS = ("request", "element", "subject", "match")
STATES = ("open", "proposed")


@dataclass(frozen=True)
class QueueRow:
    item: Item
    record: RequestRecord
    state: str
    proposed_by: str | None
    age: str
    age_s: float


def age_text(seconds: float) -> str:
    """An age a person reads at a glance: 40 s, 12 min, 5 h, 3 d."""
    s = max(0, int(seconds))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if s >= size:
            return f"{s // size} {unit}"
    return f"{s} s"


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def queue(
    ws: Workspace,
    store: StateStore,
    *,
    request_id: str | None = None,
    kind: str | None = None,
    state: str | None = None,
    oldest_first: bool = False,
    now: datetime | None = None,
) -> list[QueueRow]:
    """The open items (``fti review list``), filtered; age is how long the request has
    waited since its last decision."""
    now = now or datetime.now(UTC)
    rows = []
    for x in list_items(ws, store, request_id=request_id or None):
        if (kind and x.item.kind != kind) or (state and x.state != state):
            continue
        waited = (now - _aware(x.record.updated_at)).total_seconds()
        rows.append(_row(x, waited))
    if oldest_first:
        rows.sort(key=lambda r: -r.age_s)
    return rows


def _row(x: Listed, waited: float) -> QueueRow:
    by = x.proposal.officer if x.proposal else None
    return QueueRow(x.item, x.record, x.state, by, age_text(waited), waited)


@dataclass(frozen=True)
class Cited:
    """A finding with the words of the provision it cites (if the statute has them)."""

    rule: str
    result: str
    level: str
    message: str
    cite: str | None
    text: str | None


def cited(finding: dict[str, Any]) -> Cited:
    rule = str(finding.get("rule", ""))
    cite, text = rule, provision(rule)
    while text is None and cite.endswith(")"):  # the nearest enclosing provision
        cite = cite[: cite.rindex("(")]
        text = provision(cite)
    return Cited(
        rule, str(finding.get("result", "")), str(finding.get("level", "")),
        str(finding.get("message", "")), cite if text else None, text,
    )  # fmt: skip


@dataclass
class RequestPage:
    record: RequestRecord
    decision: dict[str, Any] | None
    findings: list[Cited]
    explain: str | None
    items: list[Item]
    decided: list[DispositionRecord]
    proposals: dict[str, DispositionRecord] = field(default_factory=dict)


def request_page(ws: Workspace, store: StateStore, registry: Registry, pk: int) -> RequestPage:
    record = store.request(pk)
    latest = store.latest_decision(pk)
    doc = latest[1] if latest else None
    findings = [cited(f) for f in (doc or {}).get("findings", [])]
    try:
        text: str | None = explain_text(explain(record.authority, registry, record.received))
    except FtiError:
        text = None  # an authority the law does not know: the findings say so
    reviews = ReviewStore(store).for_request(pk)
    items = request_items(ws, store, record) if record.status == "review" else []
    return RequestPage(
        record, doc, findings, text, items,
        decided=[d for d in reviews if d.effective],
        proposals={d.item_id: d for d in reviews if not d.effective},
    )  # fmt: skip


@dataclass(frozen=True)
class Bar:
    """One step of the waterfall: a field's weight added to the running total."""

    label: str
    level: str
    weight: float
    start: float
    end: float


@dataclass(frozen=True)
class Candidate:
    number: int  # 1..n: the key that chooses it, the same in blind and open view
    taxpayer_id: str
    role: str  # best | runner_up
    weight: float | None
    fields: list[dict[str, Any]]
    bars: list[Bar]


def waterfall(fields: list[dict[str, Any]], weight: float | None = None) -> list[Bar]:
    """Each field's weight (bits) as a step from the running total, in the model's order;
    the first step is the prior (what the total has beyond the fields' sum), so the last
    bar ends at the candidate's match weight."""
    bars, total = [], 0.0
    prior = 0.0 if weight is None else weight - sum(float(f.get("weight") or 0) for f in fields)
    if abs(prior) > 1e-9:
        bars.append(Bar("prior", "before any field", prior, 0.0, prior))
        total = prior
    for f in fields:
        w = float(f.get("weight") or 0.0)
        bars.append(Bar(str(f.get("field")), str(f.get("level")), w, total, total + w))
        total += w
    return bars


@dataclass(frozen=True)
class Chart:
    """The waterfall as SVG geometry (server-rendered; no script draws it)."""

    width: int
    height: int
    zero_x: float
    rows: list[dict[str, Any]]


def chart(bars: list[Bar], *, width: int = 420, row: int = 22, label_w: int = 140) -> Chart:
    lo = min([0.0, *(min(b.start, b.end) for b in bars)])
    hi = max([0.0, *(max(b.start, b.end) for b in bars)])
    span = (hi - lo) or 1.0
    plot = width - label_w - 60

    def x(v: float) -> float:
        return label_w + (v - lo) / span * plot

    rows = [
        {
            "y": i * row + 4,
            "x": round(min(x(b.start), x(b.end)), 1),
            "w": round(max(1.0, abs(x(b.end) - x(b.start))), 1),
            "label": b.label,
            "value": f"{b.weight:+.2f}",
            "up": b.weight >= 0,
            "text_x": round(max(x(b.start), x(b.end)) + 4, 1),
        }
        for i, b in enumerate(bars)
    ]
    return Chart(width, len(bars) * row + 8, round(x(0.0), 1), rows)


@dataclass
class ItemPage:
    record: RequestRecord
    item: Item
    disposition: DispositionRecord | None
    candidates: list[Candidate]
    subject: dict[str, Any]
    field_names: list[str]
    blind: bool
    chosen: str | None
    charts: dict[str, Chart] = field(default_factory=dict)


def item_page(
    ws: Workspace, store: StateStore, item_id: str, *, blind: bool, chosen: str | None
) -> ItemPage:
    """One item with its evidence and history (``fti review show``). A match in blind
    mode shows the subject and each candidate's field levels only; the model's weights,
    its ranking and the guard's reasons appear once a candidate is chosen."""
    record, item = locate(ws, store, item_id, subjects=True)
    d = history(store, record, item)
    ev = item.evidence
    raw = sorted(ev.get("candidates", []), key=lambda c: str(c.get("taxpayer_id")))
    cands = [_candidate(n, c) for n, c in enumerate(raw, start=1)]
    names: list[str] = []
    for c in cands:
        names.extend(str(f["field"]) for f in c.fields if str(f["field"]) not in names)
    hidden = blind and item.kind == "match" and chosen is None and d is None
    return ItemPage(
        record, item, d, cands, dict(ev.get("subject") or {}), names, hidden, chosen,
        charts={c.taxpayer_id: chart(c.bars) for c in cands},
    )  # fmt: skip


def _candidate(n: int, c: dict[str, Any]) -> Candidate:
    fields = list(c.get("fields", []))
    weight = None if c.get("weight") is None else float(c["weight"])
    return Candidate(n, str(c.get("taxpayer_id")), str(c.get("role")), weight, fields,
                     waterfall(fields, weight))  # fmt: skip


def level_of(c: Candidate, name: str) -> dict[str, Any] | None:
    return next((f for f in c.fields if str(f.get("field")) == name), None)


@dataclass(frozen=True)
class LookupForm:
    """What a person asks to see and why (``fti vault lookup``'s options)."""

    tin: str = ""
    case: str = ""
    purpose: str = ""

    @classmethod
    def read(cls, form: Any) -> LookupForm:
        def get(key: str) -> str:
            return str(form.get(key, "")).strip()[:200]

        f = cls(get("tin"), get("case"), get("purpose"))
        if not f.tin:
            raise InputError("give the taxpayer's TIN", where="tin")
        if not f.purpose:
            raise InputError("say why you look (the purpose is recorded)", where="purpose")
        return f


@dataclass(frozen=True)
class LookupPage:
    years: list[str]
    fields: list[tuple[str, list[str]]]
    event_id: str
    policies: list[str]


def look_up(ws: Workspace, employee: str, f: LookupForm) -> LookupPage:
    """The look through ``pipeline.lookup`` (the gate, then the ledger), laid out as the
    CLI prints it (``lookup.by_year``): one column per tax year. Raises ``AccessDenied``
    when refused — after the refusal is recorded."""
    from fti_gateway.pipeline.lookup import by_year, lookup
    from fti_gateway.vault.principals import principal_for

    result = lookup(
        ws, principal_for(ws.home, employee), f.tin, purpose=f.purpose, case=f.case or None
    )
    years, fields = by_year(result.rows)
    policies = [str(p) for p in result.event.extra.get("policies", [])]
    return LookupPage(years, fields, result.event.id, policies)
