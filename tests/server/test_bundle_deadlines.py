"""The back office holds a 一件事's linked cases to the bundle's promised limit, not each matter's own."""

from __future__ import annotations

import datetime as dt
import uuid

from server_helpers import accepted_payload, case_no_for, make_event
from sqlalchemy.orm import Session

from client.domain.bundles import mint_bundle_no
from client.domain.deadlines import add_limit
from sync import protocol
from sync.server import admin
from sync.server.db import engine_for
from sync.server.publishing import current_calendar

FIRE_CHECK = "370702-XK-0016"  # a member of 幼儿园设立一件事: its own promise is 5 working days
KINDERGARTEN = {"bundle_code": "370702-YJS-02", "bundle_name": "幼儿园设立一件事"}


def test_a_member_is_due_when_its_bundle_was_promised_and_an_unknown_bundle_keeps_its_own_limit(enrolled_device):
    device = enrolled_device
    bundle_no = mint_bundle_no(case_no_for(device, 1)[:12], dt.date.today(), device.device_code, 1)
    cases = {
        "member": accepted_payload(case_no_for(device, 1), matter_code=FIRE_CHECK)
        | {"bundle_no": bundle_no, **KINDERGARTEN},
        "alone": accepted_payload(case_no_for(device, 2), matter_code=FIRE_CHECK),
        "unknown bundle": accepted_payload(case_no_for(device, 3), matter_code=FIRE_CHECK)
        | {"bundle_no": bundle_no, "bundle_code": "370702-YJS-99", "bundle_name": "不存在的一件事"},
        "not a member": accepted_payload(case_no_for(device, 4)) | {"bundle_no": bundle_no, **KINDERGARTEN},
    }
    events = [make_event(protocol.CASE_ACCEPTED, str(uuid.uuid4()), p) for p in cases.values()]
    assert [a["status"] for a in device.push(*events)] == ["acked"] * 4
    due = {c.case_no: c.due for c in admin.list_cases(device.server.db_url)}
    got = {name: due[p["case_no"]] for name, p in cases.items()}

    with engine_for(device.server.db_url) as engine, Session(engine) as session:
        calendar = current_calendar(session)
    received = {c.case_no: c.received_at for c in admin.list_cases(device.server.db_url)}
    start = (received[cases["member"]["case_no"]].replace(tzinfo=dt.UTC) + dt.timedelta(hours=8)).date()
    assert got["member"] == add_limit(start, 25, "WD", calendar).due  # the bundle's 25 working days
    assert got["alone"] == add_limit(start, 5, "WD", calendar).due  # the matter's own 5
    assert got["unknown bundle"] == got["alone"]  # a bundle this back office does not publish: its own limit
    assert got["not a member"] == add_limit(start, 3, "WD", calendar).due  # 个体工商户设立登记 is not a member


def test_a_windows_late_evening_intake_counts_from_the_date_it_printed(enrolled_device):
    """A window sends its China wall time without a zone; read as UTC it would count from the next day."""
    device = enrolled_device
    china_today = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)).date()
    evening = dt.datetime.combine(china_today - dt.timedelta(days=1), dt.time(23, 30))  # as the window prints it
    payload = accepted_payload(case_no_for(device, 1), matter_code=FIRE_CHECK) | {
        "bundle_no": mint_bundle_no(case_no_for(device, 1)[:12], evening.date(), device.device_code, 1),
        **KINDERGARTEN,
        "received_at": evening.isoformat(),
    }
    (answer,) = device.push(make_event(protocol.CASE_ACCEPTED, str(uuid.uuid4()), payload))
    assert answer["status"] == "acked"
    (case,) = admin.list_cases(device.server.db_url)
    with engine_for(device.server.db_url) as engine, Session(engine) as session:
        calendar = current_calendar(session)
    assert case.due == add_limit(evening.date(), 25, "WD", calendar).due
