"""Issue #19 point 9: text the databases cannot hold (lone UTF-16 surrogates, NUL).

Against a real back office on SQLite and PostgreSQL: such text anywhere in a request is
answered 400 (an event's payload inside a push: that event `rejected`, the others of the
batch applied), never 500 and never `retry`. The bodies are written by hand, because a
JSON library would refuse to encode a lone surrogate.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
import requests

from client.domain.case_numbers import mint_case_no
from sync import protocol
from tests.server.server_helpers import accepted_payload
from tests.sync import conftest as sync_fixtures
from tests.sync.conftest import RunningBackOffice

API = protocol.API
# The back office per backend (SQLite, PostgreSQL) of the fault tests.
backend = sync_fixtures.backend
running_back_office = sync_fixtures.running_back_office
SURROGATE = "\\ud800"  # as JSON text: a lone high surrogate
LOW_SURROGATE = "\\udc00"
NUL = "\\u0000"
BAD_TEXT = (SURROGATE, LOW_SURROGATE, NUL, f"王{SURROGATE}小二")
BAD_IDS = ("high-surrogate", "low-surrogate", "nul", "surrogate-inside")


def post_raw(url: str, body: str, token: str | None = None) -> requests.Response:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return requests.post(url, data=body.encode("utf-8"), headers=headers, timeout=30)


def json_with(template: dict, marker: str, bad: str) -> str:
    """`template` as JSON text with the string `marker` replaced by raw JSON text `bad`."""
    return json.dumps(template).replace(marker, bad)


@pytest.fixture
def device(running_back_office: RunningBackOffice) -> dict:
    response = requests.post(
        f"{running_back_office.url}{API}/enrol",
        json={"code": running_back_office.enrol_code, "device_name": "安全测试"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()


def event(case_id: str, payload: dict, seq: int) -> dict:
    return {
        "event_id": str(uuid.uuid4()),
        "device_seq": seq,
        "case_id": case_id,
        "type": protocol.CASE_ACCEPTED,
        "payload": payload,
        "device_time": dt.datetime.now(protocol.CST).isoformat(),
    }


def case_payload(device: dict, seq: int) -> dict:
    case_no = mint_case_no(device["org_unit"]["region_code"], dt.date.today(), device["device_code"], seq)
    return accepted_payload(case_no)


@pytest.mark.parametrize("bad", BAD_TEXT, ids=BAD_IDS)
def test_enrolment_refuses_unstorable_text_without_a_500(running_back_office: RunningBackOffice, bad: str):
    """The unauthenticated route: in the code and in the device name."""
    url = f"{running_back_office.url}{API}/enrol"
    for body in (
        json_with({"code": "MARK", "device_name": "一号窗口"}, "MARK", bad),
        json_with({"code": running_back_office.enrol_code, "device_name": "MARK"}, "MARK", bad),
        json_with({"code": running_back_office.enrol_code, "MARK": "一号窗口"}, "MARK", bad),  # in a key
    ):
        response = post_raw(url, body)
        assert response.status_code == 400, (body, response.status_code, response.text)
        assert response.json()["code"] == "invalid_value"
    # The code was not spent by the refused attempts.
    ok = requests.post(url, json={"code": running_back_office.enrol_code, "device_name": "一号窗口"}, timeout=30)
    assert ok.status_code == 200, ok.text


def test_console_sign_in_with_a_nul_is_not_a_500(running_back_office: RunningBackOffice):
    """The console's unauthenticated form: a form body cannot carry a surrogate (it is
    decoded with replacement), but `%00` is a NUL."""
    response = requests.post(
        f"{running_back_office.url}/console/login",
        data="username=clerk%00x&password=p%00w",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code < 500, response.text


@pytest.mark.parametrize("bad", (SURROGATE, NUL), ids=("surrogate", "nul"))
def test_authenticated_routes_refuse_unstorable_text(running_back_office: RunningBackOffice, device: dict, bad: str):
    url, token = running_back_office.url, device["token"]
    login = post_raw(f"{url}{API}/login", json_with({"username": "MARK", "password": "x"}, "MARK", bad), token)
    assert login.status_code == 400 and login.json()["code"] == "invalid_value", login.text
    status = post_raw(f"{url}{API}/blobs/status", json_with({"sha256": ["MARK"]}, "MARK", bad), token)
    assert status.status_code == 400, status.text
    pull = requests.get(
        f"{url}{API}/changes", params={"cursor": "0\x00"}, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert pull.status_code in (400, 422), pull.text


@pytest.mark.parametrize("bad", BAD_TEXT, ids=BAD_IDS)
def test_an_event_with_unstorable_text_is_rejected_not_retried(
    running_back_office: RunningBackOffice, device: dict, bad: str
):
    """The bad event is answered `rejected` with a code, on every push of it; the good
    event next to it in the same batch is applied."""
    url, token = running_back_office.url, device["token"]
    bad_payload = case_payload(device, 1)
    bad_payload["applicant"]["name"] = "MARK"
    bad_payload["materials"][0]["problem"] = "MARK"
    bad_event = event(str(uuid.uuid4()), bad_payload, 1)
    good_event = event(str(uuid.uuid4()), case_payload(device, 2), 2)
    body = json_with({"events": [bad_event, good_event]}, "MARK", bad)
    for _attempt in range(2):  # refused the same way again: never `retry`
        response = post_raw(f"{url}{API}/events", body, token)
        assert response.status_code == 200, response.text
        first, second = response.json()["results"]
        assert first["status"] == "rejected", first
        assert first["code"], first
        assert second["status"] == "acked", second


def test_a_push_whose_event_id_cannot_be_answered_is_refused_whole(
    running_back_office: RunningBackOffice, device: dict
):
    """An event id with a surrogate cannot even be echoed in the answer: the push is a 400
    (a real window makes UUIDs; nothing it sends can end here)."""
    broken = event(str(uuid.uuid4()), case_payload(device, 3), 3)
    broken["event_id"] = "MARK"
    response = post_raw(
        f"{running_back_office.url}{API}/events", json_with({"events": [broken]}, "MARK", SURROGATE), device["token"]
    )
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "invalid_value"


@pytest.mark.parametrize("field", ("case_id", "type"))
@pytest.mark.parametrize("bad", (SURROGATE, NUL), ids=("surrogate", "nul"))
def test_an_envelope_with_unstorable_text_is_rejected_alone(
    running_back_office: RunningBackOffice, device: dict, field: str, bad: str
):
    broken = event(str(uuid.uuid4()), case_payload(device, 4), 4)
    broken[field] = "MARK"
    good = event(str(uuid.uuid4()), case_payload(device, 5), 5)
    response = post_raw(
        f"{running_back_office.url}{API}/events", json_with({"events": [broken, good]}, "MARK", bad), device["token"]
    )
    assert response.status_code == 200, response.text
    first, second = response.json()["results"]
    assert first["status"] == "rejected" and first["code"], first
    assert second["status"] == "acked", second
