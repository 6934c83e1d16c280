"""告知承诺书: the office states a requirement; the applicant may pledge instead of proving it.

The office's part (what is required, on what basis, what a false pledge costs) and
the applicant's pledge sit on one sheet, because the applicant signs having read both.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from reports.fonts import FontSet
from reports.parties import ALONE, Acting, party_rows
from reports.sheet import Fields, Grid, NoticeSheet, Signatures, Text, render_sheet
from reports.templates import NoticeTemplates, default_templates


@dataclass(frozen=True)
class PledgedRequirement:
    proof: str  # the 证明事项 the pledge replaces, e.g. 无犯罪记录证明
    condition: str  # what the applicant pledges is true
    basis: str = ""  # 设定依据


@dataclass(frozen=True)
class PledgeForm:
    office_name: str
    doc_no: str
    applicant_name: str
    applicant_id_number: str
    matter_name: str
    requirements: tuple[PledgedRequirement, ...]
    issued_on: dt.date
    applicant_phone: str = ""
    case_no: str = ""
    query_url: str = ""
    acting: Acting = ALONE


def pledge_sheet(n: PledgeForm, templates: NoticeTemplates | None = None) -> NoticeSheet:
    kind = (templates or default_templates()).kind("pledge")
    rows = tuple((str(i), r.proof, r.condition, r.basis) for i, r in enumerate(n.requirements, 1))
    return NoticeSheet(
        office_name=n.office_name,
        title=kind.title,
        subtitle=kind.subtitle,
        doc_no=n.doc_no,
        sections=(
            Fields(
                (
                    *party_rows(n.applicant_name, n.applicant_id_number, n.acting),
                    ("联系电话", n.applicant_phone),
                    ("申请事项", n.matter_name),
                )
            ),
            Text(kind.says("notice_heading"), indent=False),
            Text(kind.says("notice", matter=n.matter_name)),
            Grid(("序号", "证明事项", "应当符合的条件", "设定依据"), rows, (1, 3.2, 5.5, 4)),
            Text(kind.says("liability")),
            Text(kind.says("pledge_heading"), indent=False),
            Text(kind.says("pledge")),
            Signatures(("承诺人（签字或盖章）",)),
        ),
        case_no=n.case_no,
        query_url=n.query_url,
        issued_on=n.issued_on,
        seal_label=kind.seal_label,
    )


def render_pledge_form(n: PledgeForm, fonts: FontSet | None = None, templates: NoticeTemplates | None = None) -> bytes:
    """告知承诺书 as A4 PDF bytes."""
    return render_sheet(pledge_sheet(n, templates), fonts)
