"""Another person's data, 出件 and 好差评 through the real window (issue 15, points 3 and 4).

Three cases back to back, each result screen showing only its own paper (the receipt is
found on the virtual printer by its case number; a refusal shows none); a known ID number
typed under another name makes the clerk choose; 出件 and 邮寄 are actions on the case with
the address prefilled; the rating pad waits for a key at the result and again at 出件.
Screenshots: docs/screenshots/result-own-paper-*.png, applicant-name-conflict.png,
detail-handover-actions.png, detail-rating-at-handover.png.
"""

from __future__ import annotations

import customtkinter as ctk

from client.domain.identity import Applicant
from client.services.intake import IntakeDraft, MaterialInput
from client.ui.detail import CaseDetailView
from client.ui.intake import IntakeView
from client.ui.result import ResultView
from devices.virtual import SAMPLE_CARDS
from sync.server import admin

GETIHU = "370702-XK-0001"
ADDRESS = "山东省潍坊市潍城区北关街道东风街88号"
LI, WANG, AYGUL = SAMPLE_CARDS[1], SAMPLE_CARDS[0], SAMPLE_CARDS[3]


def _new_intake(w, card, name=None, matter="个体"):
    win = w.window
    win.show_intake()
    intake = w.pump(lambda: win.view if isinstance(win.view, IntakeView) else None, what="intake")
    w.type(intake.id_number, card.id_number)
    w.pump(lambda: not intake.busy, what="applicant looked up")
    if not intake.name.get():
        w.type(intake.name, name or card.name)
    w.type(intake.search, matter)
    w.press(intake.search, "Return")
    assert intake.matter is not None
    return intake


def _verdict(w, intake, label):
    w.pump(
        lambda: intake.verdict.verdict.cget("text") == f"将办理：{label}" and not w.window.view.busy,
        what=f"verdict {label}",
    )


def _finish(w):
    win = w.window
    w.key("F9")
    return w.pump(lambda: win.view if isinstance(win.view, ResultView) else None, what="result view")


def _texts(widget) -> list[str]:
    """Every label's text under `widget`, as the clerk reads them."""
    out = []
    for child in widget.winfo_children():
        if isinstance(child, ctk.CTkLabel) and child.cget("text"):
            out.append(str(child.cget("text")))
        out += _texts(child)
    return out


def _only_its_own(result: ResultView, others: list[ResultView]) -> None:
    """Every file or image the screen shows names its own case and no other."""
    mine = result.result
    shown = _texts(result.previews)
    assert shown, "the screen shows its paper"
    for text in shown:
        assert mine.case_no_display in text or mine.case_no in text, text
        for other in others:
            assert other.result.case_no_display not in text and other.result.case_no not in text, text
    assert all(path.name.startswith(mine.case_no) for path in result.shown_files)


def test_each_result_screen_shows_only_its_own_paper(counter_window, virtual_devices):
    w = counter_window
    w.login()
    printer, pad = virtual_devices.printer, virtual_devices.rating_pad

    # 1. 李建国, accepted: his receipt and his 受理通知书.
    intake = _new_intake(w, LI)
    w.key("F7")
    _verdict(w, intake, "受理")
    first = _finish(w)
    w.pump(lambda: first.shown_receipt and first.shown_files, what="the first case's paper")
    assert first.shown_receipt == first.result.case_no
    receipt = printer.receipt_for(first.result.case_no)
    assert receipt is not None and "李" in receipt.text and "承诺办结" in receipt.text
    _only_its_own(first, [])
    # The pad is lit for this case and waits: nobody rated for the applicant.
    w.pump(lambda: pad.waiting, what="the pad lit")
    assert pad.asked[-1] == first.result.case_no
    assert first.rating.status.cget("text") == "请申请人在评价器上为本次服务评价…"
    w.settle(1.0)
    assert pad.waiting and pad.pressed == [] and first.rating.result is None
    assert first.rating.keys_box is not None and first.rating.keys_box.winfo_ismapped()
    w.screenshot("result-own-paper-accepted.png")
    w.key("4")  # the applicant presses 4 on the (on-screen) pad
    w.pump(lambda: first.rating.result is not None, what="rated")
    assert (first.rating.result.level, first.rating.result.stage) == (4, "intake")
    assert first.rating.status.cget("text") == "申请人评价：满意"

    # 2. 王秀英, refused: no receipt was printed for her, so none is shown (not 李建国's).
    intake = _new_intake(w, WANG)
    w.key("F10")
    w.type(intake.verdict.competent, "潍坊市市场监督管理局")
    _verdict(w, intake, "不予受理")
    refused = _finish(w)
    assert refused.result.outcome == "refuse" and not refused.result.printed
    w.pump(lambda: refused.shown_files, what="the refusal notice")
    w.settle(0.5)
    assert refused.shown_receipt is None and printer.receipt_for(refused.result.case_no) is None
    assert first.result.case_no in printer.last_receipt().barcodes  # what the old screen showed
    _only_its_own(refused, [first])
    w.screenshot("result-own-paper-refused.png")

    # 3. 阿依古丽, one-time notice: her own receipt (no promised date) and her own notice.
    intake = _new_intake(w, AYGUL)
    intake.checklist.set_state("M01", "已收")
    _verdict(w, intake, "一次性告知")
    notice = _finish(w)
    w.pump(lambda: notice.shown_receipt and notice.shown_files, what="the third case's paper")
    assert notice.shown_receipt == notice.result.case_no
    receipt = printer.receipt_for(notice.result.case_no)
    assert receipt is not None and "阿依古丽" in receipt.text and "李建国" not in receipt.text
    assert "承诺办结" not in receipt.text
    _only_its_own(notice, [first, refused])
    w.screenshot("result-own-paper-notice.png")
    w.key("Return")
    w.pump(lambda: not pad.waiting, what="the pad dark after leaving")


