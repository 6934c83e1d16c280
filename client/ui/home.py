"""Home: my cases, search, and the way into a new intake."""

from __future__ import annotations

from typing import TYPE_CHECKING

import customtkinter as ctk

from client.services.auth import Clerk
from client.services.cases import CaseSummary
from client.services.published import Readiness
from client.services.supervision import SUPERVISOR_ROLES
from client.services.transfer import Received

from .base import View, wrap_to_width
from .draft_list import DraftList
from .queue_panel import QueuePanel
from .theme import EDGE, GAP, OK_COLOR, TIGHT, WARN_COLOR

if TYPE_CHECKING:
    from .mainwindow import MainWindow

COLUMNS = (
    ("case_no", "办件编号", 250),
    ("applicant", "申请人", 90),
    ("matter", "事项", 260),
    ("status", "状态", 110),
    ("received", "受理时间", 150),
    ("due", "承诺办结", 130),  # the date and its mark (临期/超期/暂停) whole
    ("sync", "报送", 100),
)


WARNING_MARK = {"near": " 临期", "overdue": " 超期", "paused": " 暂停"}  # paused: 特别程序, the clock stops


def list_title(clerk: Clerk | None) -> str:
    """The list holds every case on this machine, not only the clerk's: say so, by role."""
    if clerk is not None and clerk.role in SUPERVISOR_ROLES:
        return "全部办件"
    return "本窗口办件"


