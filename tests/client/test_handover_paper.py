"""The paper and the record of a hand-over, through the services: a 即办件 promises no date and
is handed over on the spot, a receipt image belongs to its own case, the mailing form starts
from the applicant's known address, and the timeline names people (the back office sends the
approver's name)."""

from __future__ import annotations

import pdfplumber
import pytest
from sqlalchemy import create_engine, select

from client.domain.case_numbers import format_case_no
from client.domain.identity import Applicant, mask_id_number
from client.services.intake import IntakeDraft, MaterialInput
from sync.server import admin
from sync.server.db import Event as ServerEvent

GETIHU = "370702-XK-0001"  # 个体工商户设立登记, a promised matter
UNEMPLOYMENT = "370702-GG-0043"  # 失业登记, 即办件
ADDRESS = "山东省潍坊市潍城区北关街道东风街88号"


@pytest.fixture
def counter(enrolled_runtime, live_server):
    services = enrolled_runtime.services
    return services, services.auth.login(live_server.clerk, live_server.password)


def _draft(services, code, applicant, received=None):
    matter = services.intake.matter(code)
    codes = [m.code for m in matter.materials] if received is None else received
    return IntakeDraft(applicant, code, tuple(MaterialInput(c, True) for c in codes), phone="13800000000")


def _text(path):
    with pdfplumber.open(path) as pdf:
        return "".join(page.extract_text() for page in pdf.pages).replace("\n", "")


def test_a_case_concluded_on_the_spot_promises_nothing_and_is_handed_over(counter, enrolled_runtime, live_server):
    services, clerk = counter
    applicant = Applicant("王秀英", "身份证", "11010519491231002X", address=ADDRESS)
    result = services.intake.submit(_draft(services, UNEMPLOYMENT, applicant), clerk)
    assert result.outcome == "conclude" and result.printed

    # The receipt, decoded from what the printer received for this case: no promised date.
    receipt = enrolled_runtime.hardware.printer.receipt_for(result.case_no)
    assert receipt is not None and format_case_no(result.case_no) in receipt.text
    assert "承诺办结" not in receipt.text
    assert "当场办结，办理结果已当场交付" in receipt.text.replace("\n", "")
    assert mask_id_number(applicant.id_number) in receipt.text

    # The 办结通知书 says what happened instead of sending the applicant to the hall.
    notice = _text(result.notice_pdf)
    assert "办结通知书" in notice and "当场交付" in notice and "无需另行领取" in notice
    assert "领取办理结果" not in notice

    # The hand-over is on record with the intake, to the applicant, and reaches the back office.
    detail = services.cases.detail(result.case_id)
    assert detail.summary.status == "delivered" and not detail.can_deliver and not detail.can_mail
    assert [t.label for t in detail.timeline] == ["窗口受理", "窗口出件"]
    assert detail.timeline[1].note == "领取人：王秀英（当场交付）"
    status = services.sync.sync_now()
    assert status.error == "" and status.pending == 0 and status.rejected == 0
    assert {c.case_no: c.status for c in admin.list_cases(live_server.db_url)}[result.case_no] == "delivered"
    engine = create_engine(live_server.db_url)
    try:
        with engine.connect() as conn:
            delivered = conn.execute(select(ServerEvent.payload).where(ServerEvent.type == "case.delivered")).scalars()
            mine = [p for p in delivered if p["case_no"] == result.case_no]
    finally:
        engine.dispose()
    assert len(mine) == 1 and mine[0]["on_the_spot"] is True
    assert (mine[0]["recipient_name"], mine[0]["recipient_id_number"]) == ("王秀英", "11010519491231002X")


def test_the_conclusion_notice_of_a_later_decision_still_sends_the_applicant_to_collect():
    """Only a 即办件 is handed over on the spot; a conclusion notice without it keeps the
    collection wording (the template's own text, not a promise of something that happened)."""
    import datetime as dt

    from reports.conclusion import ConclusionNotice, render_conclusion_notice

    base = dict(
        office_name="潍城区政务服务中心",
        doc_no="潍城审结字〔2026〕1号",
        applicant_name="王秀英",
        applicant_id_number="11010519491231002X",
        matter_name="失业登记",
        case_no="370702000000202612020AAA0001",
        received_on=dt.date(2026, 12, 2),
        concluded_on=dt.date(2026, 12, 2),
        approved=True,
    )
    import io

    def text(pdf: bytes) -> str:
        with pdfplumber.open(io.BytesIO(pdf)) as doc:
            return "".join(page.extract_text() for page in doc.pages).replace("\n", "")

    later = text(render_conclusion_notice(ConclusionNotice(**base)))
    spot = text(render_conclusion_notice(ConclusionNotice(**base, handed_over=True)))
    assert "领取办理结果" in later and "当场交付" not in later
    assert "2026年12月2日当场办结" in spot and "领取办理结果" not in spot


