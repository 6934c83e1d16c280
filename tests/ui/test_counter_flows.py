"""The other counter flows through the real window: one-time notice and 补正, 容缺, refusal,
mail and withdrawal — each against the live back office, with screenshots."""

from __future__ import annotations

import os
import subprocess
import sys

from client.ui.detail import CaseDetailView
from client.ui.intake import IntakeView
from client.ui.result import ResultView
from client.ui.supplement import SupplementView


def _new_intake(w, id_number="34052419800101001X", name="李建国", matter="个体"):
    win = w.window
    win.show_intake()
    intake = w.pump(lambda: win.view if isinstance(win.view, IntakeView) else None, what="intake")
    w.type(intake.id_number, id_number)
    w.pump(lambda: not intake.busy, what="applicant looked up")
    if not intake.name.get():  # a returning applicant's name is filled in already
        w.type(intake.name, name)
    assert intake.name.get() == name
    w.type(intake.search, matter)
    w.press(intake.search, "Return")
    assert intake.matter is not None
    return intake


def _verdict(w, intake, label, mentions=""):
    w.pump(
        lambda: (
            intake.verdict.verdict.cget("text") == f"将办理：{label}"
            and mentions in intake.verdict.detail.cget("text")
            and not w.window.view.busy
        ),
        what=f"verdict {label}",
    )


def _finish(w, intake):
    win = w.window
    w.key("F9")
    return w.pump(lambda: win.view if isinstance(win.view, ResultView) else None, what="result view")


def _open(w, case_id):
    win = w.window
    win.show_case(case_id)
    return w.pump(
        lambda: win.view if isinstance(win.view, CaseDetailView) and win.view.detail else None, what="case detail"
    )


def test_one_time_notice_then_supplement(counter_window):
    w = counter_window
    win = w.window
    w.login()
    intake = _new_intake(w)
    intake.checklist.set_state("M01", "已收")
    intake.checklist.set_state("M02", "有误")
    w.type(intake.checklist.reasons["M02"], "缺少申请人签字")
    _verdict(w, intake, "一次性告知", "缺少申请人签字")
    w.screenshot("intake-one-time-notice.png")
    result = _finish(w, intake)
    assert result.result.outcome == "notify_missing"
    w.pump(lambda: result.previews.winfo_children(), what="notice preview")
    w.screenshot("result-one-time-notice.png")

    detail = _open(w, result.result.case_id)
    assert detail.detail.can_supplement
    w.key("F6")
    supplement = w.pump(
        lambda: win.view if isinstance(win.view, SupplementView) and win.view.form else None, what="supplement view"
    )
    assert "缺少申请人签字" in supplement.problems.cget("text")
    w.screenshot("supplement.png")
    w.key("F7")
    w.key("F9")
    detail = w.pump(
        lambda: win.view if isinstance(win.view, CaseDetailView) and win.view.detail else None, what="back to detail"
    )
    w.pump(lambda: win.view.detail.summary.status in ("accepted", "submitted"), what="accepted after supplement")
    assert "补正材料" in [t.label for t in win.view.detail.timeline]


def test_refusal_and_rongque(counter_window):
    w = counter_window
    w.login()
    intake = _new_intake(w)
    w.key("F10")
    w.type(intake.verdict.competent, "潍坊市市场监督管理局")
    _verdict(w, intake, "不予受理")
    w.screenshot("intake-refusal.png")
    result = _finish(w, intake)
    assert result.result.outcome == "refuse" and not result.result.printed

    intake = _new_intake(w)
    intake.checklist.set_state("M01", "已收")
    intake.checklist.set_state("M02", "已收")
    _verdict(w, intake, "容缺受理", "经营场所使用证明")
    w.screenshot("intake-rongque.png")
    result = _finish(w, intake)
    assert result.result.outcome == "accept_tolerant" and len(result.result.documents) == 2


def test_mail_and_withdraw(counter_window, live_server):
    w = counter_window
    win = w.window
    w.login()
    intake = _new_intake(w)
    w.key("F7")
    _verdict(w, intake, "受理")
    first = _finish(w, intake).result
    intake = _new_intake(w)
    w.key("F7")
    _verdict(w, intake, "受理")
    second = _finish(w, intake).result
    w.pump(lambda: win.services.sync.status().pending == 0, what="pushed")

    env = dict(os.environ, ONEWINDOW_SERVER_DB=live_server.db_url)
    done = subprocess.run(
        [sys.executable, "-m", "sync.server", "decide", first.case_no, "approve", "--by", live_server.hall.approver],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    win.sync_now()
    w.pump(lambda: win.services.cases.detail(first.case_id).summary.status == "approved", what="approved")
    detail = _open(w, first.case_id)
    assert detail.detail.can_mail
    w.key("F10")
    w.type(detail.tracking, "EL123456789CN")
    w.type(detail.address, "山东省潍坊市潍城区胜利西街1号")
    w.screenshot("detail-mail.png")
    detail.mail()
    w.pump(lambda: detail.detail.summary.status == "mailed", what="mailed")
    assert "EL123456789CN" in detail.message.cget("text")

    detail = _open(w, second.case_id)
    w.type(detail.withdraw_reason, "申请人决定暂不办理")
    w.pump(lambda: not detail.busy, what="detail idle")  # withdraw() ignores a click while busy
    detail.withdraw()
    w.pump(lambda: detail.detail.summary.status == "withdrawn", what="withdrawn")
    w.screenshot("detail-withdrawn.png")
