"""Notices cite the law of their matter's kind (issue 21, point 4).

A 最低生活保障 (行政给付) rests on 《社会救助暂行办法》, a 居民身份证补领 (行政确认) on
《居民身份证法》: their notices, built the way the window builds them (the counter's decision
from the catalog's framing, then `paperwork.notice_sheet` with the case's kind and legal date),
cite their own basis and never the Administrative Licensing Law. Read back with pdfplumber;
the two acceptance notices are also rendered to PNG for a person to look at.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pdfplumber
import pytest

from client.domain.catalog import load_sample_catalog
from client.domain.deadlines import add_limit, load_builtin_calendar
from client.domain.decisions import ACCEPT, NOTIFY_MISSING, PAPER_ORIGINAL, REFUSE, Facts, MaterialStatus, decide
from client.domain.identity import Applicant
from client.domain.legal_framing import legal_due
from client.services.intake import IntakeDraft, MaterialInput
from client.services.paperwork import NoticeFacts, NoticeParties, notice_sheet
from reports.licence_decision import LicenceDecision, render_licence_decision
from reports.notices import AcceptanceNotice, render_acceptance_notice
from reports.numbers import chinese_date
from reports.parties import ALONE
from reports.preview import pdf_page_png
from reports.receipt import ReceiptData, ReceiptMaterial, receipt_layout, receipt_pdf
from reports.sheet import render_sheet
from reports.templates import default_templates

CATALOG = load_sample_catalog()
ALLOWANCE = CATALOG.get("370702-GG-0005")  # 最低生活保障申请: 行政给付
ID_CARD = CATALOG.get("370702-GG-0025")  # 居民身份证补领: 公安 行政确认
FOOD = CATALOG.get("370702-XK-0002")  # 食品经营许可: 行政许可
RECEIVED = dt.date(2026, 11, 23)
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
LICENSING_LAW = "行政许可法"


def _complete(matter) -> dict[str, MaterialStatus]:
    return {s.code: MaterialStatus(s.code, PAPER_ORIGINAL) for s in matter.materials_for()}


def _pdf(kind: str, matter, decision, pdf_text, **extra) -> tuple[bytes, str]:
    """The notice `kind` for `matter` as the window prints it (Paperwork._documents' path)."""
    calendar = load_builtin_calendar()
    promised = add_limit(RECEIVED, matter.promised_limit, matter.promised_unit, calendar).due
    facts = NoticeFacts(
        case_no="37070200000020261123A1B20001",
        received_on=RECEIVED,
        accepted_on=RECEIVED,
        decide_by=promised,
        query_url="https://zwfw.example.cn/p/3q2bX9kLw7mTz4vRj8sNfA",  # as the window prints it
        contact_phone="0536-8230000",
        contact_person="李窗口",
        applicant_phone="13800000000",
        legal_basis=decision.basis,
        received=tuple(s.name for s in matter.materials_for()),
        pledged=(),
        supplement_by=promised,
        pending=(),
        defective=(),
        reasons=decision.reasons,
        competent_office=decision.competent_office,
        matter_kind=matter.kind,
        legal_by=legal_due(matter, RECEIVED, calendar, CATALOG.framings()).due,
        **extra,
    )
    common = NoticeParties(
        office_name="潍坊市潍城区行政审批服务局",
        applicant_name="王秀英",
        applicant_id_number="11010519491231002X",
        matter_name=matter.name,
        acting=ALONE,
    )
    pdf = render_sheet(notice_sheet(kind, "潍城审受字〔2026〕第000031号", common, facts, default_templates()))
    return pdf, "".join(pdf_text(pdf).split())


def test_a_minimum_living_allowance_acceptance_cites_the_social_assistance_measures(pdf_text):
    decision = decide(ALLOWANCE, _complete(ALLOWANCE), Facts(), CATALOG.framing(ALLOWANCE))
    assert decision.outcome == ACCEPT
    pdf, text = _pdf("acceptance", ALLOWANCE, decision, pdf_text)
    assert "根据《社会救助暂行办法》第十一条的规定，决定予以受理" in text
    assert "家庭经济状况调查核实" in text  # the 行政给付 wording, not the licence's
    assert LICENSING_LAW not in text and "法定形式" not in text
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "notice-minimum-living-allowance.png").write_bytes(pdf_page_png(pdf, dpi=110))


def test_an_id_card_reissue_acceptance_cites_the_resident_id_card_law(pdf_text):
    decision = decide(ID_CARD, _complete(ID_CARD), Facts(), CATALOG.framing(ID_CARD))
    assert decision.outcome == ACCEPT
    pdf, text = _pdf("acceptance", ID_CARD, decision, pdf_text)
    assert "根据《中华人民共和国居民身份证法》第十一条的规定，决定予以受理" in text
    assert "依法审核并办理登记（确认）" in text
    assert LICENSING_LAW not in text
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "notice-id-card-reissue.png").write_bytes(pdf_page_png(pdf, dpi=110))


def test_an_id_card_refusal_gives_its_own_reasons_and_basis_with_the_appeal_rights(pdf_text):
    framing = CATALOG.framing(ID_CARD)
    assert "no_permit_needed" not in framing.reasons  # "不需要取得行政许可" is no reason here
    facts = Facts(refusal="not_competent", competent_office="潍坊市公安局奎文分局")
    decision = decide(ID_CARD, _complete(ID_CARD), facts, framing)
    assert decision.outcome == REFUSE
    _pdf_bytes, text = _pdf("refusal", ID_CARD, decision, pdf_text)
    assert "根据《中华人民共和国居民身份证法》第十一条的规定，决定不予受理" in text
    assert "请向潍坊市公安局奎文分局提出申请" in text and "申请行政复议" in text
    assert LICENSING_LAW not in text and "不需要取得行政许可" not in text


