"""Supervisor view (F9 on home, supervisors only): today's numbers, 黄牌/红牌, 差评.

PageUp/PageDown scroll the figures on a short screen; the buttons are Tab stops."""

from __future__ import annotations

from typing import TYPE_CHECKING

import customtkinter as ctk

from client.services.outreach import OutreachOverview
from client.services.supervision import DailyReport, Overview

from .base import View, required, scroll_column
from .focus import scroll_keys
from .images import png_image
from .theme import ERROR_COLOR, OK_COLOR, WARN_COLOR

if TYPE_CHECKING:
    from .mainwindow import MainWindow


class SupervisorView(View):
    title = "窗口主管"

    def __init__(self, app: MainWindow):
        super().__init__(app)
        self.supervision = required(self.services.supervision, "supervision")
        bar = ctk.CTkFrame(self, fg_color="transparent")
        bar.pack(fill="x", padx=16, pady=12)
        self.refresh_button = self.button(bar, "刷新（F5）", self.refresh, kind="secondary", height=40)
        self.refresh_button.pack(side="left")
        self.button(bar, "打印今日窗口日报（F9）", self.report, height=40).pack(side="left", padx=10)
        self.button(bar, "返回（Esc）", self.app.show_home, kind="secondary", height=40).pack(side="right")
        self.message = self.label(bar, "", -1)
        self.message.pack(side="left", padx=10)
        # The printed 日报 is shown beside the figures, once F9 has printed it.
        self.report_box = ctk.CTkFrame(self)
        self.body = scroll_column(self, fg_color="transparent")
        self.body.pack(side="left", fill="both", expand=True, padx=16, pady=(0, 12))
        self.overview: Overview | None = None
        self.outreach: OutreachOverview | None = None
        self.daily: DailyReport | None = None  # the last 日报 printed from this view
        self.printing = False
        self.keys = {"F5": self.refresh, "F9": self.report, "Escape": self.app.show_home, **scroll_keys(self.body)}

    def open(self) -> None:
        """Today's figures afresh on this view, built once per login: nothing of the last visit
        (figures, a printed 日报, a message) is shown while the new figures are on their way."""
        self.epoch += 1  # answers still on their way for the last visit are dropped
        self.overview = self.outreach = self.daily = None
        self.printing = False
        for child in (*self.body.winfo_children(), *self.report_box.winfo_children()):
            child.destroy()
        self.report_box.pack_forget()
        self.message.configure(text="")
        self.refresh()

    def on_show(self) -> None:
        self.refresh_button.focus_set()  # the keyboard leaves the home screen behind

    def refresh(self) -> None:
        self.run_task(self.supervision.overview, on_done=self._show, on_error=self._failed)

    def _show(self, o: Overview) -> None:
        self.overview = o
        for child in self.body.winfo_children():
            child.destroy()
        d = o.daily
        self.label(self.body, f"{o.day:%Y年%m月%d日} 今日窗口", 3, True).pack(anchor="w")
        figures = (
            f"接件 {d.total}件    受理 {sum(m.accepted + m.tolerant for m in d.matters)}件    "
            f"一次性告知 {d.one_time_notices}份    不予受理 {sum(m.refused for m in d.matters)}件    "
            f"出件 {d.delivered}件"
        )
        self.label(self.body, figures, 1).pack(anchor="w", pady=(2, 8))
        for clerk in d.clerks:
            self.label(
                self.body,
                f"· {clerk.clerk}：接件{clerk.cases}件，受理{clerk.accepted}件，"
                f"一次性告知{clerk.corrections}份，出件{clerk.delivered}件",
                -1,
            ).pack(anchor="w")
        self._cases("红牌：已超期", o.overdue, ERROR_COLOR, "超期{}天")
        self._cases("黄牌：即将到期", o.near_due, WARN_COLOR, "剩{}天")
        self.label(self.body, f"本月差评（{len(o.bad_ratings)}条）", 2, True).pack(anchor="w", pady=(14, 2))
        if not o.bad_ratings:
            self.label(self.body, "无", -1, text_color=OK_COLOR).pack(anchor="w")
        for bad in o.bad_ratings:
            self.label(
                self.body,
                f"· {bad.rated_on:%m-%d} {bad.level}  {bad.matter}  经办：{bad.clerk}  "
                f"状态：{bad.status}  办件：{bad.case_no}",
                -1,
                text_color=ERROR_COLOR,
            ).pack(anchor="w")

        if self.services.outreach is not None:
            self.run_task(self.services.outreach.overview, on_done=self._show_outreach, on_error=self._failed)

    def _show_outreach(self, o: OutreachOverview) -> None:
        """The service bus: what each recent run did, and the results waiting to be mailed."""
        self.outreach = o
        self.label(self.body, "直通车上门服务", 2, True).pack(anchor="w", pady=(14, 2))
        if not o.runs:
            self.label(self.body, "本机暂无直通车行程", -1).pack(anchor="w")
        for run in o.runs:
            self.label(self.body, "· " + run.label, -1).pack(anchor="w")
        self.label(
            self.body,
            f"待邮寄结果（{len(o.awaiting_mail)}件，邮寄费用由政府承担）",
            1,
            True,
            text_color=WARN_COLOR if o.awaiting_mail else OK_COLOR,
        ).pack(anchor="w", pady=(8, 2))
        for m in o.awaiting_mail:
            self.label(
                self.body,
                f"· {m.case_no_display}  {m.applicant_name}  {m.matter_name}  {m.status_label}  "
                f"寄往：{m.address}  {m.phone}（{m.run_date:%m-%d} {m.area_name}）",
                -1,
            ).pack(anchor="w")

    def _cases(self, title: str, cases, color: str, days: str) -> None:
        self.label(self.body, f"{title}（{len(cases)}件）", 2, True, text_color=color).pack(anchor="w", pady=(14, 2))
        if not cases:
            self.label(self.body, "无", -1, text_color=OK_COLOR).pack(anchor="w")
        for c in cases:
            self.label(
                self.body,
                f"· {c.matter}  经办：{c.clerk}  承诺：{c.promised_by:%Y-%m-%d}  "
                f"{days.format(c.days)}  {c.status}  办件：{c.case_no}",
                -1,
            ).pack(anchor="w")

    def report(self) -> None:
        """F9: print today's 日报 on the receipt printer, keep the A4 PDF and show it here."""
        if self.printing:
            return
        self.printing = True
        self.message.configure(text="正在打印日报…", text_color=WARN_COLOR)
        self.run_task(self.supervision.daily_report, on_done=self._reported, on_error=self._report_failed)

    def _reported(self, report: DailyReport) -> None:
        self.printing = False
        self.daily = report
        if report.printed:
            self.message.configure(text=f"日报已打印，PDF已保存：{report.path.name}", text_color=OK_COLOR)
        else:
            self.message.configure(text=report.error, text_color=ERROR_COLOR)
        for child in self.report_box.winfo_children():
            child.destroy()
        self.label(self.report_box, "今日窗口日报（A4 PDF）", -1, True).pack(anchor="w", padx=8, pady=(6, 0))
        ctk.CTkLabel(self.report_box, text="", image=png_image(report.preview_png, 360, 500)).pack(padx=8, pady=8)
        self.report_box.pack(side="right", fill="y", padx=(0, 16), pady=(0, 12))

    def _report_failed(self, exc: BaseException) -> None:
        self.printing = False
        self._failed(exc)

    def _failed(self, exc: BaseException) -> None:
        self.message.configure(text=getattr(exc, "message", "操作失败"), text_color=ERROR_COLOR)
