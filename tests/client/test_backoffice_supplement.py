"""后台要求补正 at the window: a case received complete, the approver's list, its notice and the answer."""

from __future__ import annotations

import pdfplumber
import pytest

from client.domain.identity import Applicant
from client.services.errors import ServiceError
from client.services.intake import IntakeDraft, MaterialInput
from sync.server import admin, decisions

GETIHU = "370702-XK-0001"  # 个体工商户设立登记: M01 身份证, M02 申请书, M03 经营场所使用证明
ASKED = [
    "经营场所使用证明：复印件印章模糊，请提交加盖公章的清晰复印件",
    "申请人身份证：身份证已过有效期",
    "房屋租赁合同：须载明租赁期限",  # not on the case's list
]


@pytest.fixture
def counter(enrolled_runtime, live_server):
    services = enrolled_runtime.services
    return services, services.auth.login(live_server.clerk, live_server.password)


def _complete_case(services, clerk):
    draft = IntakeDraft(
        Applicant("李建国", "身份证", "34052419800101001X"),
        GETIHU,
        tuple(MaterialInput(code, True) for code in ("M01", "M02", "M03")),
        phone="13800000000",
    )
    return services.intake.submit(draft, clerk)


def _server_case(live_server, case_no):
    return {c.case_no: c for c in admin.list_cases(live_server.db_url)}[case_no]


def _text(path):
    with pdfplumber.open(path) as pdf:
        return "".join(page.extract_text() or "" for page in pdf.pages).replace("\n", "").replace(" ", "")


def test_the_back_offices_list_is_offered_printed_and_answered_at_the_window(counter, live_server):
    services, clerk = counter
    case = _complete_case(services, clerk)
    assert services.sync.sync_now().rejected == 0
    before = services.cases.detail(case.case_id)
    assert not before.can_supplement and before.supplement_request is None  # received complete: nothing owed

    decisions.request_supplement(
        live_server.db_url, case.case_no, ASKED, by=live_server.hall.approver, reason="审查发现材料问题"
    )
    services.sync.sync_now()

    detail = services.cases.detail(case.case_id)
    assert detail.summary.status == "supplement_requested" and detail.can_supplement
    request = detail.supplement_request
    assert request is not None and not request.answered
    assert [(i.name, i.problem) for i in request.items] == [
        ("经营场所使用证明", "复印件印章模糊，请提交加盖公章的清晰复印件"),
        ("申请人身份证", "身份证已过有效期"),
        ("房屋租赁合同", "须载明租赁期限"),
    ]
    assert request.requested_by == "李审批"  # the approver by name, never a login
    asked_row = next(t for t in detail.timeline if t.label == "后台要求补正")
    assert asked_row.who == "李审批" and "身份证已过有效期" in asked_row.note

    form = services.supplement.form(case.case_id)
    assert [s.code for s in form.lacking] == ["M03", "M01", "BO1"]
    assert form.problems == tuple(i.problem for i in request.items)
    assert not any(s.pledgeable for s in form.lacking)  # an approver's request is answered with paper

    notice = services.supplement.request_notice(case.case_id)
    text = _text(notice.pdf)
    assert "补正材料通知书" in text and case.case_no_display in text and notice.doc_no in text
    for item in request.items:
        assert item.name in text and item.problem in text, item.name
    assert "联系人：李审批" in text
    again = services.supplement.request_notice(case.case_id)
    assert again.doc_no == notice.doc_no  # a reprint, not a second notice

    scanned = services.hardware.scan()
    pages = services.intake.store_scanned(scanned.pages, "经营场所使用证明")
    with pytest.raises(ServiceError, match="尚未收取：申请人身份证、房屋租赁合同"):
        services.supplement.submit(case.case_id, (MaterialInput("M03", True, pages),), clerk)
    assert services.cases.detail(case.case_id).can_supplement  # nothing was recorded

    result = services.supplement.submit(
        case.case_id,
        (MaterialInput("M03", True, pages), MaterialInput("M01", True), MaterialInput("BO1", True)),
        clerk,
    )
    assert not result.accepted_now and result.still_lacking == ()
    answered = services.cases.detail(case.case_id)
    assert answered.supplement_request is not None and answered.supplement_request.answered
    assert not answered.can_supplement  # answered once: no second supplement for the same request
    assert [m.name for m in answered.materials][-1] == "房屋租赁合同"
    assert next(m for m in answered.materials if m.name == "经营场所使用证明").pages == len(pages)

    assert services.sync.sync_now().rejected == 0
    server = _server_case(live_server, case.case_no)
    assert server.status == "in_review" and server.complete
    services.sync.sync_now()
    back = services.cases.detail(case.case_id)
    assert back.summary.status == "in_review" and back.supplement_request is None
    with pytest.raises(ServiceError, match="没有待答复的后台补正要求"):
        services.supplement.request_notice(case.case_id)