class HomeView(View):
    title = "首页"

    def __init__(self, app: MainWindow):
        super().__init__(app)
        # Offline fitness (catalog or calendar too old, calendar short of the coming deadlines).
        self.banner = ctk.CTkLabel(
            self,
            text="",
            fg_color="#fff3cd",
            text_color=WARN_COLOR,
            corner_radius=6,
            font=self.theme.font(0, True),
            wraplength=1280,
            justify="left",
            anchor="w",
        )
        wrap_to_width(self.banner, self, 2 * EDGE + 24)
        bar = ctk.CTkFrame(self, fg_color="transparent")
        bar.pack(fill="x", padx=EDGE, pady=(GAP, TIGHT))
        self.new_button = self.button(bar, "新建受理（F2）", self.app.show_intake, 1, height=40)
        self.new_button.pack(side="left", padx=(0, GAP))
        self.button(bar, "立即同步（F5）", self.app.sync_now, kind="secondary", height=40, width=96).pack(
            side="left", padx=(0, GAP)
        )
        # The search box sits on the list's own title row: it searches that list, and the
        # buttons' row keeps room for every button down to a 1024-pixel window.
        list_head = ctk.CTkFrame(self, fg_color="transparent")
        self.query = self.entry(list_head, width=270, placeholder_text="办件编号/身份证号/姓名（F6）")
        self.query.pack(side="right")
        self.query.bind("<Return>", lambda _e: self.submit_query())
        # The list follows what is typed; Up/Down move its highlight, Enter opens the highlighted case.
        self.query.bind("<KeyRelease>", self._query_typed)
        self.query.bind("<Down>", lambda _e: self._move_highlight(1))
        self.query.bind("<Up>", lambda _e: self._move_highlight(-1))
        self.listed_query: str | None = None  # what the list shows the cases for (None: not listed yet)
        self.open_when_listed = False
        self._search_after: str | None = None
        self.queue_panel: QueuePanel | None = None
        if self.services.queue is not None and self.app.shift is not None:
            self.queue_panel = QueuePanel(self)
            self.queue_panel.pack(fill="x", padx=16, pady=(0, 4))
        self.list_title = self.label(list_head, f"{list_title(self.app.clerk)}（双击或回车打开）", 1, True)
        self.list_title.pack(side="left", padx=(2, 0))
        list_head.pack(fill="x", padx=EDGE, pady=(GAP, TIGHT))
        self.draft_list = DraftList(self, before=list_head)  # 未完成的受理, shown while there are any
        self.table = self.table_view(COLUMNS, pady=(0, 12), stretch=("applicant", "matter"))  # case numbers whole
        self.table.tag_configure("overdue", background="#f8d7da", foreground="#8b0000")
        self.table.tag_configure("near", background="#fff3cd")
        self.table.tag_configure("paused", background="#e4e7eb", foreground="#52606d")
        self.table.bind("<Double-1>", lambda _e: self.open_selected())
        self.table.bind("<Return>", lambda _e: self.open_selected())
        self.button(bar, "系统诊断（F11）", self.app.show_diagnostics, kind="secondary", height=40, width=96).pack(
            side="left", padx=(0, GAP)
        )
        self.button(bar, "设置（F12）", self.app.show_settings, kind="secondary", height=40, width=96).pack(
            side="left", padx=(0, GAP)
        )
        self.keys = {
            "F2": self.app.show_intake,
            "Shift-F2": self.draft_list.resume_newest,
            "F5": self.app.sync_now,
            "F6": self.focus_query,
            "F11": self.app.show_diagnostics,
            "F12": self.app.show_settings,
        }
        if self.services.outreach is not None:
            key = "Shift-F8" if self.queue_panel is not None else "F8"  # F8 is 重呼 while the queue runs
            self.button(
                bar,
                f"直通车（{key.replace('-', '+')}）",
                self.app.show_outreach,
                kind="secondary",
                height=40,
                width=96,
            ).pack(side="left", padx=(0, GAP))
            self.keys[key] = self.app.show_outreach
        if self.services.transfer is not None and self.services.transfer.receives_slips:
            key = "Shift-F4" if self.queue_panel is not None else "F4"  # F4 is 过号 while the queue runs
            self.button(
                bar, f"收件（{key.replace('-', '+')}）", self.await_slip, kind="secondary", height=40, width=96
            ).pack(side="left", padx=(0, GAP))
            self.keys[key] = self.await_slip
        self.bar = bar
        if self.app.clerk is not None and self.app.clerk.role in SUPERVISOR_ROLES:
            self.button(bar, "主管视图（F9）", self.app.show_supervisor, kind="secondary", height=40, width=96).pack(
                side="left", padx=(0, GAP)
            )
            self.keys["F9"] = self.app.show_supervisor
        if self.app.shift is not None:
            self.button(bar, "交班（Ctrl+Q）", self.app.show_shift_close, kind="secondary", height=40, width=96).pack(
                side="left", padx=(0, GAP)
            )
        if self.queue_panel is not None:
            self.keys.update(self.queue_panel.keys)
        self.rows: dict[str, str] = {}

    def on_show(self) -> None:
        self.refresh()
        self.draft_list.refresh()
        if self.queue_panel is not None:
            self.queue_panel.refresh()
        self.check_readiness()
        self.new_button.focus_set()

    def on_synced(self) -> None:
        self.refresh()
        self.check_readiness()

    def check_readiness(self) -> None:
        if self.services.readiness is not None:
            self.run_task(self.services.readiness.check, on_done=self._readiness)

    def _readiness(self, readiness: Readiness) -> None:
        if readiness.ok:
            self.banner.pack_forget()
            return
        self.banner.configure(text="⚠ " + "\n⚠ ".join(readiness.warnings))
        self.banner.pack(fill="x", padx=16, pady=(10, 0), ipadx=10, ipady=6, before=self.bar)

    def submit_query(self) -> None:
        """Enter in the search box: a transfer slip's code is a receipt; anything else opens the case
        highlighted in the list (once the list answers what is typed)."""
        text = self.query.get()
        if self.services.transfer is not None and self.services.transfer.is_slip_code(text):
            self.receive_slip(text)
        elif text == self.listed_query and self.table.selection():
            self.open_selected()
        else:
            self.open_when_listed = True
            self.refresh()

    def focus_query(self) -> None:
        """F6: the search with its text selected, so the next number typed replaces the last one."""
        self.query.focus_set()
        self.query.select_range(0, "end")
        self.query.icursor("end")

    def _query_typed(self, event: object) -> None:
        if getattr(event, "keysym", "") in ("Return", "KP_Enter", "Up", "Down"):
            return
        if self._search_after is not None:
            self.after_cancel(self._search_after)
        self._search_after = self.after(250, self._search_typed)

    def _search_typed(self) -> None:
        self._search_after = None
        if self.winfo_exists() and self.query.get() != self.listed_query:
            self.refresh()

    def _move_highlight(self, step: int) -> str:
        rows = self.table.get_children()
        if rows:
            sel = self.table.selection()
            index = rows.index(sel[0]) + step if sel else 0
            row = rows[max(0, min(len(rows) - 1, index))]
            self.table.selection_set(row)
            self.table.focus(row)
            self.table.see(row)
        return "break"

    def await_slip(self) -> None:
        """F4 (收件): the scanner types the slip's code into the search box and presses Enter."""
        self.query.delete(0, "end")
        self.query.focus_set()
        self.app.flash("请用扫码枪扫描流转单上的二维码，原件送达将自动登记", WARN_COLOR)

    def receive_slip(self, code: str) -> None:
        transfer = self.services.transfer
        if transfer is None:  # a slip's code is only recognised when there is a transfer service
            return
        self.run_task(
            transfer.receive,
            code,
            self.app.current_clerk,
            on_done=self._slip_received,
            on_error=self.app.show_error,
        )

    def _slip_received(self, received: Received) -> None:
        self.query.delete(0, "end")
        self.app.flash(f"流转单 {received.slip_no} 原件已签收（办件 {received.case_no_display}）", OK_COLOR)
        self.app.sync_now()
        self.app.show_case(received.case_id)

    def refresh(self) -> None:
        query = self.query.get()

        def listed(cases: tuple[CaseSummary, ...]) -> None:
            if query != self.query.get():  # typed on meanwhile: a newer search is on its way
                return
            self.listed_query = query
            self._fill(cases)
            if self.open_when_listed:
                self.open_when_listed = False
                if cases:
                    self.open_selected()
                else:
                    self.app.flash(f"未找到“{query}”的办件", WARN_COLOR)

        self.run_task(self.services.cases.find, query, on_done=listed, on_error=self.app.show_error)

    def _fill(self, cases: tuple[CaseSummary, ...]) -> None:
        self.table.delete(*self.table.get_children())
        self.rows = {}
        for c in cases:
            iid = self.table.insert(
                "",
                "end",
                values=(
                    c.case_no_display,
                    c.applicant_name,
                    c.matter_name,
                    c.status_label,
                    f"{c.received_at:%Y-%m-%d %H:%M}",
                    f"{c.promised_by:%Y-%m-%d}" + WARNING_MARK.get(c.warning, ""),
                    c.sync_label,
                ),
                tags=(c.warning,) if c.warning else (),
            )
            self.rows[iid] = c.case_id
        children = self.table.get_children()
        if children:
            self.table.selection_set(children[0])
            self.table.focus(children[0])

    def open_selected(self) -> None:
        sel = self.table.selection()
        if sel:
            self.app.show_case(self.rows[sel[0]])
