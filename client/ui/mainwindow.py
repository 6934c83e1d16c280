"""The application shell: one Tk root, a header, a status bar and the current view.

Key presses go to the current view's `keys` table, so every screen declares its own
shortcuts and nothing global has to know them.
"""

from __future__ import annotations

import concurrent.futures
import logging
import time
import tkinter as tk
import tkinter.ttk as ttk
from collections.abc import Callable
from types import TracebackType
from typing import TypeVar

import customtkinter as ctk

from client.services.auth import Clerk
from client.services.bundle import Services
from client.services.drafts import IntakeSnapshot
from client.services.hardware import DeviceState
from client.services.intake import AcceptResult
from client.services.outreach import PreparedIntake
from client.services.preferences import CounterSettings
from client.services.queue import QueuePanel as QueueState
from client.services.shift import ShiftInfo
from client.services.supervision import SUPERVISOR_ROLES
from client.services.syncing import SyncStatus

from .base import View
from .clock_prompt import ask_clock
from .demo_menu import install_demo_cards
from .detail import CaseDetailView
from .diagnostics import DiagnosticsView
from .focus import install_focus_defaults, keyboard_button
from .home import HomeView
from .intake import IntakeView
from .leave_dialog import KeyDialog
from .lock import LockOverlay
from .login import LoginView
from .outreach import OutreachIntakeView, OutreachView
from .result import ResultView
from .settings import SettingsView
from .shift import ShiftCloseView, ShiftOpenView
from .supervisor import SupervisorView
from .supplement import SupplementView
from .tasks import TaskRunner
from .theme import DEMO_COLOR, ERROR_COLOR, MIN_WINDOW, WARN_COLOR, button_colors, make_theme, table_row_height

log = logging.getLogger(__name__)

BuiltView = TypeVar("BuiltView", bound=View)
PREBUILD_MS = 200  # after the home screen is up and idle: the intake screen is built then, not on the first F2
PREBUILD_RETRY_MS = 150  # the home screen still busy (its list on the way) or another screen on
PREBUILD_STEP_MS = 100  # between two screens built ahead: a key pressed meanwhile is answered first

APP_TITLE = "一窗通 综合窗口受理系统"
SHIFT_ROLES = ("clerk", "social_worker", "bus_staff")  # those who serve at a window open a shift


