"""A 一件事 member's case at the window: F7 reprints the bundle's paper, F6 opens the whole bundle's 补正."""

from __future__ import annotations

from client.domain.decisions import DEFECTIVE, MISSING
from client.domain.identity import Applicant
from client.services.bundle_intake import BundleDraft
from client.services.intake import MaterialInput
from client.ui.detail import CaseDetailView
from client.ui.supplement import SupplementView

APPLICANT = Applicant("王秀兰", "身份证", "34052419800101001X")
SHORT = {"SFZ": (MISSING, ""), "验资报告": (DEFECTIVE, "未加盖会计师事务所公章")}


def test_a_members_f7_and_f6_act_on_the_whole_bundle(counter_window, virtual_devices):
    w = counter_window
    win = w.window
    w.login()
    services = win.services
    checklist = services.bundles.checklist("370702-YJS-02", APPLICANT)
    rows = tuple(
        MaterialInput(item.key, item.key not in SHORT, (), *SHORT.get(item.key, ("", ""))) for item in checklist.items
    )
    bundle = services.bundles.submit(BundleDraft(APPLICANT, "370702-YJS-02", rows, phone="13800000000"), win.clerk)
    assert bundle.outcome == "notify_missing"
    member = bundle.members[2]  # 食品经营许可: owes the ID card

    win.show_case(member.case_id)
    detail = w.pump(
        lambda: win.view if isinstance(win.view, CaseDetailView) and win.view.detail else None, what="detail"
    )
    jobs = len(virtual_devices.printer.jobs)
    w.key("F7")  # reprint: the bundle's one receipt and one-time notice, not the member's own
    w.pump(lambda: len(virtual_devices.printer.jobs) == jobs + 1, what="receipt reprinted")
    w.pump(lambda: "已重新打印" in detail.message.cget("text"), what="reprint message")
    receipt = virtual_devices.printer.last_receipt().text.replace("\n", "").replace(" ", "")
    assert bundle.bundle_no_display in receipt and all(m.case_no_display in receipt for m in bundle.members)

    w.key("F6")
    supplement = w.pump(
        lambda: win.view if isinstance(win.view, SupplementView) and win.view.form else None, what="supplement view"
    )
    heading = supplement.heading.cget("text")
    assert "幼儿园设立一件事" in heading and bundle.bundle_no_display in heading
    assert all(m.matter_name in heading for m in bundle.members)
    names = [spec.name for spec in supplement.checklist.specs.values()]
    assert len(names) == 2 and sum("身份证" in n for n in names) == 1  # the shared ID card once
    assert "未加盖会计师事务所公章" in supplement.problems.cget("text")
    w.keep_screenshot("bundle-supplement.png")

    w.key("F7")  # everything brought
    w.key("F9")
    back = w.pump(
        lambda: win.view if isinstance(win.view, CaseDetailView) and win.view.detail else None, what="back to detail"
    )
    w.pump(lambda: "一件事补正完成" in win.error_line.cget("text"), what="bundle supplement note")
    assert "4个办件已一并受理" in win.error_line.cget("text")
    for m in bundle.members:
        assert services.cases.detail(m.case_id).summary.status in ("accepted", "submitted"), m.matter_name
    assert back.detail.bundle.endswith(bundle.bundle_no_display)
    w.keep_screenshot("bundle-member-after-supplement.png")
