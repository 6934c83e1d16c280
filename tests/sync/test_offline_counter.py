"""The counter keeps working when the back office is away, and catches up after."""

from __future__ import annotations

from sqlalchemy import select

from client.domain.identity import Applicant
from client.services.intake import IntakeDraft, MaterialInput
from client.store.models import OutboxEntry
from sync.server import admin


def _accept(services, clerk):
    matter = services.intake.matter("370702-XK-0001")  # 个体工商户设立登记, a promised matter
    mats = tuple(MaterialInput(s.code, True) for s in matter.materials)
    return services.intake.accept(
        IntakeDraft(Applicant("王秀英", "身份证", "11010519491231002X"), matter.code, mats), clerk
    )


def _point_at(runtime, url):
    runtime.enrolment.set_server_url(url)
    runtime.engine.reset()


def test_cases_taken_offline_are_kept_and_pushed_once_the_server_is_back(enrolled_runtime, live_server):
    services = enrolled_runtime.services
    clerk = services.auth.login(live_server.clerk, live_server.password)
    _point_at(enrolled_runtime, "http://127.0.0.1:9")  # nothing listens there

    accepted = [_accept(services, clerk) for _ in range(3)]
    status = services.sync.sync_now()
    assert status.error.startswith("无法连接后台服务器") and status.pending == 3
    assert "离线" in status.label

    _point_at(enrolled_runtime, live_server.url)
    status = services.sync.sync_now()
    assert status.error == "" and status.pending == 0
    on_server = {c.case_no for c in admin.list_cases(live_server.db_url, org_code=live_server.hall.org_code)}
    assert {a.case_no for a in accepted} <= on_server

    # A second round sends nothing again: acked events have left the queue.
    assert services.sync.sync_now().pending == 0
    assert (
        len(
            [
                c
                for c in admin.list_cases(live_server.db_url, org_code=live_server.hall.org_code)
                if c.case_no in on_server
            ]
        )
        == 3
    )


def test_a_rejected_event_is_quarantined_and_shown_while_others_go_on(enrolled_runtime, live_server):
    services = enrolled_runtime.services
    clerk = services.auth.login(live_server.clerk, live_server.password)
    good = _accept(services, clerk)
    bad = _accept(services, clerk)
    # The delivery of a case the back office has not decided is illegal there.
    from client.store.journal import append_event
    from sync import protocol

    with enrolled_runtime.store.sessions.begin() as s:
        payload = protocol.CaseDeliveredPayload(
            case_no=bad.case_no,
            delivered_at="2026-11-22T10:00:00",
            recipient_name="王秀英",
            recipient_id_number="11010519491231002X",
            clerk="clerk01",
        ).model_dump(mode="json")
        append_event(
            s,
            case_id=bad.case_id,
            type_=protocol.CASE_DELIVERED,
            payload=payload,
            clerk="clerk01",
            device_id=enrolled_runtime.enrolment.identity().device_id,
        )
    status = services.sync.sync_now()
    assert status.rejected == 1 and status.pending == 0
    assert "被退回" in status.label
    with enrolled_runtime.store.sessions() as s:
        rejected = s.scalars(select(OutboxEntry).where(OutboxEntry.state == "rejected")).all()
    assert len(rejected) == 1 and rejected[0].code == "illegal_transition" and rejected[0].reason
    assert services.cases.detail(bad.case_id).summary.sync_label == "报送被退回"
    assert services.cases.detail(good.case_id).summary.sync_label == "已报送"
