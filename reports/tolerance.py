"""容缺受理: the notice the office issues and the pledge the applicant signs.

Both list the same pending materials and the same deadline (inside the 承诺时限),
and both say what happens when the deadline passes; each is made in two copies.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from reports.fonts import FontSet
from reports.numbers import chinese_date
from reports.parties import ALONE, Acting, acting_line, addressee, party_rows
from reports.sheet import Fields, Grid, Note, NoticeSheet, Signatures, Text, render_sheet
from reports.templates import NoticeTemplates, default_templates

_FORMS = {"original": "原件", "copy": "复印件", "electronic": "电子件"}


@dataclass(frozen=True)
class PendingMaterial:
    name: str
    form: str  # original / copy / electronic, or Chinese text
    copies: int = 1

    @property
    def form_text(self) -> str:
        return _FORMS.get(self.form, self.form)


@dataclass(frozen=True)
class TolerantAcceptance:
    """The facts shared by 容缺受理通知书 and 容缺受理承诺书."""

    office_name: str
    doc_no: str
    applicant_name: str
    applicant_id_number: str
    matter_name: str
    case_no: str
    received_on: dt.date
    pending: tuple[PendingMaterial, ...]
    supplement_by: dt.date  # never later than the promised completion date
    issued_on: dt.date
    applicant_phone: str = ""
    query_url: str = ""
    acting: Acting = ALONE


def _pending_grid(n: TolerantAcceptance) -> Grid:
    rows = tuple(
        (str(i), m.name, m.form_text, str(m.copies), chinese_date(n.supplement_by)) for i, m in enumerate(n.pending, 1)
    )
    return Grid(("序号", "容缺材料名称", "形式", "份数", "补齐期限"), rows, (1, 7, 1.6, 1.2, 3))


def tolerant_notice_sheet(n: TolerantAcceptance, templates: NoticeTemplates | None = None) -> NoticeSheet:
    kind = (templates or default_templates()).kind("tolerant_notice")
    return NoticeSheet(
        office_name=n.office_name,
        title=kind.title,
        subtitle=kind.subtitle,
        doc_no=n.doc_no,
        addressee=addressee(n.applicant_name, n.applicant_id_number, n.acting),
        acting=acting_line(n.acting),
        sections=(
            Text(kind.says("opening", received_on=chinese_date(n.received_on), matter=n.matter_name)),
            Text(kind.says("deadline", supplement_by=chinese_date(n.supplement_by))),
            _pending_grid(n),
            Text(kind.says("late")),
            Note(kind.says("copies")),
        ),
        case_no=n.case_no,
        query_url=n.query_url,
        issued_on=n.issued_on,
        seal_label=kind.seal_label,
        signature_label="申请人签收",
    )


def tolerant_pledge_sheet(n: TolerantAcceptance, templates: NoticeTemplates | None = None) -> NoticeSheet:
    """The applicant's pledge: signed by the applicant, countersigned by the clerk; no seal."""
    kind = (templates or default_templates()).kind("tolerant_pledge")
    by = chinese_date(n.supplement_by)
    return NoticeSheet(
        office_name=n.office_name,
        title=kind.title,
        subtitle=kind.subtitle,
        doc_no=n.doc_no,
        sections=(
            Fields(
                (
                    *party_rows(n.applicant_name, n.applicant_id_number, n.acting, "承诺人"),
                    ("联系电话", n.applicant_phone),
                    ("申请事项", n.matter_name),
                )
            ),
            Text(kind.says("opening", matter=n.matter_name)),
            _pending_grid(n),
            Text(kind.says("pledge", supplement_by=by)),
            Text(kind.says("late")),
            Text(kind.says("credit")),
            Note(kind.says("copies")),
            Signatures(("承诺人（签字或盖章）", "受理人（签字）")),
        ),
        case_no=n.case_no,
        query_url=n.query_url,
        issued_on=n.issued_on,
        seal_label=kind.seal_label,
    )


def render_tolerant_notice(
    n: TolerantAcceptance, fonts: FontSet | None = None, templates: NoticeTemplates | None = None
) -> bytes:
    """容缺受理通知书 as A4 PDF bytes."""
    return render_sheet(tolerant_notice_sheet(n, templates), fonts)


def render_tolerant_pledge(
    n: TolerantAcceptance, fonts: FontSet | None = None, templates: NoticeTemplates | None = None
) -> bytes:
    """容缺受理承诺书 as A4 PDF bytes."""
    return render_sheet(tolerant_pledge_sheet(n, templates), fonts)
