"""A received request as the state store keeps it: what every step after intake reads.

Intake's output is the stored request — its manifest, accepted rows and rejects — so a
run can start, stop and resume on any worker that sees the store, without the files the
request arrived in (an upload streamed into the store has no manifest folder at all).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from fti_gateway.intake import ParsedRequest
from fti_gateway.intake.models import Manifest
from fti_gateway.intake.parsed import RowError
from fti_gateway.store import StateStore


def load_stored(store: StateStore, request_pk: int) -> ParsedRequest:
    """The request ``request_pk`` as intake passed it on, read back from the store."""
    record = store.request(request_pk)
    doc = dict(record.manifest)
    # Inline rows live in the subject table, not twice: the manifest keeps their count.
    if not isinstance(doc.get("subjects"), str | list):
        doc["subjects"] = []
    manifest = Manifest.model_validate(doc)
    subjects = store.load_subjects(request_pk)
    return ParsedRequest(
        manifest=manifest,
        subjects=subjects,
        rejects=[_reject(r) for r in store.load_rejects(request_pk).itertuples(index=False)],
        digest=record.digest,
        source=Path(record.source),
        warnings=list(record.warnings),
    )


def _reject(row: object) -> RowError:
    """A stored reject; its location ("subjects.csv line 7") gives back source and unit."""
    location = str(getattr(row, "location", "") or "")
    head, _, _line = location.rpartition(" ")
    source, _, unit = head.rpartition(" ")
    return RowError(
        line=int(getattr(row, "line")),  # noqa: B009
        subject_id=_text(getattr(row, "subject_id")),  # noqa: B009
        field=_text(getattr(row, "field")),  # noqa: B009
        reason=str(getattr(row, "reason")),  # noqa: B009
        source=source or "subjects",
        unit=unit or "line",
        code=str(getattr(row, "code", "") or ""),
    )


def _text(value: object) -> str | None:
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
