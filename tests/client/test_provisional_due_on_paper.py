"""A date promised before the year's holiday schedule is out: the screen, the receipt and
the acceptance notice say the same thing, in one wording (issue #21, point 1)."""

from __future__ import annotations

import datetime as dt

import pdfplumber
import pytest
from PIL import Image

from client.domain.identity import Applicant
from client.services.bundle_intake import BundleDraft
from client.services.intake import IntakeDraft, MaterialInput
from client.store.models import Case
from sync.server import publishing

NOTE = "按法定节假日推算，2027年放假安排尚未公布"
MATTER = "370702-XK-0001"  # 3 working days


def _notice_text(path) -> str:
    with pdfplumber.open(path) as pdf:
        return "".join((page.extract_text() or "") for page in pdf.pages).replace("\n", "")


@pytest.mark.own_back_office  # publishes a calendar for every org unit
def test_screen_receipt_and_notice_print_the_same_provisional_wording(clocked_window, live_server, virtual_devices):
    machine = clocked_window
    # The window's clock reads Wednesday 2027-01-20 10:00 (2027 is not published): 3 working
    # days are Jan 21, 22 and, the weekend being far from 春节's window, Monday Jan 25.
    machine.clock.skew = dt.datetime(2027, 1, 20, 10) - dt.datetime.now()
    services = machine.services
    clerk = services.auth.login(live_server.clerk, live_server.password)
    matter = services.intake.matter(MATTER)
    draft = IntakeDraft(
        Applicant("李建国", "身份证", "34052419800101001X"),
        matter.code,
        tuple(MaterialInput(m.code, True) for m in matter.materials),
    )
    preview = services.intake.preview(draft)
    assert (preview.promised_by, preview.deadline_warning) == (dt.date(2027, 1, 25), NOTE)

    result = machine.take_case(clerk)
    assert (result.promised_by, result.deadline_warning) == (dt.date(2027, 1, 25), NOTE)
    receipt = virtual_devices.printer.last_receipt().text.replace(" ", "").replace("\n", "")
    assert f"2027年1月25日（{NOTE}）" in receipt
    assert f"本机关将于2027年1月25日（{NOTE}）前作出决定" in _notice_text(result.notice_pdf)
    assert "仅供参考" not in receipt

    # Once the back office has published 2027 and the window synced, a reprint carries the date alone.
    body = {"years": [2027], "holidays": ["2027-01-01", "2027-02-05", "2027-02-08"], "workdays": []}
    publishing.publish_calendar(live_server.db_url, body, version="2027", by="admin")
    assert services.sync.sync_now().error == ""
    with services.paperwork.store.sessions() as s:
        case = s.get(Case, result.case_id)
        assert case is not None
        _ = list(case.materials)
        assert services.paperwork.receipt_data(case).status_row == ("承诺办结", "2027年1月25日")


def _page(services, tmp_path, name: str):
    path = tmp_path / name
    Image.new("RGB", (600, 800), (200, 30, 30)).save(path, "JPEG", quality=80)
    return services.intake.import_page(path)


def test_a_bundle_prints_the_same_wording_on_its_receipt_and_notice(clocked_window, live_server, tmp_path):
    machine = clocked_window
    machine.clock.skew = dt.datetime(2027, 1, 20, 10) - dt.datetime.now()
    services = machine.services
    clerk = services.auth.login(live_server.clerk, live_server.password)
    applicant = Applicant("王秀兰", "身份证", "34052419800101001X")
    checklist = services.bundles.checklist("370702-YJS-02", applicant)  # 幼儿园设立一件事
    pages = {"SFZ": (_page(services, tmp_path, "card.jpg"),), "CSZM": (_page(services, tmp_path, "lease.jpg"),)}
    rows = tuple(MaterialInput(item.key, True, pages.get(item.key, ())) for item in checklist.items)
    result = services.bundles.submit(BundleDraft(applicant, "370702-YJS-02", rows, phone="13800000000"), clerk)
    assert result.outcome == "accept" and result.deadline_warning == NOTE
    date = f"{result.promised_by.year}年{result.promised_by.month}月{result.promised_by.day}日"
    assert f"{date}（{NOTE}）" in _notice_text(result.notice_pdf)
    receipt = "".join(line.text for line in machine.runtime.hardware.printer.last_receipt().lines).replace(" ", "")
    assert f"{date}（{NOTE}）" in receipt
