"""后台要求补正 on the window: the detail shows the approver's list and prints its notice (Shift+F6),
F6 opens a 补正 of exactly those materials, and the answer goes back to the back office."""

from __future__ import annotations

import pdfplumber

from client.domain.identity import Applicant
from client.services.intake import IntakeDraft, MaterialInput
from client.ui.detail import CaseDetailView
from client.ui.supplement import SupplementView
from sync.server import admin, decisions

ASKED = ["经营场所使用证明：复印件印章模糊，请提交加盖公章的清晰复印件", "申请人身份证：身份证已过有效期"]


def _shift_key(win, keysym: str) -> None:
    """Shift plus a function key where the focus is, as the keyboard delivers it."""
    (win.root.focus_get() or win.root).event_generate(f"<KeyPress-{keysym}>", state=1)
    win.root.update()


def test_the_clerk_prints_the_notice_and_takes_the_approvers_materials_by_keyboard(counter_window, live_server):
    w = counter_window
    win = w.window
    w.login()
    services = win.services
    draft = IntakeDraft(
        Applicant("李建国", "身份证", "34052419800101001X"),
        "370702-XK-0001",
        tuple(MaterialInput(code, True) for code in ("M01", "M02", "M03")),
        phone="13800000000",
    )
    case = services.intake.submit(draft, win.clerk)
    assert services.sync.sync_now().rejected == 0
    decisions.request_supplement(
        live_server.db_url, case.case_no, ASKED, by=live_server.hall.approver, reason="审查发现材料问题"
    )
    services.sync.sync_now()

    win.show_case(case.case_id)
    detail = w.pump(
        lambda: win.view if isinstance(win.view, CaseDetailView) and win.view.detail else None, what="detail"
    )
    assert detail.detail.supplement_request is not None
    assert "后台要求补正（待申请人补正）" in detail.request_title.cget("text")
    _shift_key(win, "F6")  # the notice, for the applicant at the counter or on the phone
    w.pump(lambda: "已生成补正材料通知书" in detail.message.cget("text"), what="notice message")
    [notice] = sorted(services.paperwork.out_dir.glob(f"{case.case_no}-*审查补正*.pdf"))
    with pdfplumber.open(notice) as pdf:
        text = "".join(page.extract_text() or "" for page in pdf.pages).replace("\n", "")
    assert "身份证已过有效期" in text and "复印件印章模糊" in text and "李审批" in text
    w.keep_screenshot("detail-backoffice-supplement.png")

    w.key("F6")
    supplement = w.pump(
        lambda: win.view if isinstance(win.view, SupplementView) and win.view.form else None, what="supplement view"
    )
    assert [spec.name for spec in supplement.checklist.specs.values()] == ["经营场所使用证明", "申请人身份证"]
    assert "李审批" in supplement.asked_by.cget("text")
    w.key("F9")  # nothing marked yet: refused with the list, nothing recorded
    w.pump(lambda: "尚未收取" in supplement.message.cget("text"), what="refusal")
    w.pump(lambda: supplement.submit_button.cget("state") == "normal", what="submit enabled again")
    w.key("1")  # 已收 on the focused first row
    assert supplement.message.cget("text") == ""  # the refusal read, the clerk is at work
    w.key("Down")
    w.key("1")
    w.keep_screenshot("supplement-backoffice-request.png")
    w.key("F9")
    back = w.pump(
        lambda: win.view if isinstance(win.view, CaseDetailView) and win.view.detail else None, what="back to detail"
    )
    w.pump(lambda: "补正材料已收取" in win.error_line.cget("text"), what="supplement note")
    w.pump(
        lambda: back.detail.supplement_request is None or back.detail.supplement_request.answered,
        what="the request answered",
    )
    assert not back.detail.can_supplement
    services.sync.sync_now()
    server = {c.case_no: c for c in admin.list_cases(live_server.db_url)}[case.case_no]
    assert server.status == "in_review"
