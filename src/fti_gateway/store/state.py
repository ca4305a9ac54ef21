"""``StateStore``: the gateway's memory of requests, decisions and runs.

SQLite file by default (inside the workspace), PostgreSQL when ``FTI_DATABASE_URL`` is
set; the same tables and the same calls on both. The store takes plain data (dicts,
DataFrames) so it sits below every stage and imports none of them.

The schema is Alembic's (:mod:`fti_gateway.store.migrate` has the policy and its reasons):
an empty database is created at the newest revision; an older one is upgraded, never
refused for being old nor altered silently — the workspace's SQLite file on opening (the
upgrade is returned, logged and kept in :attr:`StateStore.upgraded`), a server database
only by ``fti db upgrade``; a database newer than this code is refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from fti_gateway.core.errors import NotFoundError
from fti_gateway.core.formats import SUBJECT_COLUMNS
from fti_gateway.store import migrate
from fti_gateway.store import models as m
from fti_gateway.store.bulk import loader_for
from fti_gateway.store.migrate import SchemaState, Upgrade

if TYPE_CHECKING:
    from fti_gateway.core.workspace import Workspace

# What a request can be waiting for or have reached. New stages add theirs here.
STATUSES = (
    "awaiting-subjects",
    "queued",
    "running",
    "received",
    "checked",
    "decided",
    "resolved",
    "packaged",
    "disclosed",
    "awaiting-witness",
    "review",
    "denied",
    "failed",
    "closed",
)
REJECT_COLUMNS = ("line", "subject_id", "field", "reason", "location", "code")
FINDING_COLUMNS = ("subject_id", "result", "rule", "message")


class DuplicateRequest(Exception):
    """Another writer stored the same (agency, id) first; the caller re-reads and decides."""


@dataclass(frozen=True)
class RequestRecord:
    """A stored request, detached from any session."""

    pk: int
    agency: str
    id: str
    authority: str
    received: date
    format: str
    digest: str
    source: str
    status: str
    subject_count: int
    reject_count: int
    manifest: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    warnings: tuple[str, ...] = ()

    @classmethod
    def of(cls, row: m.Request) -> RequestRecord:
        return cls(
            pk=row.pk,
            agency=row.agency,
            id=row.external_id,
            authority=row.authority,
            received=row.received,
            format=row.format,
            digest=row.digest,
            source=row.source,
            status=row.status,
            subject_count=row.subject_count,
            reject_count=row.reject_count,
            manifest=dict(row.manifest),
            created_at=row.created_at,
            updated_at=row.updated_at,
            warnings=tuple(row.warnings or ()),
        )


@dataclass(frozen=True)
class NewRequest:
    """Everything :meth:`StateStore.record_request` needs about the request itself."""

    agency: str
    id: str
    authority: str
    received: date
    format: str
    manifest: dict[str, Any]
    digest: str
    source: str
    warnings: tuple[str, ...] = ()

    def row(self, status: str, *, subject_count: int, reject_count: int, **extra: Any) -> m.Request:
        """The ``requests`` row for this request, in ``status``; ``extra`` sets further
        columns (the uploads' ``manifest_raw``)."""
        return m.Request(
            agency=self.agency,
            external_id=self.id,
            authority=self.authority,
            received=self.received,
            format=self.format,
            manifest=self.manifest,
            digest=self.digest,
            source=self.source,
            status=status,
            subject_count=subject_count,
            reject_count=reject_count,
            warnings=list(self.warnings),
            **extra,
        )


STAGE_STATES = ("pending", "running", "done", "failed", "skipped")


@dataclass(frozen=True)
class StageRecord:
    """One stage of a run as API.md's ``stages`` list shows it."""

    name: str
    state: str
    started: datetime | None
    finished: datetime | None
    done: int | None
    total: int | None


@dataclass(frozen=True)
class RunRecord:
    pk: int
    request_pk: int
    run_dir: str | None
    status: str
    started_at: datetime
    finished_at: datetime | None
    summary: dict[str, Any] | None


class StateStore:
    """Request/decision state behind SQLAlchemy. ``url`` is any SQLAlchemy URL."""

    def __init__(self, url: str, *, pool_size: int | None = None) -> None:
        parsed = sa.engine.make_url(url)
        if parsed.drivername in ("postgresql", "postgres"):
            # The bare scheme means psycopg2 to SQLAlchemy; we ship psycopg 3.
            parsed = parsed.set(drivername="postgresql+psycopg")
        self.url = parsed.render_as_string(hide_password=False)
        # ``pool_size``: connections kept open — a server sizes it to its thread pool, so
        # a busy moment does not open and close overflow connections call after call.
        pool = {} if pool_size is None else {"pool_size": pool_size, "max_overflow": pool_size}
        self.engine = sa.create_engine(parsed, **pool)
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # What the last create_all/upgrade changed, for the caller to tell (None: nothing).
        self.upgraded: Upgrade | None = None

    @classmethod
    def for_workspace(cls, ws: Workspace, *, pool_size: int | None = None) -> StateStore:
        """The workspace's store (``FTI_DATABASE_URL`` or ``<home>/state.db``), schema ready.

        An older SQLite file is upgraded on the spot (see :attr:`upgraded`); an older
        server database is refused until ``fti db upgrade`` (the policy: module docstring).
        """
        store = cls(ws.database_url, pool_size=pool_size)
        store.create_all()
        return store

    def create_all(self) -> Upgrade | None:
        """Make the schema ready for this code: create an empty database at head, upgrade
        an older SQLite file (returned, logged and kept in :attr:`upgraded` so the caller
        can say so), refuse an older server database or one newer than this code."""
        self.upgraded = migrate.ensure(
            self.engine.url, upgrade_if_behind=self.engine.dialect.name == "sqlite"
        )
        return self.upgraded

    def schema_state(self) -> SchemaState:
        """Where the database stands against this code's migrations (``fti db status``)."""
        return migrate.state(self.engine.url)

    def upgrade(self) -> Upgrade:
        """Upgrade to head, whatever the backend (``fti db upgrade``)."""
        self.upgraded = migrate.upgrade(self.engine.url)
        return self.upgraded

    def dispose(self) -> None:
        """Close pooled connections (tests, and before a process forks)."""
        self.engine.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed if the block ends normally, rolled back otherwise."""
        with self._sessions.begin() as s:
            yield s

    # -- requests ---------------------------------------------------------------------

    def record_request(
        self,
        new: NewRequest,
        subjects: pd.DataFrame,
        rejects: pd.DataFrame,
        *,
        extra: pd.DataFrame | None = None,
        reject_count: int | None = None,
    ) -> RequestRecord:
        """Store a request, its accepted rows and its rejects in ONE transaction.

        ``subjects`` has the FORMATS §2 columns plus ``line``; ``extra`` (optional) has
        ``line`` plus columns beyond §2, stored per row as JSON. Raises
        :class:`DuplicateRequest` if (agency, id) is already stored.
        """
        rows = subjects.loc[:, [*SUBJECT_COLUMNS, "line"]].copy()
        if extra is not None and len(extra.columns) > 1:
            rows["extra"] = pd.Series(
                _extra_json(extra, rows["line"]), index=rows.index, dtype=object
            )
        rej = rejects.loc[:, list(REJECT_COLUMNS)].copy()
        loader = loader_for(self.engine.dialect)
        try:
            with self.session() as s:
                req = new.row(
                    "received",
                    subject_count=len(rows),
                    reject_count=len(rej) if reject_count is None else reject_count,
                )
                s.add(req)
                s.flush()
                s.add(m.RequestEvent(request_pk=req.pk, status="received", note=None))
                s.flush()
                conn = s.connection()
                rows.insert(0, "request_pk", req.pk)
                rej.insert(0, "request_pk", req.pk)
                loader.load(conn, m.SubjectRow.__table__, rows)  # type: ignore[arg-type]
                loader.load(conn, m.RejectedRow.__table__, rej)  # type: ignore[arg-type]
                record = RequestRecord.of(req)
        except sa.exc.IntegrityError as e:
            if self.get_request(new.agency, new.id) is not None:
                raise DuplicateRequest(new.agency, new.id) from e
            raise
        return record

    def get_request(self, agency: str, id: str) -> RequestRecord | None:
        with self.session() as s:
            row = s.scalars(
                sa.select(m.Request).where(m.Request.agency == agency, m.Request.external_id == id)
            ).one_or_none()
            return None if row is None else RequestRecord.of(row)

    def request(self, request_pk: int) -> RequestRecord:
        with self.session() as s:
            row = s.get(m.Request, request_pk)
            if row is None:
                raise NotFoundError(f"no request with key {request_pk} in the state store")
            return RequestRecord.of(row)

    def list_requests(self) -> list[RequestRecord]:
        with self.session() as s:
            rows = s.scalars(sa.select(m.Request).order_by(m.Request.created_at, m.Request.pk))
            return [RequestRecord.of(r) for r in rows]

    def requests_naming(self, tin: str) -> list[tuple[str, str]]:
        """(agency, id) of every request with a subject row giving ``tin`` (9 digits): the
        requests a taxpayer's view lists. A scan of the subject rows (no index on ``tin``)."""
        with self.session() as s:
            rows = s.execute(
                sa.select(m.Request.agency, m.Request.external_id)
                .join(m.SubjectRow, m.SubjectRow.request_pk == m.Request.pk)
                .where(m.SubjectRow.tin == tin)
                .distinct()
                .order_by(m.Request.agency, m.Request.external_id)
            )
            return [(str(a), str(i)) for a, i in rows]

    def set_status(self, request_pk: int, status: str, note: str | None = None) -> None:
        """Move a request to ``status`` (one of :data:`STATUSES`) and log the change."""
        if status not in STATUSES:
            raise ValueError(f"unknown request status {status!r}; known: {', '.join(STATUSES)}")
        with self.session() as s:
            row = s.get(m.Request, request_pk)
            if row is None:
                raise NotFoundError(f"no request with key {request_pk} in the state store")
            row.status = status
            s.add(m.RequestEvent(request_pk=request_pk, status=status, note=note))

    def events(self, request_pk: int) -> list[tuple[datetime, str, str | None]]:
        with self.session() as s:
            rows = s.scalars(
                sa.select(m.RequestEvent)
                .where(m.RequestEvent.request_pk == request_pk)
                .order_by(m.RequestEvent.pk)
            )
            return [(e.at, e.status, e.note) for e in rows]

    def load_subjects(self, request_pk: int) -> pd.DataFrame:
        """The accepted rows as intake passed them on (FORMATS §2 columns + ``line``)."""
        cols = [m.SubjectRow.__table__.c[c] for c in (*SUBJECT_COLUMNS, "line")]  # type: ignore[attr-defined]
        stmt = (
            sa.select(*cols)
            .where(m.SubjectRow.request_pk == request_pk)
            .order_by(m.SubjectRow.line)
        )
        return self._frame(stmt, [*SUBJECT_COLUMNS, "line"])

    def load_rejects(self, request_pk: int) -> pd.DataFrame:
        t = m.RejectedRow.__table__
        stmt = (
            sa.select(*(t.c[c] for c in REJECT_COLUMNS))
            .where(t.c.request_pk == request_pk)
            .order_by(t.c.line, t.c.pk)
        )
        return self._frame(stmt, list(REJECT_COLUMNS))

    # -- decisions ----------------------------------------------------------------------

    def save_decision(
        self,
        request_pk: int,
        decision: dict[str, Any],
        subject_findings: pd.DataFrame,
        *,
        revision: int = 1,
    ) -> int:
        """Store a FORMATS §5 decision and its per-subject findings; returns the decision key.
        ``revision`` counts the decisions of one request (n+1 after each disposition)."""
        outcome = str(decision.get("outcome", ""))
        if not outcome:
            raise ValueError("a decision needs an outcome")
        findings = subject_findings.loc[:, list(FINDING_COLUMNS)].copy()
        with self.session() as s:
            if s.get(m.Request, request_pk) is None:
                raise NotFoundError(f"no request with key {request_pk} in the state store")
            row = m.Decision(
                request_pk=request_pk, outcome=outcome, decision=decision, revision=revision
            )
            s.add(row)
            s.flush()
            findings.insert(0, "decision_pk", row.pk)
            loader_for(self.engine.dialect).load(
                s.connection(),
                m.SubjectFinding.__table__,  # type: ignore[arg-type]
                findings,
            )
            return row.pk

    def latest_decision(self, request_pk: int) -> tuple[int, dict[str, Any]] | None:
        with self.session() as s:
            row = s.scalars(
                sa.select(m.Decision)
                .where(m.Decision.request_pk == request_pk)
                .order_by(m.Decision.pk.desc())
                .limit(1)
            ).one_or_none()
            return None if row is None else (row.pk, dict(row.decision))

    def load_subject_findings(self, decision_pk: int) -> pd.DataFrame:
        t = m.SubjectFinding.__table__
        stmt = (
            sa.select(*(t.c[c] for c in FINDING_COLUMNS))
            .where(t.c.decision_pk == decision_pk)
            .order_by(t.c.pk)
        )
        return self._frame(stmt, list(FINDING_COLUMNS))

    # -- runs ---------------------------------------------------------------------------

    def start_run(self, request_pk: int, run_dir: str | None = None) -> int:
        with self.session() as s:
            run = m.Run(request_pk=request_pk, run_dir=run_dir, status="running")
            s.add(run)
            s.flush()
            return run.pk

    def finish_run(self, run_pk: int, status: str, summary: dict[str, Any] | None = None) -> None:
        with self.session() as s:
            run = s.get(m.Run, run_pk)
            if run is None:
                raise NotFoundError(f"no run with key {run_pk} in the state store")
            run.status = status
            run.summary = summary
            run.finished_at = m.utcnow()

    def abandon_runs(self, request_pk: int, status: str = "abandoned") -> int:
        """Mark the request's runs still ``running`` as ``abandoned`` (or ``status``: a
        run whose folder is finished did its work, see ``pipeline.submit``); returns how
        many.
        Called by a run that holds the request's run lock: any other run still marked
        running died without a word (``kill -9``, a lost machine), so nothing stays
        ``running`` when no one runs it."""
        with self.session() as s:
            rows = s.scalars(
                sa.select(m.Run).where(m.Run.request_pk == request_pk, m.Run.status == "running")
            ).all()
            for run in rows:
                run.status = status
                run.finished_at = m.utcnow()
            return len(rows)

    def stage(
        self,
        run_pk: int,
        name: str,
        state: str,
        *,
        done: int | None = None,
        total: int | None = None,
    ) -> None:
        """Record that stage ``name`` of run ``run_pk`` is now ``state`` (one of
        :data:`STAGE_STATES`); the start and end times follow from the state."""
        if state not in STAGE_STATES:
            raise ValueError(f"unknown stage state {state!r}; known: {', '.join(STAGE_STATES)}")
        now = m.utcnow()
        with self.session() as s:
            row = s.scalars(
                sa.select(m.RunStage).where(m.RunStage.run_pk == run_pk, m.RunStage.name == name)
            ).one_or_none()
            if row is None:
                row = m.RunStage(run_pk=run_pk, name=name, state=state)
                s.add(row)
            row.state = state
            if state == "running" and row.started_at is None:
                row.started_at = now
            if state in ("done", "failed", "skipped"):
                row.started_at = row.started_at or now
                row.finished_at = now
            if done is not None:
                row.done = done
            if total is not None:
                row.total = total

    def stages(self, request_pk: int) -> list[StageRecord]:
        """The stages of the request's latest run, in the order they started."""
        with self.session() as s:
            run = s.scalars(
                sa.select(m.Run.pk)
                .where(m.Run.request_pk == request_pk)
                .order_by(m.Run.pk.desc())
                .limit(1)
            ).one_or_none()
            if run is None:
                return []
            rows = s.scalars(
                sa.select(m.RunStage).where(m.RunStage.run_pk == run).order_by(m.RunStage.pk)
            )
            return [
                StageRecord(r.name, r.state, r.started_at, r.finished_at, r.done, r.total)
                for r in rows
            ]

    def list_runs(self, request_pk: int) -> list[RunRecord]:
        with self.session() as s:
            rows = s.scalars(
                sa.select(m.Run).where(m.Run.request_pk == request_pk).order_by(m.Run.pk)
            )
            return [
                RunRecord(
                    r.pk, r.request_pk, r.run_dir, r.status, r.started_at, r.finished_at, r.summary
                )
                for r in rows
            ]

    # -- helpers ------------------------------------------------------------------------

    def _frame(self, stmt: sa.Select[Any], columns: list[str]) -> pd.DataFrame:
        with self.engine.connect() as conn:
            result = conn.execute(stmt)
            return pd.DataFrame(result.fetchall(), columns=columns)


def _extra_json(extra: pd.DataFrame, lines: pd.Series) -> list[dict[str, str] | None]:
    by_line = extra.set_index("line")
    out: list[dict[str, str] | None] = []
    records = by_line.to_dict("index")
    for line in lines.tolist():
        rec = records.get(line) or {}
        kept = {str(k): str(v) for k, v in rec.items() if v is not None and not pd.isna(v)}
        out.append(kept or None)
    return out


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()
