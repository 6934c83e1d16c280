"""延长审批期限 at the window: a case taken and synced, the §42 extension asked for by the hall's
approver and approved by a department head on the live back office; the window syncs, shows
the new due date and prints the 延长审批期限告知书 (read back with pdfplumber)."""

from __future__ import annotations

import pdfplumber
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from client.domain.identity import Applicant
from client.services.errors import ServiceError
from client.services.intake import IntakeDraft, MaterialInput
from reports.numbers import chinese_date
from sync.server import admin, decisions, departments
from sync.server.db import Case

GETIHU = "370702-XK-0001"  # 个体工商户设立登记
REASON = "需会同住建部门对经营场所进行现场核查"


@pytest.fixture
def counter(enrolled_runtime, live_server):
    services = enrolled_runtime.services
    return services, services.auth.login(live_server.clerk, live_server.password)


def department_head(live_server, name: str = "赵科长") -> str:
    """A head of every department of the hall, as the console's administrator makes one."""
    hall = live_server.hall
    username = f"head-{hall.tag}"
    admin.add_user(hall.engine, hall.org_code, username, name, "department_head", hall.password)
    codes = [d.code for d in departments.list_departments(hall.engine, hall.org_code)]
    departments.set_staff_departments(hall.engine, username, add=codes)
    return username


def take_case(services, clerk):
    matter = services.intake.matter(GETIHU)
    draft = IntakeDraft(
        Applicant("李建国", "身份证", "34052419800101001X"),
        GETIHU,
        tuple(MaterialInput(m.code, True) for m in matter.materials),
        phone="13800000000",
    )
    accepted = services.intake.submit(draft, clerk)
    assert services.sync.sync_now().pending == 0
    return accepted


def extend(live_server, case_no: str) -> decisions.Extension:
    """The approver asks, a head approves: the back office's own functions, as the console calls them."""
    decisions.request_extension(live_server.db_url, case_no, REASON, by=live_server.hall.approver)
    return decisions.decide_extension(live_server.db_url, case_no, approve=True, by=department_head(live_server))


def pdf_text(path) -> str:
    with pdfplumber.open(path) as pdf:
        return "".join(page.extract_text() or "" for page in pdf.pages).replace("\n", "")


def test_the_heads_extension_comes_down_and_its_notice_prints_at_the_window(counter, live_server):
    services, clerk = counter
    accepted = take_case(services, clerk)
    with pytest.raises(ServiceError) as none_yet:
        services.paperwork.extension_notice(accepted.case_id)
    assert "没有经批准的延长审批期限" in none_yet.value.message

    granted = extend(live_server, accepted.case_no)
    assert granted.due_before is not None and granted.due_after is not None and granted.due_after > granted.due_before
    assert services.cases.detail(accepted.case_id).extension is None  # not synced yet
    services.sync.sync_now()

    detail = services.cases.detail(accepted.case_id)
    shown = detail.extension
    assert shown is not None
    assert (shown.due_before, shown.due_after, shown.doc_no) == (granted.due_before, granted.due_after, granted.doc_no)
    assert shown.approved_by_name == "赵科长" and shown.reason == REASON and shown.days == 10
    assert detail.summary.promised_by == granted.due_after  # the window's due date moved with it
    assert any(t.label.startswith("延长审批期限") and granted.due_after.isoformat() in t.note for t in detail.timeline)

    path = services.paperwork.extension_notice(accepted.case_id)
    assert path.name == f"{accepted.case_no}-延长审批期限告知书.pdf" and path.parent == services.paperwork.out_dir
    text = pdf_text(path)
    assert "延长审批期限告知书" in text and "第四十二条" in text and "延长10个工作日" in text
    assert f"延长后的办理期限至{chinese_date(granted.due_after)}" in text
    assert f"原办理期限至{chinese_date(granted.due_before)}" in text
    assert REASON in text and "李建国" in text and "个体工商户设立登记" in text and granted.doc_no in text
    with Session(live_server.hall.engine) as session:  # the organ the console's copy names
        server_case = session.execute(select(Case).where(Case.case_no == accepted.case_no)).scalar_one()
        assert server_case.payload["extension"]["office_name"] in text


def test_a_case_never_extended_offers_no_notice(counter, live_server):
    services, clerk = counter
    accepted = take_case(services, clerk)
    decisions.request_extension(live_server.db_url, accepted.case_no, REASON, by=live_server.hall.approver)
    decisions.decide_extension(
        live_server.db_url, accepted.case_no, approve=False, by=department_head(live_server), note="期限内可以办结"
    )
    services.sync.sync_now()
    assert services.cases.detail(accepted.case_id).extension is None
    with pytest.raises(ServiceError):
        services.paperwork.extension_notice(accepted.case_id)
