"""Applicant memory and agents through the intake service: an organisation with its 经办人 is
taken in, its letter goes through the checklist, the case travels to the back office, and the
same organisation (and the agent, as a person) is recognised on the next visit."""

from __future__ import annotations

import pdfplumber
import pytest

from client.domain.identity import ID_USCC, ORGANISATION, STAFF, STATUTORY, Agent, Applicant
from client.services.errors import ServiceError
from client.services.intake import IntakeDraft, MaterialInput
from client.store.models import CaseEvent
from sync.server import admin

USCC = "91350100M000100Y43"
AGENT_ID = "34052419800101001X"
SEAL = "370702-GG-0008"  # 公章刻制备案 (即办件): no letter of its own, so the generic one is added
ORG = Applicant(
    "潍坊市某某餐饮有限公司",
    ID_USCC,
    USCC,
    phone="05368888888",
    address="潍城区胜利西街1号",
    kind=ORGANISATION,
    legal_rep="张三",
    agent=Agent("李建国", AGENT_ID, STAFF, phone="13912345678"),
)


@pytest.fixture
def counter(enrolled_runtime, live_server):
    services = enrolled_runtime.services
    return services, services.auth.login(live_server.clerk, live_server.password)


def _draft(applicant, codes, matter=SEAL):
    return IntakeDraft(applicant, matter, tuple(MaterialInput(c, True) for c in codes))


def _text(path):
    with pdfplumber.open(path) as pdf:
        return "".join(page.extract_text() for page in pdf.pages).replace("\n", "")


def test_an_organisation_without_its_letter_gets_a_notice_then_is_remembered(counter, enrolled_runtime, live_server):
    services, clerk = counter
    preview = services.intake.preview(_draft(ORG, ("M01", "M02")))
    assert [m.name for m in preview.materials][-1] == "授权委托书"
    assert preview.decision.outcome == "notify_missing"
    assert [sf.name for sf in preview.decision.shortfalls] == ["授权委托书"]

    result = services.intake.submit(_draft(ORG, ("M01", "M02")), clerk)
    assert result.outcome == "notify_missing"
    assert "授权委托书" in _text(result.notice_pdf)
    # A letter filled in from the case comes out with the notice, to be signed and sealed.
    [letter] = [p for p in result.documents if p.name.endswith("授权委托书.pdf")]
    text = _text(letter)
    assert ORG.name in text and USCC in text and "李建国" in text and AGENT_ID in text and "公章刻制备案" in text
    with enrolled_runtime.store.sessions() as s:
        payload = s.query(CaseEvent).filter_by(case_id=result.case_id).one().payload
    assert payload["revision"] == 2 and payload["applicant"]["kind"] == "organisation"
    assert payload["applicant"]["legal_rep"] == "张三" and payload["applicant"]["address"] == ORG.address
    assert payload["agent"] == {
        "name": "李建国",
        "id_type": "身份证",
        "id_number": AGENT_ID,
        "relation": "staff",
        "phone": "13912345678",
    }
    assert [m["status"] for m in payload["materials"] if m["name"] == "授权委托书"] == ["missing"]

    known = services.intake.returning_organisation(USCC)
    assert (known.kind, known.name, known.legal_rep, known.address, known.phone, known.cases) == (
        ORGANISATION,
        ORG.name,
        "张三",
        ORG.address,
        "05368888888",
        1,
    )
    assert known.agent == Agent("李建国", AGENT_ID, STAFF, phone="13912345678")
    assert known.previous[0].case_no == result.case_no and known.previous[0].status == "pending_supplement"
    assert services.intake.returning_applicant(USCC) is None  # a USCC is not a person
    # The 经办人 is remembered as a person: coming for themselves, their name is known.
    agent = services.intake.returning_applicant(AGENT_ID)
    assert (agent.name, agent.phone, agent.cases) == ("李建国", "13912345678", 0)

    # The letter brought in later (补正) goes through the same logic and the case is accepted.
    supplemented = services.supplement.submit(result.case_id, (MaterialInput("DL-WTS", True),), clerk)
    assert supplemented.accepted_now and supplemented.still_lacking == ()
    detail = services.cases.detail(result.case_id)
    assert (detail.applicant_kind, detail.agent_name, detail.agent_relation) == ("organisation", "李建国", "单位经办人")

    # The organisation comes back with the letter: nothing is typed but the USCC.
    again = Applicant(
        known.name,
        ID_USCC,
        USCC,
        known.phone,
        known.address,
        kind=known.kind,
        legal_rep=known.legal_rep,
        agent=known.agent,
    )
    second = services.intake.submit(_draft(again, ("M01", "M02", "DL-WTS")), clerk)
    assert second.outcome == "conclude"
    assert services.intake.returning_organisation(USCC).cases == 2

    status = services.sync.sync_now()
    assert status.error == "" and status.rejected == 0
    rows = {r.case_no: r for r in admin.list_cases(live_server.db_url)}
    row = rows[second.case_no]
    assert (row.applicant_kind, row.applicant_id_number, row.acted_by) == ("organisation", USCC, "李建国（单位经办人）")

    # Everything the memory holds sits in the encrypted store, never in clear on disk.
    store = enrolled_runtime.store
    raw = b"".join(p.read_bytes() for p in store.path.parent.glob(store.path.name + "*"))
    assert AGENT_ID.encode() not in raw and "潍城区胜利西街".encode() not in raw


def test_an_organisation_must_name_who_is_at_the_counter(counter):
    services, clerk = counter
    with pytest.raises(ServiceError, match="经办人"):
        services.intake.submit(
            _draft(Applicant(ORG.name, ID_USCC, USCC, kind=ORGANISATION, legal_rep="张三"), ("M01", "M02")), clerk
        )


def test_a_guardian_for_a_child_brings_proof_of_guardianship(counter):
    services, clerk = counter
    child = Applicant("李小明", "身份证", "110105201501010017", agent=Agent("李建国", AGENT_ID, STATUTORY))
    matter = services.intake.search("预防接种")[0]
    preview = services.intake.preview(_draft(child, (), matter.code))
    names = [m.name for m in preview.materials]
    assert "监护关系证明" in names and "授权委托书" not in names
    result = services.intake.submit(_draft(child, [m.code for m in preview.materials], matter.code), clerk)
    assert result.outcome in ("accept", "conclude")
    assert services.intake.returning_applicant("110105201501010017").agent.relation == STATUTORY
