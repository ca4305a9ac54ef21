"""Tables of the state store (SQLAlchemy 2 typed ORM), the same on SQLite and PostgreSQL.

What a request went through is kept here: the request as received (manifest, digest,
every accepted subject row, every rejected row with its reason), its status history, the
law stage's decision with one finding per subject, and each pipeline run.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

JSONType = sa.JSON().with_variant(JSONB(), "postgresql")
# Row tables can pass 2**31 rows over a deployment's life; SQLite needs INTEGER for rowid.
BigPK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Timestamps are stored and returned as aware UTC (SQLite would drop the zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_api_id() -> str:
    """A request's id in the API: 128 random bits, so that knowing (agency, id) — or
    counting requests — says nothing about where another agency's request lives."""
    return "r_" + secrets.token_hex(16)


class Base(DeclarativeBase):
    pass


class Request(Base):
    """One received request; (agency, external_id) is its identity (FORMATS §1)."""

    __tablename__ = "requests"
    __table_args__ = (
        sa.UniqueConstraint("agency", "external_id", name="uq_requests_key"),
        sa.UniqueConstraint("api_id", name="uq_requests_api_id"),
    )

    pk: Mapped[int] = mapped_column(primary_key=True)
    agency: Mapped[str] = mapped_column(sa.String(200))
    external_id: Mapped[str] = mapped_column(sa.String(400))
    authority: Mapped[str] = mapped_column(sa.String(200))
    received: Mapped[date] = mapped_column(sa.Date)
    format: Mapped[str] = mapped_column(sa.String(100))
    manifest: Mapped[dict[str, Any]] = mapped_column(JSONType)
    digest: Mapped[str] = mapped_column(sa.String(100))
    source: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(40))
    subject_count: Mapped[int] = mapped_column(sa.Integer)
    reject_count: Mapped[int] = mapped_column(sa.Integer)
    # What intake noticed but did not refuse (unknown fields, unused columns, …).
    warnings: Mapped[list[str]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # The id the API names the request by (``/v1/requests/{api_id}``): random, not derived.
    api_id: Mapped[str] = mapped_column(sa.String(40), default=new_api_id)
    # The manifest as POSTed, kept while its subject file is awaited: the upload is then
    # read beside it exactly as `fti request submit` reads a manifest and its file.
    manifest_raw: Mapped[bytes | None] = mapped_column(sa.LargeBinary, nullable=True)
    # SHA-256 of the subjects CSV as uploaded: the same upload again is recognised.
    subjects_sha256: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)


class SubjectRow(Base):
    """One accepted subject row, exactly as intake passed it on."""

    __tablename__ = "request_subjects"
    __table_args__ = (
        sa.UniqueConstraint("request_pk", "subject_id", name="uq_request_subjects_id"),
    )

    pk: Mapped[int] = mapped_column(BigPK, primary_key=True)
    request_pk: Mapped[int] = mapped_column(sa.ForeignKey("requests.pk", ondelete="CASCADE"))
    line: Mapped[int] = mapped_column(sa.Integer)
    subject_id: Mapped[str] = mapped_column(sa.Text)
    first_name: Mapped[str | None] = mapped_column(sa.Text)
    middle_name: Mapped[str | None] = mapped_column(sa.Text)
    last_name: Mapped[str] = mapped_column(sa.Text)
    suffix: Mapped[str | None] = mapped_column(sa.Text)
    dob: Mapped[str | None] = mapped_column(sa.String(10))
    tin: Mapped[str | None] = mapped_column(sa.String(9))
    street: Mapped[str | None] = mapped_column(sa.Text)
    unit: Mapped[str | None] = mapped_column(sa.Text)
    city: Mapped[str | None] = mapped_column(sa.Text)
    state: Mapped[str | None] = mapped_column(sa.Text)
    zip: Mapped[str | None] = mapped_column(sa.Text)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    case_number: Mapped[str | None] = mapped_column(sa.Text)
    # Columns beyond FORMATS §2 that the requester sent: kept, never silently dropped.
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)


class RejectedRow(Base):
    """A subject row intake refused, with its line and the reason."""

    __tablename__ = "request_rejects"

    pk: Mapped[int] = mapped_column(BigPK, primary_key=True)
    request_pk: Mapped[int] = mapped_column(
        sa.ForeignKey("requests.pk", ondelete="CASCADE"), index=True
    )
    line: Mapped[int] = mapped_column(sa.Integer)
    subject_id: Mapped[str | None] = mapped_column(sa.Text)
    field: Mapped[str | None] = mapped_column(sa.String(200))
    reason: Mapped[str] = mapped_column(sa.Text)
    # Where, in words: "subjects.csv line 7", "subjects.parquet row 7", "manifest.yaml line 30".
    location: Mapped[str | None] = mapped_column(sa.Text)
    # Machine-readable kind of problem (intake's RowError.code), for counts and reports.
    code: Mapped[str | None] = mapped_column(sa.String(40))


