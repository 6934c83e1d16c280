"""The demo's login screen tells how to decide a case: in the approvers' console at its address,
or on the command line with `--by` naming the demo approver, since the back office refuses a
decision that names nobody who may decide it."""

from __future__ import annotations

from client.app import demo_hint
from client.ui.login import LoginView
from sync.server.demo import DEMO_APPROVER, DEMO_HEAD, DemoInfo
from tests.ui.conftest import window_driver


def _texts(widget) -> list[str]:
    found = []
    for child in widget.winfo_children():
        try:
            found.append(str(child.cget("text")))
        except Exception:  # frames and entries have no text option
            pass
        found += _texts(child)
    return found


def test_the_demo_login_shows_the_decide_command_with_the_approver(enrolled_runtime, live_server):
    console = f"{live_server.url}/console/"
    hint = demo_hint(DemoInfo(enrol_code="", approver_username=DEMO_APPROVER), console)
    with window_driver(enrolled_runtime.services, hint, live_server.hall) as w:
        login = w.pump(lambda: w.window.view if isinstance(w.window.view, LoginView) else None, what="login")
        shown = [t for t in _texts(login) if "后台审批" in t]
        assert shown and f"decide\n<办件编号> approve --by {DEMO_APPROVER}" in shown[0]
        assert f"审批控制台：{console}\n审批人员 {DEMO_APPROVER}，科室负责人 {DEMO_HEAD}" in shown[0]
        w.keep_screenshot("login-demo-hint.png")
