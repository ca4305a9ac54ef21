"""request api id and uploads

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 19:43:44.671485

Each request gets the random id the API names it by (existing rows get one here, so a
request received before this revision is reachable through the API too), the manifest
as POSTed while its subjects are awaited, and the SHA-256 of its uploaded subjects.
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("api_id", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("manifest_raw", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("subjects_sha256", sa.String(length=64), nullable=True))
    # Rows already stored get their random id (the same form as models.new_api_id).
    conn = op.get_bind()
    requests = sa.table("requests", sa.column("pk", sa.Integer), sa.column("api_id", sa.String))
    for (pk,) in conn.execute(sa.select(requests.c.pk)).fetchall():
        conn.execute(
            requests.update().where(requests.c.pk == pk).values(api_id="r_" + secrets.token_hex(16))
        )
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.alter_column("api_id", existing_type=sa.String(length=40), nullable=False)
        batch_op.create_unique_constraint("uq_requests_api_id", ["api_id"])


def downgrade() -> None:
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.drop_constraint("uq_requests_api_id", type_="unique")
        batch_op.drop_column("subjects_sha256")
        batch_op.drop_column("manifest_raw")
        batch_op.drop_column("api_id")