def test_a_known_number_under_another_name_makes_the_clerk_choose(counter_window, enrolled_runtime):
    w = counter_window
    win = w.window
    w.login()
    services = enrolled_runtime.services
    matter = services.intake.matter(GETIHU)
    services.intake.submit(
        IntakeDraft(
            Applicant(LI.name, "身份证", LI.id_number, phone="13912345678", address=ADDRESS),
            GETIHU,
            tuple(MaterialInput(m.code, True) for m in matter.materials),
        ),
        win.current_clerk,
    )

    def typed_under(name: str):
        win.show_intake()
        intake = w.pump(lambda: win.view if isinstance(win.view, IntakeView) else None, what="intake")
        panel = intake.applicant
        w.type(intake.name, name)
        w.type(intake.id_number, LI.id_number)
        w.pump(lambda: panel.conflict_box.winfo_ismapped() and not intake.busy, what="the name chooser")
        text = panel.conflict_text.cget("text")
        assert f"“{LI.name}”" in text and f"“{name}”" in text
        # Nothing of the person on record is filled in before the clerk chooses.
        assert (intake.name.get(), intake.phone.get(), panel.address.get()) == (name, "", "")
        assert win.root.focus_get() is not None and str(win.root.focus_get()).startswith(str(panel.keep_recorded))
        return intake, panel

    intake, panel = typed_under("李健国")
    w.type(intake.search, "个体")
    w.press(intake.search, "Return")
    w.pump(lambda: not intake.busy, what="matter chosen")
    w.key("F9")  # the applicant cannot be recorded until the clerk has chosen
    assert "请先选择" in intake.message.cget("text")
    assert isinstance(win.view, IntakeView)
    w.pump(lambda: str(win.root.focus_get()).startswith(str(panel.keep_recorded)), what="focus on the chooser")
    w.screenshot("applicant-name-conflict.png")
    w.key("2")  # keep the typed name: the record's phone and address stay out
    w.pump(lambda: not panel.conflict_box.winfo_ismapped(), what="chooser closed")
    assert (intake.name.get(), intake.phone.get(), panel.address.get()) == ("李健国", "", "")
    assert "未填入" in panel.returning_info.cget("text")

    intake, panel = typed_under("李健国")
    w.key("1")  # the name on record, and with it the record's details
    w.pump(lambda: not panel.conflict_box.winfo_ismapped(), what="chooser closed")
    assert (intake.name.get(), intake.phone.get(), panel.address.get()) == (LI.name, "13912345678", ADDRESS)
    assert "老办事人" in panel.returning_info.cget("text")


