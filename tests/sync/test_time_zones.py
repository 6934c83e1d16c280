"""Issue 16, point 4: one time zone. Every time on the wire carries its offset, the back
office stores true UTC, a working-day deadline starts from the date the applicant was served
on both sides, and a time without an offset (an older window's) is read as China time.

The window runs in China Standard Time, like every counter (this machine keeps UTC): the
test process's zone is set for the test. The back office is a real one of the test's own,
on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterator

import pytest
import requests
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from client.app import ClientConfig, Runtime, build_runtime
from client.domain.case_numbers import mint_case_no
from client.domain.catalog import load_sample_catalog
from client.domain.deadlines import WorkCalendar, add_limit, load_builtin_calendar
from client.domain.identity import Applicant
from client.services.cases import event_label
from client.services.intake import IntakeDraft, MaterialInput
from client.store.db import open_store
from client.store.models import Case as WindowCase
from client.store.models import CaseEvent, ServerChange
from client.store.outbox import StoreOutbox
from sync import protocol
from sync.api import BackOfficeApi
from sync.engine import SyncEngine
from sync.server import admin, queue
from sync.server.db import Case, Change, Event
from sync.server.demo import DemoInfo, ensure_demo
from tests.sync.window_cases import MATTER_CODE, REGION, enrol_store, valid_id

UTC = dt.UTC
CHINA = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def china_counter(monkeypatch) -> Iterator[None]:
    """This process keeps China Standard Time while the test runs, as a counter does."""
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        yield
    finally:
        monkeypatch.undo()
        time.tzset()


class DeviceClock:
    """The window's wall clock, set by the test (naive local time, as the services read it)."""

    def __init__(self, now: dt.datetime):
        self.now: dt.datetime | None = now

    def __call__(self) -> dt.datetime:
        return self.now or dt.datetime.now()


def _evening_before_a_working_day(calendar: WorkCalendar) -> dt.datetime:
    """17:30 China time on the latest working day before today (China) that another working day
    follows: an intake then, counted from the next day, would fall due a working day later."""
    day = dt.datetime.now(CHINA).date() - dt.timedelta(days=1)
    while not (calendar.is_working_day(day) and calendar.is_working_day(day + dt.timedelta(days=1))):
        day -= dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(17, 30))


@pytest.fixture
def counter(tmp_path, running_back_office, virtual_devices, china_counter) -> Iterator[tuple[Runtime, DeviceClock]]:
    """A window enrolled with the back office, its clerk signed in, its clock in the test's hands."""
    clock = DeviceClock(dt.datetime.now())
    runtime = build_runtime(ClientConfig(data_dir=tmp_path / "client", demo=True), virtual=virtual_devices, clock=clock)
    try:
        runtime.enrolment.enrol(running_back_office.url, running_back_office.enrol_code, "3号窗口")
        yield runtime, clock
    finally:
        runtime.close()


