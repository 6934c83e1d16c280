"""Notices handed to the applicant: each maps its facts onto a `NoticeSheet`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from client.domain.identity import mask_id_number
from reports.fonts import FontSet
from reports.numbers import chinese_date, chinese_datetime
from reports.parties import ALONE, Acting, acting_line, addressee
from reports.sheet import Fields, Items, NoticeSheet, Text, render_sheet
from reports.templates import KindTemplate, NoticeTemplates, default_templates

LICENSING_ACCEPTANCE_BASIS = "《中华人民共和国行政许可法》第三十二条第一款第（五）项"


@dataclass(frozen=True)
class AcceptanceNotice:
    """受理通知书: the application is accepted and a decision is due by `decide_by`."""

    office_name: str
    doc_no: str  # 潍城审受字〔2026〕第000123号, see reports.numbers.doc_number
    applicant_name: str
    applicant_id_number: str
    matter_name: str
    case_no: str
    received_on: dt.date
    decide_by: dt.date
    query_url: str = ""
    contact_phone: str = ""
    materials: tuple[str, ...] = ()
    legal_basis: str = ""  # empty: the template's (行政许可法 第三十二条第一款第（五）项)
    issued_on: dt.date | None = None  # defaults to received_on
    acting: Acting = ALONE
    decide_note: str = ""  # why the date is firm though a year's schedule is not out (Deadline.note)
    # 法定办结期限 (§42 for a licence), printed after the promised date; None: not shown.
    legal_by: dt.date | None = None


@dataclass(frozen=True)
class DeliveryNotice:
    """出件回执: the applicant (or an agent) collected the result of the case."""

    office_name: str
    case_no: str
    matter_name: str
    result_name: str  # e.g. 食品经营许可证
    result_no: str  # the licence / document number
    recipient_name: str
    recipient_id_number: str
    delivered_at: dt.datetime
    clerk: str
    query_url: str = ""
    doc_no: str = ""


def _with_note(date: str, note: str) -> str:
    return f"{date}（{note}）" if note else date


def acceptance_sheet(n: AcceptanceNotice, templates: NoticeTemplates | None = None) -> NoticeSheet:
    kind = (templates or default_templates()).kind("acceptance")
    contact = f"如有疑问，请致电{n.contact_phone}。" if n.contact_phone else ""
    basis = n.legal_basis or kind.says("legal_basis")
    return NoticeSheet(
        office_name=n.office_name,
        title=kind.title,
        subtitle=kind.subtitle,
        doc_no=n.doc_no,
        addressee=addressee(n.applicant_name, n.applicant_id_number, n.acting),
        acting=acting_line(n.acting),
        sections=(
            Text(
                kind.says("opening", received_on=chinese_date(n.received_on), matter=n.matter_name, legal_basis=basis)
            ),
            Text(
                kind.says("deadline", decide_by=_with_note(chinese_date(n.decide_by), n.decide_note), contact=contact)
                + _legal_line(kind, n)
            ),
            Items("已收取的申请材料：", n.materials),
        ),
        case_no=n.case_no,
        query_url=n.query_url,
        issued_on=n.issued_on or n.received_on,
        seal_label=kind.seal_label,
        signature_label="申请人签收",
    )


def _legal_line(kind: KindTemplate, n: AcceptanceNotice) -> str:
    """The legal date after the promised one, when it is later (a promise is the shorter one)."""
    if n.legal_by is None or n.legal_by <= n.decide_by:
        return ""
    return kind.says("legal_deadline", legal_by=chinese_date(n.legal_by))


def render_acceptance_notice(
    n: AcceptanceNotice, fonts: FontSet | None = None, templates: NoticeTemplates | None = None
) -> bytes:
    """受理通知书 as A4 PDF bytes."""
    return render_sheet(acceptance_sheet(n, templates), fonts)


def delivery_sheet(n: DeliveryNotice) -> NoticeSheet:
    return NoticeSheet(
        office_name=n.office_name,
        title="出件回执",
        doc_no=n.doc_no,
        sections=(
            Fields(
                (
                    ("办理事项", n.matter_name),
                    ("办理结果", n.result_name),
                    ("证照（文书）编号", n.result_no),
                    ("领取人", n.recipient_name),
                    ("证件号码", mask_id_number(n.recipient_id_number)),
                    ("领取时间", chinese_datetime(n.delivered_at)),
                    ("经办人", n.clerk),
                )
            ),
            Text("本人已领取上述办理结果，当场核对无误。"),
        ),
        case_no=n.case_no,
        query_url=n.query_url,
        issued_on=n.delivered_at.date(),
        signature_label="领取人签字",
    )


def render_delivery_receipt(n: DeliveryNotice, fonts: FontSet | None = None) -> bytes:
    """出件回执 as A4 PDF bytes."""
    return render_sheet(delivery_sheet(n), fonts)
