"""Issue #19, point 3: case numbers and cases are bound to the device that made them.

The attacks are made over real HTTP against a real back office (SQLite and PostgreSQL) by
windows enrolled with one-time codes, as a window would: a window of an unrelated unit
squats on another window's case numbers; a second window of the same unit rewrites or
moves a case it did not take in. Each must be refused for good, reserve nothing, and
leave the victim's real intake working.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from client.domain.case_numbers import mint_case_no
from sync import protocol
from sync.server import admin
from sync.server.db import Case, Event, engine_for
from sync.server.demo import DEMO_ORG_CODE, DEMO_REGION_CODE, ensure_demo
from sync.server.runner import start_in_thread
from tests.server.server_helpers import accepted_payload, make_event
from tests.sync.databases import BACKENDS, server_database

OTHER_ORG, OTHER_REGION = "370703", "370703000000"  # 寒亭区: no relation to 潍城区
OTHER_TOWN, OTHER_TOWN_REGION = "370703001", "370703001000"


@dataclass(frozen=True)
class BackOffice:
    url: str
    db_url: str
    demo_code: str
    village_code: str


@dataclass(frozen=True)
class Window:
    """A window enrolled over HTTP: its id, device code and token, as the back office gave them."""

    office: BackOffice
    device_id: str
    device_code: str
    region_code: str
    token: str

    def push(self, *events: dict) -> list[dict]:
        response = requests.post(
            f"{self.office.url}{protocol.API}/events",
            json={"events": list(events)},
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        return response.json()["results"]

    def pull(self, cursor: int = 0) -> list[dict]:
        response = requests.get(
            f"{self.office.url}{protocol.API}/changes",
            params={"cursor": cursor},
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        return response.json()["changes"]

    def case_no(self, seq: int, region_code: str | None = None, device_code: str | None = None) -> str:
        """A number as this window's own client would mint it (or with parts swapped)."""
        return mint_case_no(region_code or self.region_code, dt.date.today(), device_code or self.device_code, seq)


def enrol(office: BackOffice, code: str, name: str) -> Window:
    response = requests.post(f"{office.url}{protocol.API}/enrol", json={"code": code, "device_name": name}, timeout=30)
    assert response.status_code == 200, response.text
    body = protocol.EnrolResponse.model_validate(response.json())
    return Window(office, body.device_id, body.device_code, body.org_unit.region_code, body.token)


@pytest.fixture(params=BACKENDS)
def back_office(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BackOffice]:
    """A real back office on loopback with the demo county and its village station, and an
    unrelated county with a town below it."""
    with server_database(request.param, tmp_path / "server", request) as db_url:
        demo = ensure_demo(db_url)
        admin.create_org_unit(db_url, OTHER_ORG, "潍坊市寒亭区政务服务中心", OTHER_REGION)
        admin.create_org_unit(
            db_url, OTHER_TOWN, "寒亭街道便民服务中心", OTHER_TOWN_REGION, level="town", parent_code=OTHER_ORG
        )
        server = start_in_thread(db_url, tmp_path / "server" / "blobs")
        try:
            yield BackOffice(server.url, db_url, demo.enrol_code, demo.village_enrol_code)
        finally:
            server.stop()


def stored_event(office: BackOffice, event_id: str) -> tuple[str, str | None]:
    """The status and code the back office stored for an event."""
    with engine_for(office.db_url) as engine, Session(engine) as session:
        row = session.execute(select(Event.status, Event.code).where(Event.event_id == event_id)).one()
        return row.status, row.code


def case_row(office: BackOffice, case_id: str) -> Case | None:
    with engine_for(office.db_url) as engine, Session(engine, expire_on_commit=False) as session:
        return session.get(Case, case_id)


def cases_numbered(office: BackOffice, case_no: str) -> int:
    return sum(c.case_no == case_no for c in admin.list_cases(office.db_url))


def intake(case_no: str, name: str = "王小二", seq: int = 1, case_id: str | None = None) -> dict:
    payload = accepted_payload(case_no)
    payload["applicant"]["name"] = name
    return make_event(protocol.CASE_ACCEPTED, case_id or str(uuid.uuid4()), payload, seq)


