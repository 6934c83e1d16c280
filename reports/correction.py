"""一次性告知书 / 补正材料通知书: everything missing or wrong, in one notice.

行政许可法 §32: the office must list *all* corrections at once within five days of
receiving the materials, or the application counts as accepted from that day — so
every defective material appears with what is wrong and how to put it right.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from reports.fonts import FontSet
from reports.numbers import chinese_date
from reports.parties import ALONE, Acting, acting_line, addressee
from reports.sheet import Fields, Grid, Note, NoticeSheet, Text, render_sheet
from reports.templates import NoticeTemplates, default_templates


@dataclass(frozen=True)
class DefectiveMaterial:
    name: str
    problem: str  # 未提交 / 复印件不清晰 / 缺少法定代表人签字 ...
    requirement: str = ""  # what to bring instead: 原件1份、复印件1份


@dataclass(frozen=True)
class CorrectionNotice:
    office_name: str
    doc_no: str
    applicant_name: str
    applicant_id_number: str
    applicant_phone: str
    matter_name: str
    case_no: str
    received_on: dt.date
    materials: tuple[DefectiveMaterial, ...]
    contact_person: str  # the clerk the applicant asks
    contact_phone: str
    issued_on: dt.date
    supplement_by: dt.date | None = None
    query_url: str = ""
    acting: Acting = ALONE
    # "intake": §32's one-time notice before acceptance; "review": an accepted case the back
    # office asks to complete during its review, which is not about accepting it at all.
    stage: str = "intake"
    legal_basis: str = ""  # the matter kind's (client.domain.legal_framing); empty: the template's
    # §32's "not told within five days counts as accepted" is the licensing law's: off for other kinds.
    five_days: bool = True


def correction_sheet(n: CorrectionNotice, templates: NoticeTemplates | None = None) -> NoticeSheet:
    kind = (templates or default_templates()).kind("correction")
    rows = tuple(
        (str(i), m.name, m.problem + (f"；{m.requirement}" if m.requirement else ""))
        for i, m in enumerate(n.materials, 1)
    )
    by = f"请于{chinese_date(n.supplement_by)}前补正。" if n.supplement_by else ""
    received = chinese_date(n.received_on)
    prefix = "review_" if n.stage == "review" else ""
    return NoticeSheet(
        office_name=n.office_name,
        title=kind.title,
        subtitle=kind.subtitle,
        doc_no=n.doc_no,
        addressee=addressee(n.applicant_name, n.applicant_id_number, n.acting),
        acting=acting_line(n.acting),
        sections=(
            Fields(
                (
                    ("申请事项", n.matter_name),
                    (n.acting.applicant_label, n.applicant_name),
                    ("联系电话", n.applicant_phone),
                    ("收到材料日期", received),
                )
            ),
            Text(
                kind.says(
                    f"{prefix}opening",
                    received_on=received,
                    matter=n.matter_name,
                    legal_basis=n.legal_basis or kind.says("legal_basis"),
                )
            ),
            Grid(("序号", "需补交或修改的材料", "存在的问题及补正要求"), rows, (1, 5, 7)),
            Text(kind.says(f"{prefix}closing", supplement_by=by)),
            Text(kind.says("contact", contact_person=n.contact_person, phone=n.contact_phone), indent=False),
            *((Note(kind.says("five_days")),) if n.stage == "intake" and n.five_days else ()),
        ),
        case_no=n.case_no,
        query_url=n.query_url,
        issued_on=n.issued_on,
        seal_label=kind.seal_label,
        signature_label="申请人签收",
    )


def render_correction_notice(
    n: CorrectionNotice, fonts: FontSet | None = None, templates: NoticeTemplates | None = None
) -> bytes:
    """补正材料通知书（一次性告知书） as A4 PDF bytes."""
    return render_sheet(correction_sheet(n, templates), fonts)
