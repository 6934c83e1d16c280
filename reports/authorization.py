"""授权委托书: the principal authorises an agent; a blank form or one filled from the case.

Unlike other notices the full ID numbers print here: the document identifies both
parties and is kept on file, so masking would defeat its purpose.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from reports.fonts import FontSet
from reports.numbers import chinese_date
from reports.sheet import Fields, Items, Note, NoticeSheet, Signatures, Text, render_sheet
from reports.templates import NoticeTemplates, default_templates

BLANK_DATE = "______年____月____日"
DEFAULT_SCOPE = ("代为提交申请材料", "代为签收受理通知书等文书", "代为领取办理结果")


@dataclass(frozen=True)
class Party:
    name: str = ""
    id_number: str = ""
    phone: str = ""
    address: str = ""


@dataclass(frozen=True)
class PowerOfAttorney:
    """All fields empty prints a blank form to be filled by hand."""

    office_name: str
    principal: Party = Party()
    agent: Party = Party()
    matter_name: str = ""
    scope: tuple[str, ...] = DEFAULT_SCOPE
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    case_no: str = ""
    query_url: str = ""
    issued_on: dt.date | None = None  # the footer date; blank form: left to write


def _date(d: dt.date | None) -> str:
    return chinese_date(d) if d else BLANK_DATE


def authorization_sheet(n: PowerOfAttorney, templates: NoticeTemplates | None = None) -> NoticeSheet:
    kind = (templates or default_templates()).kind("authorization")
    blank = not (n.principal.name or n.agent.name)
    matter = n.matter_name or "_" * 16
    rows = (
        ("委托人", n.principal.name),
        ("委托人证件号码", n.principal.id_number),
        ("委托人联系电话", n.principal.phone),
        ("委托人住址", n.principal.address),
        ("受托人", n.agent.name),
        ("受托人证件号码", n.agent.id_number),
        ("受托人联系电话", n.agent.phone),
        ("受托人住址", n.agent.address),
        ("委托事项", n.matter_name),
        ("委托期限", f"自{_date(n.valid_from)}至{_date(n.valid_until)}"),
    )
    return NoticeSheet(
        office_name=n.office_name,
        title=kind.title,
        subtitle=kind.subtitle,
        sections=(
            Fields(rows, row_height_mm=10 if blank else 0),
            Text(kind.says("opening", matter=matter)),
            Items("委托权限：", n.scope),
            Note(kind.says("note")),
            Signatures(("委托人（签字或盖章）", "受托人（签字）")),
        ),
        case_no=n.case_no,
        query_url=n.query_url,
        issued_on=n.issued_on,
        seal_label=kind.seal_label,
    )


def render_power_of_attorney(
    n: PowerOfAttorney, fonts: FontSet | None = None, templates: NoticeTemplates | None = None
) -> bytes:
    """授权委托书 (blank or filled) as A4 PDF bytes."""
    return render_sheet(authorization_sheet(n, templates), fonts)
