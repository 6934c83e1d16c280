"""The kiosk's touch screen: big buttons, big type, one question at a time.

Screens: `start` (pick a category, or place the ID card first), `busy`, `ticket` (the number
taken; in huge red type with a warning when the slip did not print), `offline` (go to the
咨询台), `printer` (jammed or missing), `refused`. Any screen but `start` goes back to it after
`idle_ms` without a touch, and so does a card left unused. Devices and the network are only
touched off the Tk thread; their answers come back through a queue the Tk loop drains.

A citizen cannot close it: the window's close button and Esc do nothing; Ctrl+Shift+Q (a
keyboard only the administrator plugs in) asks for confirmation on screen, then closes.
"""

from __future__ import annotations

import concurrent.futures
import logging
import queue
import threading
import tkinter as tk
from collections.abc import Callable
from dataclasses import dataclass

import customtkinter as ctk

from client.services.demo_cards import DemoCardService
from client.ui.theme import DANGER, ERROR_COLOR, PRIMARY, PRIMARY_HOVER, WARN_COLOR, make_theme
from reports.queue_slip import ahead_text

from .service import PRINT_FAILED, Holder, Issued, KioskService, Refusal

log = logging.getLogger(__name__)

IDLE_MS = 20_000
POLL_S = 0.5
PRINTER_CHECK_EVERY = 6  # card polls between two printer checks (about 3 s)
BACKGROUND = "#eef3f9"


@dataclass(frozen=True)
class _CardPlaced:
    holder: Holder


@dataclass(frozen=True)
class _PrinterState:
    problem: str


@dataclass(frozen=True)
class _Answer:
    outcome: Issued | Refusal


