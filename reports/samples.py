"""Every notice kind filled with demo data, so an office can check its templates on paper.

Backs `onewindow notice sample <kind>` and the PNGs under docs/; the data is
fictitious but shaped like a real case (food business licence in 潍城区).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

from reports.authorization import Party, PowerOfAttorney, render_power_of_attorney
from reports.conclusion import ConclusionNotice, render_conclusion_notice
from reports.correction import CorrectionNotice, DefectiveMaterial, render_correction_notice
from reports.errors import ReportError
from reports.fonts import FontSet
from reports.licence_decision import LicenceDecision, render_licence_decision
from reports.notices import AcceptanceNotice, render_acceptance_notice
from reports.pledge import PledgedRequirement, PledgeForm, render_pledge_form
from reports.receipt import ReceiptData, ReceiptMaterial, receipt_pdf
from reports.refusal import RefusalNotice, render_refusal_notice
from reports.service_proof import ServiceProof, render_service_proof
from reports.templates import NoticeTemplates, default_templates
from reports.tolerance import PendingMaterial, TolerantAcceptance, render_tolerant_notice, render_tolerant_pledge

CASE_NO = "37070200000020261122A1B20007"
SAMPLE_TOKEN = "Xq3vN8bT2kLmP5wRz7YcAg"  # a public page token as a window makes one (22 characters)
APPLICANT = "王䶮"
ID_NUMBER = "11010519491231002X"
MATTER = "食品经营许可（新办）"
RECEIVED = dt.date(2026, 11, 22)


def _receipt(t: NoticeTemplates, fonts: FontSet | None) -> bytes:
    return receipt_pdf(
        ReceiptData(
            office_name=t.office.name,
            case_no=CASE_NO,
            applicant_name=APPLICANT,
            applicant_id_number=ID_NUMBER,
            matter_name=MATTER,
            materials=(
                ReceiptMaterial("食品经营许可申请书", "original", 1, "received"),
                ReceiptMaterial("营业执照复印件", "copy", 1, "received"),
                ReceiptMaterial("食品安全管理制度文本", "copy", 1, "tolerated"),
            ),
            received_at=dt.datetime(2026, 11, 22, 9, 5),
            promised_by=dt.date(2026, 12, 11),
            clerk="赵六",
            query_url=t.query_url(SAMPLE_TOKEN),
            phone=t.office.phone,
        ),
        fonts,
    )


def _acceptance(t: NoticeTemplates, fonts: FontSet | None) -> bytes:
    return render_acceptance_notice(
        AcceptanceNotice(
            office_name=t.office.name,
            doc_no=t.doc_number("acceptance", 2026, 123),
            applicant_name=APPLICANT,
            applicant_id_number=ID_NUMBER,
            matter_name=MATTER,
            case_no=CASE_NO,
            received_on=RECEIVED,
            decide_by=dt.date(2026, 12, 11),
            query_url=t.query_url(SAMPLE_TOKEN),
            contact_phone=t.office.phone,
            materials=("食品经营许可申请书", "营业执照复印件"),
        ),
        fonts,
        t,
    )


def _correction(t: NoticeTemplates, fonts: FontSet | None) -> bytes:
    return render_correction_notice(
        CorrectionNotice(
            office_name=t.office.name,
            doc_no=t.doc_number("correction", 2026, 45),
            applicant_name=APPLICANT,
            applicant_id_number=ID_NUMBER,
            applicant_phone="13800000000",
            matter_name=MATTER,
            case_no=CASE_NO,
            received_on=RECEIVED,
            materials=(
                DefectiveMaterial("食品经营许可申请书", "缺少法定代表人签字", "签字后提交原件1份"),
                DefectiveMaterial("食品安全管理制度文本", "未提交", "提交复印件1份"),
                DefectiveMaterial("经营场所平面图", "未标明各功能区面积", "补充标注后提交"),
            ),
            contact_person="赵六",
            contact_phone=t.office.phone,
            issued_on=RECEIVED,
            supplement_by=dt.date(2026, 12, 22),
            query_url=t.query_url(SAMPLE_TOKEN),
        ),
        fonts,
        t,
    )


def _refusal(t: NoticeTemplates, fonts: FontSet | None) -> bytes:
    return render_refusal_notice(
        RefusalNotice(
            office_name=t.office.name,
            doc_no=t.doc_number("refusal", 2026, 7),
            applicant_name=APPLICANT,
            applicant_id_number=ID_NUMBER,
            matter_name="药品零售企业许可",
            received_on=RECEIVED,
            reasons=("申请事项依法不属于本机关职权范围。",),
            issued_on=RECEIVED,
            case_no=CASE_NO,
            competent_office="潍坊市市场监督管理局",
            query_url=t.query_url(SAMPLE_TOKEN),
        ),
        fonts,
        t,
    )


def _tolerant(t: NoticeTemplates) -> TolerantAcceptance:
    return TolerantAcceptance(
        office_name=t.office.name,
        doc_no=t.doc_number("tolerant_notice", 2026, 12),
        applicant_name=APPLICANT,
        applicant_id_number=ID_NUMBER,
        matter_name=MATTER,
        case_no=CASE_NO,
        received_on=RECEIVED,
        pending=(PendingMaterial("食品安全管理制度文本", "copy"), PendingMaterial("从业人员健康证明", "copy", 2)),
        supplement_by=dt.date(2026, 12, 4),
        issued_on=RECEIVED,
        applicant_phone="13800000000",
        query_url=t.query_url(SAMPLE_TOKEN),
    )


def _tolerant_notice(t: NoticeTemplates, fonts: FontSet | None) -> bytes:
    return render_tolerant_notice(_tolerant(t), fonts, t)


def _tolerant_pledge(t: NoticeTemplates, fonts: FontSet | None) -> bytes:
    pledge = dataclasses.replace(_tolerant(t), doc_no=t.doc_number("tolerant_pledge", 2026, 12))
    return render_tolerant_pledge(pledge, fonts, t)


def _pledge(t: NoticeTemplates, fonts: FontSet | None) -> bytes:
    return render_pledge_form(
        PledgeForm(
            office_name=t.office.name,
            doc_no=t.doc_number("pledge", 2026, 3),
            applicant_name=APPLICANT,
            applicant_id_number=ID_NUMBER,
            matter_name=MATTER,
            requirements=(
                PledgedRequirement(
                    "经营场所使用证明", "申请人对经营场所享有合法使用权", "《食品经营许可和备案管理办法》第十二条"
                ),
            ),
            issued_on=RECEIVED,
            applicant_phone="13800000000",
            case_no=CASE_NO,
            query_url=t.query_url(SAMPLE_TOKEN),
        ),
        fonts,
        t,
    )


def _service_proof(t: NoticeTemplates, fonts: FontSet | None) -> bytes:
    return render_service_proof(
        ServiceProof(
            office_name=t.office.name,
            doc_no=t.doc_number("service_proof", 2026, 7),
            document_name="不予受理通知书",
            document_no=t.doc_number("refusal", 2026, 7),
            copies=1,
            recipient=APPLICANT,
            address="潍坊市潍城区胜利西街100号",
            method="直接送达",
            issued_on=RECEIVED,
            server_names="赵六、孙七",
            case_no=CASE_NO,
            query_url=t.query_url(SAMPLE_TOKEN),
        ),
        fonts,
        t,
    )


def _authorization_blank(t: NoticeTemplates, fonts: FontSet | None) -> bytes:
    return render_power_of_attorney(PowerOfAttorney(office_name=t.office.name), fonts, t)


def _authorization(t: NoticeTemplates, fonts: FontSet | None) -> bytes:
    return render_power_of_attorney(
        PowerOfAttorney(
            office_name=t.office.name,
            principal=Party(APPLICANT, ID_NUMBER, "13800000000", "潍坊市潍城区胜利西街100号"),
            agent=Party("李四", "440524188001010014", "13900000000", "潍坊市奎文区东风东街8号"),
            matter_name=MATTER,
            valid_from=RECEIVED,
            valid_until=dt.date(2027, 2, 22),
            case_no=CASE_NO,
            query_url=t.query_url(SAMPLE_TOKEN),
            issued_on=RECEIVED,
        ),
        fonts,
        t,
    )


def _conclusion(t: NoticeTemplates, fonts: FontSet | None) -> bytes:
    return render_conclusion_notice(
        ConclusionNotice(
            office_name=t.office.name,
            doc_no=t.doc_number("conclusion", 2026, 88),
            applicant_name=APPLICANT,
            applicant_id_number=ID_NUMBER,
            matter_name=MATTER,
            case_no=CASE_NO,
            received_on=RECEIVED,
            concluded_on=dt.date(2026, 12, 3),
            approved=True,
            result_name="食品经营许可证",
            result_no="JY13707020012345",
            query_url=t.query_url(SAMPLE_TOKEN),
        ),
        fonts,
        t,
    )


def _licence(approved: bool) -> Callable[[NoticeTemplates, FontSet | None], bytes]:
    def render(t: NoticeTemplates, fonts: FontSet | None) -> bytes:
        return render_licence_decision(
            LicenceDecision(
                office_name=t.office.name,
                doc_no=f"{t.office.short_name}{'准许' if approved else '不许'}字〔2026〕第000088号",
                applicant_name=APPLICANT,
                applicant_id_number=ID_NUMBER,
                matter_name=MATTER,
                case_no=CASE_NO,
                received_on=RECEIVED,
                decided_on=dt.date(2026, 12, 3),
                approved=approved,
                legal_basis="《中华人民共和国食品安全法》第三十五条",
                reasons=() if approved else ("经营场所与粗加工、切配区域未分隔，不符合食品安全要求",),
                result_name="食品经营许可证" if approved else "",
                result_no="JY13707020012345" if approved else "",
                approver="陈审批",
                query_url=t.query_url(SAMPLE_TOKEN),
            ),
            fonts,
            t,
        )

    return render


SAMPLES: dict[str, tuple[str, Callable[[NoticeTemplates, FontSet | None], bytes]]] = {
    "receipt": ("收件凭证", _receipt),
    "acceptance": ("受理通知书", _acceptance),
    "correction": ("补正材料通知书（一次性告知书）", _correction),
    "refusal": ("不予受理通知书", _refusal),
    "tolerant-notice": ("容缺受理通知书", _tolerant_notice),
    "tolerant-pledge": ("容缺受理承诺书", _tolerant_pledge),
    "pledge": ("告知承诺书", _pledge),
    "service-proof": ("送达回证", _service_proof),
    "authorization-blank": ("授权委托书（空白）", _authorization_blank),
    "authorization": ("授权委托书", _authorization),
    "conclusion": ("办结通知书", _conclusion),
    "licence-approved": ("准予行政许可决定书", _licence(True)),
    "licence-denied": ("不予行政许可决定书", _licence(False)),
}


def sample_kinds() -> tuple[str, ...]:
    return tuple(SAMPLES)


def render_sample(kind: str, templates: NoticeTemplates | None = None, fonts: FontSet | None = None) -> bytes:
    """One notice kind as PDF bytes, filled with demo data and the given templates."""
    try:
        _, render = SAMPLES[kind]
    except KeyError:
        raise ReportError(
            f"unknown notice kind {kind!r}", f"没有这种文书：{kind}（可选：{'、'.join(SAMPLES)}）"
        ) from None
    return render(templates or default_templates(), fonts)


def sample_daily_stats():
    """A busy day at a county hall, for the report's sample render."""
    from reports.statistics import ClerkTally, DailyWindowStats, MatterOutcome

    return DailyWindowStats(
        "潍坊市潍城区行政审批服务局",
        dt.date(2026, 11, 20),
        (
            MatterOutcome("食品经营许可", accepted=5, tolerant=1, corrections=2, refused=1),
            MatterOutcome("个体工商户设立登记", accepted=7, tolerant=2, corrections=1),
            MatterOutcome("城乡居民基本养老保险参保登记", accepted=9, corrections=1, withdrawn=1),
        ),
        (ClerkTally("张敏", 14, 10, 2, 1, 3), ClerkTally("王䶮", 12, 11, 1, 0, 2)),
        delivered=5,
        avg_handling_days=6.4,
    )