def test_a_window_of_another_unit_cannot_squat_on_a_windows_case_numbers(back_office):
    victim = enrol(back_office, back_office.demo_code, "潍城1号窗口")
    attacker = enrol(back_office, admin.issue_enrol_code(back_office.db_url, OTHER_ORG), "寒亭1号窗口")
    assert (victim.region_code, attacker.region_code) == (DEMO_REGION_CODE, OTHER_REGION)
    target = victim.case_no(1)

    squats = [
        intake(target, "冒名"),  # the victim's region and device code
        intake(attacker.case_no(2, region_code=DEMO_REGION_CODE), "冒名"),  # its own code, another's region
        intake("ABC123", "冒名"),  # free-form numbers
        intake("37070200000020261301" + victim.device_code + "0001", "冒名"),  # no such date
        intake(victim.case_no(3)[:-4] + "0000", "冒名"),  # sequence 0 is never minted
    ]
    answers = attacker.push(*squats)
    assert [(a["status"], a["code"]) for a in answers] == [("rejected", "case_no_not_yours")] * len(squats)
    assert all(a["reason"] for a in answers)
    # Refused for good (the same stored answer on a retry), and nothing was reserved.
    assert attacker.push(squats[0]) == [answers[0]]
    assert [stored_event(back_office, e["event_id"]) for e in squats] == [("rejected", "case_no_not_yours")] * 5
    assert cases_numbered(back_office, target) == 0 and admin.list_cases(back_office.db_url) == ()

    # The victim's real intake under that number goes through, and is the victim's.
    real = intake(target)
    [answer] = victim.push(real)
    assert (answer["status"], answer["code"]) == ("acked", None)
    row = case_row(back_office, real["case_id"])
    assert row is not None and (row.case_no, row.device_id, row.org_code) == (target, victim.device_id, DEMO_ORG_CODE)
    assert row.applicant_name == "王小二"

    # The attacker's window still takes in its own cases under its own numbers.
    [own] = attacker.push(intake(attacker.case_no(1)))
    assert own["status"] == "acked"


def test_a_second_window_of_the_same_unit_cannot_rewrite_or_move_anothers_case(back_office):
    owner = enrol(back_office, back_office.demo_code, "1号窗口")
    other = enrol(back_office, admin.issue_enrol_code(back_office.db_url, DEMO_ORG_CODE), "2号窗口")
    first = intake(owner.case_no(1))
    case_id, case_no = first["case_id"], first["payload"]["case_no"]
    assert owner.push(first)[0]["status"] == "acked"
    now = dt.datetime.now(protocol.CST).isoformat()

    attacks = [
        intake(case_no, "改名", seq=1, case_id=case_id),  # a new version of the intake
        make_event(
            protocol.CASE_SUPPLEMENTED,
            case_id,
            {
                "case_no": case_no,
                "supplemented_at": now,
                "materials": [{"code": "M01", "name": "申请人身份证", "blobs": ["0" * 64]}],
                "complete": False,
                "clerk": "clerk01",
            },
            2,
        ),
        make_event(
            protocol.CASE_WITHDRAWN,
            case_id,
            {"case_no": case_no, "withdrawn_at": now, "reason": "撤回", "clerk": "x"},
            3,
        ),
        make_event(
            protocol.CASE_RATED,
            case_id,
            {"case_no": case_no, "rated_at": now, "level": 1, "stage": "intake", "clerk": "clerk01"},
            4,
        ),
        intake(other.case_no(1, device_code=owner.device_code), "冒名"),  # the owner's next number
    ]
    answers = other.push(*attacks)
    assert [(a["status"], a["code"]) for a in answers] == [("rejected", "case_not_yours")] * 4 + [
        ("rejected", "case_no_not_yours")
    ]
    row = case_row(back_office, case_id)
    assert row is not None
    assert (row.applicant_name, row.status, row.device_id) == ("王小二", "submitted", owner.device_id)
    assert "rating" not in row.payload and row.blobs_expected == []

    # The owner's own new version of the intake still goes through.
    [again] = owner.push(intake(case_no, "王晓二", seq=2, case_id=case_id))
    assert again["status"] == "acked"
    row = case_row(back_office, case_id)
    assert row is not None and row.applicant_name == "王晓二"


def test_a_window_replacing_a_revoked_one_takes_over_its_open_cases(back_office):
    """The one hand-over of a whole case: the administrator revokes a lost window, and a
    window of the same unit carries its open cases on (e.g. withdraws one)."""
    lost = enrol(back_office, back_office.demo_code, "1号窗口")
    spare = enrol(back_office, admin.issue_enrol_code(back_office.db_url, DEMO_ORG_CODE), "备用窗口")
    stranger = enrol(back_office, admin.issue_enrol_code(back_office.db_url, OTHER_ORG), "寒亭1号窗口")
    first = intake(lost.case_no(1))
    assert lost.push(first)[0]["status"] == "acked"
    now = dt.datetime.now(protocol.CST).isoformat()

    def withdraw(seq: int) -> dict:
        payload = {"case_no": first["payload"]["case_no"], "withdrawn_at": now, "reason": "撤回", "clerk": "x"}
        return make_event(protocol.CASE_WITHDRAWN, first["case_id"], payload, seq)

    assert spare.push(withdraw(1))[0]["code"] == "case_not_yours"
    admin.revoke_device(back_office.db_url, lost.device_id, "遗失")
    assert stranger.push(withdraw(1))[0]["code"] == "unknown_case"  # never another unit's
    [taken_over] = spare.push(withdraw(2))
    assert taken_over["status"] == "acked"
    row = case_row(back_office, first["case_id"])
    assert row is not None and row.status == "withdrawn"
