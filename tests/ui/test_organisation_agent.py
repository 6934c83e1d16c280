"""An organisation with its 经办人 through the real window: USCC typed and checked live, the
agent's card read with Shift+F3, the 授权委托书 first missing then scanned, the paper read
back; then the same organisation returns and is recognised by its USCC alone."""

from __future__ import annotations

import customtkinter as ctk
import pdfplumber

from client.domain.identity import ORGANISATION, mask_id_number
from client.ui.detail import CaseDetailView
from client.ui.intake import IntakeView
from client.ui.result import ResultView

USCC = "91350100M000100Y43"
ORG_NAME = "潍坊市某某餐饮有限公司"
ADDRESS = "潍坊市潍城区胜利西街1号"


def _intake(w):
    win = w.window
    win.show_intake()
    return w.pump(lambda: win.view if isinstance(win.view, IntakeView) else None, what="intake")


def _text(path):
    with pdfplumber.open(path) as pdf:
        return "".join(page.extract_text() for page in pdf.pages).replace("\n", "")


def test_organisation_with_agent_then_returning(counter_window, enrolled_runtime, virtual_devices):
    from devices.virtual import SAMPLE_CARDS

    w = counter_window
    win = w.window
    w.login()
    intake = _intake(w)
    panel = intake.applicant
    w.key("F2")
    assert panel.kind == ORGANISATION and panel.id_label.cget("text") == "信用代码"

    # The USCC is checked as it is typed; a wrong check character is named.
    w.type(intake.id_number, USCC[:-1] + "4")
    assert "校验位错误" in intake.id_status.cget("text")
    intake.id_number.delete(0, "end")
    w.type(intake.id_number, USCC.lower())
    assert intake.id_status.cget("text").startswith("统一社会信用代码有效")
    w.type(intake.name, ORG_NAME)
    w.type(panel.legal_rep, "张三")
    w.type(intake.phone, "05368888888")
    w.type(panel.address, ADDRESS)

    # Shift+F3: the 经办人's card from the virtual reader.
    agent = SAMPLE_CARDS[1]
    virtual_devices.reader.place_card(agent)
    win.root.focus_get().event_generate("<Shift-KeyPress-F3>")
    w.pump(lambda: panel.agent_id.get() == agent.id_number, what="agent card read")
    assert panel.agent_name.get() == agent.name and "已读卡" in panel.agent_status.cget("text")
    assert panel.relation.get() == "单位经办人"
    w.type(panel.agent_phone, "13912345678")

    w.type(intake.search, "公章刻制")
    w.press(intake.search, "Return")
    assert intake.matter is not None and intake.matter.name == "公章刻制备案"
    assert "DL-WTS" in intake.checklist.states  # the letter is on the checklist by itself
    intake.checklist.set_state("M01", "已收")
    intake.checklist.set_state("M02", "已收")
    w.pump(
        lambda: (
            intake.verdict.verdict.cget("text") == "将办理：一次性告知"
            and "授权委托书" in intake.verdict.detail.cget("text")
            and not intake.busy
        ),
        what="letter missing",
    )
    w.screenshot("intake-organisation-agent.png")

    # The letter is scanned with the document camera: now the case is complete.
    enrolled_runtime.hardware.scanner.feed("text")
    intake.scan_pages("DL-WTS", "授权委托书")
    w.pump(lambda: intake.checklist.states["DL-WTS"].get() == "已收", what="letter scanned")
    w.pump(
        lambda: intake.verdict.verdict.cget("text") == "将办理：当场办结" and not intake.busy,
        what="concluded on the spot",
    )
    w.key("F9")
    result = w.pump(lambda: win.view if isinstance(win.view, ResultView) else None, what="result")
    assert result.result.outcome == "conclude"
    w.pump(lambda: result.previews.winfo_children(), what="notice preview")
    w.screenshot("result-organisation-agent.png")

    # Paper: organisation name, masked USCC, the agent with a masked ID — never the full numbers.
    receipt = virtual_devices.printer.last_receipt()
    lines = "\n".join(line.text for line in receipt.lines)
    assert ORG_NAME in lines and mask_id_number(USCC) in lines and USCC not in lines
    assert "代理人" in lines and agent.name in lines and mask_id_number(agent.id_number) in lines
    assert agent.id_number not in lines
    notice = _text(result.result.notice_pdf)
    assert ORG_NAME in notice and mask_id_number(USCC) in notice and "单位经办人" in notice
    assert agent.id_number not in notice and USCC not in notice

    # The case record says who applied and who acted; the result goes to the 经办人 on record.
    win.show_case(result.result.case_id)
    detail = w.pump(
        lambda: win.view if isinstance(win.view, CaseDetailView) and win.view.detail else None, what="case detail"
    )
    texts = [c.cget("text") for c in detail.content.winfo_children() if isinstance(c, ctk.CTkLabel)]
    assert any(t.startswith(f"申请单位：{ORG_NAME}（{mask_id_number(USCC)}）") for t in texts)
    assert f"代理人：{agent.name}（单位经办人，{mask_id_number(agent.id_number)}）" in texts
    # A 即办件 leaves with the person who came: the 出件 is on record, to the 经办人.
    assert detail.detail.summary.status == "delivered" and not detail.detail.can_deliver
    handed = [t for t in detail.detail.timeline if t.label == "窗口出件"]
    assert [t.note for t in handed] == [f"领取人：{agent.name}（当场交付）"]
    w.screenshot("detail-organisation-agent.png")

    # The organisation returns: the USCC alone brings back everything, the 经办人 included.
    intake = _intake(w)
    panel = intake.applicant
    w.key("F2")
    w.type(intake.id_number, USCC)
    w.pump(lambda: intake.name.get() == ORG_NAME, what="organisation recognised")
    assert (panel.legal_rep.get(), intake.phone.get(), panel.address.get()) == ("张三", "05368888888", ADDRESS)
    assert (panel.agent_id.get(), panel.agent_name.get(), panel.agent_phone.get()) == (
        agent.id_number,
        agent.name,
        "13912345678",
    )
    assert "老单位" in intake.returning_info.cget("text") and "共1件" in intake.returning_info.cget("text")
    w.type(intake.search, "公章刻制")
    w.press(intake.search, "Return")
    w.pump(lambda: "DL-WTS" in intake.checklist.states and not intake.busy, what="checklist")
    w.screenshot("intake-organisation-returning.png")


