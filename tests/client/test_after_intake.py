"""After the first visit: 补正, 邮寄送达 and 撤件, recorded on both sides."""

from __future__ import annotations

import pdfplumber
import pytest

from client.domain.identity import Applicant
from client.services.errors import ServiceError
from client.services.intake import IntakeDraft, MaterialInput
from sync.server import admin, decisions

GETIHU = "370702-XK-0001"


@pytest.fixture
def counter(enrolled_runtime, live_server):
    services = enrolled_runtime.services
    return services, services.auth.login(live_server.clerk, live_server.password)


def _submit(services, clerk, received):
    draft = IntakeDraft(
        Applicant("李建国", "身份证", "34052419800101001X"),
        GETIHU,
        tuple(MaterialInput(c, True) for c in received),
        phone="13800000000",
    )
    return services.intake.submit(draft, clerk)


def _server_status(live_server, case_no):
    return {c.case_no: c.status for c in admin.list_cases(live_server.db_url)}[case_no]


def test_answering_a_one_time_notice_in_full_accepts_the_case(counter, live_server):
    services, clerk = counter
    notified = _submit(services, clerk, ("M01",))
    services.sync.sync_now()
    assert _server_status(live_server, notified.case_no) == "pending_supplement"

    form = services.supplement.form(notified.case_id)
    assert [s.code for s in form.lacking] == ["M02", "M03"] and form.problems == ("未提交", "未提交")
    with pytest.raises(ServiceError, match="仍缺少以下材料"):
        services.supplement.submit(notified.case_id, (MaterialInput("M02", True),), clerk)
    assert services.cases.detail(notified.case_id).summary.status == "pending_supplement"

    result = services.supplement.submit(
        notified.case_id, (MaterialInput("M02", True), MaterialInput("M03", True)), clerk
    )
    assert result.accepted_now and result.printed and result.still_lacking == ()
    with pdfplumber.open(result.notice_pdf) as pdf:
        assert "受理通知书" in pdf.pages[0].extract_text()
    assert services.sync.sync_now().rejected == 0
    assert _server_status(live_server, notified.case_no) == "submitted"
    labels = [t.label for t in services.cases.detail(notified.case_id).timeline]
    assert labels[:2] == ["出具一次性告知书", "补正材料"]


def test_rongque_materials_brought_later_complete_the_case(counter, live_server):
    services, clerk = counter
    tolerant = _submit(services, clerk, ("M01", "M02"))
    assert services.cases.detail(tolerant.case_id).can_supplement
    result = services.supplement.submit(tolerant.case_id, (MaterialInput("M03", True),), clerk)
    assert not result.accepted_now and result.still_lacking == ()
    assert services.sync.sync_now().rejected == 0
    assert not services.cases.detail(tolerant.case_id).can_supplement


def test_back_office_request_for_supplement_is_answered_at_the_window(counter, live_server):
    services, clerk = counter
    case = _submit(services, clerk, ("M01", "M02", "M03"))
    services.sync.sync_now()
    decisions.request_supplement(
        live_server.db_url, case.case_no, ["经营场所使用证明（盖章清晰件）"], by=live_server.hall.approver
    )
    services.sync.sync_now()
    detail = services.cases.detail(case.case_id)
    assert detail.summary.status == "supplement_requested" and detail.can_supplement
    with pytest.raises(ServiceError, match="尚未收取：经营场所使用证明"):  # the approver's paper must come in
        services.supplement.submit(case.case_id, (), clerk)
    services.supplement.submit(case.case_id, (MaterialInput("M03", True),), clerk)
    assert services.sync.sync_now().rejected == 0
    assert _server_status(live_server, case.case_no) == "in_review"


def test_result_mailed_with_a_tracking_number(counter, live_server):
    services, clerk = counter
    case = _submit(services, clerk, ("M01", "M02", "M03"))
    services.sync.sync_now()
    admin.decide(live_server.db_url, case.case_no, "approve", by=live_server.hall.approver)
    services.sync.sync_now()
    with pytest.raises(ServiceError, match="邮件单号"):
        services.delivery.mail(case.case_id, "12", "潍坊市潍城区胜利西街1号", "李建国", clerk)
    mailed = services.delivery.mail(case.case_id, "el123456789cn", "潍坊市潍城区胜利西街1号", "李建国", clerk)
    assert mailed.tracking_no == "EL123456789CN"
    assert services.sync.sync_now().rejected == 0
    detail = services.cases.detail(case.case_id)
    assert detail.summary.status == "mailed" and detail.tracking_no == "EL123456789CN"
    assert _server_status(live_server, case.case_no) == "mailed"


def test_withdrawal_needs_a_reason_and_closes_the_case_on_both_sides(counter, live_server):
    services, clerk = counter
    case = _submit(services, clerk, ("M01", "M02", "M03"))
    assert services.cases.detail(case.case_id).can_withdraw
    with pytest.raises(ServiceError, match="撤件原因"):
        services.delivery.withdraw(case.case_id, " ", clerk)
    services.delivery.withdraw(case.case_id, "申请人决定暂不办理", clerk)
    assert services.sync.sync_now().rejected == 0
    assert _server_status(live_server, case.case_no) == "withdrawn"
    detail = services.cases.detail(case.case_id)
    assert detail.summary.status == "withdrawn" and not detail.can_withdraw and not detail.can_deliver
