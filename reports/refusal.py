"""不予受理通知书: the specific reasons, where to apply instead, and the appeal rights.

A refusal without named bodies for 行政复议 (60 days) and 行政诉讼 (6 months) is
defective, so the review body and court always print — from the notice, or else
from the office's template.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from reports.fonts import FontSet
from reports.numbers import chinese_date
from reports.parties import ALONE, Acting, acting_line, addressee
from reports.sheet import Items, NoticeSheet, Section, Text, render_sheet
from reports.templates import NoticeTemplates, default_templates


@dataclass(frozen=True)
class RefusalNotice:
    office_name: str
    doc_no: str
    applicant_name: str
    applicant_id_number: str
    matter_name: str
    received_on: dt.date
    reasons: tuple[str, ...]
    issued_on: dt.date
    case_no: str = ""
    competent_office: str = ""  # the office the matter belongs to, when not this one
    review_body: str = ""  # empty: the template's 行政复议机关
    court: str = ""  # empty: the template's court
    query_url: str = ""
    acting: Acting = ALONE
    legal_basis: str = ""  # the matter kind's (client.domain.legal_framing); empty: the template's


def refusal_sheet(n: RefusalNotice, templates: NoticeTemplates | None = None) -> NoticeSheet:
    t = templates or default_templates()
    kind = t.kind("refusal")
    sections: list[Section] = [
        Text(
            kind.says(
                "opening",
                received_on=chinese_date(n.received_on),
                matter=n.matter_name,
                legal_basis=n.legal_basis or kind.says("legal_basis"),
            )
        ),
        Items("", n.reasons),
    ]
    if n.competent_office:
        sections.append(Text(kind.says("elsewhere", competent_office=n.competent_office)))
    sections.append(
        Text(kind.says("appeal", review_body=n.review_body or t.office.review_body, court=n.court or t.office.court))
    )
    return NoticeSheet(
        office_name=n.office_name,
        title=kind.title,
        subtitle=kind.subtitle,
        doc_no=n.doc_no,
        addressee=addressee(n.applicant_name, n.applicant_id_number, n.acting),
        acting=acting_line(n.acting),
        sections=tuple(sections),
        case_no=n.case_no,
        query_url=n.query_url,
        issued_on=n.issued_on,
        seal_label=kind.seal_label,
        signature_label="申请人签收",
    )


def render_refusal_notice(
    n: RefusalNotice, fonts: FontSet | None = None, templates: NoticeTemplates | None = None
) -> bytes:
    """不予受理通知书 as A4 PDF bytes."""
    return render_sheet(refusal_sheet(n, templates), fonts)