def test_a_person_with_an_agent_answers_the_guides_own_question(counter_window, virtual_devices):
    from devices.virtual import SAMPLE_CARDS

    w = counter_window
    win = w.window
    w.login()
    intake = _intake(w)
    panel = intake.applicant
    applicant, agent = SAMPLE_CARDS[0], SAMPLE_CARDS[1]
    virtual_devices.reader.place_card(applicant)
    w.key("F3")
    w.pump(lambda: intake.id_number.get() == applicant.id_number, what="applicant card")
    assert panel.address.get() == applicant.address
    # Enter from the phone skips the address the card filled and lands in the matter search.
    w.key("Return")
    assert str(win.root.focus_get()).startswith(str(intake.search))
    w.type(intake.search, "个体")
    w.press(intake.search, "Return")
    assert "M04" not in intake.checklist.states  # acting alone: no 委托书
    virtual_devices.reader.place_card(agent)
    win.root.focus_get().event_generate("<Shift-KeyPress-F3>")
    w.pump(lambda: panel.agent_name.get() == agent.name, what="agent card")
    assert panel.relation.get() == "委托代理"
    # The guide asks "是否委托他人代为办理？": the applicant column answers it, bringing the guide's own letter.
    w.pump(lambda: "M04" in intake.checklist.states, what="the guide's letter on the list")
    assert "DL-WTS" not in intake.checklist.states
    assert "委托代理人办理（按申请人栏）" in intake.panel_answers["S01"].cget("text")
    w.key("F7")
    w.pump(lambda: intake.verdict.verdict.cget("text") == "将办理：受理" and not intake.busy, what="accept")
    w.screenshot("intake-person-agent.png")
    w.key("F9")
    result = w.pump(lambda: win.view if isinstance(win.view, ResultView) else None, what="result")
    lines = "\n".join(line.text for line in virtual_devices.printer.last_receipt().lines)
    assert "代理人：李建国（委托代理）" in lines and mask_id_number(agent.id_number) in lines
    assert result.result.outcome == "accept"

    # Next visit: the same applicant's card; the agent used last time is one click away.
    intake = _intake(w)
    panel = intake.applicant
    virtual_devices.reader.place_card(applicant)
    w.key("F3")
    w.pump(lambda: "上次代理人：李建国（委托代理）" in intake.returning_info.cget("text"), what="applicant recognised")
    assert panel.reuse_agent.winfo_ismapped() and not panel.agent_id.winfo_ismapped()
    panel.reuse_agent.invoke()
    w.pump(
        lambda: panel.agent_id.get() == agent.id_number and panel.agent_name.get() == agent.name,
        what="last agent filled in",
    )
    assert panel.relation.get() == "委托代理" and panel.applicant().agent.relation == "entrusted"