def _server_rows(db_url: str, case_id: str) -> tuple[Case, Event, dict]:
    """The case and its intake event as the back office stored them, and the raw stored values."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            case = conn.execute(select(Case).where(Case.id == case_id)).one()
            event = conn.execute(select(Event).where(Event.case_id == case_id)).one()
            raw = (
                conn.execute(
                    text("SELECT c.received_at, e.device_time FROM cases c JOIN events e ON e.case_id = c.id "
                         "WHERE c.id = :case_id"),
                    {"case_id": case_id},
                )
                .mappings()
                .one()
            )  # fmt: skip
    finally:
        engine.dispose()
    return case, event, dict(raw)


def _naive(value: object) -> dt.datetime:
    """A stored timestamp as the database hands it back (SQLite: text, PostgreSQL: a datetime)."""
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))


def test_an_evening_intake_synced_after_midnight_is_due_when_its_notice_says(counter, running_back_office):
    """Taken at 17:30 China time, synced the next day: the back office stores 09:30 UTC and
    counts the deadline from the day the notice was printed, so both sides name one date."""
    runtime, clock = counter
    services = runtime.services
    clerk = services.auth.login(DemoInfo.clerk_username, DemoInfo.clerk_password)
    calendar = load_builtin_calendar()
    evening = _evening_before_a_working_day(calendar)
    next_day = evening.date() + dt.timedelta(days=1)
    assert add_limit(next_day, 3, "WD", calendar).due != add_limit(evening.date(), 3, "WD", calendar).due

    clock.now = evening
    matter = services.intake.matter(MATTER_CODE)
    taken = services.intake.submit(
        IntakeDraft(
            Applicant("李建国", "身份证", "34052419800101001X"),
            MATTER_CODE,
            tuple(MaterialInput(m.code, True) for m in matter.materials),
        ),
        clerk,
    )
    assert taken.promised_by == add_limit(evening.date(), 3, "WD", calendar).due  # printed on the notice

    clock.now = None  # the window syncs later, on a day after the intake: the clock runs again
    assert dt.datetime.now().date() > evening.date()
    assert services.sync.sync_now().error == ""

    case, event, raw = _server_rows(running_back_office.db_url, taken.case_id)
    instant = evening.replace(tzinfo=CHINA).astimezone(UTC)
    assert instant.time() == dt.time(9, 30)
    assert case.received_at == instant  # the true instant, read back as aware UTC
    assert event.device_time == instant
    assert _naive(raw["received_at"]) == _naive(raw["device_time"]) == instant.replace(tzinfo=None)
    assert case.due == taken.promised_by  # the server's due date is the one on the notice
    assert case.payload["received_at"] == evening.replace(tzinfo=CHINA).isoformat()  # sent with its offset

    detail = services.cases.detail(taken.case_id)
    assert detail.summary.server_due == taken.promised_by
    with runtime.store.sessions() as s:
        kept = s.get(WindowCase, taken.case_id)
        assert kept.received_at == evening  # the window keeps its own wall time


def _decided_earlier(db_url: str, case_id: str, by: dt.timedelta) -> dt.datetime:
    """Move the back office's record of a decision back in time, as if the window had been
    offline since the approver decided; the decision's instant (aware UTC)."""
    engine = create_engine(db_url)
    try:
        with Session(engine) as session, session.begin():
            case = session.get_one(Case, case_id)
            assert case.decided_at is not None
            case.decided_at -= by
            change = session.scalars(
                select(Change)
                .where(Change.case_id == case_id, Change.kind == protocol.CHANGE_CASE_STATUS)
                .order_by(Change.seq.desc())
            ).first()
            assert change is not None and change.data["status"] == "approved"
            change.data = {**change.data, "decided_at": case.decided_at.isoformat()}
            change.server_time = case.decided_at
            return case.decided_at
    finally:
        engine.dispose()


def test_a_decision_coming_down_shows_in_local_time(counter, running_back_office):
    """The back office decides at a UTC instant; the window, back online two hours later, shows
    that moment on the counter's clock (UTC+8) in the timeline and its copy of the feed: not
    the UTC digits, and not the moment it happened to pull."""
    runtime, _clock = counter
    services = runtime.services
    clerk = services.auth.login(DemoInfo.clerk_username, DemoInfo.clerk_password)
    matter = services.intake.matter(MATTER_CODE)
    taken = services.intake.submit(
        IntakeDraft(
            Applicant("王秀英", "身份证", "11010519491231002X"),
            MATTER_CODE,
            tuple(MaterialInput(m.code, True) for m in matter.materials),
        ),
        clerk,
    )
    assert services.sync.sync_now().error == ""
    admin.decide(running_back_office.db_url, taken.case_no, "approve", by=DemoInfo.approver_username)
    decided = _decided_earlier(running_back_office.db_url, taken.case_id, dt.timedelta(hours=2))
    (listed,) = [c for c in admin.list_cases(running_back_office.db_url) if c.case_id == taken.case_id]
    assert listed.decided_at == decided and decided.utcoffset() == dt.timedelta(0)
    assert services.sync.sync_now().error == ""

    on_the_counter = decided.astimezone(CHINA).replace(tzinfo=None, microsecond=0)
    assert on_the_counter - decided.replace(tzinfo=None, microsecond=0) == dt.timedelta(hours=8)
    detail = services.cases.detail(taken.case_id)
    assert detail.summary.status == "approved"
    (approval,) = [t for t in detail.timeline if t.label == event_label("server.approved")]
    assert approval.time == on_the_counter
    with runtime.store.sessions() as s:
        kept = s.scalars(
            select(ServerChange).where(ServerChange.case_id == taken.case_id).order_by(ServerChange.seq.desc())
        ).first()
        assert kept is not None and kept.server_time.replace(microsecond=0) == on_the_counter
        intake = s.scalars(select(CaseEvent).where(CaseEvent.case_id == taken.case_id)).first()
        assert intake is not None and intake.device_time.tzinfo is None  # the journal keeps local wall time


