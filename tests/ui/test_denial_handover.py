"""出件 of a denied case at the window: the clerk hands over the 不予行政许可决定书 with its
appeal rights, printed from the facts that came down with the back office's decision.

Screenshot: docs/screenshots/detail-denial-handover.png.
"""

from __future__ import annotations

import pdfplumber

from client.domain.identity import Applicant
from client.services.intake import IntakeDraft, MaterialInput
from client.ui.detail import CaseDetailView
from devices.virtual import SAMPLE_CARDS
from sync.server import admin

GETIHU = "370702-XK-0001"
LI = SAMPLE_CARDS[1]
REASON = "经营场所为住宅，未取得“住改经”证明材料"
BASIS = "《中华人民共和国市场主体登记管理条例》第三条"


def test_the_denial_is_handed_over_with_its_decision_document(counter_window, enrolled_runtime, live_server):
    w = counter_window
    win = w.window
    w.login()
    services = enrolled_runtime.services
    matter = services.intake.matter(GETIHU)
    accepted = services.intake.submit(
        IntakeDraft(
            Applicant(LI.name, "身份证", LI.id_number),
            GETIHU,
            tuple(MaterialInput(m.code, True) for m in matter.materials),
            phone="13912345678",
        ),
        win.current_clerk,
    )
    assert services.sync.sync_now().pending == 0
    admin.decide(
        live_server.db_url, accepted.case_no, "deny", by=live_server.hall.approver, reason=REASON, legal_basis=BASIS
    )
    services.sync.sync_now()

    win.show_case(accepted.case_id)
    detail = w.pump(
        lambda: win.view if isinstance(win.view, CaseDetailView) and win.view.detail else None, what="case detail"
    )
    assert detail.detail.summary.status == "denied" and detail.deliver_action.winfo_ismapped()
    w.key("F8")
    w.type(detail.recipient_id, LI.id_number)
    w.press(detail.recipient_id, "Return")
    w.pump(lambda: "审批决定书" in detail.message.cget("text"), what="delivered with the decision")
    shown = detail.message.cget("text")
    name = shown.rsplit("：", 1)[1]
    assert name == f"{accepted.case_no}-不予行政许可决定书.pdf"
    with pdfplumber.open(services.paperwork.out_dir / name) as pdf:
        text = "".join(page.extract_text() or "" for page in pdf.pages).replace("\n", "")
    assert "不予行政许可决定书" in text and REASON in text and BASIS in text
    assert "六十日内向" in text and "申请行政复议" in text and "六个月内依法向" in text and "提起行政诉讼" in text
    w.keep_screenshot("detail-denial-handover.png")
