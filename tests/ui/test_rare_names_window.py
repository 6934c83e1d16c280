"""Rare names in the window: Tk draws them through fontconfig's fallback, and intake warns
before anything is printed when this machine has no font for a character (issue #21, point 5)."""

from __future__ import annotations

import dataclasses
import os
import shutil
import tkinter as tk
from pathlib import Path

from PIL import Image, ImageChops, ImageGrab

from client.font_lookup import FontLookup
from client.services.printable import PrintableNames
from client.ui.intake import IntakeView
from tests.ui.conftest import window_driver

NAME = "吉𠮷祥"
NOTDEF = "\U0010fffd"  # private use: no font has it
HINT = "演示账号：clerk01，密码：123456"


def _intake(w):
    w.login()
    w.key("F2")
    return w.pump(lambda: w.window.view if isinstance(w.window.view, IntakeView) else None, what="intake view")


def _type_name(w, intake, name):
    w.type(intake.name, name)
    panel = intake.applicant
    w.pump(lambda: panel._print_checked[0] == name and intake.pending == 0, what="printability checked")
    w.settle(0.2)
    return panel


def test_rare_name_is_drawn_in_the_window_and_no_warning(enrolled_runtime, live_server):
    with window_driver(enrolled_runtime.services, HINT, live_server.hall) as w:
        intake = _intake(w)
        panel = _type_name(w, intake, "吉𠮷祥 郭𡒄 王𬌗 刘䶮")
        assert not panel.print_warning.winfo_ismapped()
        assert intake.name.get() == "吉𠮷祥 郭𡒄 王𬌗 刘䶮"
        w.keep_screenshot("rare-names-window.png")
        # Tk's own fallback (fontconfig) draws each rare character with a font that has it:
        # not blank, not the .notdef box, not the common character it resembles.
        for rare, common in (("𠮷", "吉"), ("𡒄", "壈"), ("𬌗", "骀"), ("䶮", "龚")):
            drawn = _tk_glyph(w, intake.name, rare)
            assert ImageChops.invert(drawn).getbbox() is not None, f"U+{ord(rare):04X} blank"
            assert not _same(drawn, _tk_glyph(w, intake.name, NOTDEF)), f"U+{ord(rare):04X} drawn as a box"
            assert not _same(drawn, _tk_glyph(w, intake.name, common)), f"U+{ord(rare):04X} drawn as {common}"


def _tk_glyph(w, entry, ch: str) -> Image.Image:
    """`ch` drawn by Tk in the entry's own font, grabbed from the screen."""
    font = entry.cget("font")
    label = tk.Label(w.window.root, text=ch, font=font, bg="white", fg="black", bd=0, padx=4, pady=4)
    label.place(x=0, y=0)
    w.settle(0.15)
    box = (label.winfo_rootx(), label.winfo_rooty())
    box += (box[0] + label.winfo_width(), box[1] + label.winfo_height())
    image = ImageGrab.grab(bbox=box, xdisplay=os.environ["DISPLAY"]).convert("L")
    label.destroy()
    return image


def _same(a: Image.Image, b: Image.Image) -> bool:
    return a.size == b.size and ImageChops.difference(a, b).getbbox() is None


def _only_common_fonts(tmp_path: Path) -> FontLookup:
    common = tmp_path / "fonts"
    common.mkdir()
    first = FontLookup().han_fonts()[0].path  # the full CJK font, without the rare planes
    shutil.copy(first, common / Path(first).name)
    return FontLookup.only([str(common)], tmp_path / "fontcache")


def test_without_the_rare_fonts_intake_warns_before_printing(tmp_path, enrolled_runtime, live_server, virtual_devices):
    services = dataclasses.replace(enrolled_runtime.services, printable=PrintableNames(_only_common_fonts(tmp_path)))
    with window_driver(services, HINT, live_server.hall) as w:
        intake = _intake(w)
        panel = _type_name(w, intake, NAME)
        assert panel.print_warning.winfo_ismapped()
        text = panel.print_warning.cget("text")
        assert "“𠮷”（U+20BB7）" in text and "方框" in text and "fonts-hanazono" in text and "SimSun-ExtB" in text
        assert "申请人姓名" in text
        assert virtual_devices.printer.jobs == []  # said before anything is printed
        assert "吉" not in text.replace("“𠮷”", "")  # it names the character, not the whole name
        w.screenshot("rare-names-warning.png")
        # The name corrected to characters every font has: the warning goes.
        intake.name.delete(0, "end")
        panel = _type_name(w, intake, "吉祥")
        assert not panel.print_warning.winfo_ismapped()
        # A name read from the card warns just the same (𪚥丽: U+2A6A5 is in Ext-B).
        from devices.virtual import RARE_CARDS

        card = RARE_CARDS[0]
        intake.name.delete(0, "end")
        virtual_devices.reader.place_card(card)
        w.key("F3")
        w.pump(lambda: intake.name.get() == card.name, what="card read")
        w.pump(lambda: panel._print_checked[0] == card.name and intake.pending == 0, what="card name checked")
        w.settle(0.2)
        assert panel.print_warning.winfo_ismapped()
        assert "U+2A6A5" in panel.print_warning.cget("text")
        # The next intake on the same screen starts without the previous applicant's warning.
        intake.clear()
        w.settle(0.2)
        assert not panel.print_warning.winfo_ismapped() and panel.print_warning.cget("text") == ""


def test_with_no_font_at_all_every_chinese_character_is_flagged(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    check = PrintableNames(FontLookup.only([str(empty)], tmp_path / "cache")).check("王𬌗 Li")
    assert check.missing == ("王", "𬌗")
    assert "U+2C317" in check.message()
