"""review desk officers and dispositions

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 20:08:30.083094

The review desk: officers (argon2 hashes, one role each), one disposition row per review
item of a request, and each stored decision's revision (existing decisions are the first,
revision 1, by the server default).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "officers",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("name", name="uq_officers_name"),
    )
    op.create_table(
        "review_dispositions",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("request_pk", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("rule", sa.String(length=60), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("candidate", sa.String(length=100), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("officer_pk", sa.Integer(), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("needs_confirmation", sa.Boolean(), nullable=False),
        sa.Column("confirmed_by_pk", sa.Integer(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["confirmed_by_pk"],
            ["officers.pk"],
        ),
        sa.ForeignKeyConstraint(
            ["officer_pk"],
            ["officers.pk"],
        ),
        sa.ForeignKeyConstraint(["request_pk"], ["requests.pk"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("request_pk", "item_id", name="uq_review_dispositions_item"),
        sa.UniqueConstraint("request_pk", "revision", name="uq_review_dispositions_revision"),
    )
    with op.batch_alter_table("review_dispositions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_dispositions_request_pk"), ["request_pk"], unique=False
        )

    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revision", sa.Integer(), server_default="1", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_column("revision")

    with op.batch_alter_table("review_dispositions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_dispositions_request_pk"))

    op.drop_table("review_dispositions")
    op.drop_table("officers")
