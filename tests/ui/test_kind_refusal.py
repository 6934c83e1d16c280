"""The refusal panel offers the reasons of the matter's kind (issue 21, point 4): a 最低生活保障
is never refused because it "needs no licence", and 有权受理的机关 keeps its label once filled."""

from __future__ import annotations

from client.ui.intake import IntakeView

LICENSING_REASON = "申请事项依法不需要取得行政许可"


def test_a_benefit_offers_its_own_refusal_reasons_and_the_office_field_keeps_its_label(counter_window):
    w = counter_window
    win = w.window
    w.login()
    w.key("F2")
    intake = w.pump(lambda: win.view if isinstance(win.view, IntakeView) else None, what="intake")
    w.type(intake.id_number, "34052419800101001X")
    w.pump(lambda: not intake.busy, what="applicant looked up")
    if not intake.name.get():
        w.type(intake.name, "李建国")
    verdict = intake.verdict

    # A licence first: the licensing law's reason leads its list.
    w.type(intake.search, "食品经营许可")
    w.press(intake.search, "Return")
    w.pump(lambda: intake.matter is not None and intake.matter.code == "370702-XK-0002", what="licence")
    assert verdict.reasons.get(0).endswith(LICENSING_REASON)

    # Then the minimum living allowance: its own reasons, none about licences.
    intake.search.delete(0, "end")
    w.type(intake.search, "最低生活保障")
    w.press(intake.search, "Return")
    w.pump(lambda: intake.matter is not None and intake.matter.code == "370702-GG-0005", what="allowance")
    offered = [verdict.reasons.get(i) for i in range(verdict.reasons.size())]
    assert not any(LICENSING_REASON in line for line in offered)
    assert offered[0].endswith("申请人户籍或居住地不属于本机关受理范围")
    w.key("F10")
    assert verdict.refusing and verdict.refusal_key() == "not_competent"
    assert verdict.competent_label.cget("text") == "有权受理的机关（必填）"
    w.pump(lambda: "须告知申请人向哪个机关申请" in verdict.verdict.cget("text"), what="office missing")
    verdict.competent.insert("end", "潍坊市奎文区民政局")  # Chinese comes from the input method
    verdict.competent.focus_set()
    verdict.competent.event_generate("<KeyRelease-End>")
    w.pump(
        lambda: (
            verdict.verdict.cget("text") == "将办理：不予受理" and "社会救助暂行办法" in verdict.detail.cget("text")
        ),
        what="refusal verdict",
    )
    # Filled, the field still says what it is: the label stands beside it, not inside it.
    assert verdict.competent_label.winfo_ismapped() and verdict.competent_label.cget("text").startswith(
        "有权受理的机关"
    )
    assert "行政许可法" not in verdict.detail.cget("text")
    w.pump(lambda: not intake.busy, what="verdict settled")
    w.keep_screenshot("intake-refusal-allowance.png")
