"""告知承诺书: the requirement, the applicant's free choice, liability for a false pledge."""

from __future__ import annotations

import datetime as dt

import pytest

from reports.pledge import PledgedRequirement, PledgeForm, render_pledge_form
from reports.templates import default_templates


@pytest.fixture
def premises_proof_pledged() -> PledgeForm:
    t = default_templates()
    return PledgeForm(
        office_name=t.office.name,
        doc_no=t.doc_number("pledge", 2026, 3),
        applicant_name="李四",
        applicant_id_number="440524188001010014",
        matter_name="食品经营许可（新办）",
        requirements=(
            PledgedRequirement(
                "经营场所使用证明", "申请人对经营场所享有合法使用权", "《食品经营许可和备案管理办法》第十二条"
            ),
        ),
        issued_on=dt.date(2026, 11, 22),
    )


def test_pledge_form_states_requirement_choice_and_liability(premises_proof_pledged, pdf_text):
    flat = pdf_text(render_pledge_form(premises_proof_pledged)).replace("\n", "")
    assert "告知承诺书" in flat
    assert "潍城审诺字〔2026〕第000003号" in flat
    assert "经营场所使用证明" in flat
    assert "申请人对经营场所享有合法使用权" in flat
    assert "自愿选择" in flat
    assert "法律责任" in flat
    assert "承诺人（签字或盖章）" in flat
    assert "440524********0014" in flat and "440524188001010014" not in flat
