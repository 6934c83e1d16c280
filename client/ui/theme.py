"""Fonts and colours readable at 1366x768 and on a hall screen.

A CJK family is chosen explicitly: customtkinter's default family is not installed on
Linux and fontconfig's fallback is arbitrary. Fonts are shared objects, so changing
the size (Ctrl+= / Ctrl+-) resizes every widget at once without rebuilding a view.
"""

from __future__ import annotations

import tkinter as tk
import tkinter.font as tkfont

import customtkinter as ctk

CJK_FAMILIES = (
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimHei",
    "SimSun",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "PingFang SC",
)

OK_COLOR = "#1a7f37"
WARN_COLOR = "#b35900"
ERROR_COLOR = "#c62828"
DEMO_COLOR = "#8a4b00"

MIN_SIZE, MAX_SIZE = 11, 26


class Theme:
    def __init__(self, family: str, base: int):
        self.family = family
        self.base = base
        self._ctk: dict[tuple[int, bool], ctk.CTkFont] = {}
        self._tk: dict[tuple[int, bool], tkfont.Font] = {}

    def font(self, delta: int = 0, bold: bool = False) -> ctk.CTkFont:
        key = (delta, bold)
        if key not in self._ctk:
            self._ctk[key] = ctk.CTkFont(
                family=self.family, size=self.base + delta, weight="bold" if bold else "normal"
            )
        return self._ctk[key]

    def tk_font(self, delta: int = 0, bold: bool = False) -> tkfont.Font:
        """A named Tk font for plain Tk widgets (Listbox, Treeview), sized in pixels like CTkFont."""
        key = (delta, bold)
        if key not in self._tk:
            self._tk[key] = tkfont.Font(
                family=self.family, size=-(self.base + delta), weight="bold" if bold else "normal"
            )
        return self._tk[key]

    def resize(self, step: int) -> int:
        """Grow or shrink every font; returns the new base size."""
        self.base = max(MIN_SIZE, min(MAX_SIZE, self.base + step))
        for (delta, _bold), f in self._ctk.items():
            f.configure(size=self.base + delta)
        for (delta, _bold), f in self._tk.items():
            f.configure(size=-(self.base + delta))
        return self.base


def make_theme(root: tk.Misc, base: int = 15) -> Theme:
    families = set(tkfont.families(root))
    family = next((f for f in CJK_FAMILIES if f in families), "TkDefaultFont")
    return Theme(family, base)
