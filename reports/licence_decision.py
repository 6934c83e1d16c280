"""准予行政许可决定书 and 不予行政许可决定书: the written decision the approver makes.

行政许可法第三十八条: a licence is granted or refused in writing; a refusal states its reasons
and tells the applicant of the right to 行政复议 or 行政诉讼. A refusal that does not name the
review body and the court is defective, so both always print, from the decision or else from
the office template. The back office renders it in the console and the window prints the same
sheet at 出件, from the same facts travelling down with the case's status.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from client.domain.legal_framing import kind_framing
from reports.errors import ReportError
from reports.fonts import FontSet
from reports.numbers import chinese_date
from reports.parties import ALONE, Acting, acting_line, addressee
from reports.sheet import Fields, Items, Note, NoticeSheet, Section, Text, render_sheet
from reports.templates import NoticeTemplates, default_templates

APPROVED_TITLE = "准予行政许可决定书"
DENIED_TITLE = "不予行政许可决定书"
LICENCE_LAW = "《中华人民共和国行政许可法》第三十八条第一款"
REFUSAL_LAW = "《中华人民共和国行政许可法》第三十八条第二款"
DELIVERY_DAYS = 10  # 行政许可法第四十四条: the licence within 10 days of the decision


def appeal_text(review_body: str, court: str) -> str:
    """The appeal rights with the bodies named (行政复议法第二十条, 行政诉讼法第四十六条)."""
    return (
        f"如不服本决定，可以自收到本决定书之日起六十日内向{review_body}申请行政复议，"
        f"也可以自收到本决定书之日起六个月内依法向{court}提起行政诉讼。"
    )


@dataclass(frozen=True)
class LicenceDecision:
    office_name: str
    doc_no: str
    applicant_name: str
    applicant_id_number: str
    matter_name: str
    case_no: str
    received_on: dt.date
    decided_on: dt.date
    approved: bool
    legal_basis: str = ""  # approve: the matter's 设定依据 (may be empty); deny: required
    reasons: tuple[str, ...] = ()  # deny: required
    result_name: str = ""  # 营业执照
    result_no: str = ""
    e_licence: bool = False
    review_body: str = ""  # empty: the template's 行政复议机关
    court: str = ""  # empty: the template's court
    collect_at: str = ""  # empty: the template office's address
    approver: str = ""  # 承办人: the approver's name, as the decision was signed
    query_url: str = ""
    acting: Acting = ALONE
    # The matter's kind (client.domain.legal_framing): "" or 行政许可 is a licence (§38, §44);
    # another kind's decision is titled and worded its own way and cites only its own basis.
    matter_kind: str = ""

    @property
    def licensing(self) -> bool:
        return not self.matter_kind or kind_framing(self.matter_kind).licensing

    @property
    def title(self) -> str:
        words = None if self.licensing else kind_framing(self.matter_kind).decision
        if words is None:
            return APPROVED_TITLE if self.approved else DENIED_TITLE
        return words.title(self.approved)


def decision_sheet(d: LicenceDecision, templates: NoticeTemplates | None = None) -> NoticeSheet:
    t = templates or default_templates()
    opening = f"你（单位）于{chinese_date(d.received_on)}提出的“{d.matter_name}”申请，本机关已依法受理。"
    sections: list[Section]
    if not d.licensing:
        sections = _other_kind_sections(d, opening, t)
    elif d.approved:
        basis = f"根据{_with_law(d.legal_basis, LICENCE_LAW)}"
        rows = [("许可事项", d.matter_name)]
        if d.result_name:
            rows += [("许可证件名称", d.result_name), ("证件编号", d.result_no or "—")]
        rows.append(("电子证照", "同步生成，可在政务服务平台查询下载" if d.e_licence else "不生成"))
        sections = [
            Text(f"{opening}经审查，你（单位）的申请符合法定条件、标准，{basis}的规定，决定准予行政许可。"),
            Fields(tuple(rows)),
            Text(
                f"本机关自本决定作出之日起{DELIVERY_DAYS}日内颁发、送达行政许可证件。请携带本决定书及有效身份证件"
                f"到{d.collect_at or t.office.address}领取；选择邮寄的，证件将寄往你登记的地址。"
            ),
        ]
    else:
        reasons = tuple(r.strip() for r in d.reasons if r.strip())
        if not reasons or not d.legal_basis.strip():
            raise ReportError("a refusal needs its reasons and legal basis", "不予行政许可决定书须写明理由和法律依据")
        sections = [
            Text(
                f"{opening}经审查，你（单位）的申请不符合法定条件、标准，"
                f"根据{_with_law(d.legal_basis, REFUSAL_LAW)}的规定，决定不予行政许可。理由如下："
            ),
            Items("", reasons),
            Text(appeal_text(d.review_body or t.office.review_body, d.court or t.office.court)),
        ]
    if d.approver:
        sections.append(Note(f"承办人：{d.approver}。本决定书一式两份，一份送达申请人，一份存档。"))
    else:
        sections.append(Note("本决定书一式两份，一份送达申请人，一份存档。"))
    return NoticeSheet(
        office_name=d.office_name,
        title=d.title,
        doc_no=d.doc_no,
        addressee=addressee(d.applicant_name, d.applicant_id_number, d.acting),
        acting=acting_line(d.acting),
        sections=tuple(sections),
        case_no=d.case_no,
        query_url=d.query_url,
        issued_on=d.decided_on,
        seal_label="（行政许可专用章）" if d.licensing else "（审批专用章）",
        signature_label="申请人签收",
    )


def _other_kind_sections(d: LicenceDecision, opening: str, t: NoticeTemplates) -> list[Section]:
    """A benefit's, a registration's or a service's decision: its own basis, no licensing law."""
    words = kind_framing(d.matter_kind).decision
    approve, deny = (words.approved, words.denied) if words else ("准予办理", "不予办理")
    basis = d.legal_basis.strip().rstrip("。；;").replace("；", "、")
    if d.approved:
        rows = [("办理事项", d.matter_name)]
        if d.result_name:
            rows += [("办理结果", d.result_name), ("证照（文书）编号", d.result_no or "—")]
        according = f"根据{basis}的规定，" if basis else ""
        return [
            Text(f"{opening}经审查，你（单位）的申请符合规定条件，{according}决定{approve}。"),
            Fields(tuple(rows)),
            Text(
                f"请携带本决定书及有效身份证件到{d.collect_at or t.office.address}领取办理结果；"
                "选择邮寄的，结果将寄往你登记的地址。"
            ),
        ]
    reasons = tuple(r.strip() for r in d.reasons if r.strip())
    if not reasons or not basis:
        raise ReportError("a denial needs its reasons and legal basis", f"{d.title}须写明理由和依据")
    return [
        Text(f"{opening}经审查，你（单位）的申请不符合规定条件，根据{basis}的规定，决定{deny}。理由如下："),
        Items("", reasons),
        Text(appeal_text(d.review_body or t.office.review_body, d.court or t.office.court)),
    ]


def _with_law(basis: str, law: str) -> str:
    """The typed basis and the Licensing Law's article on the decision, unless it names it already."""
    basis = basis.strip().rstrip("。；;").replace("；", "、")  # a catalog lists its laws with ；
    if not basis or basis == law:
        return law
    return basis if "行政许可法》第三十八条" in basis else f"{basis}和{law}"


def render_licence_decision(
    d: LicenceDecision, fonts: FontSet | None = None, templates: NoticeTemplates | None = None
) -> bytes:
    """准予 / 不予行政许可决定书 as A4 PDF bytes."""
    return render_sheet(decision_sheet(d, templates), fonts)
