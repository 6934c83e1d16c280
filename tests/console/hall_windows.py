"""A hall of several windows against one back office, for the supervision pages' tests.

Each window is a store of its own (a real client store), enrolled with its own code and name,
that takes cases in the way intake records them (case row, journal event, outbox entry) and
sends them, and its pad ratings, with its own sync engine. `hall_office` starts a back office of
the test's own on SQLite or PostgreSQL (`tests.sync.databases`) with one hall on it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from client.domain.case_numbers import mint_case_no
from client.store.db import Store, open_store
from client.store.journal import append_event, next_value
from client.store.models import Case as WindowCase
from client.store.outbox import StoreOutbox
from client.store.settings import DeviceIdentity, save_identity
from sync import protocol
from sync.api import BackOfficeApi
from sync.engine import SyncEngine
from sync.server import admin
from sync.server.db import make_engine
from sync.server.runner import start_in_thread
from tests.console.site import CSRF, Console, form_token
from tests.support.back_office import open_hall
from tests.sync.databases import server_database
from tests.sync.window_cases import REGION, valid_id

# Two matters of the sample catalog in two departments of the hall.
LICENCE = ("370702-XK-0001", "个体工商户设立登记")  # 市场准入科 (SCZRK), 3 working days
FOOD = ("370702-XK-0002", "食品经营许可")  # 社会事务科 (SHSWK), 10 working days

_EVENT = {
    "accept": protocol.CASE_ACCEPTED,
    "notify_missing": protocol.CASE_NOTIFIED,
    "refuse": protocol.CASE_REFUSED,
}
_STATUS = {"accept": "accepted", "notify_missing": "pending_supplement", "refuse": "refused"}


@dataclass(frozen=True)
class Taken:
    case_id: str
    case_no: str
    clerk: str


@dataclass
class HallWindow:
    """One window machine of the hall: its own store, device code and sync engine."""

    name: str
    store: Store
    device_code: str
    engine: SyncEngine

    def take(self, outcome: str, clerk: str, matter: tuple[str, str] = LICENCE) -> Taken:
        """One intake with `outcome` (accept / notify_missing / refuse), queued for the back office."""
        now = dt.datetime.now()
        code, name = matter
        with self.store.sessions.begin() as s:
            seq = next_value(s, f"case_seq:{now:%Y%m%d}")
            case_no = mint_case_no(REGION, now.date(), self.device_code, seq)
            case_id = str(uuid.uuid4())
            s.add(
                WindowCase(
                    id=case_id,
                    case_no=case_no,
                    matter_code=code,
                    matter_name=name,
                    catalog_version="2026.11-1",
                    applicant_name="王小二",
                    applicant_id_type="身份证",
                    applicant_id_number=valid_id(),
                    status=_STATUS[outcome],
                    received_at=now,
                    promised_by=now.date() + dt.timedelta(days=5),
                    clerk=clerk,
                    updated_at=now,
                )
            )
            s.flush()
            payload = protocol.CaseAcceptedPayload(
                case_no=case_no,
                matter_code=code,
                matter_name=name,
                catalog_version="2026.11-1",
                applicant=protocol.ApplicantPayload(name="王小二", id_number=valid_id()),
                materials=[protocol.MaterialPayload(code="M01", name="申请人身份证")],
                outcome=outcome,  # type: ignore[arg-type]
                reasons=["不属于本机关职权范围"] if outcome == "refuse" else [],
                received_at=now,
                promised_by=now.date() + dt.timedelta(days=5),
                clerk=clerk,
            )
            append_event(
                s,
                case_id=case_id,
                type_=_EVENT[outcome],
                payload=payload.model_dump(mode="json"),
                clerk=clerk,
                device_id="",
                now=now,
            )
        return Taken(case_id, case_no, clerk)

    def rate(self, taken: Taken, level: int, reason: str = "") -> None:
        """The applicant's pad rating of the intake, queued for the back office."""
        now = dt.datetime.now(dt.UTC)
        payload = protocol.CaseRatedPayload(
            case_no=taken.case_no, rated_at=now, level=level, clerk=taken.clerk, reason=reason
        )
        with self.store.sessions.begin() as s:
            append_event(
                s,
                case_id=taken.case_id,
                type_=protocol.CASE_RATED,
                payload=payload.model_dump(mode="json"),
                clerk=taken.clerk,
                device_id="",
            )

    def sync(self) -> None:
        assert self.engine.sync_once().ok


def open_window(console: Console, folder: Path, name: str) -> HallWindow:
    """A window of the console's hall, enrolled under `name` with a fresh code."""
    code = admin.issue_enrol_code(console.hall.engine, console.hall.org_code)
    store = open_store(folder / "client.sqlite", keys=None)
    answer = BackOfficeApi(console.url).enrol(code, name)
    with store.sessions.begin() as s:
        save_identity(
            s,
            DeviceIdentity(
                answer.device_id,
                answer.device_code,
                answer.org_unit.code,
                answer.org_unit.name,
                answer.org_unit.region_code,
                console.url,
            ),
        )
    engine = SyncEngine(BackOfficeApi(console.url, answer.token, timeout=30), StoreOutbox(store))
    return HallWindow(name, store, answer.device_code, engine)


@contextmanager
def hall_office(backend: str, folder: Path, request: pytest.FixtureRequest) -> Iterator[Console]:
    """A back office of the test's own on `backend`, and a hall on it."""
    with server_database(backend, folder, request) as db_url:
        engine = make_engine(db_url)
        server = start_in_thread(db_url, folder / "blobs")
        try:
            yield Console(server.url, db_url, open_hall(engine))
        finally:
            server.stop()
            engine.dispose()


@contextmanager
def signed_in(console: Console, username: str) -> Iterator[httpx.Client]:
    """A plain HTTP client signed in to the console as `username`."""
    with console.client() as client:
        client.headers["origin"] = console.url
        answer = client.post(
            "/console/login",
            data={"csrf_token": form_token(client), "username": username, "password": console.hall.password},
        )
        assert answer.status_code == 303
        yield client


def post_form(client: httpx.Client, path: str, page: str, **fields: str) -> httpx.Response:
    """Post a console form with the token of the page it sits on."""
    found = CSRF.search(client.get(page).text)
    assert found is not None
    return client.post(path, data={"csrf_token": found.group(1), **fields})
