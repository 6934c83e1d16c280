"""办结通知书: the case is decided; where to collect the result (or that it was handed over on
the spot), or why it was denied.

A denial is an administrative decision, so it carries the same appeal rights as a
refusal; every conclusion invites the 好差评 rating (一事一评) through the QR code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from reports.fonts import FontSet
from reports.numbers import chinese_date
from reports.parties import ALONE, Acting, acting_line, addressee
from reports.sheet import Fields, Items, Note, NoticeSheet, Text, render_sheet
from reports.templates import NoticeTemplates, default_templates


@dataclass(frozen=True)
class ConclusionNotice:
    office_name: str
    doc_no: str
    applicant_name: str
    applicant_id_number: str
    matter_name: str
    case_no: str
    received_on: dt.date
    concluded_on: dt.date
    approved: bool
    result_name: str = ""  # 食品经营许可证
    result_no: str = ""
    reasons: tuple[str, ...] = ()  # when denied
    collect_at: str = ""  # empty: the template office's address
    review_body: str = ""
    court: str = ""
    query_url: str = ""
    acting: Acting = ALONE
    # 即办件: the result went to the applicant in the same visit, so there is nothing to collect.
    handed_over: bool = False


def conclusion_sheet(n: ConclusionNotice, templates: NoticeTemplates | None = None) -> NoticeSheet:
    t = templates or default_templates()
    kind = t.kind("conclusion")
    facts = dict(
        received_on=chinese_date(n.received_on), matter=n.matter_name, concluded_on=chinese_date(n.concluded_on)
    )
    sections: list = []
    if n.approved:
        sections.append(Text(kind.says("approved", **facts)))
        if n.result_name:
            sections.append(Fields((("办理结果", n.result_name), ("证照（文书）编号", n.result_no))))
        if n.handed_over:
            sections.append(Text(kind.says("handed", concluded_on=chinese_date(n.concluded_on))))
        else:
            sections.append(Text(kind.says("collect", address=n.collect_at or t.office.address)))
    else:
        sections += [
            Text(kind.says("denied", **facts)),
            Items("", n.reasons),
            Text(
                kind.says("appeal", review_body=n.review_body or t.office.review_body, court=n.court or t.office.court)
            ),
        ]
    sections.append(Note(kind.says("rate")))
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
        issued_on=n.concluded_on,
        seal_label=kind.seal_label,
    )


def render_conclusion_notice(
    n: ConclusionNotice, fonts: FontSet | None = None, templates: NoticeTemplates | None = None
) -> bytes:
    """办结通知书 as A4 PDF bytes."""
    return render_sheet(conclusion_sheet(n, templates), fonts)
