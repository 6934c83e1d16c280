"""Who applied and who acted, as the back office records them from a window's intake.

The window already validated everything; the server re-checks the numbers with the same
pure rules (client.domain) because a case with a wrong USCC or ID number must not reach
an approver. A revision-1 payload (older clients) is a person acting alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from client.domain.identity import ID_USCC, ORGANISATION, RELATIONS, RELATIONS_FOR, check_id_number
from client.domain.validators import check_uscc
from sync import protocol

RESIDENT_ID_TYPES = ("身份证", "居民身份证")


class PartyError(ValueError):
    """The applicant or agent cannot be recorded; `code` and the Chinese message go to the window."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class Parties:
    kind: str
    id_type: str
    id_number: str
    agent_name: str | None = None
    agent_id_number: str | None = None
    agent_relation: str | None = None


def parties_of(payload: protocol.CaseAcceptedPayload) -> Parties:
    """The applicant's canonical number and the agent, or a PartyError naming what is wrong."""
    applicant = payload.applicant
    if applicant.kind == ORGANISATION or applicant.id_type == ID_USCC:
        check = check_uscc(applicant.id_number)
        if not check.ok:
            raise PartyError("invalid_uscc", f"申请单位统一社会信用代码有误：{check.message}")
        if payload.agent is None:
            raise PartyError("invalid_payload", "单位申请缺少到场经办人")
        number, id_type, kind = check.value, ID_USCC, ORGANISATION
    elif applicant.id_type in RESIDENT_ID_TYPES:
        id_check = check_id_number(applicant.id_number)
        if not id_check.ok:
            raise PartyError("invalid_id_number", f"申请人身份证号码有误：{id_check.message}")
        number, id_type, kind = id_check.number, applicant.id_type, applicant.kind
    elif not applicant.id_number.strip():
        raise PartyError("invalid_id_number", "申请人证件号码为空")
    else:
        number, id_type, kind = applicant.id_number.strip(), applicant.id_type, applicant.kind
    agent = payload.agent
    if agent is None:
        return Parties(kind, id_type, number)
    if agent.relation not in RELATIONS_FOR[kind]:
        raise PartyError(
            "invalid_payload",
            f"{'单位' if kind == ORGANISATION else '个人'}申请不能由“{RELATIONS[agent.relation]}”代为办理",
        )
    agent_check = check_id_number(agent.id_number)
    if not agent_check.ok:
        raise PartyError("invalid_id_number", f"代理人身份证号码有误：{agent_check.message}")
    return Parties(kind, id_type, number, agent.name.strip(), agent_check.number, agent.relation)
