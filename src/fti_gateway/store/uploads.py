"""Requests as the API sees them: found by their random API id, always within one agency.

Every lookup here takes the caller's agency, so a request of another agency is simply
not found (API.md: 404, never 403). A manifest naming a subject file is stored first
(``awaiting-subjects``, no rows); its upload is then attached once, in one transaction —
rows, rejects, counts and status together — guarded so that two uploads racing cannot
both attach.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa

from fti_gateway.core.formats import SUBJECT_COLUMNS
from fti_gateway.store import models as m
from fti_gateway.store.bulk import RowSink, loader_for
from fti_gateway.store.state import (
    REJECT_COLUMNS,
    DuplicateRequest,
    NewRequest,
    RequestRecord,
    StageRecord,
    StateStore,
    _extra_json,
)

AWAITING = "awaiting-subjects"
QUEUED = "queued"


@dataclass(frozen=True)
class ApiRequest:
    """A stored request with what only the API needs."""

    record: RequestRecord
    api_id: str
    manifest_raw: bytes | None
    subjects_sha256: str | None

    @classmethod
    def of(cls, row: m.Request) -> ApiRequest:
        return cls(RequestRecord.of(row), row.api_id, row.manifest_raw, row.subjects_sha256)

    @property
    def pk(self) -> int:
        return self.record.pk


@dataclass(frozen=True)
class Attached:
    """Subject rows to attach to an awaiting request (intake's output for the upload)."""

    subjects: pd.DataFrame
    rejects: pd.DataFrame
    extra: pd.DataFrame | None
    reject_count: int
    digest: str
    warnings: tuple[str, ...]
    sha256: str


def find(store: StateStore, agency: str, api_id: str) -> ApiRequest | None:
    """``agency``'s request with this API id; None for another agency's, as for none."""
    with store.session() as s:
        row = s.scalars(
            sa.select(m.Request).where(m.Request.api_id == api_id, m.Request.agency == agency)
        ).one_or_none()
        return None if row is None else ApiRequest.of(row)


@dataclass(frozen=True)
class StatusView:
    """What a status call shows of a request (API.md's request resource), read at once."""

    api_id: str
    agency: str
    request_id: str
    status: str
    subject_count: int
    reject_count: int
    decision: dict[str, Any] | None
    stages: tuple[StageRecord, ...]


def status_view(store: StateStore, agency: str, api_id: str) -> StatusView | None:
    """``agency``'s request ``api_id`` with its latest decision and the stages of its
    latest run, in ONE query (a status call is the most frequent call an agency makes:
    one round trip, no ORM objects); None for another agency's, as for none. One
    statement sees one snapshot: autocommit spares the BEGIN and ROLLBACK round trips."""
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        found = conn.execute(_STATUS, {"api_id": api_id, "agency": agency}).all()
    if not found:
        return None
    first = found[0]
    stages = tuple(
        StageRecord(r.name, r.state, r.started_at, r.finished_at, r.done, r.total)
        for r in found
        if r.name is not None
    )
    return StatusView(
        first.api_id,
        first.agency,
        first.external_id,
        first.status,
        first.subject_count,
        first.reject_count,
        None if first.decision is None else dict(first.decision),
        stages,
    )


def _status_statement() -> sa.Select[Any]:
    req, dec, run, stage = (
        m.Request.__table__,
        m.Decision.__table__,
        m.Run.__table__,
        m.RunStage.__table__,
    )
    latest_decision = (
        sa.select(dec.c.decision)
        .where(dec.c.request_pk == req.c.pk)
        .order_by(dec.c.pk.desc())
        .limit(1)
        .scalar_subquery()
    )
    latest_run = sa.select(sa.func.max(run.c.pk)).where(run.c.request_pk == req.c.pk)
    return (
        sa.select(
            req.c.api_id,
            req.c.agency,
            req.c.external_id,
            req.c.status,
            req.c.subject_count,
            req.c.reject_count,
            latest_decision.label("decision"),
            stage.c.name,
            stage.c.state,
            stage.c.started_at,
            stage.c.finished_at,
            stage.c.done,
            stage.c.total,
        )
        .select_from(req.outerjoin(stage, stage.c.run_pk == latest_run.scalar_subquery()))
        .where(req.c.api_id == sa.bindparam("api_id"), req.c.agency == sa.bindparam("agency"))
        .order_by(stage.c.pk)
    )


_STATUS = _status_statement()


def find_by_key(store: StateStore, agency: str, request_id: str) -> ApiRequest | None:
    with store.session() as s:
        row = s.scalars(
            sa.select(m.Request).where(
                m.Request.agency == agency, m.Request.external_id == request_id
            )
        ).one_or_none()
        return None if row is None else ApiRequest.of(row)


def get(store: StateStore, request_pk: int) -> ApiRequest:
    with store.session() as s:
        row = s.get(m.Request, request_pk)
        assert row is not None, request_pk
        return ApiRequest.of(row)


def record_awaiting(store: StateStore, new: NewRequest, manifest_raw: bytes) -> ApiRequest:
    """Store a request whose subject file is still to come (no rows yet); raises
    :class:`DuplicateRequest` if (agency, id) is already stored."""
    try:
        with store.session() as s:
            row = new.row(AWAITING, subject_count=0, reject_count=0, manifest_raw=manifest_raw)
            s.add(row)
            s.flush()
            s.add(m.RequestEvent(request_pk=row.pk, status=AWAITING, note="manifest received"))
            s.flush()
            return ApiRequest.of(row)
    except sa.exc.IntegrityError as e:
        if store.get_request(new.agency, new.id) is not None:
            raise DuplicateRequest(new.agency, new.id) from e
        raise


def keep_manifest(store: StateStore, request_pk: int, manifest_raw: bytes) -> None:
    """Keep the posted manifest of a request stored with its inline rows (so a repeated
    POST is judged by its bytes)."""
    with store.session() as s:
        s.execute(
            sa.update(m.Request)
            .where(m.Request.pk == request_pk, m.Request.manifest_raw.is_(None))
            .values(manifest_raw=manifest_raw)
        )


def attach_subjects(store: StateStore, request_pk: int, upload: Attached) -> bool:
    """Store the upload's rows and rejects and queue the request, in ONE transaction.

    Returns False (and changes nothing) if the request is no longer awaiting its
    subjects — another upload attached first; the caller re-reads and compares.
    """
    block = AttachedBlock(upload.subjects, upload.rejects, upload.extra)
    totals = AttachedTotals(
        len(upload.subjects), upload.reject_count, upload.digest, upload.warnings
    )
    return attach_blocks(store, request_pk, upload.sha256, [block], lambda: totals)


@dataclass(frozen=True)
class AttachedBlock:
    """One block of an upload: accepted rows (SUBJECT_COLUMNS + line), rejects, extras."""

    subjects: pd.DataFrame
    rejects: pd.DataFrame
    extra: pd.DataFrame | None


@dataclass(frozen=True)
class AttachedTotals:
    """What is known of an upload once all its blocks are read."""

    subject_count: int
    reject_count: int
    digest: str
    warnings: tuple[str, ...]


def attach_blocks(
    store: StateStore,
    request_pk: int,
    sha256: str,
    blocks: Iterable[AttachedBlock],
    totals: Callable[[], AttachedTotals],
) -> bool:
    """Claim the awaiting request, store each block as it comes (COPY on PostgreSQL), then
    the totals and the queued status — all in ONE transaction, so a block that fails to
    read (its error raised from ``blocks``) leaves nothing stored, and the request is
    queued only with every row in place.

    The claim comes first: a second upload racing this one waits on the request's row
    (PostgreSQL) or the database lock (SQLite), then finds it taken and returns False
    without reading its file.
    """
    loader = loader_for(store.engine.dialect)
    with store.session() as s:
        claimed = s.execute(
            sa.update(m.Request)
            .where(
                m.Request.pk == request_pk,
                m.Request.status == AWAITING,
                m.Request.subjects_sha256.is_(None),
            )
            .values(status=QUEUED, subjects_sha256=sha256, updated_at=m.utcnow())
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return False
        conn = s.connection()
        with ExitStack() as sinks:
            rejects = sinks.enter_context(
                loader.sink(conn, m.RejectedRow.__table__, _REJECT_NAMES, later=True)  # type: ignore[arg-type]
            )
            rows: RowSink | None = None
            for block in blocks:
                subjects = _subject_rows(request_pk, block)
                if rows is None:  # the columns (extra or not) are known with the first block
                    rows = sinks.enter_context(
                        loader.sink(conn, m.SubjectRow.__table__, list(subjects.columns))  # type: ignore[arg-type]
                    )
                rows.write(subjects)
                rej = block.rejects.loc[:, list(REJECT_COLUMNS)].copy()
                rej.insert(0, "request_pk", request_pk)
                rejects.write(rej)
        done = totals()
        s.execute(
            sa.update(m.Request)
            .where(m.Request.pk == request_pk)
            .values(
                subject_count=done.subject_count,
                reject_count=done.reject_count,
                digest=done.digest,
                warnings=list(done.warnings),
                updated_at=m.utcnow(),
            )
        )
        s.add(m.RequestEvent(request_pk=request_pk, status=QUEUED, note="subjects received"))
    return True


_REJECT_NAMES = ["request_pk", *REJECT_COLUMNS]


def _subject_rows(request_pk: int, block: AttachedBlock) -> pd.DataFrame:
    rows = block.subjects.loc[:, [*SUBJECT_COLUMNS, "line"]].copy()
    if block.extra is not None and len(block.extra.columns) > 1:
        rows["extra"] = pd.Series(
            _extra_json(block.extra, rows["line"]), index=rows.index, dtype=object
        )
    rows.insert(0, "request_pk", request_pk)
    return rows


def first_rejects(store: StateStore, request_pk: int, limit: int) -> list[dict[str, Any]]:
    """The first ``limit`` rejects in line order (an answer never lists a million)."""
    t = m.RejectedRow.__table__
    stmt = (
        sa.select(t.c.line, t.c.field, t.c.reason)
        .where(t.c.request_pk == request_pk)
        .order_by(t.c.line, t.c.pk)
        .limit(limit)
    )
    with store.engine.connect() as conn:
        return [
            {"line": int(line), "field": field, "message": reason}
            for line, field, reason in conn.execute(stmt)
        ]


def count_rejects(store: StateStore, request_pk: int) -> int:
    t = m.RejectedRow.__table__
    stmt = sa.select(sa.func.count()).select_from(t).where(t.c.request_pk == request_pk)
    with store.engine.connect() as conn:
        return int(conn.execute(stmt).scalar_one())


def page(
    store: StateStore,
    agency: str,
    *,
    statuses: Sequence[str] | None = None,
    after: str | None = None,
    limit: int = 50,
) -> tuple[list[ApiRequest], bool] | None:
    """One page of ``agency``'s requests, newest first, and whether more follow.

    Keyset pagination: ``after`` is the API id of the last request of the previous
    page (None: from the newest). Returns None if ``after`` is not one of the agency's
    requests. Newest first is by primary key, which only grows.
    """
    with store.session() as s:
        stmt = sa.select(m.Request).where(m.Request.agency == agency)
        if after is not None:
            last = s.scalars(
                sa.select(m.Request.pk).where(m.Request.agency == agency, m.Request.api_id == after)
            ).one_or_none()
            if last is None:
                return None
            stmt = stmt.where(m.Request.pk < last)
        if statuses is not None:
            stmt = stmt.where(m.Request.status.in_(list(statuses)))
        rows = s.scalars(stmt.order_by(m.Request.pk.desc()).limit(limit + 1)).all()
        return [ApiRequest.of(r) for r in rows[:limit]], len(rows) > limit
