"""Fonts, colours and spacing readable at 1024x600 up to a hall screen.

A CJK family is chosen explicitly: customtkinter's default family is not installed on
Linux and fontconfig's fallback is arbitrary. Fonts are shared objects, so changing
the size (Ctrl+= / Ctrl+-) resizes every widget at once without rebuilding a view.

Colours carry meaning, so a clerk learns them once: PRIMARY is the one action the
screen exists for, SECONDARY everything beside it (back, sync, settings), DANGER what
cannot be undone (撤件). Views ask for a button kind, never for a colour.
"""

from __future__ import annotations

import tkinter as tk
import tkinter.font as tkfont
import tkinter.ttk as ttk

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
MIN_WINDOW = (1024, 600)  # every screen works down to this size, scrolling where it must

# Button kinds: the screen's main action, everything beside it, what cannot be undone.
PRIMARY = "#1f5fa8"
PRIMARY_HOVER = "#174a84"
SECONDARY = "#f4f6f9"
SECONDARY_HOVER = "#dfe5ec"
SECONDARY_TEXT = "#1f2d3d"
SECONDARY_BORDER = "#98a4b3"
DANGER = "#b3261e"
DANGER_HOVER = "#8c1d17"
MUTED_TEXT = "gray40"  # hints beside a control (the F2 on the applicant switch)
TABLE_HEADING = "#dde3ea"

BUTTON_KINDS: dict[str, dict[str, object]] = {
    "primary": {"fg_color": PRIMARY, "hover_color": PRIMARY_HOVER, "text_color": "white", "border_width": 0},
    "secondary": {
        "fg_color": SECONDARY,
        "hover_color": SECONDARY_HOVER,
        "text_color": SECONDARY_TEXT,
        "text_color_disabled": "gray60",
        "border_color": SECONDARY_BORDER,
        "border_width": 1,
    },
    "danger": {"fg_color": DANGER, "hover_color": DANGER_HOVER, "text_color": "white", "border_width": 0},
}


# Spacing: the few distances every screen uses, so edges and gaps line up from view to view.
EDGE = 16  # a view's content from the window's edge
GAP = 10  # between controls in a row, between a row and the next block
TIGHT = 6  # inside a group: a label and its field, a row's small buttons
BUTTON_HEIGHT = 40  # the bottom bar's buttons


def button_colors(kind: str) -> dict[str, object]:
    """The colours of a button kind, for a CTkButton made without `View.button` (dialogs, the lock)."""
    try:
        return dict(BUTTON_KINDS[kind])
    except KeyError:
        raise ValueError(f"unknown button kind {kind!r}; use one of {sorted(BUTTON_KINDS)}") from None


def apply_palette() -> None:
    """Make PRIMARY customtkinter's own accent, so switches, segmented buttons, check boxes and
    option menus (which take no kind) select in the same blue as the primary button."""
    theme = ctk.ThemeManager.theme
    for widget, keys in (
        ("CTkButton", ("fg_color",)),
        ("CTkSegmentedButton", ("selected_color",)),
        ("CTkSwitch", ("progress_color",)),
        ("CTkCheckBox", ("fg_color",)),
        ("CTkOptionMenu", ("fg_color",)),
    ):
        for key in keys:
            theme[widget][key] = [PRIMARY, PRIMARY]
    for widget, key in (
        ("CTkButton", "hover_color"),
        ("CTkSegmentedButton", "selected_hover_color"),
        ("CTkCheckBox", "hover_color"),
        ("CTkOptionMenu", "button_hover_color"),
    ):
        theme[widget][key] = [PRIMARY_HOVER, PRIMARY_HOVER]
    theme["CTkOptionMenu"]["button_color"] = [PRIMARY_HOVER, PRIMARY_HOVER]


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


def style_tables(root: tk.Misc, theme: Theme) -> None:
    """The ttk Treeview in the same font, colours and proportions as the CTk widgets around it:
    flat headings on the frame's grey, rows tall enough for the CJK font, selection in PRIMARY."""
    style = ttk.Style(root)
    if "clam" in style.theme_names():
        style.theme_use("clam")  # the only built-in theme that lets headings and fields be coloured
    style.configure(
        "Cases.Treeview",
        font=theme.tk_font(-1),
        rowheight=table_row_height(theme.base),
        background="white",
        fieldbackground="white",
        foreground=SECONDARY_TEXT,
        bordercolor=SECONDARY_BORDER,
        borderwidth=1,
    )
    style.map(
        "Cases.Treeview",
        background=[("selected", PRIMARY)],
        foreground=[("selected", "white")],
    )
    style.configure(
        "Cases.Treeview.Heading",
        font=theme.tk_font(-1, True),
        background=TABLE_HEADING,
        foreground=SECONDARY_TEXT,
        relief="flat",
        padding=(TIGHT, TIGHT),
    )
    style.map("Cases.Treeview.Heading", background=[("active", SECONDARY_HOVER)])
    style.configure("Vertical.TScrollbar", background=SECONDARY, troughcolor=TABLE_HEADING, bordercolor=TABLE_HEADING)


def style_list(listbox: tk.Listbox) -> tk.Listbox:
    """A plain Tk list (the matter search, the refusal reasons) drawn like the tables."""
    listbox.configure(
        background="white",
        foreground=SECONDARY_TEXT,
        selectbackground=PRIMARY,
        selectforeground="white",
        relief="flat",
        borderwidth=0,
        highlightbackground=SECONDARY_BORDER,
    )
    return listbox


def table_row_height(base: int) -> int:
    """A row height that keeps CJK text clear of the rows above and below at any font size."""
    return base * 2 + 6


def make_theme(root: tk.Misc, base: int = 15) -> Theme:
    apply_palette()
    families = set(tkfont.families(root))
    family = next((f for f in CJK_FAMILIES if f in families), "TkDefaultFont")
    theme = Theme(family, base)
    style_tables(root, theme)
    return theme
