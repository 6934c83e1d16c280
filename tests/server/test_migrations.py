"""The schema comes from alembic migrations, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from sync.server import admin
from sync.server.db import Base, make_engine
from sync.server.migrate import alembic_config, current_revision, head_revision, upgrade
from tests.sync.databases import BACKENDS, server_database


@pytest.fixture(params=BACKENDS)
def empty_database(request, tmp_path):
    with server_database(request.param, tmp_path / "db", request) as url:
        yield url


def test_migrations_build_exactly_the_models(empty_database):
    engine = make_engine(empty_database)
    try:
        assert current_revision(engine) == head_revision()
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata)
        assert diff == []
    finally:
        engine.dispose()


def test_upgrading_twice_changes_nothing_and_keeps_data(empty_database):
    engine = make_engine(empty_database)
    admin.create_org_unit(engine, "370702", "潍城区", "370702000000")
    upgrade(engine)
    assert admin.get_org_unit(engine, "370702").name == "潍城区"
    engine.dispose()


def test_a_database_made_before_alembic_is_adopted(tmp_path):
    """The 0001 tables without an alembic_version row: what `create_all` used to leave."""
    url = f"sqlite:///{(tmp_path / 'old.sqlite').as_posix()}"
    legacy = make_engine(url, create=False)
    upgrade(legacy, "0001")
    with legacy.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
        conn.execute(
            text(
                "INSERT INTO org_units (code, name, region_code, level, created_at) "
                "VALUES ('370702', '潍城区', '370702000000', 'county', '2026-01-01')"
            )
        )
    legacy.dispose()
    engine = make_engine(url)
    try:
        assert current_revision(engine) == head_revision()
        assert "publications" in inspect(engine).get_table_names()
        assert admin.get_org_unit(engine, "370702").name == "潍城区"
    finally:
        engine.dispose()


def test_a_filled_database_of_the_first_schema_upgrades_to_head(empty_database):
    """Rows referencing org units and cases must not stop a later migration (a real field upgrade).

    The demo's server database from an earlier release failed here: a batch rebuild of
    org_units tripped SQLite's foreign keys, so `make run` stopped at migration 0005.
    """
    engine = make_engine(empty_database, create=False)
    upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO org_units (code, name, region_code, level, created_at) "
                "VALUES ('370702', '潍城区', '370702000000', 'county', '2026-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO users (username, display_name, role, org_code, password_hash, "
                "active, created_at) VALUES ('clerk01', '张敏', 'clerk', '370702', 'x', true, "
                "'2026-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO devices (id, device_code, name, org_code, token_hash, revoked, "
                "enrolled_at) VALUES ('d1', 'QPZ6', '3号窗口', '370702', 'h', false, '2026-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO cases (id, case_no, org_code, device_id, matter_code, matter_name, "
                "applicant_name, applicant_id_type, applicant_id_number, status, complete, "
                "received_at, payload, blobs_expected, created_at, updated_at) VALUES ('c1', "
                "'370702-20260101-QPZ6-0001', '370702', 'd1', 'M1', '事项', '王秀英', 'resident', "
                "'11010519491231002X', 'submitted', false, '2026-01-01', '{}', '[]', "
                "'2026-01-01', '2026-01-01')"
            )
        )
        conn.execute(text("INSERT INTO case_blobs (case_id, sha256) VALUES ('c1', :sha)"), {"sha": "a" * 64})
    engine.dispose()
    engine = make_engine(empty_database)
    try:
        assert current_revision(engine) == head_revision()
        assert admin.get_org_unit(engine, "370702").name == "潍城区"
        with engine.connect() as conn:
            assert conn.execute(text("SELECT username FROM users")).scalars().all() == ["clerk01"]
            assert conn.execute(text("SELECT case_id FROM case_blobs")).scalars().all() == ["c1"]
    finally:
        engine.dispose()


# China wall time as older windows sent it, stored by the older back office as if it were UTC.
_WALL = dt.datetime(2026, 12, 2, 17, 30)
_TRUE_UTC = dt.datetime(2026, 12, 2, 9, 30)
_SERVER_STAMP = dt.datetime(2026, 12, 2, 16, 5)  # the server's own clock: always UTC


def _tables() -> dict[str, sa.TableClause]:
    """The 0007 tables the test fills, as plain columns (the models are at head)."""
    return {
        "org_units": sa.table(
            "org_units",
            *(sa.column(c) for c in ("code", "name", "region_code", "level")),
            sa.column("created_at", sa.DateTime),
        ),
        "devices": sa.table(
            "devices",
            *(sa.column(c) for c in ("id", "device_code", "name", "org_code", "token_hash", "revoked")),
            sa.column("enrolled_at", sa.DateTime),
        ),
        "cases": sa.table(
            "cases",
            *(sa.column(c) for c in ("id", "case_no", "org_code", "device_id", "matter_code", "matter_name")),
            *(sa.column(c) for c in ("applicant_name", "applicant_id_type", "applicant_id_number", "status")),
            sa.column("complete"),
            sa.column("payload", sa.JSON),
            sa.column("blobs_expected", sa.JSON),
            *(sa.column(c, sa.DateTime) for c in ("received_at", "delivered_at", "decided_at")),
            *(sa.column(c, sa.DateTime) for c in ("created_at", "updated_at")),
        ),
        "events": sa.table(
            "events",
            *(sa.column(c) for c in ("id", "event_id", "device_id", "device_seq", "case_id", "type", "status")),
            sa.column("payload", sa.JSON),
            sa.column("device_time", sa.DateTime),
            sa.column("server_time", sa.DateTime),
        ),
        "outreach_runs": sa.table(
            "outreach_runs",
            *(sa.column(c) for c in ("id", "org_code", "area_code", "area_name", "run_date", "note", "planned_by")),
            sa.column("crew", sa.JSON),
            sa.column("created_at", sa.DateTime),
        ),
        "outreach_appointments": sa.table(
            "outreach_appointments",
            *(sa.column(c) for c in ("id", "run_id", "position", "name", "id_number", "address", "phone")),
            *(sa.column(c) for c in ("matter_code", "matter_name", "booked_via", "note", "outcome")),
            *(sa.column(c) for c in ("reason_code", "reason", "signature")),
            sa.column("visited_at", sa.DateTime),
        ),
    }


def _fill_at_0007(conn: sa.Connection, t: dict[str, sa.TableClause]) -> None:
    wall, zoned = _WALL.isoformat(), _WALL.replace(tzinfo=dt.timezone(dt.timedelta(hours=8))).isoformat()
    conn.execute(
        sa.insert(t["org_units"]).values(
            code="370702", name="潍城区", region_code="370702000000", level="county", created_at=_SERVER_STAMP
        )
    )
    conn.execute(
        sa.insert(t["devices"]).values(
            id="d1",
            device_code="QPZ6",
            name="3号窗口",
            org_code="370702",
            token_hash="h",
            revoked=False,
            enrolled_at=_SERVER_STAMP,
        )
    )
    case = dict(
        org_code="370702", device_id="d1", matter_code="M1", matter_name="事项", applicant_name="王秀英",
        applicant_id_type="身份证", applicant_id_number="11010519491231002X", complete=True, blobs_expected=[],
        decided_at=_SERVER_STAMP, created_at=_SERVER_STAMP, updated_at=_SERVER_STAMP,
    )  # fmt: skip
    conn.execute(
        sa.insert(t["cases"]),
        [
            # an old window's case, delivered by an old window: both times are China wall time
            case | dict(id="old", case_no="A1", status="delivered", payload={"received_at": wall},
                        received_at=_WALL, delivered_at=_WALL),
            # a window of this release that synced before the back office was upgraded: stored right
            case | dict(id="new", case_no="A2", status="submitted", payload={"received_at": zoned},
                        received_at=_TRUE_UTC, delivered_at=None),
        ],
    )  # fmt: skip
    event = dict(device_id="d1", status="acked", server_time=_SERVER_STAMP)
    conn.execute(
        sa.insert(t["events"]),
        [
            event | dict(id=1, event_id="e1", device_seq=1, case_id="old", type="case.accepted",
                         payload={"received_at": wall}, device_time=_WALL),
            event | dict(id=2, event_id="e2", device_seq=2, case_id="old", type="case.delivered",
                         payload={"delivered_at": wall}, device_time=_WALL),
            event | dict(id=3, event_id="e3", device_seq=3, case_id="shift:s1", type="shift.opened",
                         payload={"opened_at": "2026-12-02T09:30:00+00:00"}, device_time=_TRUE_UTC),
            event | dict(id=4, event_id="e4", device_seq=1, case_id="new", type="case.accepted",
                         payload={"received_at": zoned}, device_time=_TRUE_UTC),
            event | dict(id=5, event_id="e5", device_seq=4, case_id="a1", type="outreach.missed",
                         payload={"appointment_id": "a1", "visited_at": wall}, device_time=_WALL),
        ],
    )  # fmt: skip
    conn.execute(
        sa.insert(t["outreach_runs"]).values(
            id="r1", org_code="370702", area_code="370702", area_name="东村", run_date=dt.date(2026, 12, 2),
            note="", planned_by="", crew=[], created_at=_SERVER_STAMP,
        )
    )  # fmt: skip
    conn.execute(
        sa.insert(t["outreach_appointments"]).values(
            id="a1", run_id="r1", position=1, name="王秀英", id_number="", address="东村1号", phone="",
            matter_code="M1", matter_name="事项", booked_via="电话", note="", outcome="missed",
            reason_code="not_home", reason="", signature="", visited_at=_WALL,
        )
    )  # fmt: skip


def _times(conn: sa.Connection, t: dict[str, sa.TableClause]) -> dict[str, dt.datetime | None]:
    cases, events = t["cases"].c, t["events"].c
    found: dict[str, dt.datetime | None] = {}
    for row in conn.execute(sa.select(cases.id, cases.received_at, cases.delivered_at, cases.decided_at)):
        found |= {f"{row.id}.received_at": row.received_at, f"{row.id}.delivered_at": row.delivered_at}
        found[f"{row.id}.decided_at"] = row.decided_at
    for row in conn.execute(sa.select(events.event_id, events.device_time, events.server_time)):
        found |= {f"{row.event_id}.device_time": row.device_time, f"{row.event_id}.server_time": row.server_time}
    appointments = t["outreach_appointments"].c
    found["a1.visited_at"] = conn.execute(sa.select(appointments.visited_at)).scalar_one()
    return found


def test_device_times_stored_as_china_wall_time_become_true_utc_and_go_back_on_downgrade(empty_database):
    """Revision 0008: what older windows sent (China wall time, stored as if UTC) moves 8 hours
    back to the true instant; what was already right (a zoned copy, a shift, the server's own
    stamps) stays; a downgrade gives the older back office its values again."""
    tables = _tables()
    engine = make_engine(empty_database, create=False)
    try:
        upgrade(engine, "0007")
        with engine.begin() as conn:
            _fill_at_0007(conn, tables)
            before = _times(conn, tables)
        upgrade(engine, "0008")
        assert current_revision(engine) == "0008"
        with engine.connect() as conn:
            after = _times(conn, tables)
        moved = {"old.received_at", "old.delivered_at", "e1.device_time", "e2.device_time", "e5.device_time"}
        moved.add("a1.visited_at")
        assert {k for k, v in after.items() if v != before[k]} == moved
        assert all(after[k] == _TRUE_UTC for k in moved)  # 17:30 in China is 09:30 UTC
        assert after["new.received_at"] == after["e4.device_time"] == after["e3.device_time"] == _TRUE_UTC
        assert after["old.decided_at"] == after["e1.server_time"] == _SERVER_STAMP
        assert after["new.delivered_at"] is None

        with engine.begin() as conn:
            command.downgrade(alembic_config(conn), "0007")
        with engine.connect() as conn:
            assert _times(conn, tables) == before
    finally:
        engine.dispose()
