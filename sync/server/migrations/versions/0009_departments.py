"""Departments (承办科室), the staff who belong to them, and the department each case is routed to.

Existing cases are routed here as a new one is on arrival: the org units that implement
the newest published catalog (same region code; the top units when none has it) get its
departments, and each case goes to its matter's department in its own unit or the
nearest unit above. A case whose matter names no department anywhere stays unrouted.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa
from alembic import op

from client.domain.catalog import Catalog, catalog_from_dict, load_sample_catalog

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "departments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("org_code", sa.String(length=32), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["org_code"], ["org_units.code"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("org_code", "code", name="uq_departments_org_code"),
    )
    op.create_table(
        "staff_departments",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"]),
        sa.ForeignKeyConstraint(["username"], ["users.username"]),
        sa.PrimaryKeyConstraint("username", "department_id"),
    )
    op.create_index("ix_staff_departments_department_id", "staff_departments", ["department_id"])
    op.create_table(
        "case_routes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("from_department_id", sa.Integer(), nullable=True),
        sa.Column("to_department_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("routed_by", sa.String(length=64), nullable=False),
        sa.Column("routed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["from_department_id"], ["departments.id"]),
        sa.ForeignKeyConstraint(["to_department_id"], ["departments.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_case_routes_case_id", "case_routes", ["case_id"])
    _add_case_department()
    _route_existing_cases()


def _add_case_department() -> None:
    """A nullable column with its foreign key, without rebuilding `cases` (SQLite takes the
    REFERENCES clause in ADD COLUMN; a rebuild would copy every case of a big hall)."""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("ALTER TABLE cases ADD COLUMN department_id INTEGER REFERENCES departments (id)")
    else:
        op.add_column("cases", sa.Column("department_id", sa.Integer(), nullable=True))
        op.create_foreign_key("fk_cases_department_id", "cases", "departments", ["department_id"], ["id"])
    op.create_index("ix_cases_department_id", "cases", ["department_id"])


def _latest_catalog(bind: sa.Connection) -> Catalog:
    """What the back office serves: the newest published catalog, else the shipped one."""
    body = bind.execute(
        sa.text("SELECT body FROM publications WHERE kind = 'catalog' ORDER BY id DESC LIMIT 1")
    ).scalar()
    if body is None:
        return load_sample_catalog()
    return catalog_from_dict(json.loads(body) if isinstance(body, str) else body)


def _route_existing_cases() -> None:
    bind = op.get_bind()
    catalog = _latest_catalog(bind)
    units: dict[str, str | None] = dict(bind.execute(sa.text("SELECT code, parent_code FROM org_units")).all())
    regions: dict[str, str] = dict(bind.execute(sa.text("SELECT code, region_code FROM org_units")).all())
    implementing = [code for code, region in regions.items() if region == catalog.region_code]
    implementing = implementing or [code for code, parent in units.items() if parent is None]
    names: dict[str, str] = {}
    for matter in catalog.matters:
        names.setdefault(matter.department_code, matter.department)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)  # stored as UtcDateTime stores it
    departments = sa.table(
        "departments",
        sa.column("org_code", sa.String),
        sa.column("code", sa.String),
        sa.column("name", sa.String),
        sa.column("active", sa.Boolean),
        sa.column("created_at", sa.DateTime),
    )
    for org_code in sorted(implementing):
        for code, name in names.items():
            bind.execute(
                departments.insert().values(org_code=org_code, code=code, name=name[:100], active=True, created_at=now)
            )
    found = {
        (org, code): dept_id
        for dept_id, org, code in bind.execute(sa.text("SELECT id, org_code, code FROM departments"))
    }
    # One UPDATE per org unit and department (its matters listed), not one per case.
    targets: dict[tuple[str, int], list[str]] = {}
    for org_code, matter_code in bind.execute(sa.text("SELECT DISTINCT org_code, matter_code FROM cases")).all():
        try:
            code = catalog.get(matter_code).department_code
        except KeyError:
            continue  # a matter the catalog no longer has: unrouted, for an administrator
        unit: str | None = org_code
        seen: set[str] = set()
        while unit is not None and unit not in seen and (unit, code) not in found:
            seen.add(unit)
            unit = units.get(unit)
        if unit is not None and (unit, code) in found:
            targets.setdefault((org_code, found[(unit, code)]), []).append(matter_code)
    route = sa.text(
        "UPDATE cases SET department_id = :dept WHERE org_code = :org AND matter_code IN :matters"
    ).bindparams(sa.bindparam("matters", expanding=True))
    for (org_code, dept_id), matters in targets.items():
        bind.execute(route, {"dept": dept_id, "org": org_code, "matters": matters})


def downgrade() -> None:
    op.drop_index("ix_cases_department_id", table_name="cases")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        if op.get_bind().dialect.name != "sqlite":
            batch_op.drop_constraint("fk_cases_department_id", type_="foreignkey")
        batch_op.drop_column("department_id")
    op.drop_index("ix_case_routes_case_id", table_name="case_routes")
    op.drop_table("case_routes")
    op.drop_index("ix_staff_departments_department_id", table_name="staff_departments")
    op.drop_table("staff_departments")
    op.drop_table("departments")
