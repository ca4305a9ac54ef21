"""Baseline: the state store as FTI Gateway made it before schema migrations.

Revision ID: 0001
Revises:
Create Date: 2026-11-01

A frozen copy of models.py's tables at the time migrations began: never edit it (change
the schema with a new revision). :func:`schema` is also what a database made before
migrations (tables, no ``alembic_version``) is compared with before it is stamped at this
revision, so it must stay exactly what that code's ``create_all`` made.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from alembic.operations import ops
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BIG_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC_TIME = sa.DateTime(timezone=True)  # models.UTCDateTime's column type


def _fk_request() -> sa.ForeignKey:
    return sa.ForeignKey("requests.pk", ondelete="CASCADE")


def schema() -> sa.MetaData:
    """The baseline tables, built fresh on each call (a Table belongs to one MetaData)."""
    md = sa.MetaData()
    sa.Table(
        "requests",
        md,
        sa.Column("pk", sa.Integer, primary_key=True),
        sa.Column("agency", sa.String(200), nullable=False),
        sa.Column("external_id", sa.String(400), nullable=False),
        sa.Column("authority", sa.String(200), nullable=False),
        sa.Column("received", sa.Date, nullable=False),
        sa.Column("format", sa.String(100), nullable=False),
        sa.Column("manifest", JSON, nullable=False),
        sa.Column("digest", sa.String(100), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("subject_count", sa.Integer, nullable=False),
        sa.Column("reject_count", sa.Integer, nullable=False),
        sa.Column("warnings", JSON, nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.UniqueConstraint("agency", "external_id", name="uq_requests_key"),
    )
    sa.Table(
        "request_subjects",
        md,
        sa.Column("pk", BIG_PK, primary_key=True),
        sa.Column("request_pk", sa.Integer, _fk_request(), nullable=False),
        sa.Column("line", sa.Integer, nullable=False),
        sa.Column("subject_id", sa.Text, nullable=False),
        sa.Column("first_name", sa.Text),
        sa.Column("middle_name", sa.Text),
        sa.Column("last_name", sa.Text, nullable=False),
        sa.Column("suffix", sa.Text),
        sa.Column("dob", sa.String(10)),
        sa.Column("tin", sa.String(9)),
        *(sa.Column(c, sa.Text) for c in ("street", "unit", "city", "state", "zip")),
        sa.Column("reason", sa.Text),
        sa.Column("case_number", sa.Text),
        sa.Column("extra", JSON),
        sa.UniqueConstraint("request_pk", "subject_id", name="uq_request_subjects_id"),
    )
    sa.Table(
        "request_rejects",
        md,
        sa.Column("pk", BIG_PK, primary_key=True),
        sa.Column("request_pk", sa.Integer, _fk_request(), nullable=False, index=True),
        sa.Column("line", sa.Integer, nullable=False),
        sa.Column("subject_id", sa.Text),
        sa.Column("field", sa.String(200)),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("location", sa.Text),
        sa.Column("code", sa.String(40)),
    )
    sa.Table(
        "request_events",
        md,
        sa.Column("pk", sa.Integer, primary_key=True),
        sa.Column("request_pk", sa.Integer, _fk_request(), nullable=False, index=True),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("note", sa.Text),
    )
    sa.Table(
        "decisions",
        md,
        sa.Column("pk", sa.Integer, primary_key=True),
        sa.Column("request_pk", sa.Integer, _fk_request(), nullable=False, index=True),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("decision", JSON, nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
    )
    sa.Table(
        "subject_findings",
        md,
        sa.Column("pk", BIG_PK, primary_key=True),
        sa.Column(
            "decision_pk",
            sa.Integer,
            sa.ForeignKey("decisions.pk", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("subject_id", sa.Text, nullable=False),
        sa.Column("result", sa.String(20), nullable=False),
        sa.Column("rule", sa.Text),
        sa.Column("message", sa.Text),
    )
    sa.Table(
        "runs",
        md,
        sa.Column("pk", sa.Integer, primary_key=True),
        sa.Column("request_pk", sa.Integer, _fk_request(), nullable=False, index=True),
        sa.Column("run_dir", sa.Text),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("started_at", UTC_TIME, nullable=False),
        sa.Column("finished_at", UTC_TIME),
        sa.Column("summary", JSON),
    )
    return md


def upgrade() -> None:
    for table in schema().sorted_tables:
        op.invoke(ops.CreateTableOp.from_table(table))
        for index in sorted(table.indexes, key=lambda i: str(i.name)):
            op.invoke(ops.CreateIndexOp.from_index(index))


def downgrade() -> None:
    for table in reversed(schema().sorted_tables):
        op.drop_table(table.name)
