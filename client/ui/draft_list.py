"""未完成的受理 on the home screen: the clerk's drafts, to continue or give up.

Shown only while there are drafts. Shift+F2 continues the newest; in the list (a Tab stop)
Enter continues the highlighted one and Delete gives it up after a question. Drafts from
before the clerk's current shift are marked, never removed by themselves.
"""

from __future__ import annotations

import tkinter as tk
import tkinter.ttk as ttk
from typing import TYPE_CHECKING

import customtkinter as ctk

from client.services.drafts import DraftSummary

from .leave_dialog import ask_discard
from .theme import WARN_COLOR

if TYPE_CHECKING:
    from .home import HomeView

COLUMNS = (
    ("applicant", "申请人", 160),
    ("matter", "事项", 320),
    ("saved", "最后保存", 150),
    ("pages", "扫描件", 80),
    ("note", "备注", 220),
)
MAX_ROWS = 4
TALL = 700  # window height from which all MAX_ROWS drafts are shown


class DraftList(ctk.CTkFrame):
    def __init__(self, view: HomeView, before: tk.Misc):
        super().__init__(view, fg_color="transparent")
        self.view, self.app, self.before = view, view.app, before
        self.title = view.label(self, "", 1, True, text_color=WARN_COLOR)
        self.title.pack(anchor="w", padx=2, pady=(6, 2))
        self.table = ttk.Treeview(
            self,
            columns=[c[0] for c in COLUMNS],
            show="headings",
            style="Cases.Treeview",
            selectmode="browse",
            height=1,
        )
        for key, text, width in COLUMNS:
            self.table.heading(key, text=text, anchor="w")
            self.table.column(key, width=width, minwidth=40, anchor="w", stretch=key == "matter")
        self.table.pack(fill="x")
        self.table.bind("<Return>", lambda _e: self.resume_selected())
        self.table.bind("<Double-1>", lambda _e: self.resume_selected())
        self.table.bind("<Delete>", lambda _e: self.discard_selected())
        self.drafts: tuple[DraftSummary, ...] = ()
        self.rows: dict[str, DraftSummary] = {}

    def refresh(self) -> None:
        drafts, clerk = self.view.services.drafts, self.app.clerk
        if drafts is None or clerk is None:
            return
        since = self.app.shift.opened_at if self.app.shift is not None else None
        self.view.run_task(drafts.drafts, clerk, since, on_done=self.show, on_error=self.app.show_error)

    def show(self, drafts: tuple[DraftSummary, ...]) -> None:
        self.drafts = drafts
        self.table.delete(*self.table.get_children())
        self.rows = {}
        if not drafts:
            self.pack_forget()
            return
        stale = sum(1 for d in drafts if d.stale)
        title = f"未完成的受理 {len(drafts)} 件（Shift+F2 继续最近一件；Tab 选中后回车继续，Delete 放弃）"
        if stale:
            title += f"，其中{stale}件为上一班次留下，请办结或放弃"
        self.title.configure(text=title)
        for d in drafts:
            iid = self.table.insert(
                "",
                "end",
                values=(
                    d.applicant,
                    d.matter,
                    f"{d.updated_at:%Y-%m-%d %H:%M}",
                    f"{d.pages}页" if d.pages else "",
                    "上一班次留下" if d.stale else "",
                ),
            )
            self.rows[iid] = d
        # On a short screen (1024×600) two rows, so the cases below keep room; Up/Down scroll the rest.
        shown = MAX_ROWS if self.app.root.winfo_height() >= TALL else 2
        self.table.configure(height=min(len(drafts), shown))
        first = self.table.get_children()[0]
        self.table.selection_set(first)
        self.table.focus(first)
        if not self.winfo_manager():
            self.pack(fill="x", padx=16, pady=(0, 4), before=self.before)

    def resume_newest(self) -> None:
        if self.drafts:
            self.app.resume_draft(self.drafts[0].id)

    def resume_selected(self) -> None:
        selected = self.table.selection()
        if selected:
            self.app.resume_draft(self.rows[selected[0]].id)

    def discard_selected(self) -> None:
        selected = self.table.selection()
        if not selected:
            return
        draft = self.rows[selected[0]]
        ask_discard(self.app, draft.label, lambda: self._discard(draft), self.table.focus_set)

    def _discard(self, draft: DraftSummary) -> None:
        drafts, clerk = self.view.services.drafts, self.app.clerk
        if drafts is None or clerk is None:
            return
        self.view.run_task(
            drafts.discard, draft.id, clerk, on_done=lambda _n: self.refresh(), on_error=self.app.show_error
        )
