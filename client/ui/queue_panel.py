"""The queue panel on the home screen: the ticket this window serves and its keys.

F7 叫号 · F8 重呼 · F3 办结 · F10 转移 · F4 过号; 预约签到 opens a row where a 云叫号
booking is checked in by its holder's ID card, ID number or confirmation code. Every request
runs off the Tk thread; an unreachable queue is shown in words and never stops intake (F2).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVarTuple

import customtkinter as ctk

from client.services.booking_check_in import CheckedIn
from client.services.queue import QueuePanel as QueueState
from client.services.queue import TicketView

from .base import required, wrap_to_width
from .theme import ERROR_COLOR, OK_COLOR, WARN_COLOR

if TYPE_CHECKING:
    from .home import HomeView

Ts = TypeVarTuple("Ts")

PRIORITY_COLOR = "#b00060"
REFRESH_MS = 15_000  # who waits changes as the hall's other windows call


class QueuePanel(ctk.CTkFrame):
    def __init__(self, view: HomeView):
        super().__init__(view)
        self.view, self.app = view, view.app
        self.queue = required(view.services.queue, "queue")
        top = ctk.CTkFrame(self, fg_color="transparent")
        top.pack(fill="x", padx=12, pady=(8, 0))
        self.window_label = view.label(top, "叫号", 1, True)
        self.window_label.pack(side="left")
        self.number = view.label(top, "—", 10, True, width=130)
        self.number.pack(side="left", padx=(16, 8))
        self.detail = view.label(top, "", 1, justify="left")
        self.detail.pack(side="left", padx=8)
        self.waiting = view.label(top, "", 1)
        self.waiting.pack(side="right")
        self.check_in = view.services.check_in
        if self.check_in is not None:
            self.check_in_toggle = view.button(
                top, "预约签到", self.toggle_check_in, kind="secondary", height=30, width=100
            )
            self.check_in_toggle.pack(side="right", padx=(0, 16))
        bar = ctk.CTkFrame(self, fg_color="transparent")
        bar.pack(fill="x", padx=12, pady=6)
        self.buttons: dict[str, ctk.CTkButton] = {}
        for key, text, command in (
            ("F7", "叫号（F7）", self.call_next),
            ("F8", "重呼（F8）", self.recall),
            ("F3", "办结（F3）", self.done),
            ("F10", "转移（F10）", self.ask_transfer),
            ("F4", "过号（F4）", self.no_show),
        ):
            kind = "primary" if key == "F7" else "secondary"  # 叫号 is the panel's action; the rest follow it
            button = view.button(bar, text, command, kind=kind, height=34, width=110)
            button.pack(side="left", padx=(0, 8))
            self.buttons[key] = button
        self.transfer_to = view.entry(bar, width=210, placeholder_text="转至窗口号或号类（A/B/C），回车")
        self.transfer_to.pack(side="left", padx=(4, 0))
        self.transfer_to.bind("<Return>", lambda _e: self.transfer())
        # Shown only while the called ticket came with a booked matter (云叫号).
        self.booked = view.button(bar, "按预约事项受理", self.take_booked, kind="primary", height=34, width=150)
        # 预约签到: shown on demand; what was typed stays until a check-in succeeds.
        self.check_in_row = ctk.CTkFrame(self, fg_color="transparent")
        view.label(self.check_in_row, "预约签到", 0, True).pack(side="left", padx=(0, 8))
        self.check_in_entry = view.entry(
            self.check_in_row, width=300, placeholder_text="身份证号码或8位预约确认码，回车签到"
        )
        self.check_in_entry.pack(side="left")
        self.check_in_entry.bind("<Return>", lambda _e: self.check_in_typed())
        view.button(self.check_in_row, "签到", self.check_in_typed, kind="primary", height=32, width=80).pack(
            side="left", padx=(8, 0)
        )
        self.check_in_card_button = view.button(
            self.check_in_row, "读身份证签到", self.check_in_card, kind="secondary", height=32, width=120
        )
        self.check_in_card_button.pack(side="left", padx=(8, 0))
        self.message = view.label(self, "", 0, justify="left", wraplength=1200)
        wrap_to_width(self.message, self, 30)
        self.message.pack(anchor="w", padx=12, pady=(0, 8))
        self.keys = {
            "F7": self.call_next,
            "F8": self.recall,
            "F3": self.done,
            "F10": self.ask_transfer,
            "F4": self.no_show,
        }
        self.pending = False  # an action (not a refresh) is on its way
        self.refreshing = False  # a status refresh is on its way
        self.offline_shown = False
        self.serial = self.shown = 0
        if self.app.queue_state is not None:
            self.show(self.app.queue_state)
        self._timer = self.after(REFRESH_MS, self._tick)

    def _tick(self) -> None:
        if self.winfo_viewable():  # the home screen is kept while another screen shows: no polling then
            self.refresh()
        self._timer = self.after(REFRESH_MS, self._tick)

    def destroy(self) -> None:
        self.after_cancel(self._timer)
        super().destroy()

    @property
    def current(self) -> TicketView | None:
        state = self.app.queue_state
        return state.current if state is not None else None

    def refresh(self) -> None:
        if not self.pending and not self.refreshing:
            self._run(self.queue.status, refresh=True)

    def _run(self, fn: Callable[[*Ts], QueueState], *args: *Ts, refresh: bool = False) -> None:
        """One action at a time (a second key press while one is on its way is ignored, with a
        note); a status refresh never blocks an action, and an older answer never overwrites a
        newer one."""
        if self.pending and not refresh:
            self.message.configure(text="正在处理上一个叫号操作，请稍候", text_color=WARN_COLOR)
            return
        self.pending = not refresh
        self.refreshing = self.refreshing or refresh
        self.serial += 1
        serial = self.serial
        if not refresh:
            self.message.configure(text="正在连接叫号服务…", text_color="gray40")
        self.view.run_task(
            fn,
            *args,
            on_done=lambda panel: self._answered(panel, serial, refresh),
            on_error=lambda exc: self._refused(exc, refresh),
        )

    def _answered(self, panel: QueueState, serial: int, refresh: bool) -> None:
        if not refresh:
            self.pending = False
        else:
            self.refreshing = False
        if serial < self.shown:
            return  # a refresh that started before the last action answered
        self.shown = serial
        self.app.queue_answered(panel)
        self.show(panel, keep_note=refresh)

    def _refused(self, exc: BaseException, refresh: bool) -> None:
        if not refresh:
            self.pending = False
        else:
            self.refreshing = False
        self.message.configure(text=getattr(exc, "message", "叫号操作失败，请重试"), text_color=ERROR_COLOR)

    def show(self, panel: QueueState, keep_note: bool = False) -> None:
        """`keep_note`: a background refresh leaves the last action's note (请A001号…) in place."""
        self.window_label.configure(text=f"{panel.window}号窗口 叫号" if panel.window else "叫号")
        ticket = panel.current
        if ticket is None:
            self.number.configure(text="—", text_color="gray40")
            self.detail.configure(text="当前没有在办的号" if panel.available else "")
        else:
            self.number.configure(text=ticket.ticket_no, text_color=PRIORITY_COLOR if ticket.priority else OK_COLOR)
            parts = [ticket.category_label]
            if ticket.priority_label:
                parts.append(ticket.priority_label)
            if ticket.recalls:
                parts.append(f"已重呼{ticket.recalls}次" + ("，可过号（F4）" if ticket.can_no_show else ""))
            if ticket.waited_minutes is not None:
                parts.append(f"等候{ticket.waited_minutes}分钟")
            if ticket.appointment_at is not None:
                parts.append(f"已签到预约 {ticket.appointment_time}")
            if ticket.appointment_matter_name:
                parts.append(f"预约事项：{ticket.appointment_matter_name}")
            taken = self.app.ticket_cases
            if taken:
                parts.append(f"已受理{len(taken)}件，办结（F3）")
            self.detail.configure(text=" · ".join(parts))
        if ticket is not None and ticket.appointment_matter:
            self.booked.pack(side="left", padx=(8, 0))
        else:
            self.booked.pack_forget()
        self.waiting.configure(
            text=f"等候 {panel.waiting} 人（优先 {panel.waiting_priority}）" if panel.available else ""
        )
        if not panel.available:
            self.message.configure(text=panel.message, text_color=WARN_COLOR)
            self.offline_shown = True
        elif not keep_note or self.offline_shown:
            self.message.configure(text=panel.message, text_color=OK_COLOR)
            self.offline_shown = False

    def _need_ticket(self) -> TicketView | None:
        """The ticket being served, or None (and the clerk is told to call one first)."""
        ticket = self.current
        if ticket is None:
            self.message.configure(text="当前没有在办的号，请先叫号（F7）", text_color=WARN_COLOR)
        return ticket

    def call_next(self) -> None:
        self._run(self.queue.call_next)

    def take_booked(self) -> None:
        """The intake of the called ticket's booking, its matter already chosen."""
        if (ticket := self._need_ticket()) is not None and ticket.appointment_matter:
            self.app.show_intake_for(ticket.appointment_matter)

    def toggle_check_in(self) -> None:
        if self.check_in_row.winfo_ismapped():
            self.check_in_row.pack_forget()
            return
        self.check_in_row.pack(fill="x", padx=12, pady=(0, 6), before=self.message)
        self.check_in_entry.focus_set()
        self.message.configure(
            text="预约时段开始前后15分钟内可签到；签到后的号先于现场取号的群众叫号", text_color="gray20"
        )

    def check_in_typed(self) -> None:
        if self.check_in is not None:
            self._check_in(self.check_in.by_entry, self.check_in_entry.get())

    def check_in_card(self) -> None:
        if self.check_in is not None:
            self._check_in(self.check_in.by_card)

    def _check_in(self, fn: Callable[[*Ts], CheckedIn], *args: *Ts) -> None:
        if self.pending:
            self.message.configure(text="正在处理上一个叫号操作，请稍候", text_color=WARN_COLOR)
            return
        self.pending = True
        self.message.configure(text="正在签到…", text_color="gray40")
        self.view.run_task(fn, *args, on_done=self._checked_in, on_error=lambda exc: self._refused(exc, False))

    def _checked_in(self, done: CheckedIn) -> None:
        self.pending = False
        self.check_in_entry.delete(0, "end")
        self.message.configure(text=done.message, text_color=OK_COLOR if done.printed else WARN_COLOR)
        self.refresh()  # who waits: one more, ahead of the walk-ins

    def recall(self) -> None:
        if (ticket := self._need_ticket()) is not None:
            self._run(self.queue.recall, ticket.id)

    def no_show(self) -> None:
        if (ticket := self._need_ticket()) is not None:
            self._run(self.queue.no_show, ticket.id)

    def done(self) -> None:
        if (ticket := self._need_ticket()) is not None:
            cases = self.app.ticket_cases
            self._run(self.queue.done, ticket.id, cases[-1] if cases else "")

    def ask_transfer(self) -> None:
        if (ticket := self._need_ticket()) is not None:
            self.transfer_to.focus_set()
            self.message.configure(text=f"将{ticket.ticket_no}号转至哪个窗口或号类？输入后回车", text_color="gray20")

    def transfer(self) -> None:
        if (ticket := self._need_ticket()) is not None:
            self._run(self.queue.transfer, ticket.id, self.transfer_to.get())
            self.transfer_to.delete(0, "end")
            self.view.new_button.focus_set()
