"""The back office records who applied (person or organisation by USCC) and who acted."""

from __future__ import annotations

import uuid

from server_helpers import accepted_payload, case_no_for, make_event, valid_id

from sync import protocol
from sync.server import admin, cli

USCC = "91350100M000100Y43"
AGENT_ID = "34052419800101001X"


def _org_payload(case_no: str, **agent) -> dict:
    payload = accepted_payload(case_no)
    payload["applicant"] = {
        "name": "潍坊市某某餐饮有限公司",
        "id_type": "统一社会信用代码",
        "id_number": USCC.lower(),
        "kind": "organisation",
        "legal_rep": "张三",
    }
    payload["revision"] = protocol.PAYLOAD_REVISION
    payload["agent"] = (
        {"name": "李建国", "id_number": AGENT_ID, "relation": "staff", **agent} if agent is not None else None
    )
    return payload


def test_an_organisation_and_its_agent_are_stored_and_listed(enrolled_device):
    [result] = enrolled_device.push(
        make_event(protocol.CASE_ACCEPTED, str(uuid.uuid4()), _org_payload(case_no_for(enrolled_device, 1)))
    )
    assert result["status"] == "acked", result
    [row] = admin.list_cases(enrolled_device.server.db_url)
    assert (row.applicant_kind, row.applicant_id_type, row.applicant_id_number) == (
        "organisation",
        "统一社会信用代码",
        USCC,
    )
    assert (row.agent_name, row.agent_id_number, row.agent_relation) == ("李建国", AGENT_ID, "staff")
    assert row.acted_by == "李建国（单位经办人）"


def test_the_case_list_on_the_command_line_says_who_acted(enrolled_device, capsys):
    enrolled_device.push(
        make_event(protocol.CASE_ACCEPTED, str(uuid.uuid4()), _org_payload(case_no_for(enrolled_device, 1)))
    )
    assert cli.main(["cases", "--db", enrolled_device.server.db_url]) == 0
    out = capsys.readouterr().out
    assert "潍坊市某某餐饮有限公司  代理：李建国（单位经办人）" in out and "共 1 件" in out


def test_an_old_client_payload_is_a_person_acting_alone(enrolled_device):
    payload = accepted_payload(case_no_for(enrolled_device, 1))
    assert "revision" not in payload and "agent" not in payload
    [result] = enrolled_device.push(make_event(protocol.CASE_ACCEPTED, str(uuid.uuid4()), payload))
    assert result["status"] == "acked", result
    [row] = admin.list_cases(enrolled_device.server.db_url)
    assert (row.applicant_kind, row.applicant_id_number, row.agent_name, row.acted_by) == (
        "person",
        valid_id(),
        None,
        "",
    )


def test_bad_usccs_missing_staff_and_unfit_relations_are_rejected(enrolled_device):
    bad_uscc = _org_payload(case_no_for(enrolled_device, 1))
    bad_uscc["applicant"]["id_number"] = USCC[:-1] + "4"
    no_staff = _org_payload(case_no_for(enrolled_device, 2))
    no_staff["agent"] = None
    guardian = _org_payload(case_no_for(enrolled_device, 3), relation="statutory")
    bad_agent = _org_payload(case_no_for(enrolled_device, 4), id_number=AGENT_ID[:-1] + "1")
    results = enrolled_device.push(
        *(
            make_event(protocol.CASE_ACCEPTED, str(uuid.uuid4()), p, seq)
            for seq, p in enumerate((bad_uscc, no_staff, guardian, bad_agent), 1)
        )
    )
    assert [r["code"] for r in results] == ["invalid_uscc", "invalid_payload", "invalid_payload", "invalid_id_number"]
    assert "统一社会信用代码" in results[0]["reason"] and "经办人" in results[1]["reason"]
    assert "法定代理" in results[2]["reason"] and "代理人身份证号码" in results[3]["reason"]
    assert not admin.list_cases(enrolled_device.server.db_url)
