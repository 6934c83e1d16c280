"""Who applied and who acted, as every notice and receipt prints it.

An organisation is named with its 统一社会信用代码, a person with the ID number; an agent
(代理人 / 单位经办人) is printed with the relation and a masked ID number. Numbers are
masked on paper like any personal number (110105********002X).
"""

from __future__ import annotations

from dataclasses import dataclass

from client.domain.identity import ID_USCC, mask_id_number


@dataclass(frozen=True)
class Acting:
    """The applicant's kind of number and the agent, if one acted; empty: a person alone."""

    applicant_id_type: str = "身份证"
    agent_name: str = ""
    agent_id_number: str = ""
    agent_relation: str = ""  # printed label: 委托代理 / 法定代理 / 单位经办人 / 帮办代办

    @property
    def organisation(self) -> bool:
        return self.applicant_id_type == ID_USCC

    @property
    def id_label(self) -> str:
        return "统一社会信用代码" if self.organisation else "证件号码"

    @property
    def applicant_label(self) -> str:
        return "申请单位" if self.organisation else "申请人"


ALONE = Acting()


def addressee(name: str, id_number: str, acting: Acting = ALONE) -> str:
    """The line before a notice's body: 潍坊市某某有限公司（统一社会信用代码：913501********0Y43）："""
    return f"{name}（{acting.id_label}：{mask_id_number(id_number)}）："


def acting_line(acting: Acting) -> str:
    """ "代理人：李建国（单位经办人，证件号码：340524********001X）", or "" when nobody acted for them."""
    if not acting.agent_name:
        return ""
    return f"代理人：{acting.agent_name}（{acting.agent_relation}，证件号码：{mask_id_number(acting.agent_id_number)}）"


def party_rows(name: str, id_number: str, acting: Acting, label: str = "") -> tuple[tuple[str, str], ...]:
    """Label/value rows for forms and receipts: the applicant, its number, and the agent."""
    rows = [(label or acting.applicant_label, name), (acting.id_label, mask_id_number(id_number))]
    if acting.agent_name:
        rows += [
            ("代理人", f"{acting.agent_name}（{acting.agent_relation}）"),
            ("代理人证件号码", mask_id_number(acting.agent_id_number)),
        ]
    return tuple(rows)
