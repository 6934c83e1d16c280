"""Every counter outcome is recorded as a case and gets its own notice, read back from the PDF."""

from __future__ import annotations

import pdfplumber
import pytest

from client.domain.decisions import DEFECTIVE, PLEDGED
from client.domain.identity import Applicant
from client.services.intake import IntakeDraft, MaterialInput

APPLICANT = Applicant("李建国", "身份证", "34052419800101001X")
GETIHU = "370702-XK-0001"  # 个体工商户设立登记: M03 经营场所使用证明 may be 容缺 or pledged


@pytest.fixture
def counter(enrolled_runtime, live_server):
    services = enrolled_runtime.services
    return services, services.auth.login(live_server.clerk, live_server.password)


def _draft(code, received=(), **kw):
    states = kw.pop("states", {})
    mats = tuple(
        MaterialInput(c, c in received, state=states.get(c, ("", ""))[0], reason=states.get(c, ("", ""))[1])
        for c in sorted(set(received) | set(states))
    )
    return IntakeDraft(APPLICANT, code, mats, phone="13800000000", **kw)


def _text(path):
    with pdfplumber.open(path) as pdf:
        return "".join(page.extract_text() for page in pdf.pages).replace("\n", "")


def test_missing_key_material_gives_a_one_time_notice_listing_everything(counter, enrolled_runtime):
    services, clerk = counter
    draft = _draft(GETIHU, received=("M01",), states={"M02": (DEFECTIVE, "缺少申请人签字")})
    preview = services.intake.preview(draft)
    assert preview.decision.outcome == "notify_missing" and preview.outcome_label == "一次性告知"
    result = services.intake.submit(draft, clerk)
    assert result.outcome == "notify_missing" and result.printed
    assert services.cases.detail(result.case_id).summary.status == "pending_supplement"
    text = _text(result.notice_pdf)
    assert "补正材料通知书" in text and "缺少申请人签字" in text and "经营场所使用证明" in text
    assert result.notice_no in text and "补字" in result.notice_no


def test_refusal_names_the_competent_office_and_appeal_rights_and_prints_no_receipt(counter, enrolled_runtime):
    services, clerk = counter
    jobs = len(enrolled_runtime.hardware.printer.jobs)
    draft = _draft(GETIHU, refusal="not_competent", competent_office="潍坊市市场监督管理局")
    result = services.intake.submit(draft, clerk)
    assert result.outcome == "refuse" and not result.printed and result.paper_error == ""
    assert len(enrolled_runtime.hardware.printer.jobs) == jobs
    text = _text(result.notice_pdf)
    assert "不予受理通知书" in text and "潍坊市市场监督管理局" in text
    assert "行政复议" in text and "行政诉讼" in text
    assert services.cases.detail(result.case_id).summary.status == "refused"


def test_only_tolerable_material_missing_is_accepted_under_rongque(counter):
    services, clerk = counter
    result = services.intake.submit(_draft(GETIHU, received=("M01", "M02")), clerk)
    assert result.outcome == "accept_tolerant"
    titles = [p.name for p in result.documents]
    assert any("容缺受理通知书" in t for t in titles) and any("容缺受理承诺书" in t for t in titles)
    assert "经营场所使用证明" in _text(result.documents[0])
    detail = services.cases.detail(result.case_id)
    assert detail.summary.status == "accepted_tolerant"
    assert [m.status for m in detail.materials if m.name == "经营场所使用证明"] == ["tolerated"]


def test_pledge_replaces_the_proof_and_prints_the_pledge_form(counter):
    services, clerk = counter
    result = services.intake.submit(_draft(GETIHU, received=("M01", "M02"), states={"M03": (PLEDGED, "")}), clerk)
    assert result.outcome == "pledge"
    assert [p.name.split("-")[-1] for p in result.documents] == ["受理通知书.pdf", "告知承诺书.pdf"]
    assert "经营场所使用证明" in _text(result.documents[1])


def test_immediate_matter_is_concluded_on_the_spot(counter):
    services, clerk = counter
    matter = services.intake.matter("370702-GG-0043")  # 失业登记, 即办件
    result = services.intake.submit(_draft(matter.code, received=tuple(m.code for m in matter.materials)), clerk)
    assert result.outcome == "conclude" and result.outcome_label == "当场办结"
    # Its result left with the applicant: the 出件 is on record with the intake.
    detail = services.cases.detail(result.case_id)
    assert detail.summary.status == "delivered" and not detail.can_deliver
    assert [t.label for t in detail.timeline] == ["窗口受理", "窗口出件"]
    assert "办结通知书" in _text(result.notice_pdf)


def test_preview_renders_the_notice_without_storing_or_numbering(counter, enrolled_runtime):
    services, clerk = counter
    before = services.cases.recent()
    title, png = services.intake.preview_notice(_draft(GETIHU, received=("M01",)), clerk)
    assert title == "补正材料通知书" and png[:8] == b"\x89PNG\r\n\x1a\n"
    assert services.cases.recent() == before


def test_every_outcome_reaches_the_back_office_with_its_status(counter, live_server):
    from sync.server import admin

    services, clerk = counter
    unemployment = services.intake.matter("370702-GG-0043")
    submitted = {
        "accept": services.intake.submit(_draft(GETIHU, received=("M01", "M02", "M03")), clerk),
        "accept_tolerant": services.intake.submit(_draft(GETIHU, received=("M01", "M02")), clerk),
        "conclude": services.intake.submit(
            _draft(unemployment.code, received=tuple(m.code for m in unemployment.materials)), clerk
        ),
        "notify_missing": services.intake.submit(_draft(GETIHU, received=("M01",)), clerk),
        "refuse": services.intake.submit(_draft(GETIHU, refusal="duplicate"), clerk),
    }
    status = services.sync.sync_now()
    assert status.error == "" and status.pending == 0 and status.rejected == 0
    on_server = {c.case_no: c.status for c in admin.list_cases(live_server.db_url)}
    assert {k: on_server[r.case_no] for k, r in submitted.items()} == {
        "accept": "submitted",
        "accept_tolerant": "submitted",
        "conclude": "delivered",  # handed over on the spot, in the same push
        "notify_missing": "pending_supplement",
        "refuse": "refused",
    }
    # The window's own record is not overwritten by the server's echo.
    assert services.cases.detail(submitted["conclude"].case_id).summary.status == "delivered"
    assert services.cases.detail(submitted["accept"].case_id).summary.status == "submitted"


def test_the_receipt_of_a_one_time_notice_promises_no_date(counter, enrolled_runtime):
    services, clerk = counter
    services.intake.submit(_draft(GETIHU, received=("M01",)), clerk)
    text = "\n".join(line.text for line in enrolled_runtime.hardware.printer.last_receipt().lines)
    assert "材料待补正" in text and "承诺办结" not in text
    accepted = services.intake.submit(_draft(GETIHU, received=("M01", "M02", "M03")), clerk)
    text = "\n".join(line.text for line in enrolled_runtime.hardware.printer.last_receipt().lines)
    assert "承诺办结" in text and f"{accepted.promised_by.month}月{accepted.promised_by.day}日" in text
