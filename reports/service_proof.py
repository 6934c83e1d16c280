"""送达回证: proof that a document reached its addressee, or why it was left with them.

A form with the document's name, number and count; the recipient's signature and
date; and, for 留置送达, the refusal reason and a witness.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from reports.fonts import FontSet
from reports.numbers import chinese_date
from reports.sheet import Fields, Note, NoticeSheet, render_sheet
from reports.templates import NoticeTemplates, default_templates


@dataclass(frozen=True)
class ServiceProof:
    office_name: str
    doc_no: str
    document_name: str  # 不予受理通知书
    document_no: str  # its number
    copies: int
    recipient: str
    address: str
    method: str  # 直接送达 / 邮寄送达 / 留置送达 / 委托送达
    issued_on: dt.date
    server_names: str = ""  # 送达人 (printed; they sign beside it)
    served_on: dt.date | None = None  # filled after the fact; empty: written by hand
    refusal_reason: str = ""  # 留置送达
    witness: str = ""
    case_no: str = ""
    query_url: str = ""


def service_proof_sheet(n: ServiceProof, templates: NoticeTemplates | None = None) -> NoticeSheet:
    kind = (templates or default_templates()).kind("service_proof")
    served = chinese_date(n.served_on) if n.served_on else "______年____月____日"
    return NoticeSheet(
        office_name=n.office_name,
        title=kind.title,
        subtitle=kind.subtitle,
        doc_no=n.doc_no,
        sections=(
            Fields(
                (
                    ("送达机关", n.office_name),
                    ("送达文书名称", n.document_name),
                    ("文书编号", n.document_no),
                    ("份数", f"{n.copies}份"),
                    ("受送达人", n.recipient),
                    ("送达地址", n.address),
                    ("送达方式", n.method),
                    ("送达人（签名）", n.server_names),
                    ("受送达人签收", "（签名）" + "_" * 14 + f"　{served}"),
                    ("代收人及代收理由", ""),
                    ("拒收事由及日期", n.refusal_reason),
                    ("见证人（签名）", n.witness),
                    ("备注", ""),
                ),
                row_height_mm=11,
            ),
            Note(kind.says("lodged")),
        ),
        case_no=n.case_no,
        query_url=n.query_url,
        issued_on=n.issued_on,
        seal_label=kind.seal_label,
    )


def render_service_proof(
    n: ServiceProof, fonts: FontSet | None = None, templates: NoticeTemplates | None = None
) -> bytes:
    """送达回证 as A4 PDF bytes."""
    return render_sheet(service_proof_sheet(n, templates), fonts)