class MainWindow:
    def __init__(
        self,
        services: Services,
        *,
        executor: concurrent.futures.Executor | None = None,
        demo_hint: str = "",
        on_close: Callable[[], None] = lambda: None,
        font_size: int = 15,
        lock_after_s: float = 300,
    ):
        ctk.set_appearance_mode("light")
        self.root = ctk.CTk()
        self.services = services
        self.on_close = on_close
        self.clerk: Clerk | None = None
        self.shift: ShiftInfo | None = None
        self.queue_state: QueueState | None = None  # the last answer of the queue (client.services.queue.QueuePanel)
        self.ticket_cases: list[str] = []  # cases taken for the ticket being served
        self.view: View | None = None
        # Screens are built once per login and shown again, emptied and refilled (switching stays quick).
        self.built: dict[type[View], View] = {}
        self.built_for: tuple[str, str] = ("", "")  # (clerk, shift) the built views belong to
        self.closed = False
        self.theme = make_theme(self.root, font_size)
        self.runner = TaskRunner(self.root, executor)
        self.root.title(self._title())
        self.root.geometry("1366x740")
        self.root.minsize(*MIN_WINDOW)  # the smallest laptop screen a station may have
        self.root.protocol("WM_DELETE_WINDOW", self.request_close)
        self.root.report_callback_exception = self._callback_failed
        self.callback_errors: list[BaseException] = []
        self._syncing = False  # a sync round asked by the window is out (sync_now)
        self._sync_again = False  # asked again meanwhile: one more round follows
        if services.demo or services.plaintext_store:
            banner = (
                "演示模式：使用本机内置后台、演示账号和虚拟设备，数据仅供演示和培训"
                if services.demo
                else "开发模式：本机数据未加密"
            )
            ctk.CTkLabel(
                self.root,
                text=banner,
                fg_color=DEMO_COLOR,
                text_color="white",
                height=30,
                font=self.theme.font(0, True),
            ).pack(fill="x")
        self.header = ctk.CTkFrame(self.root, height=44, corner_radius=0)
        self.header.pack(fill="x")
        self.heading = ctk.CTkLabel(self.header, text=APP_TITLE, font=self.theme.font(3, True))
        self.heading.pack(side="left", padx=16, pady=6)
        self.who = ctk.CTkLabel(self.header, text="", font=self.theme.font())
        # 退出登录 (Ctrl+Shift+L) from home and the supervisor view, for every role; shown there only.
        self.sign_out_button = keyboard_button(  # a Tab stop with the ring, like every button
            ctk.CTkButton(
                self.header,
                text="退出登录（Ctrl+Shift+L）",
                command=self.sign_out,
                font=self.theme.font(-1),
                height=30,
                **button_colors("secondary"),
            )
        )
        self.who.pack(side="right", padx=16)
        self.popup: ctk.CTkFrame | None = None  # a small panel over the view that takes the keys while open
        self.demo_cards = install_demo_cards(self, self.header)  # 演示：放卡, with a virtual reader only
        self.body = ctk.CTkFrame(self.root, fg_color="transparent")
        self.body.pack(fill="both", expand=True)
        status = ctk.CTkFrame(self.root, height=30, corner_radius=0)
        # Packed ahead of the body: on a 1366×768 screen a tall view must not squeeze the status bar out.
        status.pack(fill="x", side="bottom", before=self.body)
        self.sync_badge = ctk.CTkLabel(status, text="同步：—", font=self.theme.font(-1))
        self.sync_badge.pack(side="left", padx=16)
        self.device_states: dict[str, str] = {}
        self.device_badge = ctk.CTkLabel(status, text="", font=self.theme.font(-1))
        self.device_badge.pack(side="left", padx=16)
        self.error_line = ctk.CTkLabel(status, text="", font=self.theme.font(-1), text_color=ERROR_COLOR)
        self.error_line.pack(side="right", padx=16)
        # 省电模式 (Ctrl+B or a click here) and whether the offline data is still fit for use.
        self.power_badge = ctk.CTkLabel(
            status, text="", font=self.theme.font(-1, True), text_color=WARN_COLOR, cursor="hand2"
        )
        self.power_badge.pack(side="right", padx=8)
        self.power_badge.bind("<Button-1>", lambda _e: self.toggle_low_power())
        self.ready_badge = ctk.CTkLabel(status, text="", font=self.theme.font(-1), text_color=WARN_COLOR)
        self.ready_badge.pack(side="right", padx=8)
        self.root.bind_all("<Key>", self._key, add="+")
        # Tk binds F10 to menu traversal on the same tag, which would shadow <Key>.
        self.root.bind_all("<Key-F10>", self._key)
        for sequence in ("<Motion>", "<Button>"):
            self.root.bind_all(sequence, self._touched, add="+")
        install_focus_defaults(self.root)  # Ctrl+A in any entry, focus rings on entries and lists
        self.root.bind_all("<Control-l>", lambda _e: self.lock())
        self.root.bind_all("<Control-L>", self._sign_out_key)
        self.root.bind_all("<Control-q>", lambda _e: self.show_shift_close())
        self.root.bind_all("<Control-b>", lambda _e: self.toggle_low_power())
        self.root.bind_all("<Control-equal>", lambda _e: self.resize_fonts(+1))
        self.root.bind_all("<Control-plus>", lambda _e: self.resize_fonts(+1))
        self.root.bind_all("<Control-minus>", lambda _e: self.resize_fonts(-1))
        self.lock_after_s = lock_after_s
        self.last_input = time.monotonic()
        self.overlay: LockOverlay | None = None
        self.demo_hint = demo_hint
        self.runner.start()
        self._idle_check()
        if services.preferences is not None:
            self.runner.run(services.preferences.load, on_done=self.apply_preferences, on_error=self.show_error)
        self.show(LoginView(self, demo_hint))

    def _title(self) -> str:
        title = f"{APP_TITLE} - {self.services.office_name}"
        if self.services.demo:
            title += " 【演示模式】"
        elif self.services.plaintext_store:
            title += " 【开发模式：数据未加密】"
        return title

    def _callback_failed(self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        log.error("Tk callback failed", exc_info=(exc_type, exc, tb))
        self.callback_errors.append(exc)
        self.error_line.configure(text="程序内部错误，已记录日志；请重试或联系管理员")

    def _touched(self, _event: object = None) -> None:
        self.last_input = time.monotonic()

    def _from_main_window(self, event: tk.Event[tk.Misc]) -> bool:
        """Keys typed in a dialog (the F8 preview, the leave question) are the dialog's alone:
        an Esc there must never also run the screen's Esc underneath."""
        widget = event.widget
        if not isinstance(widget, tk.Misc):  # a widget destroyed by an earlier binding of this key
            return False
        try:
            return widget.winfo_toplevel() is self.root
        except (tk.TclError, KeyError):
            return False

    def _key(self, event: tk.Event[tk.Misc]) -> None:
        self.last_input = time.monotonic()
        if not self._from_main_window(event):
            return
        if self.overlay is not None:
            action = self.overlay.keys.get(event.keysym)  # 切换用户 by key on the lock screen
            if action is not None:
                action()
            return
        if self.popup is not None:
            return
        if self.view is None:
            return
        # Shift+F-key is its own action where the view declares one (Shift-F3: the agent's card).
        # A key event's state is the modifier mask (an int; tkinter types it int | str for other events).
        shift_held = isinstance(event.state, int) and event.state & 0x1
        shifted = f"Shift-{event.keysym}" if shift_held and event.keysym.startswith("F") else ""
        action = self.view.keys.get(shifted) or self.view.keys.get(event.keysym)
        if action is not None:
            action()

    def _idle_check(self) -> None:
        if self.clerk is not None and self.overlay is None and time.monotonic() - self.last_input > self.lock_after_s:
            self.lock()
        self.root.after(5000, self._idle_check)

    def lock(self) -> None:
        """Cover the window; the view underneath keeps everything typed so far."""
        if self.clerk is None or self.overlay is not None:
            return
        log.info("screen locked for %s", self.clerk.username)
        if self.demo_cards is not None:
            self.demo_cards.close()  # a panel left open would take the keys after unlocking
        for dialog in [c for c in self.root.winfo_children() if isinstance(c, KeyDialog)]:
            # A question left open (leave the intake?) would stay above the lock: answered as
            # "go back", so nothing is discarded and the intake is there after unlocking.
            dialog.choose(dialog.on_close)
        self.overlay = LockOverlay(self, self._unlocked, self._switch_user)
        self.overlay.show()

    def _unlocked(self, _clerk: Clerk) -> None:
        if self.overlay is not None:
            self.overlay.destroy()
        self.overlay = None
        self.last_input = time.monotonic()
        if self.view is not None:
            self.view.on_show()

    def _switch_user(self) -> None:
        if self.overlay is not None:
            self.overlay.destroy()
        self.overlay = None
        self.log_out()

    def log_out(self, show_login: bool = True) -> None:
        """Forget the clerk (an open shift stays open on the machine until 交班)."""
        flush = getattr(self.view, "flush_draft", None)
        if flush is not None:
            flush()  # an intake in progress stays the clerk's draft
        self.drop_built()
        self.clerk = None
        self.shift = None
        self.queue_state = None
        self.ticket_cases = []
        self.who.configure(text="")
        if show_login:
            self.show_login()

    def show_login(self) -> None:
        self.show(LoginView(self, self.demo_hint))

    def _sign_out_key(self, event: tk.Event[tk.Misc]) -> None:
        """Ctrl+L with Shift logs out; Ctrl+L alone (an uppercase L from Caps Lock) still locks."""
        if isinstance(event.state, int) and event.state & 0x1:
            self.sign_out()
        else:
            self.lock()

    def sign_out(self) -> None:
        """退出登录 from home or the supervisor view; other screens may hold unfinished work."""
        if self.clerk is None or self.overlay is not None or self.popup is not None:
            return
        if isinstance(self.view, (HomeView, SupervisorView)):
            log.info("signed out: %s", self.clerk.username)
            self.log_out()

    def _show_sign_out(self, view: View) -> None:
        if self.clerk is not None and isinstance(view, (HomeView, SupervisorView)):
            self.sign_out_button.pack(side="right", padx=(0, 4), before=self.who)
        else:
            self.sign_out_button.pack_forget()

    def resize_fonts(self, step: int) -> None:
        base = self.theme.resize(step)
        ttk.Style(self.root).configure("Cases.Treeview", rowheight=table_row_height(base))

    def show(self, view: View) -> None:
        old = self.view
        if old is not None and old is not view:
            old.on_hide()
            if any(old is built for built in self.built.values()):
                old.pack_forget()  # kept for the next show
            else:
                old.destroy()
        self.view = view
        if not view.winfo_manager():
            view.pack(fill="both", expand=True)
        self._show_sign_out(view)
        self.heading.configure(text=f"{APP_TITLE} · {view.title}")
        self.root.after_idle(view.on_show)

    def logged_in(self, clerk: Clerk) -> None:
        self.clerk = clerk
        self._show_who()
        shifts = self.services.shifts
        if shifts is None or clerk.role not in SHIFT_ROLES:
            self._start_work()
            return

        def decide(found: tuple[ShiftInfo | None, str]) -> None:
            current, window = found
            if current is not None and current.clerk == clerk.username:
                self.shift_opened(current)  # the same clerk after a restart or a lock: carry on
            else:
                self.show(ShiftOpenView(self, clerk, window, left_open=current))

        self.runner.run(lambda: (shifts.current(), shifts.window()), on_done=decide, on_error=self.show_error)

    @property
    def current_clerk(self) -> Clerk:
        """The clerk logged in, for the screens that only exist behind the login."""
        if self.clerk is None:
            raise RuntimeError("no clerk is logged in")
        return self.clerk

    def _show_who(self) -> None:
        clerk = self.clerk
        if clerk is None:  # called only once a clerk is logged in
            return
        mode = "（离线登录）" if clerk.offline else ""
        where = f" · {self.shift.window_label}" if self.shift is not None else ""
        self.who.configure(text=f"{clerk.role_label} {clerk.display_name}{mode}{where}")

    def shift_opened(self, shift: ShiftInfo) -> None:
        self.shift = shift
        self._show_who()
        self._start_work()

    def _start_work(self) -> None:
        self.show_home()
        self.sync_now()
        self.refresh_devices()
        self.check_readiness()
        clerk = self.clerk
        self.root.after(PREBUILD_MS, lambda: self._prebuild(clerk))

    def _prebuild(self, clerk: Clerk | None) -> None:
        """Build the intake screen while the clerk looks at home, so even the first F2 opens at once.

        It waits until home is idle (its list in), then has the matter search's index made off
        the Tk thread (importing pypinyin and indexing the catalog took half the build), so the
        Tk thread only builds widgets, between two keys of a clerk reading the list."""
        if self.closed or clerk is None or self.clerk is not clerk or self._intake_built():
            return  # logged out (a new login prebuilds its own), or built already (an early F2)
        view = self.view
        if self.overlay is not None or self.popup is not None or not isinstance(view, HomeView) or view.busy:
            self.root.after(PREBUILD_RETRY_MS, lambda: self._prebuild(clerk))
            return

        def warmed(_found: object) -> None:
            if self.closed or self.clerk is not clerk or self._intake_built():
                return
            if self.overlay is None and self.popup is None and isinstance(self.view, HomeView):
                self.reused(IntakeView)
                self.root.after(PREBUILD_STEP_MS, lambda: self._prebuild_rest(clerk))
            else:
                self.root.after(PREBUILD_RETRY_MS, lambda: self._prebuild(clerk))

        intake = self.services.intake
        self.runner.run(lambda: intake.search("", bundles=True), on_done=warmed, on_error=warmed)

    def _prebuild_rest(self, clerk: Clerk) -> None:
        """The other screens home leads to, one per idle moment at home: their first show is quick too."""
        if self.closed or self.clerk is not clerk or self.built_for != self._who():
            return
        view = self.view
        if self.overlay is not None or self.popup is not None or not isinstance(view, HomeView) or view.busy:
            self.root.after(PREBUILD_RETRY_MS, lambda: self._prebuild_rest(clerk))
            return
        kinds: list[type[View]] = [CaseDetailView]
        if self.services.preferences is not None:
            kinds.append(SettingsView)
        if self.services.diagnostics is not None:
            kinds.append(DiagnosticsView)
        if clerk.role in SUPERVISOR_ROLES and self.services.supervision is not None:
            kinds.append(SupervisorView)
        missing = [kind for kind in kinds if kind not in self.built]
        if missing:
            self.reused(missing[0])
            self.root.after(PREBUILD_STEP_MS, lambda: self._prebuild_rest(clerk))

    def _intake_built(self) -> bool:
        view = self.built.get(IntakeView)
        return view is not None and self.built_for == self._who() and view.winfo_exists()

    def _who(self) -> tuple[str, str]:
        return (self.clerk.username if self.clerk else "", self.shift.id if self.shift else "")

    def show_shift_close(self) -> None:
        """交班 (Ctrl+Q on the home screen)."""
        if self.overlay is None and self.shift is not None and isinstance(self.view, HomeView):
            self.show(ShiftCloseView(self))

    def queue_answered(self, panel: QueueState) -> None:
        """Keep the queue's last answer; a new ticket starts a new list of cases taken for it."""
        before = self.queue_state.current if self.queue_state is not None else None
        after = panel.current if panel.available else before
        if before is None or after is None or before.id != after.id:
            self.ticket_cases = []
        if panel.available or self.queue_state is None:
            self.queue_state = panel
        else:  # unreachable: keep showing the ticket being served, with the warning
            self.queue_state = type(panel)(False, panel.message, panel.window, before)

    @property
    def ticket_no(self) -> str:
        """The ticket being served, recorded on the case the intake takes for it."""
        state = self.queue_state
        return state.current.ticket_no if state is not None and state.current is not None else ""

    def reused(self, kind: type[BuiltView]) -> BuiltView:
        """The view of this kind built for the clerk and shift now at work, built on first use."""
        who = self._who()
        if who != self.built_for:
            self.drop_built()
            self.built_for = who
        view = self.built.get(kind)
        if not isinstance(view, kind) or not view.winfo_exists():
            view = kind(self)
            self.built[kind] = view
        return view

    def drop_built(self) -> None:
        """Another clerk (or shift) gets views of their own; the one on screen goes at the next show."""
        for view in self.built.values():
            if view is not self.view and view.winfo_exists():
                view.destroy()
        self.built = {}

    def show_home(self) -> None:
        self.show(self.reused(HomeView))

    def show_intake(self) -> None:
        """A new intake on the intake screen built at login, reset; asked first when the
        device's clock is far off (every way into an intake is: F2, a draft, a bus visit)."""
        ask_clock(self, self._show_intake)

    def show_intake_for(self, matter_code: str) -> None:
        """A new intake with a 云叫号 booking's matter chosen (the called ticket's appointment)."""
        ask_clock(self, lambda: self._show_intake(matter_code))

    def _show_intake(self, matter_code: str | None = None) -> None:
        view = self.reused(IntakeView)
        view.clear()
        if matter_code:
            try:
                view.select_matter(matter_code)
            except KeyError:  # not in this window's catalog: the clerk chooses as usual
                pass
        self.show(view)

    def resume_draft(self, draft_id: str) -> None:
        """Continue an intake left unfinished (未完成的受理): the draft back on the intake screen."""
        ask_clock(self, lambda: self._resume_draft(draft_id))

    def _resume_draft(self, draft_id: str) -> None:
        drafts, clerk = self.services.drafts, self.clerk
        if drafts is None or clerk is None:
            return

        def resumed(snapshot: IntakeSnapshot) -> None:
            if self.clerk is not clerk:  # logged out meanwhile
                return
            if snapshot.visit:  # a service bus visit: back on that appointment
                self._open_visit(snapshot.visit, draft_id)
                return
            view = self.reused(IntakeView)
            view.restore(snapshot, draft_id)
            self.show(view)

        self.runner.run(drafts.load, draft_id, clerk, on_done=resumed, on_error=self.show_error)

    def open_visit(
        self, appointment_id: str, draft_id: str = "", on_error: Callable[[BaseException], None] | None = None
    ) -> None:
        """A service bus appointment as an intake; with its draft, as the crew left it."""
        ask_clock(self, lambda: self._open_visit(appointment_id, draft_id, on_error))

    def _open_visit(
        self, appointment_id: str, draft_id: str = "", on_error: Callable[[BaseException], None] | None = None
    ) -> None:
        outreach, drafts, clerk = self.services.outreach, self.services.drafts, self.clerk
        if outreach is None or clerk is None:
            self.flash("本机未启用直通车，无法继续该上门受理草稿", ERROR_COLOR)
            return

        def prepare() -> tuple[PreparedIntake, IntakeSnapshot | None]:
            prepared = outreach.prepare(appointment_id)
            kept = drafts.load(draft_id, clerk) if draft_id and drafts is not None else None
            return prepared, kept

        def opened(found: tuple[PreparedIntake, IntakeSnapshot | None]) -> None:
            if self.clerk is not clerk:  # logged out meanwhile
                return
            prepared, kept = found
            view = OutreachIntakeView(self, prepared)
            if kept is not None:
                view.resume(kept, draft_id)
            self.show(view)

        self.runner.run(prepare, on_done=opened, on_error=on_error or self.show_error)

    def show_result(self, result: AcceptResult, back: Callable[[], None] | None = None) -> None:
        if self.ticket_no:
            # A 一件事 served on one ticket is every one of its linked cases.
            members = getattr(result, "members", ())
            self.ticket_cases.extend([m.case_no for m in members] if members else [result.case_no])
        self.show(ResultView(self, result, back))
        self.sync_now()

    def show_outreach(self) -> None:
        self.show(OutreachView(self))

    def show_case(self, case_id: str) -> None:
        """The case on the detail screen built at login, emptied of the case shown before."""
        view = self.reused(CaseDetailView)
        view.open(case_id)
        self.show(view)

    def show_supervisor(self) -> None:
        view = self.reused(SupervisorView)
        view.open()
        self.show(view)

    def show_supplement(self, case_id: str) -> None:
        self.show(SupplementView(self, case_id))

    def flash(self, text: str, color: str) -> None:
        """A one-line note in the status bar that outlives a change of screen."""
        self.error_line.configure(text=text, text_color=color)
        self.root.after(8000, lambda: self.error_line.configure(text=""))

    def show_settings(self) -> None:
        view = self.reused(SettingsView)
        view.open()
        self.show(view)

    def apply_preferences(self, prefs: CounterSettings) -> None:
        """Font size and lock time from the saved settings, applied to the running window."""
        self.resize_fonts(prefs.font_size - self.theme.base)
        self.lock_after_s = prefs.lock_minutes * 60
        self.show_low_power(prefs.low_power)

    def toggle_low_power(self) -> None:
        """Ctrl+B: pause or resume background polling (sync loop, device monitor); F5 still syncs."""
        prefs = self.services.preferences
        if prefs is None:
            return

        def switched(p: CounterSettings) -> None:
            self.show_low_power(p.low_power)
            self.flash(
                "已开启省电模式：暂停后台同步和设备轮询，按F5可手动同步"
                if p.low_power
                else "已关闭省电模式：恢复后台同步和设备轮询",
                WARN_COLOR,
            )

        self.runner.run(prefs.set_low_power, not prefs.low_power, on_done=switched, on_error=self.show_error)

    def show_low_power(self, on: bool) -> None:
        self.power_badge.configure(text="省电模式（Ctrl+B）" if on else "")

    def check_readiness(self) -> None:
        if self.services.readiness is not None:
            self.runner.run(
                self.services.readiness.check,
                on_done=lambda r: self.ready_badge.configure(text=r.short),
                on_error=self.show_error,
            )

    def show_diagnostics(self) -> None:
        view = self.reused(DiagnosticsView)
        view.open()
        self.show(view)

    def show_error(self, exc: BaseException) -> None:
        self.error_line.configure(text=getattr(exc, "message", "操作失败，请重试"), text_color=ERROR_COLOR)

    def sync_now(self) -> None:
        """One sync round at a time: asked again meanwhile, one more round follows it. Rounds
        queued one per accept or F5 held the screens' tasks behind them on the worker threads."""
        self.sync_badge.configure(text="同步：正在同步…")
        if self._syncing:
            self._sync_again = True
            return
        self._syncing = True
        self.runner.run(self.services.sync.sync_now, on_done=self._sync_done, on_error=self._sync_failed)

    def _sync_done(self, status: SyncStatus) -> None:
        try:
            self.sync_reported(status)
        finally:
            self._sync_round_over()

    def _sync_failed(self, exc: BaseException) -> None:
        try:
            self.show_error(exc)
        finally:
            self._sync_round_over()

    def _sync_round_over(self) -> None:
        self._syncing = False
        if self._sync_again and not self.closed:
            self._sync_again = False
            self.sync_now()

    def sync_reported(self, status: SyncStatus) -> None:
        color = ERROR_COLOR if status.rejected else WARN_COLOR if status.error or status.clock_warning else "gray20"
        self.sync_badge.configure(text=f"同步：{status.label}", text_color=color)
        hook = getattr(self.view, "on_synced", None)
        if hook is not None and self.clerk is not None:
            hook()
        self.check_readiness()

    def device_changed(self, role: str, message: str) -> None:
        """A device came, went or ran out of paper: the status bar says so at once."""
        self.device_states[role] = message
        self.device_badge.configure(text="    ".join(self.device_states.values()))

    def refresh_devices(self) -> None:
        def shown(state: DeviceState) -> None:
            self.device_changed("id_reader", state.reader)
            self.device_changed("printer", state.printer)

        self.runner.run(self.services.hardware.state, on_done=shown, on_error=self.show_error)

    def request_close(self) -> None:
        """The window's ✕: an intake in progress asks first (keep the draft, give it up, or go back)."""
        view = self.view
        if self.overlay is None and self.popup is None and isinstance(view, IntakeView) and view.keeps_draft:
            view.leave(then=self.close, quitting=True)
            return
        self.close()

    def close(self) -> None:
        if self.closed:  # the ✕ answered, then a test or Ctrl-C closing again
            return
        self.closed = True
        try:
            flush = getattr(self.view, "flush_draft", None)
            if flush is not None:
                flush()  # Ctrl-C or SIGTERM: what was typed since the last save is kept
            self.runner.close()
            self.on_close()
        finally:
            self.root.destroy()

    def run(self) -> None:
        self.root.mainloop()
