"""云叫号 appointments: the halls' booking slots, the bookings (ID number, phone and code as
digests only), and the ticket a booking was checked in with.

Revision ID: 0024
Revises: 0023
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "booking_slots",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("org_code", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=4), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["org_code"], ["org_units.code"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("org_code", "category", "starts_at", name="uq_booking_slots_start"),
    )
    op.create_index("ix_booking_slots_day", "booking_slots", ["day"])
    op.create_table(
        "bookings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("org_code", sa.String(length=32), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("matter_code", sa.String(length=40), nullable=True),
        sa.Column("matter_name", sa.String(length=200), nullable=False, server_default=""),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("id_sha", sa.String(length=64), nullable=False),
        sa.Column("phone_sha", sa.String(length=64), nullable=False),
        sa.Column("code_sha", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("booked_at", sa.DateTime(), nullable=False),
        sa.Column("checked_in_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["org_code"], ["org_units.code"]),
        sa.ForeignKeyConstraint(["slot_id"], ["booking_slots.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code_sha"),
    )
    op.create_index("ix_bookings_id_sha", "bookings", ["id_sha"])
    op.create_index("ix_bookings_slot_status", "bookings", ["slot_id", "status"])
    # A plain ADD COLUMN (no batch copy of `tickets`); the foreign key is the model's alone,
    # as SQLite cannot add one to an existing table.
    op.add_column("tickets", sa.Column("booking_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("tickets", "booking_id")
    op.drop_index("ix_bookings_slot_status", table_name="bookings")
    op.drop_index("ix_bookings_id_sha", table_name="bookings")
    op.drop_table("bookings")
    op.drop_index("ix_booking_slots_day", table_name="booking_slots")
    op.drop_table("booking_slots")
