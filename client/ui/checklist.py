"""The materials checklist: one row per material with its state at the counter.

A row offers only the states the guide allows for that material (承诺 only where a
pledge may replace it, 免提交 only where an e-licence can be fetched), so the clerk
cannot record something the rules forbid.

The list is worked from the keyboard, one row at a time: each row is a Tab stop and the
focused row is highlighted (and scrolled into view). Up/Down (or Enter) move between rows,
1 已收, 2 缺, 3 有误, 4 承诺, 5 免提交 set the state (a state the row does not offer gets a
short hint instead), S scans and I imports pages for the row. 有误 puts the cursor in the
row's problem field; Enter or Down there goes on to the next row, Up back to its own.
The intake enters the list after a matter is chosen (past its situation questions).
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING

import customtkinter as ctk

from client.domain.catalog import MaterialSpec
from client.domain.decisions import DEFECTIVE, ELICENSE, MISSING, PAPER_COPY, PAPER_ORIGINAL, PLEDGED
from client.services.drafts import MaterialSnapshot
from client.services.intake import MaterialInput

from .base import autohide_scrollbar, wrap_to_width
from .focus import FOCUS_COLOR, ROW_HIGHLIGHT, frame_bind, take_focus
from .theme import OK_COLOR, WARN_COLOR

if TYPE_CHECKING:
    from .intake import IntakeView
    from .supplement import SupplementView

NECESSITY = {"required": "必要", "conditional": "视情", "optional": "可选"}
FORM = {"original": "原件", "copy": "复印件"}
RECEIVED, LACKING, FAULTY, PLEDGE, FETCH = "已收", "缺", "有误", "承诺", "免提交"
DRAFT_STATES = {RECEIVED: "received", LACKING: "missing", FAULTY: "defective", PLEDGE: "pledged", FETCH: "elicense"}
STATE_KEYS = {"1": RECEIVED, "2": LACKING, "3": FAULTY, "4": PLEDGE, "5": FETCH}
KEY_HINT = "↑↓ 选材料　1 已收　2 缺　3 有误　4 承诺　5 免提交　S 扫描　I 导入"


class MaterialChecklist(ctk.CTkScrollableFrame):
    def __init__(self, master: tk.Misc, view: IntakeView | SupplementView, on_change: Callable[[], None]):
        super().__init__(master, fg_color="transparent")
        autohide_scrollbar(self)
        self.view, self.theme, self.on_change = view, view.theme, on_change
        self.specs: dict[str, MaterialSpec] = {}
        self.states: dict[str, tk.StringVar] = {}
        self.reasons: dict[str, ctk.CTkEntry] = {}
        self.pages: dict[str, list] = {}
        self.page_labels: dict[str, ctk.CTkLabel] = {}
        self.rows: dict[str, ctk.CTkFrame] = {}
        self.offers: dict[str, tuple[str, ...]] = {}
        self.hinted = ""  # the last hint shown in the view's message line
        self.current = ""  # the code of the row the keyboard works on
        self.lit = ""  # the code of the highlighted row
        # Where Up from the first row goes (the intake's last situation question or its search).
        self.on_leave_up: Callable[[], None] | None = None
        self.view.label(self, "请先选择事项", -1).pack(anchor="w")

    def fill(self, specs: Iterable[MaterialSpec], pledge_allowed: bool) -> None:
        """Show `specs`, keeping what was recorded for materials that stay on the list."""
        kept = {code: (var.get(), self.reasons[code].get(), self.pages[code]) for code, var in self.states.items()}
        had_focus = self.focused_code()
        for child in self.winfo_children():
            child.destroy()
        self.specs, self.states, self.reasons, self.pages, self.page_labels = {}, {}, {}, {}, {}
        self.rows, self.offers, self.lit = {}, {}, ""
        for spec in specs:
            self.specs[spec.code] = spec
            state, reason_text, pages = kept.get(spec.code, (LACKING, "", []))
            row = ctk.CTkFrame(self, fg_color="transparent", border_width=0, border_color=FOCUS_COLOR)
            row.pack(fill="x", pady=(2, 4))
            self._keyboard_row(row, spec.code)
            flags = "".join(
                f" [{f}]"
                for f, on in (
                    ("可容缺", spec.tolerable),
                    ("可承诺", spec.pledgeable and pledge_allowed),
                    ("可免提交", bool(spec.elicense)),
                )
                if on
            )
            title = self.view.label(
                row,
                f"［{NECESSITY[spec.necessity]}］{spec.name}  {FORM[spec.form]}×{spec.copies}{flags}",
                -1,
                wraplength=400,
                justify="left",
            )
            title.pack(anchor="w", padx=6, pady=(4, 0))
            wrap_to_width(title, row, 16)
            line = ctk.CTkFrame(row, fg_color="transparent")
            line.pack(anchor="w", padx=16, pady=(0, 4))
            options = [RECEIVED, LACKING, FAULTY]
            if spec.pledgeable and pledge_allowed:
                options.append(PLEDGE)
            if spec.elicense:
                options.append(FETCH)
            var = tk.StringVar(value=state if state in options else LACKING)
            self.offers[spec.code] = tuple(options)
            ctk.CTkSegmentedButton(
                line,
                values=options,
                variable=var,
                font=self.theme.font(-2),
                command=lambda _v, c=spec.code: self._changed(c),
            ).pack(side="left")
            self.view.button(
                line, "扫描", partial(self.view.scan_pages, spec.code, spec.name), -2, "secondary", width=44, height=26
            ).pack(side="left", padx=(8, 0))
            self.view.button(
                line, "导入", partial(self.view.import_pages, spec.code), -2, "secondary", width=44, height=26
            ).pack(side="left", padx=(4, 0))
            label = self.view.label(line, f"已扫描 {len(pages)} 页" if pages else "", -2, text_color=OK_COLOR)
            label.pack(side="left", padx=6)
            reason = self.view.entry(row, width=320, placeholder_text="问题说明，如：缺少签字、复印件不清晰")
            if state == FAULTY and reason_text:
                reason.insert(0, reason_text)
            reason.bind("<KeyRelease>", lambda _e: self.on_change())
            for sequence, step in (("<Return>", 1), ("<Down>", 1), ("<Up>", 0)):
                reason.bind(sequence, lambda _e, c=spec.code, s=step: self._leave_reason(c, s))
            self.states[spec.code], self.reasons[spec.code] = var, reason
            self.pages[spec.code], self.page_labels[spec.code] = list(pages), label
            self.rows[spec.code] = row
            self._show_reason(spec.code)
        if had_focus in self.rows:
            self.focus_row(had_focus)
        self.on_change()

    # the keyboard
    def _keyboard_row(self, row: ctk.CTkFrame, code: str) -> None:
        take_focus(row)
        handlers = {
            "<FocusIn>": lambda _e: self._entered(code),
            "<FocusOut>": lambda _e: self._left(code),
            "<Up>": lambda _e: self._step(code, -1),
            "<Down>": lambda _e: self._step(code, 1),
            "<Return>": lambda _e: self._step(code, 1),
            "<Home>": lambda _e: self._jump(0),
            "<End>": lambda _e: self._jump(-1),
            "<Key-s>": lambda _e: self._scan(code),
            "<Key-S>": lambda _e: self._scan(code),
            "<Key-i>": lambda _e: self._import(code),
            "<Key-I>": lambda _e: self._import(code),
        }
        for digit, state in STATE_KEYS.items():
            handlers[f"<Key-{digit}>"] = handlers[f"<KP_{digit}>"] = partial(self._key_state_event, code, state)
        for sequence, handler in handlers.items():
            frame_bind(row, sequence, partial(_swallow, handler))

    def focused_code(self) -> str:
        """The row holding the keyboard focus (its frame or its problem field), or ""."""
        focused = self.focus_get()
        if focused is None:
            return ""
        path = str(focused)
        return next((c for c, row in self.rows.items() if path == str(row) or path.startswith(f"{row}.")), "")

    def focus_row(self, code: str = "") -> bool:
        """Put the keyboard on `code`'s row (the current or first row when not given)."""
        code = code if code in self.rows else self.current if self.current in self.rows else ""
        if not code and self.rows:
            code = next(iter(self.rows))
        if not code:
            return False
        self.rows[code].focus_set()
        return True

    def _entered(self, code: str) -> None:
        self.current = code
        self._light()
        self.after_idle(lambda: self._scroll_to(code))

    def _left(self, _code: str) -> None:
        # The focus may have moved into the row (its problem field): decide once it has landed.
        self.after_idle(self._light)

    def _light(self) -> None:
        """Highlight the row that has the focus (or whose field has it), and only that row."""
        if not self.winfo_exists():
            return
        code = self.focused_code()
        if code == self.lit:
            return
        for c in (self.lit, code):
            row = self.rows.get(c)
            if row is not None and row.winfo_exists():
                on = c == code
                row.configure(fg_color=ROW_HIGHLIGHT if on else "transparent", border_width=2 if on else 0)
        self.lit = code

    def _scroll_to(self, code: str) -> None:
        """Scroll the list just enough that the row is wholly in view."""
        row = self.rows.get(code)
        if row is None or not row.winfo_exists():
            return
        canvas = self._parent_canvas
        total = self.winfo_height()
        if total <= 1:
            return
        first, last = canvas.yview()
        top, bottom = row.winfo_y(), row.winfo_y() + row.winfo_height()
        if top < first * total:
            canvas.yview_moveto(max(0.0, (top - 4) / total))
        elif bottom > last * total:
            canvas.yview_moveto(min(1.0, (bottom + 4) / total - (last - first)))

    def _step(self, code: str, delta: int) -> None:
        codes = list(self.rows)
        index = codes.index(code) + delta
        if index < 0:
            if self.on_leave_up is not None:
                self.on_leave_up()
            return
        if index < len(codes):
            self.focus_row(codes[index])

    def _jump(self, index: int) -> None:
        if self.rows:
            self.focus_row(list(self.rows)[index])

    def _leave_reason(self, code: str, step: int) -> str:
        """From a row's problem field: Enter/Down go on to the next row, Up back to the row itself."""
        if step:
            self._step(code, step)
            if self.focused_code() == code:  # the last row: stay on it
                self.focus_row(code)
        else:
            self.focus_row(code)
        return "break"

    def _key_state_event(self, code: str, state: str, _event: object) -> None:
        self._key_state(code, state)

    def _key_state(self, code: str, state: str) -> None:
        offered = self.offered(code)
        if state not in offered:
            keys = "、".join(f"{k} {s}" for k, s in STATE_KEYS.items() if s in offered)
            self._hint(f"“{self.specs[code].name}”不能选“{state}”，可按：{keys}")
            return
        self._hint("")
        if self.states[code].get() != state:
            self.set_state(code, state)

    def offered(self, code: str) -> tuple[str, ...]:
        """The states `code`'s row offers (what its segmented button shows)."""
        return tuple(self.offers.get(code, ()))

    def _scan(self, code: str) -> None:
        self.view.scan_pages(code, self.specs[code].name)

    def _import(self, code: str) -> None:
        self.view.import_pages(code)
        if code in self.rows and self.rows[code].winfo_exists():
            self.focus_row(code)  # the file dialog took the focus

    def _hint(self, text: str) -> None:
        """A hint in the screen's message line; clearing removes only a hint of ours."""
        message = self.view.message
        if text or message.cget("text") == self.hinted:
            message.configure(text=text, text_color=WARN_COLOR)
        self.hinted = text

    def _changed(self, code: str) -> None:
        self._show_reason(code)
        if self.states[code].get() == FAULTY:
            self.reasons[code].focus_set()
        self.on_change()

    def _show_reason(self, code: str) -> None:
        entry = self.reasons[code]
        if self.states[code].get() == FAULTY:
            entry.pack(anchor="w", padx=16, pady=(4, 0))
        else:
            entry.pack_forget()

    def set_state(self, code: str, label: str) -> None:
        self.states[code].set(label)
        self._changed(code)

    def mark_all_received(self) -> None:
        """F7: everything on the list is here; the clerk then marks the exceptions."""
        for var in self.states.values():
            if var.get() == LACKING:
                var.set(RECEIVED)
        self.on_change()

    def add_pages(self, code: str, refs) -> None:
        self.pages[code].extend(refs)
        if self.states[code].get() == LACKING:
            self.states[code].set(RECEIVED)
        self.page_labels[code].configure(text=f"已扫描 {len(self.pages[code])} 页")
        self.on_change()

    def inputs(self) -> tuple[MaterialInput, ...]:
        out = []
        for code, var in self.states.items():
            spec = self.specs[code]
            state = {
                RECEIVED: PAPER_COPY if spec.form == "copy" else PAPER_ORIGINAL,
                LACKING: MISSING,
                FAULTY: DEFECTIVE,
                PLEDGE: PLEDGED,
                FETCH: ELICENSE,
            }[var.get()]
            out.append(
                MaterialInput(
                    code, var.get() == RECEIVED, tuple(self.pages[code]), state, self.reasons[code].get().strip()
                )
            )
        return tuple(out)

    # the intake screen is reused and its drafts put back (client.services.drafts)
    def reset(self) -> None:
        """No matter chosen: an empty list, as a new intake starts."""
        for child in self.winfo_children():
            child.destroy()
        self.specs, self.states, self.reasons, self.pages, self.page_labels = {}, {}, {}, {}, {}
        self.rows, self.offers, self.lit, self.current = {}, {}, "", ""
        self.view.label(self, "请先选择事项", -1).pack(anchor="w")

    def snapshot_rows(self) -> tuple[MaterialSnapshot, ...]:
        """Each row's state, problem text and pages as plain values for a draft."""
        return tuple(
            MaterialSnapshot(
                code,
                DRAFT_STATES[var.get()],
                self.reasons[code].get() if var.get() == FAULTY else "",
                tuple(self.pages[code]),
            )
            for code, var in self.states.items()
        )

    def restore_rows(self, rows: Iterable[MaterialSnapshot]) -> None:
        """Put a draft's states, problem texts and pages back on the rows still on the list."""
        labels = {state: label for label, state in DRAFT_STATES.items()}
        for row in rows:
            if row.code not in self.states:
                continue
            label = labels.get(row.state, LACKING)
            self.states[row.code].set(label if label in self.offered(row.code) else LACKING)
            self.pages[row.code] = list(row.pages)
            self.page_labels[row.code].configure(text=f"已扫描 {len(row.pages)} 页" if row.pages else "")
            reason = self.reasons[row.code]
            reason.delete(0, "end")
            if row.reason:
                reason.insert(0, row.reason)
            self._show_reason(row.code)
        self.on_change()


def _swallow(handler: Callable[[tk.Event[tk.Misc]], object], event: tk.Event[tk.Misc]) -> str:
    """Run a row's key handler and stop the key there (the screen's own keys must not see it too)."""
    handler(event)
    return "break"
