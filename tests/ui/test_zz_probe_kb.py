from client.ui.intake import IntakeView


def test_probe(counter_window):
    w = counter_window
    win = w.window
    root = win.root
    root.geometry("1024x600")
    w.settle(0.3)
    w.login()
    w.key("F2")
    intake = w.pump(lambda: win.view if isinstance(win.view, IntakeView) else None, what="intake")
    w.type(intake.search, "企业设立登记")
    w.press(intake.search, "Return")
    w.settle(0.5)
    cl = intake.checklist
    cl.focus_row()
    w.settle(0.5)
    code = cl.focused_code()
    row = cl.rows[code]
    canvas = cl._parent_canvas
    bar = cl._scrollbar
    print("row", row.winfo_rootx(), row.winfo_width(), row.winfo_rootx() + row.winfo_width())
    print("inner", cl.winfo_rootx(), cl.winfo_width(), cl.winfo_reqwidth())
    print("canvas", canvas.winfo_rootx(), canvas.winfo_width(), canvas.winfo_reqwidth(), canvas.cget("borderwidth"), canvas.cget("highlightthickness"))
    print("bar", bar.winfo_ismapped(), bar.winfo_rootx(), bar.winfo_width())
    print("parent", cl._parent_frame.winfo_rootx(), cl._parent_frame.winfo_width())
    for c in row.winfo_children():
        print(" child", c, c.winfo_rootx() + c.winfo_width(), c.winfo_reqwidth())
    w.screenshot("probe-1024-row.png")