def test_an_allowance_one_time_notice_has_no_deemed_acceptance_sentence(pdf_text):
    decision = decide(ALLOWANCE, {}, Facts(), CATALOG.framing(ALLOWANCE))
    assert decision.outcome == NOTIFY_MISSING
    _pdf_bytes, text = _pdf("correction", ALLOWANCE, decision, pdf_text)
    assert "根据《社会救助暂行办法》第十一条和政务服务一次性告知制度的规定" in text
    # §32's "逾期不告知的…即为受理" is the licensing law's rule.
    assert "即为受理" not in text and LICENSING_LAW not in text


def test_a_licence_acceptance_still_cites_article_32_and_prints_its_42_legal_date(pdf_text):
    decision = decide(FOOD, _complete(FOOD), Facts(), CATALOG.framing(FOOD))
    _pdf_bytes, text = _pdf("acceptance", FOOD, decision, pdf_text)
    assert "根据《中华人民共和国行政许可法》第三十二条第一款第（五）项的规定，决定予以受理" in text
    legal = legal_due(FOOD, RECEIVED, load_builtin_calendar(), CATALOG.framings()).due
    assert legal == dt.date(2026, 12, 21)  # 20 working days from Monday 23 November 2026
    assert "本机关将于2026年12月7日前作出决定" in text  # the promise: 10 working days
    assert "法定办结期限为2026年12月21日" in text


def test_an_older_case_without_a_kind_prints_as_it_always_did(pdf_text):
    notice = AcceptanceNotice(
        office_name="潍坊市潍城区行政审批服务局",
        doc_no="潍城审受字〔2026〕第000001号",
        applicant_name="张三",
        applicant_id_number="11010519491231002X",
        matter_name="食品经营许可",
        case_no="37070200000020261123A1B20002",
        received_on=RECEIVED,
        decide_by=dt.date(2026, 12, 7),
    )
    text = "".join(pdf_text(render_acceptance_notice(notice)).split())
    assert "行政许可法》第三十二条第一款第（五）项" in text and "法定办结期限" not in text


def test_the_receipt_prints_the_legal_date_under_the_promise(pdf_text):
    data = ReceiptData(
        office_name="潍坊市潍城区行政审批服务局",
        case_no="37070200000020261123A1B20003",
        applicant_name="张三",
        applicant_id_number="11010519491231002X",
        matter_name=FOOD.name,
        materials=(ReceiptMaterial("食品经营许可申请书", "original", 1, "received"),),
        received_at=dt.datetime(2026, 11, 23, 9, 30),
        promised_by=dt.date(2026, 12, 7),
        clerk="李窗口",
        legal_by=dt.date(2026, 12, 21),
    )
    lines = [getattr(e, "text", "") for e in receipt_layout(data).elements]
    assert any("承诺办结" in line and "2026年12月7日" in line for line in lines)
    assert any("法定办结" in line and "2026年12月21日" in line for line in lines)
    text = "".join(pdf_text(receipt_pdf(data)).split())
    assert "法定办结日期2026年12月21日" in text


def test_a_benefit_denial_is_its_own_decision_not_a_licences(pdf_text):
    denial = LicenceDecision(
        office_name="潍坊市潍城区行政审批服务局",
        doc_no="潍城审决字〔2026〕第000007号",
        applicant_name="王秀英",
        applicant_id_number="11010519491231002X",
        matter_name=ALLOWANCE.name,
        case_no="37070200000020261123A1B20004",
        received_on=RECEIVED,
        decided_on=dt.date(2026, 12, 18),
        approved=False,
        legal_basis=CATALOG.framing(ALLOWANCE).decide,
        reasons=("家庭人均收入高于当地最低生活保障标准",),
        matter_kind=ALLOWANCE.kind,
    )
    assert denial.title == "不予给付决定书"
    text = "".join(pdf_text(render_licence_decision(denial)).split())
    assert "不予给付决定书" in text and "根据《社会救助暂行办法》第十一条的规定，决定不予给付" in text
    assert "申请行政复议" in text and LICENSING_LAW not in text and "行政许可" not in text
    licence = replace(denial, matter_kind=FOOD.kind, matter_name=FOOD.name, legal_basis=FOOD.basis)
    assert licence.title == "不予行政许可决定书"
    assert "《中华人民共和国行政许可法》第三十八条第二款" in "".join(pdf_text(render_licence_decision(licence)).split())


@pytest.mark.parametrize(
    ("matter", "law"),
    [(ALLOWANCE, "《社会救助暂行办法》第十一条"), (ID_CARD, "《中华人民共和国居民身份证法》第十一条")],
    ids=["allowance", "id-card"],
)
def test_the_window_prints_the_kinds_notice_and_keeps_the_legal_date(enrolled_runtime, live_server, matter, law):
    """The whole window: intake, the stored case, its notice as printed and its detail."""
    services = enrolled_runtime.services
    clerk = services.auth.login(live_server.clerk, live_server.password)
    received = tuple(MaterialInput(s.code, True) for s in matter.materials_for() if s.necessity == "required")
    draft = IntakeDraft(Applicant("王秀英", "身份证", "34052419800101001X"), matter.code, received, phone="13800000000")
    result = services.intake.submit(draft, clerk)
    assert result.outcome == ACCEPT
    with pdfplumber.open(result.notice_pdf) as pdf:
        text = "".join("".join((page.extract_text() or "").split()) for page in pdf.pages)
    assert f"根据{law}的规定，决定予以受理" in text and LICENSING_LAW not in text
    detail = services.cases.detail(result.case_id)
    assert detail.legal_due is not None and detail.legal_due > detail.summary.promised_by
    assert f"法定办结期限为{chinese_date(detail.legal_due)}" in text