class KioskWindow:
    def __init__(
        self,
        service: KioskService,
        *,
        fullscreen: bool = True,
        idle_ms: int = IDLE_MS,
        demo_cards: DemoCardService | None = None,
    ):
        self.service, self.idle_ms = service, idle_ms
        self.root = ctk.CTk()
        self.root.title("取号机")
        self.root.configure(fg_color=BACKGROUND)
        self.theme = make_theme(self.root, base=22)
        self.callback_errors: list[BaseException] = []
        self.root.report_callback_exception = self._callback_failed
        width, height = self.root.winfo_screenwidth(), self.root.winfo_screenheight()
        self.root.geometry(f"{width}x{height}+0+0")
        if fullscreen:
            self.root.attributes("-fullscreen", True)
            self.root.configure(cursor="none")  # a touch screen: no pointer left where the last finger was
        self.root.protocol("WM_DELETE_WINDOW", self._close_requested)
        self.root.bind("<Escape>", lambda _e: self._close_requested())
        self.root.bind("<Control-Q>", lambda _e: self.ask_admin_exit())  # Ctrl+Shift+Q
        self.root.bind_all("<ButtonPress>", lambda _e: self._touched(), add="+")

        self.screen = ""
        self.holder: Holder | None = None
        self.printer_problem = ""
        self.last: Issued | Refusal | None = None
        self.closed = False
        self.busy = False
        self.category_buttons: dict[str, ctk.CTkButton] = {}
        self.confirm_exit: ctk.CTkButton | None = None
        self._events: queue.Queue[object] = queue.Queue()
        self._stop = threading.Event()
        self._work = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="kiosk-take")
        self._idle_job: str | None = None
        self.demo_buttons: dict[str, ctk.CTkButton] = {}
        if demo_cards is not None:
            self._demo_bar(demo_cards)
        self._body = ctk.CTkFrame(self.root, fg_color=BACKGROUND)
        self._body.pack(fill="both", expand=True)
        self._poller = threading.Thread(target=self._poll_devices, name="kiosk-devices", daemon=True)
        self._poller.start()
        self.show_start()
        self.root.after(50, self._drain)

    # -- screens --------------------------------------------------------------------------

    def _clear(self, screen: str) -> ctk.CTkFrame:
        for child in self._body.winfo_children():
            child.destroy()
        self.category_buttons = {}
        self.confirm_exit = None
        self.screen = screen
        frame = ctk.CTkFrame(self._body, fg_color=BACKGROUND)
        frame.place(relx=0.5, rely=0.5, anchor="center")
        return frame

    def _label(self, master: tk.Misc, text: str, size: int, bold: bool = False, color: str = "#1f2d3d") -> ctk.CTkLabel:
        label = ctk.CTkLabel(
            master, text=text, font=self.theme.font(size - self.theme.base, bold), text_color=color, justify="center"
        )
        label.pack(pady=10)
        return label

    def _button(self, master: tk.Misc, text: str, command: Callable[[], None], width: int = 560) -> ctk.CTkButton:
        button = ctk.CTkButton(
            master,
            text=text,
            command=command,
            width=width,
            height=96,
            corner_radius=16,
            font=self.theme.font(40 - self.theme.base, True),
            fg_color=PRIMARY,
            hover_color=PRIMARY_HOVER,
        )
        button.pack(pady=12)
        return button

    def _demo_bar(self, demo_cards: DemoCardService) -> None:
        """Virtual reader (demo, training): a strip of sample cards to lay on it by touch."""
        bar = ctk.CTkFrame(self.root, fg_color="#fff3e0", corner_radius=0)
        bar.pack(side="bottom", fill="x")
        ctk.CTkLabel(bar, text="演示：放卡", font=self.theme.font(-4, True), text_color=WARN_COLOR).pack(
            side="left", padx=12, pady=6
        )
        for card in demo_cards.cards()[:4]:
            button = ctk.CTkButton(
                bar,
                text=f"{card.name}（{card.kind}）",
                width=10,
                font=self.theme.font(-6),
                command=lambda n=card.number: demo_cards.place(n),
            )
            button.pack(side="left", padx=6, pady=6)
            self.demo_buttons[card.name] = button

    def show_start(self) -> None:
        frame = self._clear("start")
        if self.holder is not None:
            self._label(frame, self.holder.greeting, 44, True, PRIMARY)
            self._label(frame, "已读取身份证，请选择办理业务（已预约的请点任一业务签到）", 30)
        else:
            self._label(frame, "欢迎来到政务服务大厅", 44, True, PRIMARY)
            self._label(frame, "请点击选择办理业务，取号排队", 30)
        for code, label in self.service.categories():
            self.category_buttons[code] = self._button(frame, f"{code}  {label}", self._taker(code))
        if self.holder is None:
            self._label(frame, "65周岁及以上老年人请先将身份证放在感应区，优先叫号", 24, color=WARN_COLOR)
        else:
            self._button(frame, "取消", self.forget_card, width=240).configure(fg_color="gray45", height=64)
        if self.printer_problem:
            self._label(frame, self.printer_problem.replace("\n", "，"), 26, True, ERROR_COLOR)
        self._arm_idle(self.holder is not None)

    def _show_message(self, screen: str, title: str, message: str, color: str) -> None:
        frame = self._clear(screen)
        self._label(frame, title, 56, True, color)
        self._label(frame, message, 40, True)
        self._button(frame, "返回", self.back_to_start, width=320)
        self._arm_idle(True)

    def _show_ticket(self, issued: Issued) -> None:
        frame = self._clear("ticket")
        if issued.printed:
            self._label(frame, "取号成功，请取走号票", 36, True, "#1a7f37")
        else:
            self._label(frame, PRINT_FAILED, 40, True, ERROR_COLOR)
        self._label(
            frame, issued.ticket_no, 160 if issued.printed else 200, True, PRIMARY if issued.printed else DANGER
        )
        line = issued.category_label + (f" · {issued.priority_label}" if issued.priority_label else "")
        self._label(frame, line, 40, True, WARN_COLOR if issued.priority_label else "#1f2d3d")
        if issued.appointment:
            self._label(frame, issued.appointment, 30)
        self._label(frame, ahead_text(issued.waiting_ahead), 36)
        self._label(frame, "请留意叫号屏幕和语音提示", 26)
        self._button(frame, "完成", self.back_to_start, width=320)
        self._arm_idle(True)

    def show_outcome(self, outcome: Issued | Refusal) -> None:
        self.last = outcome
        self.holder = None  # one ticket per card reading
        if isinstance(outcome, Issued):
            self._show_ticket(outcome)
        elif outcome.kind == "offline":
            self._show_message("offline", "叫号系统暂时无法连接", outcome.message, ERROR_COLOR)
        elif outcome.kind == "printer":
            self.printer_problem = outcome.message
            self._show_message("printer", "暂时无法打印号票", outcome.message, ERROR_COLOR)
        else:
            self._show_message("refused", "未能取号", outcome.message, WARN_COLOR)

    def back_to_start(self) -> None:
        self.holder = None
        self.show_start()

    def forget_card(self) -> None:
        self.holder = None
        self.show_start()

    def texts(self) -> list[str]:
        """Every text on the screen now (what a test or a screen reader reads)."""

        def walk(widget: tk.Misc) -> list[str]:
            found = [str(widget.cget("text"))] if isinstance(widget, (ctk.CTkLabel, ctk.CTkButton)) else []
            for child in widget.winfo_children():
                found += walk(child)
            return found

        return walk(self._body)

    # -- actions ---------------------------------------------------------------------------

    def _taker(self, category: str) -> Callable[[], None]:
        return lambda: self.take(category)

    def take(self, category: str) -> None:
        if self.busy:
            return
        self.busy = True
        holder = self.holder
        frame = self._clear("busy")
        self._label(frame, "正在取号，请稍候…", 48, True, PRIMARY)
        future = self._work.submit(self.service.take, category, holder)
        future.add_done_callback(self._delivered)

    def _delivered(self, future: concurrent.futures.Future[Issued | Refusal]) -> None:
        try:
            outcome = future.result()
        except Exception as exc:  # a bug must not leave the kiosk on "please wait"
            log.exception("kiosk: taking a ticket failed")
            outcome = Refusal("offline", f"取号出现故障（{type(exc).__name__}）\n请到咨询台取号")
        self._events.put(_Answer(outcome))

    def _drain(self) -> None:
        if self.closed:
            return
        try:
            while True:
                event = self._events.get_nowait()
                if isinstance(event, _Answer):
                    self.busy = False
                    self.show_outcome(event.outcome)
                elif isinstance(event, _CardPlaced) and not self.busy:
                    self.holder = event.holder
                    self.show_start()
                elif isinstance(event, _PrinterState) and event.problem != self.printer_problem:
                    self.printer_problem = event.problem
                    if self.screen == "start":
                        self.show_start()
        except queue.Empty:
            pass
        self.root.after(50, self._drain)

    def _poll_devices(self) -> None:
        """The device thread's loop: a card placed, and every few seconds the printer's state."""
        polls = 0
        while not self._stop.wait(POLL_S):
            holder = self.service.poll_card()
            if holder is not None:
                self._events.put(_CardPlaced(holder))
            if polls % PRINTER_CHECK_EVERY == 0:
                self._events.put(_PrinterState(self.service.printer_problem()))
            polls += 1

    # -- idle and closing ------------------------------------------------------------------

    def _arm_idle(self, armed: bool) -> None:
        if self._idle_job is not None:
            self.root.after_cancel(self._idle_job)
            self._idle_job = None
        if armed:
            self._idle_job = self.root.after(self.idle_ms, self._idle)

    def _idle(self) -> None:
        self._idle_job = None
        if not self.busy:
            self.back_to_start()

    def _touched(self) -> None:
        if self._idle_job is not None:
            self._arm_idle(True)

    def _close_requested(self) -> None:
        log.info("kiosk: close request ignored (Ctrl+Shift+Q for the administrator)")

    def ask_admin_exit(self) -> None:
        frame = self._clear("exit")
        self._label(frame, "管理员操作：退出取号机？", 44, True, ERROR_COLOR)
        self.confirm_exit = self._button(frame, "退出取号机", self.close, width=400)
        self.confirm_exit.configure(fg_color=DANGER)
        self._button(frame, "取消", self.back_to_start, width=400)
        self._arm_idle(True)

    def _callback_failed(self, exc_type, exc, tb) -> None:
        log.error("kiosk: Tk callback failed", exc_info=(exc_type, exc, tb))
        self.callback_errors.append(exc)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._stop.set()
        self._work.shutdown(wait=False, cancel_futures=True)
        self._poller.join(timeout=10)
        self.root.destroy()

    def run(self) -> None:
        self.root.mainloop()
