"""Organisations and agents on paper: the organisation with its masked USCC, the agent with
the relation and a masked ID — on every notice and on both receipt widths."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from client.domain.paper import TextLine
from reports.columns import display_width
from reports.correction import CorrectionNotice, DefectiveMaterial, render_correction_notice
from reports.notices import render_acceptance_notice
from reports.parties import Acting
from reports.pledge import PledgedRequirement, PledgeForm, render_pledge_form
from reports.receipt import receipt_layout, receipt_pdf

USCC, MASKED_USCC = "91350100M000100Y43", "913501********0Y43"
AGENT_ID, MASKED_AGENT = "34052419800101001X", "340524********001X"
STAFF = Acting("统一社会信用代码", "李建国", AGENT_ID, "单位经办人")


def _org(data):
    return dataclasses.replace(data, applicant_name="潍坊市某某餐饮有限公司", applicant_id_number=USCC, acting=STAFF)


def test_acceptance_notice_names_the_organisation_and_who_acted(accepted_food_licence, pdf_text):
    text = pdf_text(render_acceptance_notice(_org(accepted_food_licence))).replace("\n", "")
    assert f"潍坊市某某餐饮有限公司（统一社会信用代码：{MASKED_USCC}）" in text
    assert f"代理人：李建国（单位经办人，证件号码：{MASKED_AGENT}）" in text
    assert USCC not in text and AGENT_ID not in text


def test_a_person_alone_reads_as_before(accepted_food_licence, pdf_text):
    text = pdf_text(render_acceptance_notice(accepted_food_licence)).replace("\n", "")
    assert "张三（证件号码：110105********002X）" in text and "代理人" not in text


def test_correction_and_pledge_forms_carry_the_agent(pdf_text):
    common = dict(
        office_name="潍坊市潍城区行政审批服务局",
        doc_no="潍城审补字〔2026〕第000001号",
        applicant_name="王小明",
        applicant_id_number="110105201501010017",
        matter_name="预防接种证办理",
        acting=Acting("身份证", "李建国", AGENT_ID, "法定代理"),
    )
    correction = pdf_text(
        render_correction_notice(
            CorrectionNotice(
                **common,
                applicant_phone="13912345678",
                case_no="37070200000020261122A1B20007",
                received_on=dt.date(2026, 11, 22),
                contact_person="张敏",
                contact_phone="0536-12345",
                issued_on=dt.date(2026, 11, 22),
                materials=(DefectiveMaterial("监护关系证明", "未提交"),),
            )
        )
    ).replace("\n", "")
    assert f"代理人：李建国（法定代理，证件号码：{MASKED_AGENT}）" in correction and "监护关系证明" in correction
    pledge = pdf_text(
        render_pledge_form(
            PledgeForm(
                **common,
                issued_on=dt.date(2026, 11, 22),
                requirements=(PledgedRequirement("居住证明", "本人承诺在本地居住"),),
            )
        )
    ).replace("\n", "")
    assert "代理人" in pledge and "李建国（法定代理）" in pledge and MASKED_AGENT in pledge


@pytest.mark.parametrize("width_mm", [80, 58])
def test_receipt_lines_fit_and_carry_the_organisation_and_agent(received_materials, width_mm):
    layout = receipt_layout(_org(received_materials), width_mm=width_mm)
    lines = [e for e in layout.elements if isinstance(e, TextLine)]
    assert all(display_width(line.text) * line.size <= layout.width_chars for line in lines)
    joined = "".join(line.text.strip() for line in lines)
    assert "申请单位：潍坊市某某餐饮有限公司" in joined and MASKED_USCC in joined
    assert "代理人：李建国（单位经办人）" in joined and MASKED_AGENT in joined
    assert USCC not in joined and AGENT_ID not in joined


def test_a4_receipt_has_the_same_rows(received_materials, pdf_text):
    text = pdf_text(receipt_pdf(_org(received_materials))).replace("\n", "")
    assert "申请单位" in text and MASKED_USCC in text and "单位经办人" in text and MASKED_AGENT in text