def test_an_older_windows_times_without_a_zone_are_read_as_china_time(running_back_office):
    """A window before the offset contract sends `received_at` and `device_time` bare: the back
    office takes them as China time, stores the true instant and counts from the printed date."""
    demo = ensure_demo(running_back_office.db_url)
    enrolled = BackOfficeApi(running_back_office.url).enrol(demo.enrol_code, "旧版窗口")
    calendar = load_builtin_calendar()
    evening = _evening_before_a_working_day(calendar)
    matter = load_sample_catalog().get(MATTER_CODE)
    printed = add_limit(evening.date(), matter.promised_limit, matter.promised_unit, calendar).due
    case_id = str(uuid.uuid4())
    payload = protocol.CaseAcceptedPayload(
        case_no=mint_case_no(REGION, evening.date(), enrolled.device_code, 1),
        matter_code=MATTER_CODE,
        matter_name=matter.name,
        catalog_version="2026.11-1",
        applicant=protocol.ApplicantPayload(name="王小二", id_number=valid_id()),
        materials=[protocol.MaterialPayload(code=m.code, name=m.name) for m in matter.materials],
        received_at=evening.replace(tzinfo=CHINA),
        promised_by=printed,
        clerk=DemoInfo.clerk_username,
    ).model_dump(mode="json")
    payload["received_at"] = evening.isoformat()  # as an older window wrote it: no offset
    old_style = {
        "protocol": protocol.PROTOCOL_VERSION,
        "events": [
            {
                "event_id": str(uuid.uuid4()),
                "device_seq": 1,
                "case_id": case_id,
                "type": protocol.CASE_ACCEPTED,
                "payload": payload,
                "device_time": evening.isoformat(),
            }
        ],
    }
    assert "+" not in old_style["events"][0]["device_time"] and "+" not in payload["received_at"]
    answer = requests.post(
        running_back_office.url + protocol.API + "/events",
        json=old_style,
        headers={"Authorization": f"Bearer {enrolled.token}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    ((result,),) = [answer.json()["results"]]
    assert result["status"] == "acked", result
    assert dt.datetime.fromisoformat(result["server_time"]).utcoffset() == dt.timedelta(0)  # the server sends UTC

    case, event, raw = _server_rows(running_back_office.db_url, case_id)
    instant = evening.replace(tzinfo=CHINA).astimezone(UTC)
    assert case.received_at == event.device_time == instant
    assert _naive(raw["received_at"]) == instant.replace(tzinfo=None)  # 09:30 stored, not 17:30
    assert case.due == printed


def test_a_case_restored_from_the_back_office_keeps_the_counters_wall_time(counter, running_back_office, tmp_path):
    """After a rescue, the window takes its open cases back from the back office, which holds
    UTC: the case's intake time and its journal come back as the counter's own clock read."""
    runtime, clock = counter
    services = runtime.services
    clerk = services.auth.login(DemoInfo.clerk_username, DemoInfo.clerk_password)
    evening = _evening_before_a_working_day(load_builtin_calendar())
    clock.now = evening
    matter = services.intake.matter(MATTER_CODE)
    taken = services.intake.submit(
        IntakeDraft(
            Applicant("李建国", "身份证", "34052419800101001X"),
            MATTER_CODE,
            tuple(MaterialInput(m.code, True) for m in matter.materials),
        ),
        clerk,
    )
    clock.now = None
    assert services.sync.sync_now().error == ""

    fresh = open_store(tmp_path / "fresh" / "client.sqlite", keys=None)  # the store a rescue leaves
    try:
        token, _code = enrol_store(fresh, running_back_office.url, ensure_demo(running_back_office.db_url).enrol_code)
        outbox = StoreOutbox(fresh)
        outbox.request_restore()
        report = SyncEngine(BackOfficeApi(running_back_office.url, token), outbox).sync_once()
        assert report.ok and report.restore is not None and report.restore.restored >= 1
        with fresh.sessions() as s:
            restored = s.get(WindowCase, taken.case_id)
            assert restored is not None and restored.received_at == evening
            (intake,) = s.scalars(
                select(CaseEvent).where(CaseEvent.case_id == taken.case_id, CaseEvent.type == protocol.CASE_ACCEPTED)
            ).all()
            assert intake.device_time == evening  # not 09:30, the UTC digits the back office holds
    finally:
        fresh.close()


def test_the_halls_queue_day_turns_at_midnight_in_china_whatever_zone_the_server_keeps():
    """Ticket numbers start again at 001 at the hall's midnight: 07:30 in China is still the
    previous day in UTC, and must already count as the new day."""
    morning = dt.datetime(2026, 12, 3, 7, 30, tzinfo=CHINA)
    assert morning.astimezone(UTC).date() == dt.date(2026, 12, 2)
    assert queue.service_day(morning.astimezone(UTC)) == dt.date(2026, 12, 3)
    assert queue.service_day(dt.datetime(2026, 12, 3, 23, 59, tzinfo=CHINA)) == dt.date(2026, 12, 3)
