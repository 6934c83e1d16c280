"""Looks through the real window: buttons are coloured by what they do (the one primary action,
secondary actions, danger), the ttk tables wear the theme, and the notice on the result screen
opens full-size, pages with the keyboard, closes alone on Esc and prints again from there.
Screenshots: docs/screenshots/looks-home.png, looks-intake.png, pdf-viewer.png."""

from __future__ import annotations

import tkinter as tk
import tkinter.ttk as ttk

import customtkinter as ctk
import pdfplumber

from client.domain.identity import Applicant
from client.services.intake import IntakeDraft, MaterialInput
from client.ui import theme
from client.ui.detail import CaseDetailView
from client.ui.home import HomeView
from client.ui.intake import IntakeView
from client.ui.pdf_viewer import PdfViewer
from client.ui.result import ResultView

# The demo's own controls (放卡) wear the demo banner's colour, so nobody takes them for the real thing.
KIND_OF = {theme.PRIMARY: "primary", theme.SECONDARY: "secondary", theme.DANGER: "danger", theme.DEMO_COLOR: "demo"}


def buttons(widget) -> list[ctk.CTkButton]:
    found = []
    for child in widget.winfo_children():
        if isinstance(child, ctk.CTkSegmentedButton):  # a choice, not an action: its parts are buttons
            continue
        if isinstance(child, ctk.CTkButton) and child.winfo_ismapped():
            found.append(child)
        found += buttons(child)
    return found


def kind(button: ctk.CTkButton) -> str:
    colour = button.cget("fg_color")
    colour = colour[0] if isinstance(colour, (list, tuple)) else colour
    return KIND_OF.get(colour, f"ad hoc {colour}")


def kinds(root) -> dict[str, str]:
    return {b.cget("text"): kind(b) for b in buttons(root)}


def _wait_view(w, cls):
    return w.pump(lambda: w.window.view if isinstance(w.window.view, cls) else None, what=cls.__name__)


def test_buttons_are_coloured_by_what_they_do(counter_window, enrolled_runtime):
    w, win = counter_window, counter_window.window
    home = w.login()
    w.pump(lambda: not home.busy, what="home filled")
    on_home = kinds(win.root)
    assert all(not k.startswith("ad hoc") for k in on_home.values()), on_home
    assert on_home["新建受理（F2）"] == "primary"
    assert on_home["立即同步（F5）"] == on_home["设置（F12）"] == on_home["系统诊断（F11）"] == "secondary"
    w.screenshot("looks-home.png")

    w.key("F2")
    intake = _wait_view(w, IntakeView)
    w.type(intake.id_number, "34052419800101001X")
    w.pump(lambda: not intake.busy, what="applicant looked up")
    w.type(intake.search, "个体")
    w.press(intake.search, "Return")
    w.key("F7")
    w.pump(lambda: intake.verdict.verdict.cget("text") == "将办理：受理" and not intake.busy, what="verdict")
    on_intake = kinds(win.root)
    assert all(not k.startswith("ad hoc") for k in on_intake.values()), on_intake
    primary = [text for text, k in on_intake.items() if k == "primary"]
    assert primary == [intake.accept_button.cget("text")]  # one primary action: record and print
    assert on_intake["返回（Esc）"] == on_intake["预览文书（F8）"] == "secondary"
    w.screenshot("looks-intake.png")

    services, clerk = enrolled_runtime.services, win.current_clerk
    matter = services.intake.matter("370702-XK-0001")
    case = services.intake.submit(
        IntakeDraft(
            Applicant("王秀英", "身份证", "11010519491231002X"),
            matter.code,
            tuple(MaterialInput(m.code, received=True) for m in matter.materials_for({})),
        ),
        clerk,
    )
    win.show_case(case.case_id)
    detail = w.pump(lambda: isinstance(win.view, CaseDetailView) and win.view.detail and win.view, what="detail")
    w.pump(lambda: not detail.busy, what="detail filled")
    on_detail = kinds(win.root)
    assert all(not k.startswith("ad hoc") for k in on_detail.values()), on_detail
    assert on_detail["返回（Esc）"] == "secondary"
    withdraw = getattr(detail, "withdraw_button", None)
    if withdraw is not None and withdraw.winfo_exists():  # shown only while the case can be withdrawn
        assert kind(withdraw) == "danger"