def test_a_receipt_image_belongs_to_its_case_and_a_refusal_has_none(counter, enrolled_runtime):
    services, clerk = counter
    first = services.intake.submit(_draft(services, GETIHU, Applicant("李建国", "身份证", "34052419800101001X")), clerk)
    refused = services.intake.submit(
        IntakeDraft(
            Applicant("王秀英", "身份证", "11010519491231002X"),
            GETIHU,
            (),
            refusal="not_competent",
            competent_office="潍坊市市场监督管理局",
        ),
        clerk,
    )
    printer = enrolled_runtime.hardware.printer
    assert refused.outcome == "refuse" and not refused.printed
    assert printer.receipt_for(refused.case_no) is None and services.hardware.receipt_png(refused.case_no) is None
    # The last job on the printer is still the first applicant's: that is what the refusal must not show.
    assert first.case_no in printer.last_receipt().barcodes
    png = services.hardware.receipt_png(first.case_no)
    assert png is not None and png[:8] == b"\x89PNG\r\n\x1a\n"
    assert "李建国"[0] in printer.receipt_for(first.case_no).text


def test_the_mailing_form_starts_from_the_applicants_known_address(counter):
    services, clerk = counter
    with_address = services.intake.submit(
        _draft(services, GETIHU, Applicant("李建国", "身份证", "34052419800101001X", address=ADDRESS)), clerk
    )
    known = services.delivery.mail_address(with_address.case_id)
    assert (known.recipient_name, known.address, known.phone) == ("李建国", ADDRESS, "13800000000")
    assert known.source == "申请人登记地址"
    # A later case of the same person typed without an address still finds the one on record.
    again = services.intake.submit(_draft(services, GETIHU, Applicant("李建国", "身份证", "34052419800101001X")), clerk)
    assert services.delivery.mail_address(again.case_id).address == ADDRESS
    stranger = services.intake.submit(
        _draft(services, GETIHU, Applicant("王秀英", "身份证", "11010519491231002X")), clerk
    )
    assert services.delivery.mail_address(stranger.case_id).address == ""


def test_the_timeline_names_people_not_logins(counter, live_server):
    services, clerk = counter
    hall = live_server.hall
    approved = services.intake.submit(
        _draft(services, GETIHU, Applicant("李建国", "身份证", "34052419800101001X")), clerk
    )
    denied = services.intake.submit(
        _draft(services, GETIHU, Applicant("王秀英", "身份证", "11010519491231002X")), clerk
    )
    assert services.sync.sync_now().pending == 0
    admin.decide(live_server.db_url, approved.case_no, "approve", by=hall.approver)
    with pytest.raises(admin.AdminError, match="后台没有用户“root”"):  # a shell account decides nothing
        admin.decide(live_server.db_url, denied.case_no, "deny", reason="经营范围不符", by="root")
    admin.decide(live_server.db_url, denied.case_no, "deny", reason="经营范围不符", by=hall.approver)
    services.sync.sync_now()

    approver = admin.get_user(live_server.db_url, hall.approver)
    assert approver is not None and approver.display_name != hall.approver
    who = {t.label: t.who for t in services.cases.detail(approved.case_id).timeline}
    assert who["窗口受理"] == clerk.display_name and clerk.display_name != clerk.username
    assert who["审批通过"] == approver.display_name
    denied_who = {t.label: t.who for t in services.cases.detail(denied.case_id).timeline}
    assert denied_who["审批不通过"] == approver.display_name
    shown = [t.who for c in (approved, denied) for t in services.cases.detail(c.case_id).timeline]
    assert not {hall.approver, clerk.username, "root"} & set(shown)


def _until(condition, what: str, timeout: float = 20.0):
    import time

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_the_pad_waits_for_the_applicant_and_the_hand_over_is_rated_on_its_own(counter, enrolled_runtime, live_server):
    from concurrent.futures import ThreadPoolExecutor

    services, clerk = counter
    pad = enrolled_runtime.hardware.rating_pad
    case = services.intake.submit(_draft(services, GETIHU, Applicant("李建国", "身份证", "34052419800101001X")), clerk)
    assert services.ratings.keys_on_screen  # virtual devices: the pad's keys are on the screen
    with ThreadPoolExecutor(1) as pool:
        # The clerk leaves before anyone pressed: the wait ends and nothing is recorded.
        asked = pool.submit(services.ratings.ask, case.case_id, clerk)
        _until(lambda: pad.waiting, "the pad lit")
        services.ratings.cancel()
        assert asked.result(timeout=20).level is None and not pad.waiting
        # At 出件 the applicant is asked again and presses; that rating is the hand-over's.
        asked = pool.submit(services.ratings.ask, case.case_id, clerk, "delivery")
        _until(lambda: pad.waiting, "the pad lit again")
        assert services.ratings.press(2)
        rated = asked.result(timeout=20)
    assert (rated.level, rated.bad, rated.stage) == (2, True, "delivery")
    assert services.sync.sync_now().rejected == 0
    engine = create_engine(live_server.db_url)
    try:
        with engine.connect() as conn:
            from sync.server.db import Case as ServerCase

            payload = conn.execute(select(ServerCase.payload).where(ServerCase.case_no == case.case_no)).scalar_one()
    finally:
        engine.dispose()
    assert payload["delivery_rating"]["level"] == 2 and "rating" not in payload
