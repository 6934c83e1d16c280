"""The question before an intake on a device whose clock is an hour or more off the back office's.

Such a device mints case numbers and prints promised dates from the wrong day, and the
applicant leaves with them, so the intake stops first. Going back is the default (Enter and
Esc); taking the case in anyway, because a citizen is waiting, is a key of its own (F9, the
key that records a case on the intake screen, never pressed to dismiss a question), and that
choice goes on record with every case taken while the clock stays wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from client.domain.clocks import describe_offset
from client.services.syncing import ClockReading

from .leave_dialog import KeyDialog

if TYPE_CHECKING:
    from .mainwindow import MainWindow

GO_ON_KEY = "F9"
FOCUS_DEFAULT_MS = 40


def prompt_text(reading: ClockReading) -> str:
    """What the clerk reads: how far off, both times, and what goes wrong if she goes on."""
    offset = reading.offset
    server = reading.server_time
    if offset is None or server is None:  # asked only when the offset is known
        return ""
    return (
        f"本机时间：{reading.device_time:%Y-%m-%d %H:%M}\n"
        f"后台时间：{server:%Y-%m-%d %H:%M}（按最近一次同步推算）\n\n"
        "此时受理，办件编号、受理日期和承诺办结日期都将按本机的错误时间生成，"
        "打印给申请人的通知书日期也会出错。\n"
        "请先校准本机日期和时间（或联系管理员），再按F5同步后受理。"
        f"如申请人正在等候、必须现在受理，请按{GO_ON_KEY}“仍要受理”，此选择将记录在办件中。"
    )


class ClockPrompt(KeyDialog):
    """返回 (Enter, Esc, the window's ✕, a lock) or 仍要受理 (F9); `go_on` runs only after the latter."""

    def __init__(self, app: MainWindow, reading: ClockReading, go_on: Callable[[], None]):
        clerk = app.clerk.username if app.clerk is not None else ""
        sync = app.services.sync
        before = app.root.focus_get()  # where the clerk was (新建受理 on home): back there on 返回

        def back() -> None:
            sync.choose_far_clock(clerk, go_on=False)
            if before is not None and before.winfo_exists():
                before.focus_set()

        def anyway() -> None:
            sync.choose_far_clock(clerk, go_on=True)
            go_on()

        heading = f"本机时钟比后台{describe_offset(reading.offset) if reading.offset is not None else ''}，请先校准"
        super().__init__(
            app,
            "本机时钟有误",
            heading,
            prompt_text(reading),
            (
                ("返回（Enter / Esc）", "Return", "primary", back),
                (f"仍要受理（{GO_ON_KEY}）", GO_ON_KEY, "danger", anyway),
            ),
            on_close=back,
        )
        self.reading, self.heading, self.text = reading, heading, prompt_text(reading)
        self.default = self.buttons["Return"]
        # The ring on 返回 from the start: once the dialog has taken the keyboard (after 10 ms,
        # KeyDialog), its focus moves there.
        self.after(FOCUS_DEFAULT_MS, self._focus_default)
        self.bind("<Key-Escape>", lambda _e: self.choose(back))
        self.bind("<Key-KP_Enter>", lambda _e: self.choose(back))

    def _focus_default(self) -> None:
        if self.winfo_exists() and self.default.winfo_exists():
            self.default.focus_force()


def ask_clock(app: MainWindow, go_on: Callable[[], None]) -> ClockPrompt | None:
    """Before an intake: ask when the clock is far off (None: it is not, `go_on` ran at once)."""
    if any(isinstance(w, ClockPrompt) and w.winfo_exists() for w in app.root.winfo_children()):
        return None  # asked already: a second F2 before the first question took the keyboard
    reading = app.services.sync.clock_reading()
    if not reading.far_off:
        go_on()
        return None
    return ClockPrompt(app, reading, go_on)
