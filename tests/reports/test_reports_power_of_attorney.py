"""授权委托书: a blank form to fill by hand, and one filled from the case."""

from __future__ import annotations

import datetime as dt

import pytest

from reports.authorization import Party, PowerOfAttorney, render_power_of_attorney


@pytest.fixture
def blank_form() -> PowerOfAttorney:
    return PowerOfAttorney(office_name="潍坊市潍城区行政审批服务局")


@pytest.fixture
def agent_collects_licence() -> PowerOfAttorney:
    return PowerOfAttorney(
        office_name="潍坊市潍城区行政审批服务局",
        principal=Party("王䶮", "11010519491231002X", "13800000000"),
        agent=Party("李四", "440524188001010014", "13900000000"),
        matter_name="食品经营许可（新办）",
        scope=("代为领取办理结果",),
        valid_from=dt.date(2026, 11, 22),
        valid_until=dt.date(2027, 2, 22),
    )


def test_blank_form_has_every_label_and_empty_dates(blank_form, pdf_text):
    text = pdf_text(render_power_of_attorney(blank_form))
    for label in (
        "授权委托书",
        "委托人证件号码",
        "受托人证件号码",
        "委托事项",
        "委托期限",
        "委托权限",
        "委托人（签字或盖章）",
        "受托人（签字）",
    ):
        assert label in text
    assert "自______年____月____日至______年____月____日" in text
    assert "〔" not in text  # not numbered


def test_filled_form_prints_parties_in_full_scope_and_term(agent_collects_licence, pdf_text):
    flat = pdf_text(render_power_of_attorney(agent_collects_licence)).replace("\n", "")
    assert "王䶮" in flat and "李四" in flat
    # both parties are identified in full: the form is kept on file as proof of authority
    assert "11010519491231002X" in flat and "440524188001010014" in flat
    assert "1. 代为领取办理结果" in flat
    assert "自2026年11月22日至2027年2月22日" in flat
    assert "代为办理“食品经营许可（新办）”事项" in flat
