"""Sign-in, lock-out and sessions as library calls, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from sync.server import admin
from sync.server.console import audit
from sync.server.console.accounts import sign_in
from sync.server.console.sessions import form_token, look_up
from sync.server.console.settings import ConsoleSettings
from sync.server.db import ConsoleSession, StaffLockout, make_engine, session_factory
from tests.sync.databases import BACKENDS, server_database

SETTINGS = ConsoleSettings()


@pytest.fixture(params=BACKENDS)
def sessions(request, tmp_path):
    with server_database(request.param, tmp_path / "db", request) as url:
        engine = make_engine(url)
        admin.create_org_unit(engine, "370702", "潍坊市潍城区政务服务中心", "370702000000")
        admin.add_user(engine, "370702", "approver01", "李审批", "approver", "right-password")
        admin.add_user(engine, "370702", "clerk01", "张敏", "clerk", "right-password")
        yield session_factory(engine)
        engine.dispose()


def test_lock_out_counts_per_name_and_a_lapsed_lock_starts_afresh(sessions):
    results = [sign_in(sessions, SETTINGS, "approver01", f"Tiger-{n}", "10.0.0.7") for n in range(5)]
    assert [r.status for r in results] == [401, 401, 401, 401, 429]
    assert sign_in(sessions, SETTINGS, "approver01", "right-password", "10.0.0.7").staff is None
    with sessions() as session, session.begin():
        session.execute(update(StaffLockout).values(locked_until=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    assert sign_in(sessions, SETTINGS, "approver01", "Tiger-again", "10.0.0.7").status == 401  # one, not six
    with sessions() as session:
        assert session.get(StaffLockout, "approver01").failures == 1
    signed = sign_in(sessions, SETTINGS, "approver01", "right-password", "10.0.0.7")
    assert signed.staff is not None and signed.staff.display_name == "李审批"
    with sessions() as session:
        assert session.get(StaffLockout, "approver01") is None
    entries = audit.entries(sessions, "approver01")
    assert {e.client for e in entries} == {"10.0.0.7"}
    typed = " ".join(f"{e.username} {e.action} {e.outcome} {e.detail}" for e in entries)
    assert "Tiger" not in typed and "right-password" not in typed  # no typed password is kept


def test_a_session_lives_while_used_and_ends_when_idle(sessions):
    signed = sign_in(sessions, SETTINGS, "approver01", "right-password", "127.0.0.1")
    found = look_up(sessions, SETTINGS, signed.token)
    assert found.staff == signed.staff
    assert look_up(sessions, SETTINGS, signed.token + "x").staff is None
    assert form_token(signed.token) != form_token(sign_in(sessions, SETTINGS, "approver01", "right-password", "").token)
    with sessions() as session, session.begin():
        row = session.execute(select(ConsoleSession).order_by(ConsoleSession.id)).scalars().first()
        assert row.token_hash != signed.token
        row.last_seen_at -= SETTINGS.idle_timeout
    gone = look_up(sessions, SETTINGS, signed.token)
    assert gone.staff is None and gone.expired
    assert look_up(sessions, SETTINGS, signed.token).expired is False  # deleted on sight: now simply unknown


def test_window_roles_are_refused_without_a_session(sessions):
    refused = sign_in(sessions, SETTINGS, "clerk01", "right-password", "")
    assert refused.staff is None and refused.status == 403 and refused.token == ""
    with sessions() as session:
        assert session.execute(select(ConsoleSession)).first() is None


def test_wrong_passwords_at_once_from_several_processes_are_all_counted(sessions):
    """Stateless server processes count together: no failure is lost when they race on one name."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(6) as pool:
        answers = list(
            pool.map(lambda n: sign_in(sessions, SETTINGS, "approver01", f"Tiger-{n}", "10.0.0.9").status, range(6))
        )
    assert 429 in answers  # the fifth locks
    outcomes = [e.outcome for e in audit.entries(sessions, "approver01") if e.action == audit.SIGN_IN]
    counted = outcomes.count(audit.BAD_PASSWORD)
    assert counted + outcomes.count(audit.LOCKED) == 6  # a late one may meet the lock already made
    with sessions() as session:
        lock = session.get(StaffLockout, "approver01")
        assert lock.failures == counted >= 5 and lock.locked_until is not None
