"""A person's look at one taxpayer (``fti vault lookup``): the read gate, then the ledger.

The gate decides and records the read (``fti/inspection/v1``, FORMATS §9); this step puts
the same look in the ledger as an ``inspection`` leaf — allowed *or* denied — so that it
appears in the taxpayer's accounting (``fti ledger accounting --tin``) beside the
disclosures: 6103(b)(7) counts a look as an inspection, and 7213A punishes an attempt
without need, so a refused attempt is kept too, with the policies that refused it.

The leaf is written by this layer, not by the gate, because the gate sits in ``vault``
below the ledger (import-linter's layers contract). The leaf holds no TIN (a keyed
commitment), no purpose text (a keyed digest), and names the case as the "request".
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from fti_gateway.core.elements import CATALOGUE
from fti_gateway.core.keys import load_commitment_secret
from fti_gateway.core.workspace import Workspace
from fti_gateway.ledger import entries
from fti_gateway.ledger.workspace import open_ledger
from fti_gateway.vault.access import AccessDenied, Gate, Principal
from fti_gateway.vault.inspections import InspectionEvent

#: The agency whose own employee looks: the leaf's request is ``IRS/<case>``.
INTERNAL_AGENCY = "IRS"
#: The "request" of a look made without a case (always refused by the shipped policy).
NO_CASE = "no-case"


@dataclass
class Lookup:
    """What a lookup returns: the rows, the gate's event, and the ledger's checkpoint."""

    rows: pd.DataFrame
    event: InspectionEvent
    checkpoint: str


def lookup(
    ws: Workspace, principal: Principal, tin: str, *, purpose: str, case: str | None
) -> Lookup:
    """Look ``tin`` up as ``principal``; raises :class:`AccessDenied` (exit 7) after the
    refusal is in the gate's trail *and* the ledger."""
    gate = Gate.for_home(ws.home)
    try:
        rows = gate.lookup(principal, tin, purpose=purpose, case=case)
    except AccessDenied as denied:
        if denied.event is not None:
            _account(ws, denied.event, elements=())
        raise
    event = gate.events[-1]
    checkpoint = _account(ws, event, elements=_elements(rows))
    return Lookup(rows, event, checkpoint)


def by_year(rows: pd.DataFrame) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """A look's rows turned for reading, as `fti vault lookup` and the desk show them: the
    tax years (the gate returns them in order) and, for each field that holds a value in
    some year, its value per year ("" where blank)."""
    years = [str(y) for y in rows["tax_year"]] if len(rows) else []
    fields = []
    for col in rows.columns:
        values = rows[col].tolist()
        blank = [pd.api.types.is_scalar(v) and bool(pd.isna(v)) for v in values]
        if not all(blank):
            fields.append(
                (str(col), ["" if b else str(v) for v, b in zip(values, blank, strict=True)])
            )
    return years, fields


def inspection_leaf(secret: bytes, event: InspectionEvent, elements: tuple[str, ...]) -> bytes:
    """The ledger leaf of one gate event of a single taxpayer."""
    if event.taxpayer is None:
        raise ValueError("only a lookup of one taxpayer is accounted to a taxpayer")
    policies = [str(p) for p in event.extra.get("policies", [])]
    return entries.inspection(
        agency=INTERNAL_AGENCY,
        request_id=event.case or NO_CASE,
        inspector=entries.pseudonym(secret, event.principal),
        reason_digest=entries.digest_text(secret, event.purpose),
        taxpayer=entries.commit_taxpayer(secret, event.taxpayer),
        elements=list(elements),
        outcome=event.outcome,
        event=event.id,
        policies=policies,
    )


def _account(ws: Workspace, event: InspectionEvent, elements: tuple[str, ...]) -> str:
    leaf = inspection_leaf(load_commitment_secret(ws.keys_dir), event, elements)
    with open_ledger(ws) as ledger:
        ledger.append_once([leaf])
        return ledger.checkpoint().decode()


def _elements(rows: pd.DataFrame) -> tuple[str, ...]:
    """The catalogued elements the rows show (those with a value in some row)."""
    if rows.empty:
        return ()
    shown = {c for c in rows.columns if rows[c].notna().any()}
    return tuple(e.id for e in CATALOGUE.values() if shown & set(e.columns))
