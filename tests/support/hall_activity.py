"""A hall at work for the reports' tests: several windows, each with its own store, enrolled
with one back office, taking cases in across departments and recording pad ratings, then
syncing them up the way a window does (its outbox, its sync engine).

Cases are written the way intake writes them (case row, journal event, outbox entry in one
transaction, as tests/sync/window_cases.queue_case does) for any matter of the catalog;
ratings go through the window's own RatingService.record.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from client.domain.case_numbers import mint_case_no
from client.domain.catalog import load_sample_catalog
from client.services.auth import Clerk
from client.services.ratings import RatingService
from client.store.db import Store, open_store
from client.store.journal import append_event, next_value
from client.store.models import Case, Material
from client.store.outbox import StoreOutbox
from client.store.settings import DeviceIdentity, load_identity, save_identity
from sync import protocol
from sync.api import BackOfficeApi
from sync.engine import SyncEngine
from sync.server import admin
from sync.server.db import make_engine, utcnow
from sync.server.deadlines import china_date
from sync.server.runner import start_in_thread
from tests.support.back_office import Hall, open_hall
from tests.sync.databases import server_database
from tests.sync.window_cases import valid_id


def wall_clock() -> dt.datetime:
    """The window's wall clock: local time without a zone, as a window's services read it
    (the window sends its zone with every time)."""
    return dt.datetime.now().replace(microsecond=0)


@dataclass(frozen=True)
class Taken:
    """One case a window took in, and the rating its applicant gave (None: not rated)."""

    case_id: str
    case_no: str
    matter_code: str
    department: str  # the catalog's 承办科室 name, as the back office names the department
    window: str
    clerk: str
    level: int | None


@dataclass(frozen=True)
class HallWindow:
    name: str
    store: Store
    engine: SyncEngine
    identity: DeviceIdentity

    def take(self, matter_code: str, clerk: str, when: dt.datetime | None = None) -> tuple[str, str]:
        """One accepted case of `matter_code` queued for the back office; (case_id, case_no)."""
        matter = load_sample_catalog().get(matter_code)
        now = when or wall_clock()
        with self.store.sessions.begin() as s:
            seq = next_value(s, f"case_seq:{now:%Y%m%d}")
            case_no = mint_case_no(self.identity.region_code, now.date(), self.identity.device_code, seq)
            case_id = str(uuid.uuid4())
            s.add(
                Case(
                    id=case_id,
                    case_no=case_no,
                    matter_code=matter_code,
                    matter_name=matter.name,
                    catalog_version="2026.11-1",
                    applicant_name="王小二",
                    applicant_id_type="身份证",
                    applicant_id_number=valid_id(),
                    status="accepted",
                    received_at=now,
                    promised_by=now.date() + dt.timedelta(days=5),
                    clerk=clerk,
                    updated_at=now,
                )
            )
            materials = [protocol.MaterialPayload(code="M01", name="申请人身份证", blobs=[])]
            m = materials[0]
            s.add(
                Material(
                    case_id=case_id, position=0, code=m.code, name=m.name, form=m.form, copies=m.copies, status=m.status
                )
            )
            s.flush()
            payload = protocol.CaseAcceptedPayload(
                case_no=case_no,
                matter_code=matter_code,
                matter_name=matter.name,
                catalog_version="2026.11-1",
                applicant=protocol.ApplicantPayload(name="王小二", id_number=valid_id()),
                materials=materials,
                outcome="accept",
                received_at=now,
                promised_by=now.date() + dt.timedelta(days=5),
                clerk=clerk,
            )
            append_event(
                s,
                case_id=case_id,
                type_=protocol.CASE_ACCEPTED,
                payload=payload.model_dump(mode="json"),
                clerk=clerk,
                device_id=self.identity.device_id,
                now=now,
            )
        return case_id, case_no

    def rate(self, case_id: str, level: int, clerk: str, reason: str = "") -> None:
        """The applicant presses `level` on the pad (with a 差评's reason)."""
        service = RatingService(self.store, None, lambda: self.identity, clock=wall_clock)  # type: ignore[arg-type]
        service.record(case_id, level, Clerk(clerk, clerk, "clerk", offline=False), reason=reason)

    def sync(self) -> None:
        """Push until the outbox is empty (every event answered)."""
        for _ in range(10):
            report = self.engine.sync_once()
            assert report.ok, report.error
            if report.acked == 0 and report.rejected == 0:
                return
            assert report.rejected == 0, "the back office rejected a case or rating"
        raise AssertionError("outbox did not drain")


def open_window(folder: Path, server_url: str, enrol_code: str, name: str) -> HallWindow:
    """A window's own store, enrolled with the back office under `name`."""
    store = open_store(folder / "client.sqlite", keys=None)
    answer = BackOfficeApi(server_url).enrol(enrol_code, name)
    identity = DeviceIdentity(
        answer.device_id,
        answer.device_code,
        answer.org_unit.code,
        answer.org_unit.name,
        answer.org_unit.region_code,
        server_url,
    )
    with store.sessions.begin() as s:
        save_identity(s, identity)
    with store.sessions() as s:
        loaded = load_identity(s)
    assert loaded is not None
    api = BackOfficeApi(server_url, answer.token, timeout=30)
    return HallWindow(name, store, SyncEngine(api, StoreOutbox(store)), loaded)


def serve(window: HallWindow, plan: list[tuple[str, str, int | None, str]]) -> list[Taken]:
    """Take in each (matter, clerk, level, reason) at `window`, rate it when a level is given,
    and sync; what was done, for the test's own count."""
    catalog = load_sample_catalog()
    done = []
    for matter_code, clerk, level, reason in plan:
        case_id, case_no = window.take(matter_code, clerk)
        if level is not None:
            window.rate(case_id, level, clerk, reason)
        department = catalog.get(matter_code).department
        done.append(Taken(case_id, case_no, matter_code, department, window.name, clerk, level))
    window.sync()
    return done


BUSINESS, FOOD, ADVERT, MARRIAGE, BUILDING = (
    "370702-XK-0001",  # 市场准入科
    "370702-XK-0002",  # 社会事务科
    "370702-XK-0018",  # 城建交通科
    "370702-QR-0022",  # 婚姻登记处
    "370702-XK-0017",  # 投资建设科: taken in, never rated
)


@dataclass(frozen=True)
class Office:
    url: str
    db_url: str
    engine: Engine
    backend: str


@dataclass(frozen=True)
class BusyHall:
    """The hall after a day's work: what each window did, and the other county's case."""

    office: Office
    hall: Hall
    taken: tuple[Taken, ...]  # the hall's (county and village)
    elsewhere: tuple[Taken, ...]  # the other county's
    today: dt.date
    elsewhere_org: str = ""  # the other county's org unit


@contextmanager
def running_office(backend: str, folder: Path, request: pytest.FixtureRequest) -> Iterator[Office]:
    """A back office of the caller's own on `backend`, on a thread of the test process."""
    with server_database(backend, folder, request) as db_url:
        engine = make_engine(db_url)
        server = start_in_thread(db_url, folder / "blobs")
        try:
            yield Office(server.url, db_url, engine, backend)
        finally:
            server.stop()
            engine.dispose()


def busy_hall_at(office: Office, tmp_path: Path) -> BusyHall:
    """A hall (county and village station) whose three windows took 13 cases in across five
    departments today and recorded 12 pad ratings, three of them 差评 (at the village); and
    another county with one window, one case and one 差评 that the hall's figures must not count."""
    hall, other = open_hall(office.engine), open_hall(office.engine)
    clerk, worker, village_worker = hall.user("clerk01"), hall.user("worker01"), hall.user("worker02")
    first = open_window(tmp_path / "w1", office.url, admin.issue_enrol_code(office.engine, hall.org_code), "一号窗口")
    second = open_window(tmp_path / "w2", office.url, admin.issue_enrol_code(office.engine, hall.org_code), "二号窗口")
    village = open_window(tmp_path / "w3", office.url, hall.village_enrol_code, "东村服务站窗口")
    away = open_window(tmp_path / "w4", office.url, other.enrol_code, "外区窗口")
    taken = serve(
        first,
        [
            (BUSINESS, clerk, 5, ""),
            (BUSINESS, clerk, 5, ""),
            (FOOD, clerk, 5, ""),
            (ADVERT, clerk, 4, ""),
            (MARRIAGE, clerk, 5, ""),
        ],
    )
    taken += serve(
        second,
        [
            (BUSINESS, worker, 4, ""),
            (FOOD, worker, 3, ""),
            (ADVERT, worker, 4, ""),
            (MARRIAGE, worker, 4, ""),
            (BUILDING, worker, None, ""),
        ],
    )
    taken += serve(
        village,
        [
            (FOOD, village_worker, 1, "attitude"),
            (ADVERT, village_worker, 2, "slow"),
            (MARRIAGE, village_worker, 2, ""),
        ],
    )
    elsewhere = serve(away, [(BUSINESS, other.user("clerk01"), 1, "runs")])
    for window in (first, second, village, away):
        window.store.close()
    return BusyHall(office, hall, tuple(taken), tuple(elsewhere), china_date(utcnow()), other.org_code)
