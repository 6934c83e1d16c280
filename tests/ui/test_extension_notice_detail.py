"""The case detail after the back office's paper comes down: a §42 extension offers its
延长审批期限告知书 (Shift+F7), and 邮寄 of a denied case tells the clerk to put the
不予行政许可决定书 in the envelope.

Screenshots: docs/screenshots/detail-extension-notice.png, detail-mail-decision.png.
"""

from __future__ import annotations

import pdfplumber

from client.domain.identity import Applicant
from client.services.intake import IntakeDraft, MaterialInput
from client.ui.detail import CaseDetailView
from devices.virtual import SAMPLE_CARDS
from reports.numbers import chinese_date
from sync.server import admin, decisions, departments

GETIHU = "370702-XK-0001"
LI = SAMPLE_CARDS[1]
REASON = "需会同住建部门对经营场所进行现场核查"


def _taken(services, clerk):
    matter = services.intake.matter(GETIHU)
    accepted = services.intake.submit(
        IntakeDraft(
            Applicant(LI.name, "身份证", LI.id_number),
            GETIHU,
            tuple(MaterialInput(m.code, True) for m in matter.materials),
            phone="13912345678",
        ),
        clerk,
    )
    assert services.sync.sync_now().pending == 0
    return accepted


def _head(live_server) -> str:
    hall = live_server.hall
    username = f"head-{hall.tag}"
    admin.add_user(hall.engine, hall.org_code, username, "赵科长", "department_head", hall.password)
    codes = [d.code for d in departments.list_departments(hall.engine, hall.org_code)]
    departments.set_staff_departments(hall.engine, username, add=codes)
    return username


def _detail(w, case_id: str) -> CaseDetailView:
    win = w.window
    win.show_case(case_id)
    return w.pump(
        lambda: win.view if isinstance(win.view, CaseDetailView) and win.view.detail else None, what="case detail"
    )


def _text(path) -> str:
    with pdfplumber.open(path) as pdf:
        return "".join(page.extract_text() or "" for page in pdf.pages).replace("\n", "")


def test_the_detail_prints_the_extension_notice(counter_window, enrolled_runtime, live_server):
    w = counter_window
    w.login()
    services = enrolled_runtime.services
    accepted = _taken(services, w.window.current_clerk)
    decisions.request_extension(live_server.db_url, accepted.case_no, REASON, by=live_server.hall.approver)
    granted = decisions.decide_extension(live_server.db_url, accepted.case_no, approve=True, by=_head(live_server))
    assert granted.due_after is not None
    services.sync.sync_now()

    detail = _detail(w, accepted.case_id)
    assert detail.extension_notice_button is not None and detail.extension_notice_button.winfo_ismapped()
    title = detail.extension_title.cget("text")
    assert "已延长审批期限10个工作日" in title and granted.due_after.isoformat() in title
    assert "Shift-F7" in detail.keys
    detail.back_button.focus_force()
    w.window.root.update()
    (w.window.root.focus_get() or w.window.root).event_generate("<KeyPress-F7>", state=1)  # Shift+F7
    w.pump(lambda: "延长审批期限告知书" in detail.message.cget("text"), what="the notice printed")
    assert granted.doc_no in detail.message.cget("text")
    text = _text(services.paperwork.out_dir / f"{accepted.case_no}-延长审批期限告知书.pdf")
    assert (
        "延长审批期限告知书" in text
        and granted.doc_no in text
        and f"延长后的办理期限至{chinese_date(granted.due_after)}" in text
    )
    assert REASON in text
    w.keep_screenshot("detail-extension-notice.png")


def test_mailing_a_denial_asks_for_the_decision_in_the_envelope(counter_window, enrolled_runtime, live_server):
    w = counter_window
    w.login()
    services = enrolled_runtime.services
    accepted = _taken(services, w.window.current_clerk)
    admin.decide(live_server.db_url, accepted.case_no, "deny", by=live_server.hall.approver, reason="经营场所为住宅")
    services.sync.sync_now()

    detail = _detail(w, accepted.case_id)
    assert detail.extension_notice_button is None and "Shift-F7" not in detail.keys
    w.key("F10")
    w.type(detail.tracking, "EL123456789CN")
    if not detail.address.get().strip():
        w.type(detail.address, "山东省潍坊市奎文区胜利东街100号")
    detail.mail_button.invoke()
    w.pump(lambda: "装入邮件" in detail.message.cget("text"), what="mailed with the decision")
    assert "请将不予行政许可决定书打印后装入邮件一并寄出" in detail.message.cget("text")
    text = _text(services.paperwork.out_dir / f"{accepted.case_no}-不予行政许可决定书.pdf")
    assert "不予行政许可决定书" in text and "申请行政复议" in text and "提起行政诉讼" in text
    w.keep_screenshot("detail-mail-decision.png")
