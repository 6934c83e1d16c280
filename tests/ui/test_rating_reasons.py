"""A 差评 on the pad asks for its reason from the fixed list (issue 20, point 4).

The window's on-screen pad (virtual devices) behaves like a pad with a screen: after 不满意 or
非常不满意 it offers the reasons and 不选原因; the reason touched is recorded with the rating.
Screenshot: docs/screenshots/result-rating-reasons.png.
"""

from __future__ import annotations

from client.domain.ratings import BAD_REASONS
from client.ui.intake import IntakeView
from client.ui.result import ResultView
from devices.rating import RatingLevel
from devices.virtual import SAMPLE_CARDS

LI = SAMPLE_CARDS[1]


def _served(w) -> ResultView:
    win = w.window
    win.show_intake()
    intake = w.pump(lambda: win.view if isinstance(win.view, IntakeView) else None, what="intake")
    w.type(intake.id_number, LI.id_number)
    w.pump(lambda: not intake.busy, what="applicant looked up")
    if not intake.name.get():
        w.type(intake.name, LI.name)
    w.type(intake.search, "个体")
    w.press(intake.search, "Return")
    w.key("F7")
    w.pump(lambda: intake.verdict.verdict.cget("text") == "将办理：受理" and not win.view.busy, what="verdict")
    w.key("F9")
    return w.pump(lambda: win.view if isinstance(win.view, ResultView) else None, what="result view")


def test_a_poor_rating_on_the_pad_asks_for_its_reason(counter_window, virtual_devices, enrolled_runtime):
    w = counter_window
    w.login()
    pad = virtual_devices.rating_pad
    result = _served(w)
    w.pump(lambda: pad.waiting, what="the pad lit")
    prompt = result.rating
    assert prompt.reasons_box is not None and not prompt.reasons_box.winfo_ismapped()
    w.key("1")  # the applicant presses 非常不满意 on the (on-screen) pad
    w.pump(lambda: prompt.reasons_box.winfo_ismapped(), what="the reasons offered")
    assert not prompt.keys_box.winfo_ismapped() and pad.waiting and pad.pressed == []
    shown = {code: str(button.cget("text")) for code, button in prompt.reason_buttons.items()}
    assert shown == {**BAD_REASONS, "": "不选原因"}
    w.screenshot("result-rating-reasons.png")
    prompt.reason_buttons["unclear"].invoke()
    w.pump(lambda: prompt.result is not None, what="rated")
    assert (prompt.result.level, prompt.result.reason) == (1, "unclear")
    assert pad.pressed == [RatingLevel.VERY_DISSATISFIED]
    assert (
        prompt.status.cget("text")
        == f"申请人评价：非常不满意，原因：{BAD_REASONS['unclear']}（差评，已记录，需回访整改）"
    )
    assert not prompt.reasons_box.winfo_ismapped()
    rated = [
        e for e in enrolled_runtime.services.cases.detail(result.result.case_id).timeline if e.label == "申请人评价"
    ]
    assert rated, "the rating is in the case's history"
