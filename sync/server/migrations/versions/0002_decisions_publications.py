"""Decisions beyond approve/deny, deadlines, device-addressed changes, publications, pruning.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("e_licence", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("appeal_rights", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("supplement", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("due", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("suspended_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("warning", sa.String(length=16), nullable=True))
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("device_id", sa.String(length=36), nullable=True))
        batch_op.create_index(batch_op.f("ix_changes_device_id"), ["device_id"], unique=False)
    with op.batch_alter_table("change_counter", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pruned_through", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "publications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("published_by", sa.String(length=64), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("publications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_publications_kind"), ["kind"], unique=False)


def downgrade() -> None:
    op.drop_table("publications")
    with op.batch_alter_table("change_counter", schema=None) as batch_op:
        batch_op.drop_column("pruned_through")
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_changes_device_id"))
        batch_op.drop_column("device_id")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        for column in ("warning", "suspended_at", "due", "supplement", "appeal_rights", "e_licence"):
            batch_op.drop_column(column)
