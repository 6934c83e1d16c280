"""好差评 on a screen that serves the applicant: the pad is lit for the case and the screen
says so until the applicant presses a key.

A real pad sits in front of the applicant. Without one (demo, training, virtual devices)
the pad's five keys are shown here, and digits 1–5 press them, so the applicant (or a
trainee) can rate on the clerk's screen; the clerk never chooses the level. After 不满意 or
非常不满意 the pad offers its fixed list of reasons (or none), as a pad with a screen does.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

import customtkinter as ctk

from client.domain.ratings import BAD_REASONS, is_bad, reason_label
from client.domain.ratings import label as level_label
from client.services.ratings import RatingResult, Stage

from .theme import ERROR_COLOR, OK_COLOR, WARN_COLOR

if TYPE_CHECKING:
    from .base import View

LEVELS = (5, 4, 3, 2, 1)  # as the pad shows them, best first
KEYSYMS = tuple(str(n) for n in LEVELS) + tuple(f"KP_{n}" for n in LEVELS)


class RatingPrompt(ctk.CTkFrame):
    """What the rating pad is doing for one case, and (without a real pad) its keys."""

    def __init__(self, master: ctk.CTkFrame, view: View, case_id: str, stage: Stage = "intake"):
        super().__init__(master, fg_color="transparent")
        self.view, self.case_id, self.stage = view, case_id, stage
        self.ratings = view.services.ratings
        self.waiting = False
        self.result: RatingResult | None = None
        self.status = view.label(self, "", 1, True)
        self.status.pack(side="left")
        self.keys_box: ctk.CTkFrame | None = None
        self.key_buttons: dict[int, ctk.CTkButton] = {}
        self.reasons_box: ctk.CTkFrame | None = None
        self.reason_buttons: dict[str, ctk.CTkButton] = {}
        self.poor_level: int | None = None  # a 差评 key pressed, its reason not chosen yet
        if self.ratings is not None and self.ratings.keys_on_screen:
            box = ctk.CTkFrame(self, border_width=1, border_color="gray60")
            view.label(box, "虚拟评价器（请申请人按键）", -2).pack(side="left", padx=(8, 4))
            for level in LEVELS:
                button = view.button(
                    box,
                    f"{level} {level_label(level)}",
                    partial(self.press, level),
                    -2,
                    "secondary",  # all five alike: the screen must not lean towards any answer
                    width=84,
                    height=28,
                )
                button.pack(side="left", padx=2, pady=4)
                self.key_buttons[level] = button
            self.keys_box = box
            reasons = ctk.CTkFrame(self, border_width=1, border_color="gray60")
            view.label(reasons, "请选择不满意的原因（可不选）", -2).grid(
                row=0, column=0, columnspan=3, sticky="w", padx=8
            )
            for i, (code, text) in enumerate([*BAD_REASONS.items(), ("", "不选原因")]):
                button = view.button(reasons, text, partial(self.give_reason, code), -2, "secondary", height=28)
                button.grid(row=1 + i // 3, column=i % 3, sticky="ew", padx=2, pady=2)
                self.reason_buttons[code] = button
            self.reasons_box = reasons

    def ask(self) -> None:
        """Light the pad for this case and wait for the applicant's key."""
        if self.ratings is None:
            return
        what = "出件" if self.stage == "delivery" else "本次服务"
        self.status.configure(text=f"请申请人在评价器上为{what}评价…", text_color=WARN_COLOR)
        self.waiting = True
        if self.keys_box is not None:
            self.keys_box.pack(side="left", padx=(12, 0))
        self.view.run_task(
            self.ratings.ask,
            self.case_id,
            self.view.app.current_clerk,
            self.stage,
            on_done=self._rated,
            on_error=self._failed,
            waits=True,  # up to a minute: never in the way of the screens' own tasks
        )

    def press(self, level: int) -> None:
        """A key of the on-screen pad: the applicant's press, sent to the (virtual) pad; a
        差评 first asks for its reason, as the pad's own screen would."""
        if self.ratings is None or not self.waiting or self.keys_box is None:
            return
        if is_bad(level) and self.reasons_box is not None:
            self.poor_level = level
            self.keys_box.pack_forget()
            self.reasons_box.pack(side="left", padx=(12, 0))
            return
        self.view.run_task(self.ratings.press, level)

    def give_reason(self, reason: str) -> None:
        """The applicant touched a reason (or 不选原因) after a 差评 key."""
        if self.ratings is None or not self.waiting or self.poor_level is None:
            return
        level, self.poor_level = self.poor_level, None
        if self.reasons_box is not None:
            self.reasons_box.pack_forget()
        self.view.run_task(self.ratings.press, level, reason)

    def bind_keys(self, keys: dict) -> None:
        """Digits 1–5 press the on-screen pad's keys while it waits (no real pad only)."""
        if self.keys_box is None:
            return
        for keysym in KEYSYMS:
            keys[keysym] = lambda keysym=keysym: self.press(int(keysym[-1]))

    def leave(self) -> None:
        """The clerk moves on before the applicant pressed: the pad goes dark."""
        if self.waiting and self.ratings is not None:
            self.waiting = False
            try:
                self.view.app.runner.run(self.ratings.cancel, waits=True)  # heard within one wait slice
            except RuntimeError:  # the window is closing: its task pool and the pad's owner stop with it
                pass

    def reset(self, case_id: str) -> None:
        """A screen reused for another case: the pad dark, nothing said, and for that case."""
        self.leave()
        self.case_id = case_id
        self.result = None
        self.status.configure(text="")
        self.poor_level = None
        for box in (self.keys_box, self.reasons_box):
            if box is not None:
                box.pack_forget()
        self.pack_forget()

    def destroy(self) -> None:
        self.leave()  # the screen went away with the pad still lit
        super().destroy()

    def _rated(self, rated: RatingResult) -> None:
        self.waiting = False
        self.result = rated
        self.poor_level = None
        for box in (self.keys_box, self.reasons_box):
            if box is not None:
                box.pack_forget()
        what = "出件评价" if self.stage == "delivery" else "申请人评价"
        if rated.level is None:
            self.status.configure(text="申请人未评价", text_color=WARN_COLOR)
        elif rated.bad:
            why = f"，原因：{reason_label(rated.reason)}" if rated.reason else ""
            self.status.configure(
                text=f"{what}：{rated.label}{why}（差评，已记录，需回访整改）", text_color=ERROR_COLOR
            )
        else:
            self.status.configure(text=f"{what}：{rated.label}", text_color=OK_COLOR)

    def _failed(self, exc: BaseException) -> None:
        self.waiting = False
        self.poor_level = None
        for box in (self.keys_box, self.reasons_box):
            if box is not None:
                box.pack_forget()
        self.status.configure(text=getattr(exc, "message", "评价器无响应"), text_color=WARN_COLOR)
