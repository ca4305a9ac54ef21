"""Stored dispositions as the law takes them: plain :class:`law.Disposition` data.

Only dispositions in effect (a revision number given) count, in the order they took
effect; each is cited as ``<item id>/r<revision>``, the same in every workspace that
replays them, so a replayed decision is byte for byte the same.
"""

from __future__ import annotations

from collections.abc import Iterable

from fti_gateway.law import Disposition
from fti_gateway.store.reviews import DispositionRecord


def ref(record: DispositionRecord) -> str:
    return f"{record.item_id}/r{record.revision}"


def law_dispositions(records: Iterable[DispositionRecord]) -> list[Disposition]:
    return [
        Disposition(
            kind=r.kind,
            key=r.key,
            rule=r.rule,
            outcome=r.outcome,
            ref=ref(r),
            candidate=r.candidate,
        )
        for r in records
        if r.effective
    ]
