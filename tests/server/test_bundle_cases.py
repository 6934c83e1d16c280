"""一件事 on the back office: linked cases carry the bundle number and are found together."""

from __future__ import annotations

import datetime as dt
import uuid

from server_helpers import accepted_payload, case_no_for, make_event

from client.domain.bundles import mint_bundle_no
from sync import protocol
from sync.server import admin


def test_linked_cases_are_found_by_their_bundle_number_and_a_single_case_has_none(enrolled_device):
    device = enrolled_device
    bundle_no = mint_bundle_no(case_no_for(device, 1)[:12], dt.date(2026, 12, 2), "A1B2", 1)
    linked = [case_no_for(device, seq) for seq in (1, 2)]
    events = [
        make_event(
            protocol.CASE_ACCEPTED,
            str(uuid.uuid4()),
            accepted_payload(no)
            | {"bundle_no": bundle_no, "bundle_code": "370702-YJS-02", "bundle_name": "幼儿园设立一件事"},
        )
        for no in linked
    ]
    alone = make_event(protocol.CASE_ACCEPTED, str(uuid.uuid4()), accepted_payload(case_no_for(device, 3)))
    answers = device.push(*events, alone)
    assert [a["status"] for a in answers] == ["acked"] * 3

    found = admin.list_cases(device.server.db_url, bundle_no=bundle_no)
    assert sorted(c.case_no for c in found) == sorted(linked)
    assert {c.bundle_no for c in found} == {bundle_no}
    single = [c for c in admin.list_cases(device.server.db_url) if c.case_no == case_no_for(device, 3)]
    assert single[0].bundle_no is None  # an older window, or a single matter: no bundle


def test_an_overlong_bundle_number_is_rejected_not_stored(enrolled_device):
    event = make_event(
        protocol.CASE_ACCEPTED,
        str(uuid.uuid4()),
        accepted_payload(case_no_for(enrolled_device, 1)) | {"bundle_no": "Y" * 41},
    )
    (answer,) = enrolled_device.push(event)
    assert answer["status"] == "rejected" and answer["code"] == "invalid_payload"
    assert admin.list_cases(enrolled_device.server.db_url) == ()
