"""办幼儿园 at the window: the bundle is one application with one merged checklist, and F9 links its cases."""

from __future__ import annotations

from client.services.bundle_intake import BundleResult
from client.ui.home import HomeView
from client.ui.intake import IntakeView
from client.ui.result import ResultView


def test_kindergarten_bundle_is_one_checklist_one_verdict_and_linked_cases(counter_window, virtual_devices):
    from devices.virtual import SAMPLE_CARDS

    w = counter_window
    win = w.window
    w.login()
    w.key("F2")
    intake = w.pump(lambda: win.view if isinstance(win.view, IntakeView) else None, what="intake view")
    card = SAMPLE_CARDS[0]
    virtual_devices.reader.place_card(card)
    w.key("F3")
    w.pump(lambda: intake.id_number.get() == card.id_number, what="card read")

    # The clerk first takes the canteen licence alone: its ID card is scanned, its form ticked.
    w.type(intake.search, "食品经营许可")
    w.press(intake.search, "Return")
    w.pump(lambda: intake.matter is not None and intake.matter.code == "370702-XK-0002", what="single matter")
    intake.scan_pages("M01", "申请人身份证")
    w.pump(lambda: intake.page_labels["M01"].cget("text") == "已扫描 1 页", what="scan of the ID card")
    intake.checklist.set_state("M02", "已收")

    # Then sees it is part of opening a kindergarten, and takes the bundle instead.
    intake.search.delete(0, "end")
    w.type(intake.search, "办幼儿园")
    listed = [intake.results.get(i) for i in range(intake.results.size())]
    assert listed[0] == "【一件事】幼儿园设立一件事（4个事项）"
    w.press(intake.search, "Return")
    w.pump(lambda: intake.bundle_mode.active, what="bundle chosen")
    assert intake.matter is None and intake.bundle_mode.code == "370702-YJS-02"

    # One merged checklist: the ID card once for the three matters that need it, no member's row twice.
    rows = {code: spec.name for code, spec in intake.checklist.specs.items()}
    assert rows["SFZ"] == "举办者身份证（3个事项共用）"
    # What the chain itself issues is not asked (issue 21, point 7): the kindergarten is a 民办非企业单位,
    # its canteen and fire check get the 登记证书 the registration issues, no 营业执照.
    assert not any("营业执照" in name or "主体资格证明" in name or "批准文件" in name for name in rows.values())
    assert sum("身份证" in name for name in rows.values()) == 1
    # 22 rows across the four guides: three ID cards and two premises proofs are one each, and the
    # registration's approval and the two subject documents come from the chain.
    assert len(rows) == 16
    assert set(intake.checklist.states) == set(rows)
    # The same papers keep what was recorded (the ID card with its page); nothing is ticked by position.
    ticked = {code for code, var in intake.checklist.states.items() if var.get() != "缺"}
    assert ticked == {"SFZ", "食品经营许可申请书"}
    assert intake.page_labels["SFZ"].cget("text") == "已扫描 1 页"
    assert "含：民办幼儿园设立审批、民办非企业单位成立登记、食品经营许可、" in intake.matter_info.cget("text")
    w.pump(lambda: "一次性告知" in intake.verdict.verdict.cget("text"), what="one notice for the whole bundle")

    w.key("F7")
    w.pump(lambda: intake.verdict.verdict.cget("text") == "将办理：受理", what="bundle accept verdict")
    assert "承诺办结" in intake.verdict.deadline.cget("text")
    w.keep_screenshot("bundle-intake.png")

    # The intake is kept as a draft as the clerk goes; it comes back as it was left (bundle, rows, pages).
    drafts, clerk = win.services.drafts, win.clerk
    draft_id = intake.draft_id
    saved = w.pump(
        lambda: [d for d in drafts.drafts(clerk) if d.id == draft_id and d.pages == 1], what="bundle draft saved"
    )
    assert saved[0].matter == "一件事：幼儿园设立一件事"
    snap = drafts.load(draft_id, clerk)
    assert snap.bundle_code == "370702-YJS-02" and snap.matter_code == ""
    intake.restore(snap, draft_id)
    w.pump(lambda: intake.bundle_mode.active and len(intake.checklist.states) == 16, what="bundle draft restored")
    assert all(var.get() == "已收" for var in intake.checklist.states.values())
    assert intake.checklist.pages["SFZ"] and intake.id_number.get() == card.id_number
    w.pump(lambda: intake.verdict.verdict.cget("text") == "将办理：受理", what="verdict after restore")

    # F8: the bundle's one notice as it would print, nothing stored yet.
    w.key("F8")
    preview = w.pump(
        lambda: intake.preview_window if intake.preview_window and intake.preview_window.winfo_exists() else None,
        what="notice preview",
    )
    assert preview.title() == "预览：受理通知书"
    preview.destroy()
    intake.id_number.focus_set()

    w.key("F9")
    result = w.pump(lambda: win.view if isinstance(win.view, ResultView) else None, what="result view")
    bundle = result.result
    assert isinstance(bundle, BundleResult) and bundle.outcome == "accept"
    w.pump(lambda: result.previews.winfo_children(), what="paper previews")
    shown = _texts(result)
    assert f"一件事：幼儿园设立一件事　编号：{bundle.bundle_no_display}" in shown
    for i, member in enumerate(bundle.members, 1):
        assert f"{i}. {member.matter_name} · {member.department} · 办件编号 {member.case_no_display}" in shown
    assert result.shown_receipt == bundle.bundle_no  # the bundle's one receipt, no other case's
    assert result.shown_files == (bundle.notice_pdf,)
    assert not [d for d in drafts.drafts(clerk) if d.id == draft_id]  # the draft left with the cases
    # The page scanned once is on each member case that asks for an ID card.
    cards = {
        m.matter_name: [line.pages for line in win.services.cases.detail(m.case_id).materials if "身份证" in line.name]
        for m in bundle.members
    }
    assert cards == {
        "民办幼儿园设立审批": [1],
        "民办非企业单位成立登记": [1],
        "食品经营许可": [1],
        "公众聚集场所投入使用、营业前消防安全检查": [],
    }
    w.keep_screenshot("bundle-result.png")
    w.press(result.home_button, "Return")
    w.pump(lambda: isinstance(win.view, HomeView), what="home view")


def _texts(widget) -> list[str]:
    out = []
    for child in widget.winfo_children():
        try:
            out.append(child.cget("text"))
        except Exception:
            pass
        out += _texts(child)
    return out
