"""送达回证: which document, to whom, how, and room for 留置送达."""

from __future__ import annotations

import datetime as dt

import pytest

from reports.service_proof import ServiceProof, render_service_proof
from reports.templates import default_templates


@pytest.fixture
def refusal_served_in_person() -> ServiceProof:
    t = default_templates()
    return ServiceProof(
        office_name=t.office.name,
        doc_no=t.doc_number("service_proof", 2026, 7),
        document_name="不予受理通知书",
        document_no=t.doc_number("refusal", 2026, 7),
        copies=1,
        recipient="张三",
        address="潍坊市潍城区胜利西街100号",
        method="直接送达",
        issued_on=dt.date(2026, 11, 22),
        server_names="赵六、孙七",
    )


def test_service_proof_names_document_recipient_and_method(refusal_served_in_person, pdf_text):
    text = pdf_text(render_service_proof(refusal_served_in_person))
    assert "送达回证" in text
    assert "潍城审送字〔2026〕第000007号" in text
    assert "潍城审不受字〔2026〕第000007号" in text
    assert "不予受理通知书" in text
    assert "1份" in text
    assert "潍坊市潍城区胜利西街100号" in text
    assert "直接送达" in text
    assert "赵六、孙七" in text
    for label in ("受送达人签收", "拒收事由及日期", "见证人（签名）", "代收人及代收理由"):
        assert label in text
    assert "留置送达" in text.replace("\n", "")


def test_served_date_prints_when_known(refusal_served_in_person, pdf_text):
    import dataclasses

    served = dataclasses.replace(
        refusal_served_in_person,
        served_on=dt.date(2026, 11, 24),
        method="留置送达",
        refusal_reason="受送达人拒绝签收",
        witness="社区网格员周八",
    )
    text = pdf_text(render_service_proof(served))
    assert "2026年11月24日" in text
    assert "受送达人拒绝签收" in text and "社区网格员周八" in text
