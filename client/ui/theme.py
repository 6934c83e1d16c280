"""Fonts and colours readable at 1366x768 and on a hall screen.

A CJK family is chosen explicitly: customtkinter's default family is not installed on
Linux and fontconfig's fallback is arbitrary.
"""
from __future__ import annotations

import tkinter.font as tkfont
from dataclasses import dataclass

import customtkinter as ctk

CJK_FAMILIES = ("WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Microsoft YaHei", "SimHei", "SimSun",
                "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC")

OK_COLOR = "#1a7f37"
WARN_COLOR = "#b35900"
ERROR_COLOR = "#c62828"
DEMO_COLOR = "#8a4b00"


@dataclass(frozen=True)
class Theme:
    family: str
    base: int

    def font(self, delta: int = 0, bold: bool = False) -> ctk.CTkFont:
        return ctk.CTkFont(family=self.family, size=self.base + delta, weight="bold" if bold else "normal")

    def tk_font(self, delta: int = 0, bold: bool = False) -> tuple:
        size = -(self.base + delta)  # negative = pixels, as CTkFont sizes are
        return (self.family, size, "bold") if bold else (self.family, size)


def make_theme(root, base: int = 15) -> Theme:
    families = set(tkfont.families(root))
    family = next((f for f in CJK_FAMILIES if f in families), "TkDefaultFont")
    return Theme(family, base)
