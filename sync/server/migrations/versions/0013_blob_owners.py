"""Scans per org unit: who proved they hold a blob, and whose upload is in progress.

A blob already complete and named by a case is recorded for the org units of those cases
(they had it before the namespace existed); one named by no case is recorded for nobody,
so the next org unit to send it proves it holds it.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("blobs", sa.Column("upload_org", sa.String(length=32), nullable=True))
    op.add_column("blobs", sa.Column("upload_device", sa.String(length=36), nullable=True))
    op.add_column("blobs", sa.Column("touched_at", sa.DateTime(), nullable=True))
    op.create_index("ix_blobs_upload_org", "blobs", ["upload_org"])
    op.create_table(
        "blob_owners",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("org_code", sa.String(length=32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", "org_code"),
    )
    op.create_index("ix_blob_owners_org_code", "blob_owners", ["org_code"])
    op.get_bind().execute(
        sa.text(
            "INSERT INTO blob_owners (sha256, org_code, size, created_at) "
            "SELECT DISTINCT b.sha256, c.org_code, b.size, :now FROM blobs b "
            "JOIN case_blobs cb ON cb.sha256 = b.sha256 JOIN cases c ON c.id = cb.case_id "
            "WHERE b.complete"
        ),
        {"now": dt.datetime.now(dt.UTC).replace(tzinfo=None)},
    )


def downgrade() -> None:
    op.drop_index("ix_blob_owners_org_code", table_name="blob_owners")
    op.drop_table("blob_owners")
    op.drop_index("ix_blobs_upload_org", table_name="blobs")
    op.drop_column("blobs", "touched_at")
    op.drop_column("blobs", "upload_device")
    op.drop_column("blobs", "upload_org")