def test_handover_and_mailing_are_actions_on_the_case(counter_window, enrolled_runtime, live_server, virtual_devices):
    w = counter_window
    win = w.window
    w.login()
    services, hall = enrolled_runtime.services, live_server.hall
    clerk = win.current_clerk
    matter = services.intake.matter(GETIHU)
    accepted = services.intake.submit(
        IntakeDraft(
            Applicant(LI.name, "身份证", LI.id_number, address=ADDRESS),
            GETIHU,
            tuple(MaterialInput(m.code, True) for m in matter.materials),
            phone="13912345678",
        ),
        clerk,
    )
    assert services.sync.sync_now().pending == 0
    admin.decide(live_server.db_url, accepted.case_no, "approve", by=hall.approver)
    services.sync.sync_now()
    approver = admin.get_user(live_server.db_url, hall.approver)

    win.show_case(accepted.case_id)
    detail = w.pump(
        lambda: win.view if isinstance(win.view, CaseDetailView) and win.view.detail else None, what="case detail"
    )
    # Both hand-overs are actions in the bar, and their forms are in view without F8.
    assert detail.deliver_action.winfo_ismapped() and detail.mail_action.winfo_ismapped()
    assert detail.deliver_action.cget("text") == "出件（F8）" and detail.mail_action.cget("text") == "邮寄送达（F10）"
    w.pump(lambda: detail.address.get() == ADDRESS, what="the mailing address prefilled")
    assert detail.mail_name.get() == LI.name and "申请人登记地址" in detail.address_source.cget("text")
    canvas = detail.content._parent_canvas
    top = detail.recipient_id.winfo_rooty() - canvas.winfo_rooty()
    assert 0 <= top < canvas.winfo_height() - detail.recipient_id.winfo_height()
    # The timeline names people: the clerk and the approver, never their logins.
    who = {t.label: t.who for t in detail.detail.timeline}
    assert who["窗口受理"] == clerk.display_name and who["审批通过"] == approver.display_name
    shown = "\n".join(_texts(detail.content))
    assert clerk.username not in shown and hall.approver not in shown and approver.display_name in shown
    w.screenshot("detail-handover-actions.png")
    # What the clerk changes in the prefilled form survives the back office's next news.
    detail.address.icursor("end")
    w.press(detail.address, "A")
    assert detail.address.get() == ADDRESS + "A" and detail.typed
    detail.on_synced()
    w.settle(1.5)
    assert detail.address.get() == ADDRESS + "A"

    w.key("F8")
    assert str(win.root.focus_get()).startswith(str(detail.recipient_id))
    w.type(detail.recipient_id, LI.id_number)
    w.press(detail.recipient_id, "Return")
    w.pump(lambda: detail.detail.summary.status == "delivered", what="delivered")
    # The applicant is asked again, for the hand-over; the pad waits for their key.
    w.pump(lambda: virtual_devices.rating_pad.waiting and detail.rating.winfo_ismapped(), what="pad lit at 出件")
    assert detail.rating.status.cget("text") == "请申请人在评价器上为出件评价…"
    w.settle(1.0)
    assert detail.rating.result is None and virtual_devices.rating_pad.pressed == []
    assert not detail.deliver_action.winfo_ismapped()  # nothing left to hand over
    w.screenshot("detail-rating-at-handover.png")
    detail.rating.key_buttons[5].invoke()  # the applicant touches 非常满意 on the pad
    w.pump(lambda: detail.rating.result is not None, what="hand-over rated")
    assert (detail.rating.result.level, detail.rating.result.stage) == (5, "delivery")
    assert detail.rating.status.cget("text") == "出件评价：非常满意"
    labels = [t.label for t in services.cases.detail(accepted.case_id).timeline]
    assert labels[-2:] == ["窗口出件", "申请人评价"]


def test_a_case_concluded_on_the_spot_promises_nothing(counter_window, enrolled_runtime, virtual_devices):
    w = counter_window
    w.login()
    intake = _new_intake(w, WANG, matter="失业登记")
    assert intake.matter.name == "失业登记"
    w.key("F7")
    _verdict(w, intake, "当场办结")
    assert intake.verdict.deadline.cget("text") == "当场办结，结果当场交付"
    concluded = _finish(w)
    assert concluded.result.outcome == "conclude"
    w.pump(lambda: concluded.shown_receipt and concluded.shown_files, what="the concluded case's paper")
    heads = _texts(concluded)
    assert "当场办结，办理结果已当场交付（出件已登记）" in heads
    assert not any(text.startswith("承诺办结") for text in heads)
    receipt = virtual_devices.printer.receipt_for(concluded.result.case_no)
    assert receipt is not None and "承诺办结" not in receipt.text
    _only_its_own(concluded, [])
    w.screenshot("result-concluded-on-the-spot.png")
    detail = enrolled_runtime.services.cases.detail(concluded.result.case_id)
    assert detail.summary.status == "delivered" and detail.on_the_spot
