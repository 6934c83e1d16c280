"""The signature pad: the applicant signs on the laptop screen with a finger, pen or mouse.

A small window over the main one with a white canvas; the strokes go to the service as
points (the service makes the PNG), so the view keeps no image bytes.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from typing import TYPE_CHECKING

import customtkinter as ctk

from client.services.outreach import Signature

from .modal import dialog_button, over_main
from .theme import ERROR_COLOR

if TYPE_CHECKING:
    from .intake import IntakeView

PAD_WIDTH, PAD_HEIGHT = 560, 200


class SignaturePad(ctk.CTkToplevel):
    def __init__(
        self,
        view: IntakeView,
        prompt: str,
        on_signed: Callable[[Signature], None],
        confirm: str = "确认签名并收件（Enter）",
    ):
        super().__init__(view)
        self.view, self.on_signed, self.prompt = view, on_signed, prompt
        over_main(self, view.app.root, "申请人签名确认", resizable=False)
        self.strokes: list[list[tuple[float, float]]] = []
        theme = view.theme
        ctk.CTkLabel(self, text=prompt, font=theme.font(1, True), wraplength=PAD_WIDTH, justify="left").pack(
            padx=16, pady=(14, 6), anchor="w"
        )
        self.canvas = tk.Canvas(
            self,
            width=PAD_WIDTH,
            height=PAD_HEIGHT,
            bg="white",
            highlightthickness=2,
            highlightbackground="#3b6ea5",
            cursor="pencil",
        )
        self.canvas.pack(padx=16)
        self.canvas.create_line(20, PAD_HEIGHT - 40, PAD_WIDTH - 20, PAD_HEIGHT - 40, fill="#c8c8c8", dash=(4, 4))
        self.canvas.create_text(
            24, PAD_HEIGHT - 30, text="请在虚线上方签名", anchor="nw", fill="#a0a0a0", font=theme.tk_font(-2)
        )
        self.canvas.bind("<ButtonPress-1>", self._start)
        self.canvas.bind("<B1-Motion>", self._move)
        self.message = ctk.CTkLabel(self, text="", font=theme.font(-1), text_color=ERROR_COLOR)
        self.message.pack(padx=16, anchor="w")
        bar = ctk.CTkFrame(self, fg_color="transparent")
        bar.pack(fill="x", padx=16, pady=(4, 14))
        # Each a Tab stop with the ring (Enter on a focused one presses that one); the keys in
        # their texts work from anywhere on the pad. Signing itself needs a finger, pen or mouse.
        self.confirm = dialog_button(bar, confirm, self.done, theme.font(1), "primary", 40)
        self.confirm.pack(side="right")
        self.clear_button = dialog_button(bar, "重签（Delete）", self.clear, theme.font(), height=40)
        self.clear_button.pack(side="right", padx=10)
        self.cancel_button = dialog_button(bar, "取消（Esc）", self.destroy, theme.font(), height=40)
        self.cancel_button.pack(side="left")
        self.bind("<Return>", lambda _e: self.done())
        self.bind("<Escape>", lambda _e: self.destroy())
        self.bind("<Delete>", lambda _e: self.clear())
        root = view.app.root
        root.update_idletasks()
        self.geometry(f"+{root.winfo_rootx() + 380}+{root.winfo_rooty() + 190}")
        self.after(50, self.focus_force)

    def _start(self, event: tk.Event[tk.Canvas]) -> None:
        self.strokes.append([(event.x, event.y)])
        self.message.configure(text="")

    def _move(self, event: tk.Event[tk.Canvas]) -> None:
        if not self.strokes:
            self._start(event)
            return
        x0, y0 = self.strokes[-1][-1]
        self.strokes[-1].append((event.x, event.y))
        self.canvas.create_line(x0, y0, event.x, event.y, width=3, capstyle="round", smooth=True, tags="ink")

    def draw(self, points: list[tuple[float, float]]) -> None:
        """One stroke as a pointer would make it (used by the trainer and the GUI tests)."""
        for i, (x, y) in enumerate(points):
            self.canvas.event_generate("<ButtonPress-1>" if i == 0 else "<B1-Motion>", x=int(x), y=int(y))

    def clear(self) -> None:
        self.strokes.clear()
        self.canvas.delete("ink")
        self.message.configure(text="")

    def done(self) -> None:
        signed = Signature(tuple(tuple(s) for s in self.strokes), PAD_WIDTH, PAD_HEIGHT)
        if not signed.enough:
            self.message.configure(text="请申请人在签名框内签名后再确认")
            return
        self.destroy()
        self.on_signed(signed)
