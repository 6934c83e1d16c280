"""帮办代办 through the window: a village social worker forwards a county matter with a transfer
slip, sends the originals on, and the county hall scans the slip into its home search box."""

from __future__ import annotations

from dataclasses import replace

import pytest

from client.ui.detail import CaseDetailView
from client.ui.home import HomeView
from client.ui.intake import IntakeView
from client.ui.result import ResultView
from sync.server import admin
from tests.ui.conftest import window_driver

WORKER_ID = "370702198503120014"
NOTARY = "公证（亲属关系、出生、学历等证明）"


@pytest.fixture
def village_runtime(tmp_path, live_server, virtual_devices):
    """A window machine at the village service station, enrolled with the live back office."""
    from client.app import ClientConfig, build_runtime

    runtime = build_runtime(ClientConfig(data_dir=tmp_path / "station", demo=True), virtual=virtual_devices)
    runtime.enrolment.enrol(live_server.url, live_server.hall.village_enrol_code, "东村服务站")
    yield runtime
    runtime.close()


@pytest.fixture
def station_window(village_runtime, live_server):
    with window_driver(village_runtime.services, "演示账号：worker02，密码：123456", live_server.hall) as driver:
        yield driver


def test_social_worker_forwards_a_county_matter_with_a_transfer_slip(
    station_window, village_runtime, live_server, virtual_devices
):
    w, win = station_window, station_window.window
    w.login(live_server.hall.worker)
    assert "全科社工 刘社工" in win.who.cget("text")
    home = win.view
    # The demo back office has published no calendar for next year: the home banner says so.
    w.pump(lambda: home.banner.winfo_ismapped(), what="readiness banner")
    assert "工作日历未包含" in home.banner.cget("text") and win.ready_badge.cget("text")
    win.root.focus_force()
    win.root.event_generate("<Control-b>")  # 省电模式 on: background polling pauses
    w.pump(lambda: win.power_badge.cget("text"), what="low-power badge")
    assert village_runtime.power.low_power
    w.screenshot("village-home.png")
    win.root.event_generate("<Control-b>")
    w.pump(lambda: not win.power_badge.cget("text"), what="low power off")
    assert not village_runtime.power.low_power

    w.key("F2")
    intake = w.pump(lambda: win.view if isinstance(win.view, IntakeView) else None, what="intake view")
    w.type(intake.search, "公证")
    assert not any(intake.results.get(i).startswith("公证") for i in range(intake.results.size())), (
        "a village station cannot take a county matter in for itself"
    )
    w.key("F6")  # 帮办代办: the county's matters, forwarded; the social worker is the agent
    assert intake.proxy and intake.proxy_switch.get() == 1
    w.pump(lambda: "刘社工" in intake.proxy_agent_label.cget("text"), what="agent row")
    w.type(intake.proxy_id, WORKER_ID)
    w.pump(lambda: intake.results.size() and intake.results.get(0).startswith("公证"), what="county matter found")
    w.press(intake.search, "Return")
    assert intake.matter.name == NOTARY
    w.type(intake.id_number, "11010519491231002X")
    w.type(intake.name, "王秀英")
    w.type(intake.phone, "13800000000")
    w.pump(
        lambda: any(spec.name == "授权委托书" for spec in intake.checklist.specs.values()),
        what="授权委托书 on the checklist",
    )
    w.key("F7")
    w.pump(lambda: intake.verdict.verdict.cget("text") == "将办理：受理", what="accept verdict")
    w.screenshot("village-intake-proxy.png")

    w.key("F9")
    result = w.pump(lambda: win.view if isinstance(win.view, ResultView) else None, what="result view")
    slip_no = result.result.slip_no
    assert slip_no.startswith("LZ")
    w.pump(lambda: "已打印" in result.slip.cget("text"), what="slip printed")
    w.pump(lambda: result.previews.winfo_children(), what="paper previews")
    slip = virtual_devices.printer.last_receipt()
    text = "\n".join(line.text for line in slip.lines)
    assert "帮办代办流转单" in text and slip_no in text
    assert any(slip_no in qr and result.result.case_no in qr for qr in slip.qr_codes)
    w.screenshot("village-result-slip.png")

    win.show_case(result.result.case_id)
    detail = w.pump(
        lambda: win.view if isinstance(win.view, CaseDetailView) and win.view.detail else None, what="case detail"
    )
    assert detail.custody_line.cget("text") == "原件持有：村服务站"
    w.screenshot("village-detail-custody.png")
    w.key("F9")  # the originals leave with the slip
    w.pump(lambda: detail.detail.custody == "in_transit", what="dispatched")
    assert detail.custody_line.cget("text") == "原件持有：在途"
    w.pump(lambda: win.services.sync.status().pending == 0, what="synced")
    [row] = [c for c in admin.list_cases(live_server.db_url) if c.case_no == result.result.case_no]
    assert row.custody == "in_transit"
    w.screenshot("village-detail-in-transit.png")


def test_county_window_scans_the_slip_into_its_search_box(village_runtime, live_server, request):
    from client.domain.identity import Applicant
    from client.services.intake import IntakeDraft, MaterialInput

    station = village_runtime.services
    worker = station.auth.login(live_server.hall.worker, "123456")
    applicant = Applicant("王秀英", "身份证", "11010519491231002X", agent=station.intake.proxy_agent(worker, WORKER_ID))
    bare = IntakeDraft(applicant, "370702-GG-0027", (), proxy=True)
    materials = tuple(MaterialInput(m.code, received=True) for m in station.intake.preview(bare).materials)
    done = station.intake.submit(replace(bare, materials=materials), worker)
    assert station.intake.proxy_agent(worker).id_number == WORKER_ID  # remembered for the next proxy case
    station.transfer.dispatch(done.case_id, worker)
    assert station.sync.sync_now().pending == 0
    code = station.transfer.slip_data(done.case_id).code

    # The hall's window enrols after the station has synced (one test keyring holds one device token).
    counter_window = request.getfixturevalue("counter_window")
    w, win = counter_window, counter_window.window
    home = w.login()
    assert isinstance(home, HomeView)
    # 收件 (F4, or Shift+F4 while the queue panel holds F4): the scanner types the code and presses Enter
    [key] = [k for k, action in home.keys.items() if action == home.await_slip]
    (win.root.focus_get() or win.root).event_generate("<Shift-KeyPress-F4>" if key == "Shift-F4" else "<KeyPress-F4>")
    w.pump(lambda: win.root.focus_get() is not None and "扫码枪" in win.error_line.cget("text"), what="收件 prompt")
    w.type(home.query, code)
    w.press(home.query, "Return")
    detail = w.pump(
        lambda: win.view if isinstance(win.view, CaseDetailView) and win.view.detail else None, what="received case"
    )
    assert detail.custody_line.cget("text") == "原件持有：县政务服务中心"
    assert "原件已签收" in win.error_line.cget("text")
    w.screenshot("village-county-received.png")
    w.pump(lambda: win.services.sync.status().pending == 0, what="receipt synced")
    assert station.sync.sync_now().error == ""
    assert station.cases.detail(done.case_id).custody_label == "县政务服务中心"
    [row] = [c for c in admin.list_cases(live_server.db_url) if c.case_no == done.case_no]
    assert row.custody == "hall"