class RequestEvent(Base):
    """Status history: every status a request took, when, and why."""

    __tablename__ = "request_events"

    pk: Mapped[int] = mapped_column(primary_key=True)
    request_pk: Mapped[int] = mapped_column(
        sa.ForeignKey("requests.pk", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(sa.String(40))
    note: Mapped[str | None] = mapped_column(sa.Text)


class Decision(Base):
    """The law stage's decision (FORMATS §5 JSON) for a request."""

    __tablename__ = "decisions"

    pk: Mapped[int] = mapped_column(primary_key=True)
    request_pk: Mapped[int] = mapped_column(
        sa.ForeignKey("requests.pk", ondelete="CASCADE"), index=True
    )
    outcome: Mapped[str] = mapped_column(sa.String(20))
    decision: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # 1 for the first decision; each disposition that takes effect recomputes it (n+1).
    revision: Mapped[int] = mapped_column(sa.Integer, default=1, server_default="1")


class SubjectFinding(Base):
    """One row of a decision's subject_findings (FORMATS §5)."""

    __tablename__ = "subject_findings"

    pk: Mapped[int] = mapped_column(BigPK, primary_key=True)
    decision_pk: Mapped[int] = mapped_column(
        sa.ForeignKey("decisions.pk", ondelete="CASCADE"), index=True
    )
    subject_id: Mapped[str] = mapped_column(sa.Text)
    result: Mapped[str] = mapped_column(sa.String(20))
    rule: Mapped[str | None] = mapped_column(sa.Text)
    message: Mapped[str | None] = mapped_column(sa.Text)


class Run(Base):
    """One pipeline run over a request: where its folder is and how it ended."""

    __tablename__ = "runs"

    pk: Mapped[int] = mapped_column(primary_key=True)
    request_pk: Mapped[int] = mapped_column(
        sa.ForeignKey("requests.pk", ondelete="CASCADE"), index=True
    )
    run_dir: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(40))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)


class RunStage(Base):
    """One stage of one run (intake, law, resolve, disclose, ledger): what API.md's
    ``stages`` list shows, and where a resumed run sees how far the last one got."""

    __tablename__ = "run_stages"
    __table_args__ = (sa.UniqueConstraint("run_pk", "name", name="uq_run_stages_name"),)

    pk: Mapped[int] = mapped_column(primary_key=True)
    run_pk: Mapped[int] = mapped_column(sa.ForeignKey("runs.pk", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(40))
    state: Mapped[str] = mapped_column(sa.String(20))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    done: Mapped[int | None] = mapped_column(sa.BigInteger, nullable=True)
    total: Mapped[int | None] = mapped_column(sa.BigInteger, nullable=True)


# -- agencies and their credentials (API.md "Authentication") -------------------------


class AgencyKey(Base):
    """A registered agency key: ``agency`` is the OAuth ``client_id``. Revoking keeps the
    row (who could call, and until when, is part of the record); at most one key per
    agency is active (``revoked_at`` NULL) at a time."""

    __tablename__ = "agency_keys"
    __table_args__ = (
        sa.Index(
            "uq_agency_keys_active",
            "agency",
            unique=True,
            sqlite_where=sa.text("revoked_at IS NULL"),
            postgresql_where=sa.text("revoked_at IS NULL"),
        ),
    )

    pk: Mapped[int] = mapped_column(primary_key=True)
    agency: Mapped[str] = mapped_column(sa.String(200), index=True)
    jwk: Mapped[dict[str, Any]] = mapped_column(JSONType)
    thumbprint: Mapped[str] = mapped_column(sa.String(100))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AccessToken(Base):
    """An issued access token. Only its SHA-256 is stored: a copy of this table does not
    let anyone call. ``jkt`` is the DPoP key it is bound to (RFC 9449 ``cnf.jkt``)."""

    __tablename__ = "access_tokens"

    token_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    key_pk: Mapped[int] = mapped_column(
        sa.ForeignKey("agency_keys.pk", ondelete="CASCADE"), index=True
    )
    agency: Mapped[str] = mapped_column(sa.String(200))
    jkt: Mapped[str] = mapped_column(sa.String(100))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class SeenJti(Base):
    """Replay cache: a client-assertion or DPoP-proof ``jti`` already accepted. The
    primary key is what makes "never accepted twice" hold across processes and hosts;
    a row may go once the JWT it came from could no longer be accepted anyway."""

    __tablename__ = "seen_jtis"

    kind: Mapped[str] = mapped_column(sa.String(16), primary_key=True)  # assertion | proof
    jti: Mapped[str] = mapped_column(sa.String(64), primary_key=True)  # SHA-256 of issuer+jti
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class Officer(Base):
    """A review-desk account: a named person with one role and an argon2 password hash."""

    __tablename__ = "officers"
    __table_args__ = (sa.UniqueConstraint("name", name="uq_officers_name"),)

    pk: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(64))
    role: Mapped[str] = mapped_column(sa.String(20))
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ReviewDisposition(Base):
    """A person's answer to one review item of one request (one row per item).

    A proposal that needs a supervisor has no ``revision`` until it is confirmed; the
    revision is the decision it produced (2, 3, ...), unique per request, so dispositions
    replay in the order they took effect."""

    __tablename__ = "review_dispositions"
    __table_args__ = (
        sa.UniqueConstraint("request_pk", "item_id", name="uq_review_dispositions_item"),
        sa.UniqueConstraint("request_pk", "revision", name="uq_review_dispositions_revision"),
    )

    pk: Mapped[int] = mapped_column(primary_key=True)
    request_pk: Mapped[int] = mapped_column(
        sa.ForeignKey("requests.pk", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[str] = mapped_column(sa.String(64))
    kind: Mapped[str] = mapped_column(sa.String(20))
    key: Mapped[str] = mapped_column(sa.Text)
    rule: Mapped[str] = mapped_column(sa.String(60))
    outcome: Mapped[str] = mapped_column(sa.String(20))
    candidate: Mapped[str | None] = mapped_column(sa.String(100), nullable=True)
    reason: Mapped[str] = mapped_column(sa.Text)
    officer_pk: Mapped[int] = mapped_column(sa.ForeignKey("officers.pk"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    needs_confirmation: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    confirmed_by_pk: Mapped[int | None] = mapped_column(sa.ForeignKey("officers.pk"), nullable=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revision: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
