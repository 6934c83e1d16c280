"""好差评 on the back office: every rating in a table of its own, the 差评 work orders
(整改工单) with their steps, and each org unit's rectification deadline.

Ratings stored so far in a case's payload (`rating`, `delivery_rating`) are copied in, so
the reports count them; their 差评 get no work order (they predate the loop).

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ratings",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=64), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("org_code", sa.String(length=32), sa.ForeignKey("org_units.code"), nullable=False),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("departments.id"), nullable=True),
        sa.Column("device_id", sa.String(length=36), nullable=True),
        sa.Column("window", sa.String(length=200), nullable=False, server_default=""),
        sa.Column("clerk", sa.String(length=64), nullable=False, server_default=""),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False, server_default="intake"),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("indicators", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False, server_default=""),
        sa.Column("comment", sa.Text(), nullable=False, server_default=""),
        sa.Column("round", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("rated_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_ratings_case_id", "ratings", ["case_id"])
    op.create_index("ix_ratings_department_id", "ratings", ["department_id"])
    op.create_index("ix_ratings_org_rated", "ratings", ["org_code", "rated_at"])
    op.create_table(
        "rectification_rules",
        sa.Column("org_code", sa.String(length=32), sa.ForeignKey("org_units.code"), nullable=False),
        sa.Column("working_days", sa.Integer(), nullable=False),
        sa.Column("ledger_working_days", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False, server_default=""),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("org_code"),
    )
    op.create_table(
        "work_orders",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("rating_id", sa.String(length=64), sa.ForeignKey("ratings.id"), nullable=False),
        sa.Column("case_id", sa.String(length=64), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("org_code", sa.String(length=32), sa.ForeignKey("org_units.code"), nullable=False),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("departments.id"), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False, server_default="open"),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("ledger_due", sa.Date(), nullable=True),
        sa.Column("called_back_at", sa.DateTime(), nullable=True),
        sa.Column("called_back_by", sa.String(length=64), nullable=True),
        sa.Column("call_back_note", sa.Text(), nullable=False, server_default=""),
        sa.Column("rectification", sa.Text(), nullable=False, server_default=""),
        sa.Column("explanation", sa.Text(), nullable=False, server_default=""),
        sa.Column("handled_by", sa.String(length=64), nullable=True),
        sa.Column("handled_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by", sa.String(length=64), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("reopened", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("rating_id", name="uq_work_orders_rating_id"),
    )
    op.create_index("ix_work_orders_case_id", "work_orders", ["case_id"])
    op.create_index("ix_work_orders_department_id", "work_orders", ["department_id"])
    op.create_index("ix_work_orders_org_status", "work_orders", ["org_code", "status"])
    op.create_table(
        "work_order_steps",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("work_order_id", sa.Integer(), sa.ForeignKey("work_orders.id"), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_work_order_steps_work_order_id", "work_order_steps", ["work_order_id"])
    _copy_payload_ratings()


def _copy_payload_ratings() -> None:
    """Ratings kept in cases' payloads before this table existed."""
    bind = op.get_bind()
    cases = sa.table(
        "cases",
        sa.column("id", sa.String),
        sa.column("org_code", sa.String),
        sa.column("department_id", sa.Integer),
        sa.column("device_id", sa.String),
        sa.column("payload", sa.JSON),
    )
    ratings = sa.table(
        "ratings",
        *(
            sa.column(name, sa.String)
            for name in ("id", "case_id", "org_code", "device_id", "clerk", "channel", "stage")
        ),
        sa.column("department_id", sa.Integer),
        sa.column("level", sa.Integer),
        sa.column("indicators", sa.JSON),
        sa.column("rated_at", sa.DateTime),
        sa.column("created_at", sa.DateTime),
    )
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows = []
    for case in bind.execute(sa.select(cases)):
        for key, stage in (("rating", "intake"), ("delivery_rating", "delivery")):
            given = (case.payload or {}).get(key)
            if not isinstance(given, dict) or not isinstance(given.get("level"), int):
                continue
            try:
                rated = dt.datetime.fromisoformat(str(given.get("rated_at")))
            except ValueError:
                continue
            if rated.tzinfo is not None:
                rated = rated.astimezone(dt.UTC).replace(tzinfo=None)
            rows.append(
                dict(
                    id=f"legacy-{stage}-{case.id}"[:64],
                    case_id=case.id,
                    org_code=case.org_code,
                    department_id=case.department_id,
                    device_id=case.device_id,
                    clerk=str(given.get("clerk") or "")[:64],
                    channel="pad",
                    stage=stage,
                    level=given["level"],
                    indicators=given.get("indicators") or {},
                    rated_at=rated,
                    created_at=now,
                )
            )
    if rows:
        op.bulk_insert(ratings, rows)


def downgrade() -> None:
    op.drop_index("ix_work_order_steps_work_order_id", table_name="work_order_steps")
    op.drop_table("work_order_steps")
    op.drop_index("ix_work_orders_org_status", table_name="work_orders")
    op.drop_index("ix_work_orders_department_id", table_name="work_orders")
    op.drop_index("ix_work_orders_case_id", table_name="work_orders")
    op.drop_table("work_orders")
    op.drop_table("rectification_rules")
    op.drop_index("ix_ratings_org_rated", table_name="ratings")
    op.drop_index("ix_ratings_department_id", table_name="ratings")
    op.drop_index("ix_ratings_case_id", table_name="ratings")
    op.drop_table("ratings")