def test_tables_wear_the_theme(counter_window):
    w, win = counter_window, counter_window.window
    home = w.login()
    w.pump(lambda: not home.busy, what="home filled")
    style = ttk.Style(win.root)
    table = home.table
    assert str(table.cget("style")) == "Cases.Treeview"
    family = tk.font.Font(font=style.lookup("Cases.Treeview", "font")).actual("family")
    assert family == win.theme.family  # the CJK family every CTk widget uses
    assert int(style.lookup("Cases.Treeview", "rowheight")) == theme.table_row_height(win.theme.base)
    assert style.lookup("Cases.Treeview", "background", ("selected",)) == theme.PRIMARY
    assert style.lookup("Cases.Treeview", "foreground", ("selected",)) == "white"
    assert style.lookup("Cases.Treeview.Heading", "background") == theme.TABLE_HEADING
    heading_font = tk.font.Font(font=style.lookup("Cases.Treeview.Heading", "font"))
    assert heading_font.actual("weight") == "bold" and heading_font.actual("family") == win.theme.family
    before = int(style.lookup("Cases.Treeview", "rowheight"))
    win.root.event_generate("<Control-equal>")
    w.settle(0.1)
    assert int(style.lookup("Cases.Treeview", "rowheight")) == theme.table_row_height(win.theme.base) > before


def test_the_notice_opens_full_size_and_prints_again(counter_window, enrolled_runtime, virtual_devices):
    w, win = counter_window, counter_window.window
    w.login()
    services, clerk = enrolled_runtime.services, win.current_clerk
    matter = services.intake.matter("370702-XK-0007")  # 企业设立登记: its one-time notice lists seven materials
    result = services.intake.submit(
        IntakeDraft(Applicant("李建国", "身份证", "34052419800101001X"), matter.code, ()), clerk
    )
    assert result.outcome == "notify_missing" and result.notice_pdf is not None
    with pdfplumber.open(result.notice_pdf) as pdf:
        pages = len(pdf.pages)
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
    flat = text.replace("\n", "")  # the file the viewer shows is this case's notice (its number, read back
    assert all(part in flat for part in result.case_no_display.split("-"))  # around the seal's text)

    win.show_result(result)
    view = _wait_view(w, ResultView)
    w.pump(lambda: view.previews.winfo_children() and getattr(view, "viewer", 0) is None, what="previews")
    w.key("F8")
    viewer = w.pump(lambda: view.viewer, what="viewer")
    assert isinstance(viewer, PdfViewer)
    w.pump(lambda: viewer.page_count, what="pages rendered")
    assert viewer.page_count == pages
    sheet = viewer.pages[0]
    assert sheet.winfo_width() > 600  # full size: a sheet as wide as the viewer allows, not a thumbnail
    assert viewer.position.cget("text") == f"第 1 / {pages} 页"
    w.screenshot("pdf-viewer.png")

    viewer.event_generate("<KeyPress-Next>")
    w.settle(0.1)
    assert viewer.page == min(1, pages - 1)
    if pages > 1:
        assert viewer.canvas.canvasy(0) > 0  # scrolled to the second sheet
    viewer.event_generate("<KeyPress-Prior>")
    w.settle(0.1)
    assert viewer.page == 0 and viewer.canvas.canvasy(0) <= sheet.winfo_y()

    jobs = len(virtual_devices.printer.jobs)
    written = result.notice_pdf.stat().st_mtime_ns
    viewer.event_generate("<Control-p>")
    w.pump(lambda: "已重新打印" in viewer.message.cget("text"), what="printed again")
    assert len(virtual_devices.printer.jobs) == jobs + 1  # the receipt again, with the notice
    assert result.notice_pdf.stat().st_mtime_ns >= written
    with pdfplumber.open(result.notice_pdf) as pdf:
        again = "".join(page.extract_text() or "" for page in pdf.pages).replace("\n", "")
        assert all(part in again for part in result.case_no_display.split("-"))

    viewer.event_generate("<KeyPress-Escape>")
    w.settle(0.2)
    assert not viewer.winfo_exists()
    assert win.view is view and isinstance(win.view, ResultView)  # Esc closed the viewer only
    # A click on the thumbnail opens it again.
    clickable = [c for c in view.notice_thumb.winfo_children() if isinstance(c, tk.Label)]
    assert clickable
    clickable[0].event_generate("<Button-1>")
    w.pump(lambda: view.viewer is not None and view.viewer is not viewer and view.viewer.page_count, what="reopened")
    view.viewer.close()
    w.pump(lambda: isinstance(win.view, ResultView), what="still the result")
    w.key("Return")
    _wait_view(w, HomeView)
