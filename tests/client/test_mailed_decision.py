"""邮寄送达 of a decided case: the 准予 / 不予行政许可决定书 is produced with the mailing, from the
facts that came down with the back office's decision, for the clerk to put in the envelope."""

from __future__ import annotations

import pdfplumber
import pytest

from client.domain.identity import Applicant
from client.services.intake import IntakeDraft, MaterialInput
from sync.server import admin

GETIHU = "370702-XK-0001"  # 个体工商户设立登记
REASON = "经营场所为住宅，未取得“住改经”证明材料"
BASIS = "《中华人民共和国市场主体登记管理条例》第三条"
ADDRESS = "山东省潍坊市奎文区胜利东街100号"


@pytest.fixture
def counter(enrolled_runtime, live_server):
    services = enrolled_runtime.services
    return services, services.auth.login(live_server.clerk, live_server.password)


def _decided(services, clerk, live_server, decision: str, **facts):
    matter = services.intake.matter(GETIHU)
    draft = IntakeDraft(
        Applicant("王秀英", "身份证", "34052419800101001X"),
        GETIHU,
        tuple(MaterialInput(m.code, True) for m in matter.materials),
        phone="13800000000",
    )
    accepted = services.intake.submit(draft, clerk)
    assert services.sync.sync_now().pending == 0
    admin.decide(live_server.db_url, accepted.case_no, decision, by=live_server.hall.approver, **facts)
    services.sync.sync_now()
    return accepted


def _text(path) -> str:
    with pdfplumber.open(path) as pdf:
        return "".join(page.extract_text() or "" for page in pdf.pages).replace("\n", "")


def test_mailing_a_denied_case_produces_its_decision_with_appeal_rights(counter, live_server):
    services, clerk = counter
    accepted = _decided(services, clerk, live_server, "deny", reason=REASON, legal_basis=BASIS)
    assert services.cases.detail(accepted.case_id).can_mail

    mailed = services.delivery.mail(accepted.case_id, "el123456789cn", ADDRESS, "王秀英", clerk)

    assert mailed.tracking_no == "EL123456789CN" and mailed.decision_error == ""
    assert mailed.decision_title == "不予行政许可决定书"
    assert mailed.decision_pdf is not None
    assert mailed.decision_pdf.name == f"{accepted.case_no}-不予行政许可决定书.pdf"
    text = _text(mailed.decision_pdf)
    assert "不予行政许可决定书" in text and REASON in text and BASIS in text and "王秀英" in text
    assert "六十日内向" in text and "申请行政复议" in text and "六个月内依法向" in text and "提起行政诉讼" in text
    assert services.cases.detail(accepted.case_id).summary.status == "mailed"


def test_mailing_an_approved_case_sends_its_licence_decision(counter, live_server):
    services, clerk = counter
    accepted = _decided(services, clerk, live_server, "approve", result_name="营业执照", result_no="92370702MA00000001")

    mailed = services.delivery.mail(accepted.case_id, "EL987654321CN", ADDRESS, "王秀英", clerk)

    assert mailed.decision_pdf is not None
    assert mailed.decision_pdf.name == f"{accepted.case_no}-准予行政许可决定书.pdf"
    text = _text(mailed.decision_pdf)
    assert "准予行政许可决定书" in text and "营业执照" in text and "申请行政复议" not in text
