"""延长审批期限告知书: the applicant is told the decision will come later, and why.

行政许可法第四十二条第一款: a decision not possible within 20 days may, with the approval of
the office's head, take 10 more days, and the applicant must be told the reason. The notice
says both due dates, so the applicant can check the new one against the receipt.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from reports.fonts import FontSet
from reports.numbers import chinese_date
from reports.parties import ALONE, Acting, acting_line, addressee
from reports.sheet import Fields, Note, NoticeSheet, Text, render_sheet

TITLE = "延长审批期限告知书"
LAW = "《中华人民共和国行政许可法》第四十二条第一款"


@dataclass(frozen=True)
class ExtensionNotice:
    office_name: str
    doc_no: str
    applicant_name: str
    applicant_id_number: str
    matter_name: str
    received_on: dt.date
    reason: str
    due_before: dt.date
    due_after: dt.date
    issued_on: dt.date
    days: int = 10  # working days added
    case_no: str = ""
    query_url: str = ""
    acting: Acting = ALONE


def extension_sheet(n: ExtensionNotice) -> NoticeSheet:
    reason = n.reason.strip().rstrip("。")
    return NoticeSheet(
        office_name=n.office_name,
        title=TITLE,
        doc_no=n.doc_no,
        addressee=addressee(n.applicant_name, n.applicant_id_number, n.acting),
        acting=acting_line(n.acting),
        sections=(
            Text(
                f"你（单位）于{chinese_date(n.received_on)}提出的{n.matter_name}申请，本机关已依法受理。"
                f"因{reason}，本机关不能在法定期限内作出行政许可决定。"
            ),
            Text(
                f"经本机关负责人批准，根据{LAW}的规定，决定将该申请的审批期限延长{n.days}个工作日。"
                f"原办理期限至{chinese_date(n.due_before)}，延长后的办理期限至{chinese_date(n.due_after)}。"
            ),
            Fields(
                (
                    ("原办理期限", chinese_date(n.due_before)),
                    ("延长期限", f"{n.days}个工作日"),
                    ("延长后办理期限", chinese_date(n.due_after)),
                )
            ),
            Text("特此告知。如有疑问，可凭办件编号向受理窗口查询办理进度。"),
            Note("本告知书一式两份，一份送达申请人，一份存档。期限按工作日计算，法定节假日不计算在内。"),
        ),
        case_no=n.case_no,
        query_url=n.query_url,
        issued_on=n.issued_on,
        seal_label="（行政许可专用章）",
        signature_label="申请人签收",
    )


def render_extension_notice(n: ExtensionNotice, fonts: FontSet | None = None) -> bytes:
    """延长审批期限告知书 as A4 PDF bytes."""
    return render_sheet(extension_sheet(n), fonts)