def sample_monthly_stats():
    """A month of ratings with one 差评 under rectification, for the report's sample render."""
    from reports.statistics import BadRating, DeadlineCase, DepartmentScore, IndicatorRatings, MonthlySatisfaction

    return MonthlySatisfaction(
        "潍坊市潍城区行政审批服务局",
        dt.date(2026, 11, 1),
        dt.date(2026, 11, 30),
        (
            IndicatorRatings("整体满意度", (120, 40, 8, 3, 1)),
            IndicatorRatings("服务效率", (100, 50, 15, 5, 2)),
            IndicatorRatings("服务水平", (130, 30, 10, 2, 0)),
            IndicatorRatings("服务态度", (140, 25, 5, 1, 1)),
        ),
        (
            BadRating(
                "37070200000020261122A1B20007",
                "食品经营许可",
                "张敏",
                "不满意",
                dt.date(2026, 11, 23),
                comment="等候时间过长",
                status="整改中",
                responsible="王科长",
                rectify_by=dt.date(2026, 11, 30),
            ),
        ),
        (
            DeadlineCase(
                "37070200000020261101A1B20001", "个体工商户设立登记", "孙七", dt.date(2026, 11, 20), "审批中", 10
            ),
        ),
        (),
        (
            DepartmentScore("市场准入科", 40, 30, 88.2, 1, 1),
            DepartmentScore("社会保障科", 60, 50, 93.5),
            DepartmentScore("民生事务科", 10),
        ),
        cases=110,
    )
