"""Done when (issue 17): a case taken in with scans at the window goes up, the approver signs in
to the console in a real headless Chromium, finds it in the inbox, opens its scans and decides;
the window syncs and acts on it. A denial prints the 不予行政许可决定书 with the appeal rights at
出件 and an approval the 准予行政许可决定书 (both read back with pdfplumber, word for word what
the console printed); a supplement request prints the review-stage 补正材料通知书 and the page
taken in sends the case back to review; a suspension shows the case paused at the window and the
resume brings the moved due date down."""

from __future__ import annotations

import datetime as dt
import io
import re

import pdfplumber
import pytest
from PIL import Image
from sqlalchemy import update
from sqlalchemy.orm import Session

from client.domain.case_numbers import format_case_no
from client.domain.catalog import load_sample_catalog
from client.domain.identity import Applicant
from client.services.intake import IntakeDraft, MaterialInput
from reports.blocks import NO_LINK_HINT
from sync.server import admin, departments
from sync.server.db import Case as ServerCase
from tests.console.conftest import browser, page  # noqa: F401,F811 (the Chromium fixtures)
from tests.console.site import Console, sign_in

pytestmark = pytest.mark.usefixtures("virtual_devices")

NAME, ID_NUMBER = "王秀英", "11010519491231002X"
REASON = "经营场所为住宅，未取得“住改经”证明材料"
MATTER = "个体工商户设立登记"


def _scan(tmp_path) -> object:
    img = Image.new("RGB", (850, 1100), "white")
    img.paste((30, 60, 160), (100, 100, 750, 300))
    path = tmp_path / "id-card.jpg"
    img.save(path, "JPEG", quality=85)
    return path


def _text(data: bytes) -> str:
    with pdfplumber.open(io.BytesIO(data)) as doc:
        return "\n".join(p.extract_text() or "" for p in doc.pages)


def _unlinked(text: str) -> str:
    """The document up to its tracking row (QR code, case number, progress link): the window
    prints the applicant's public link (the token it made); the back office, which keeps only the
    token's digest, prints none, so that row is laid out (and read back) differently."""
    flat = text.replace("\n", "")
    assert re.search(r"受理编号：.*\d{12}-\d{8}-[0-9A-Z]{4}-\d{4}", flat), "the case number is printed"
    return flat[: flat.index("受理编号：")]


def _taken_in_and_synced(tmp_path, live_server, runtime):
    """Intake at the window with a scanned page, pushed up with the page; (clerk, case id, number)."""
    services = runtime.services
    clerk = services.auth.login(live_server.clerk, live_server.password)
    matter = services.intake.search("个体")[0]
    assert matter.name == MATTER
    scanned = services.intake.import_page(_scan(tmp_path))
    materials = tuple(
        MaterialInput(spec.code, spec.necessity == "required", (scanned,) if spec.code == "M01" else ())
        for spec in matter.materials
    )
    draft = IntakeDraft(Applicant(NAME, "身份证", ID_NUMBER), matter.code, materials, phone="13800000000")
    result = services.intake.accept(draft, clerk)
    status = services.sync.sync_now()
    assert status.error == "" and status.pending == 0 and status.blobs_pending == 0
    return clerk, result.case_id, result.case_no


def _approver(live_server) -> tuple[Console, str]:
    console = Console(live_server.url, live_server.db_url, live_server.hall)
    username = console.staff("approver", "陈审批")
    code = load_sample_catalog().get("370702-XK-0001").department_code
    departments.set_staff_departments(live_server.hall.engine, username, add=[code])
    return console, username


def _open_from_inbox(tab, console: Console, username: str, case_no: str) -> None:
    """Sign in, find the case in the inbox, open it and look at its scan."""
    sign_in(tab, console, username, console.hall.password)
    tab.wait_for_url(f"{console.url}/console/")
    tab.goto(f"{console.url}/console/inbox")
    tab.click(f"text={format_case_no(case_no)}")
    tab.wait_for_url(f"{console.url}/console/cases/{case_no}")
    tab.wait_for_function("document.getElementById('viewer-img').naturalWidth > 0")


def _console_pdf(tab, console: Console, case_no: str, kind: str) -> bytes:
    answer = tab.request.get(f"{console.url}/console/cases/{case_no}/documents/{kind}.pdf")
    assert answer.status == 200
    return answer.body()


def test_a_denial_in_the_console_is_printed_with_its_appeal_rights_at_the_window(
    tmp_path,
    live_server,
    enrolled_runtime,
    page,  # noqa: F811 (the fixture)
):
    clerk, case_id, case_no = _taken_in_and_synced(tmp_path, live_server, enrolled_runtime)
    console, approver = _approver(live_server)

    _open_from_inbox(page, console, approver, case_no)
    page.click("#decide-deny")
    page.fill("#reason", REASON)
    page.select_option("#legal_basis", index=1)  # the matter's own 设定依据
    page.click("#deny-form button[type=submit]")
    page.wait_for_url(f"{console.url}/console/cases/{case_no}/decision")
    assert admin.get_case(live_server.db_url, case_no).status == "denied"
    in_console = _text(_console_pdf(page, console, case_no, "licence-denied"))

    services = enrolled_runtime.services
    assert services.sync.sync_now().error == ""
    detail = services.cases.detail(case_id)
    assert detail.summary.status == "denied" and detail.can_deliver and REASON in detail.reason

    delivered = services.delivery.deliver(case_id, NAME, ID_NUMBER, clerk)
    assert delivered.receipt_pdf is not None and delivered.receipt_pdf.exists()
    assert delivered.decision_pdf is not None and delivered.decision_pdf.name.endswith("不予行政许可决定书.pdf")
    at_window = _text(delivered.decision_pdf.read_bytes())
    flat = at_window.replace("\n", "")
    for printed in (
        "不予行政许可决定书",
        MATTER,
        REASON,
        "《中华人民共和国市场主体登记管理条例》第三条",
        "六十日内向潍坊市潍城区人民政府申请行政复议",
        "六个月内依法向潍坊市潍城区人民法院提起行政诉讼",
        "承办人：陈审批",
    ):
        assert printed in flat, printed
    assert ID_NUMBER not in flat  # masked on paper
    assert _unlinked(at_window) == _unlinked(in_console)  # one document, by the same reports function
    # The window's copy carries the applicant's progress QR; the back office's no QR at all
    # (one with the bare case number would promise a page it cannot open) and says where to look.
    console_flat = in_console.replace("\n", "")
    assert "扫描二维码查询办理进度" in flat and "扫描二维码查询办理进度" not in console_flat
    assert NO_LINK_HINT in console_flat and NO_LINK_HINT not in flat

    assert services.sync.sync_now().pending == 0
    assert admin.get_case(live_server.db_url, case_no).status == "delivered"


def test_an_approval_in_the_console_is_printed_as_the_licence_decision_at_the_window(
    tmp_path,
    live_server,
    enrolled_runtime,
    page,  # noqa: F811 (the fixture)
):
    clerk, case_id, case_no = _taken_in_and_synced(tmp_path, live_server, enrolled_runtime)
    console, approver = _approver(live_server)

    _open_from_inbox(page, console, approver, case_no)
    page.click("#decide-approve")
    page.fill("#result_no", "91370702MA3XK0002")
    page.click("#approve-form button[type=submit]")
    page.wait_for_url(f"{console.url}/console/cases/{case_no}/decision")
    in_console = _text(_console_pdf(page, console, case_no, "licence-approved"))

    services = enrolled_runtime.services
    assert services.sync.sync_now().error == ""
    detail = services.cases.detail(case_id)
    assert detail.summary.status == "approved" and detail.result_no == "91370702MA3XK0002"

    delivered = services.delivery.deliver(case_id, NAME, ID_NUMBER, clerk)
    assert delivered.decision_pdf is not None and delivered.decision_pdf.name.endswith("准予行政许可决定书.pdf")
    at_window = _text(delivered.decision_pdf.read_bytes())
    flat = at_window.replace("\n", "")
    for printed in ("准予行政许可决定书", MATTER, "营业执照", "91370702MA3XK0002", "决定准予行政许可"):
        assert printed in flat, printed
    assert "行政复议" not in flat
    assert _unlinked(at_window) == _unlinked(in_console)


def test_a_supplement_asked_in_the_console_is_printed_taken_in_at_the_window_and_reviewed_again(
    tmp_path,
    live_server,
    enrolled_runtime,
    page,  # noqa: F811 (the fixture)
):
    """The approver asks, in the console, for a clearer copy of the ID card; the window prints the
    补正材料通知书 of the review stage, takes the page in and sends it up; the case is back in
    review on the server, complete, and shows so in the console."""
    clerk, case_id, case_no = _taken_in_and_synced(tmp_path, live_server, enrolled_runtime)
    console, approver = _approver(live_server)

    _open_from_inbox(page, console, approver, case_no)
    page.goto(f"{console.url}/console/cases/{case_no}/supplement")
    page.check("#m0")
    page.fill("#p0", "复印件不清晰，请提交原件")
    page.click("#supplement-form button[type=submit]")
    page.wait_for_url(f"{console.url}/console/cases/{case_no}/supplement?done=requested")
    assert admin.get_case(live_server.db_url, case_no).status == "supplement_requested"

    services = enrolled_runtime.services
    assert services.sync.sync_now().error == ""
    detail = services.cases.detail(case_id)
    request = detail.supplement_request
    assert request is not None and not request.answered and request.requested_by == "陈审批"
    notice = services.supplement.request_notice(case_id)
    flat = _text(notice.pdf.read_bytes()).replace("\n", "")
    for printed in ("补正材料通知书", "申请人身份证", "复印件不清晰，请提交原件", "本机关已依法受理", "将继续审查"):
        assert printed in flat, printed
    assert "将予以受理" not in flat

    clearer = services.intake.import_page(_scan(tmp_path))
    code = request.items[0].code
    result = services.supplement.submit(case_id, (MaterialInput(code, True, (clearer,)),), clerk)
    assert result.still_lacking == ()
    status = services.sync.sync_now()
    assert status.error == "" and status.pending == 0 and status.blobs_pending == 0
    server = admin.get_case(live_server.db_url, case_no)
    assert server.status == "in_review" and server.complete

    page.goto(f"{console.url}/console/cases/{case_no}")
    assert page.locator("span.badge.status-in_review").inner_text() == "审批中"  # back with the approver


def test_a_suspension_in_the_console_pauses_the_window_and_the_resume_moves_its_due_date(
    tmp_path,
    live_server,
    enrolled_runtime,
    page,  # noqa: F811 (the fixture)
):
    """特别程序 from the console: the window shows the case paused (never carded) with the back
    office's due date unchanged; after the resume its due date is the moved one."""
    _clerk, case_id, case_no = _taken_in_and_synced(tmp_path, live_server, enrolled_runtime)
    console, approver = _approver(live_server)
    due = admin.get_case(live_server.db_url, case_no).due
    assert due is not None

    _open_from_inbox(page, console, approver, case_no)
    page.click("#pause-actions a[href$='/pause']")
    page.wait_for_selector("#suspend-form")
    page.fill("#reason", "需组织专家对经营场所进行现场评审")
    page.fill("#expected_end", (due + dt.timedelta(days=30)).isoformat())
    page.click("#suspend-form button[type=submit]")
    page.wait_for_selector("#done")

    services = enrolled_runtime.services
    assert services.sync.sync_now().error == ""
    summary = services.cases.detail(case_id).summary
    assert summary.status == "suspended" and summary.status_label == "特别程序中"
    assert summary.warning == "paused" and summary.server_due == due

    # The procedure ran for three weeks (its start moved back on the server), then the approver ends it.
    with Session(live_server.hall.engine) as session, session.begin():
        began = admin.utcnow() - dt.timedelta(days=21)
        session.execute(update(ServerCase).where(ServerCase.case_no == case_no).values(suspended_at=began))
    page.reload()
    page.fill("#resume-reason", "专家评审意见已出具")
    page.click("#resume-form button[type=submit]")
    page.wait_for_selector("#done")
    moved = admin.get_case(live_server.db_url, case_no).due
    assert moved is not None and moved > due

    assert services.sync.sync_now().error == ""
    summary = services.cases.detail(case_id).summary
    assert summary.status == "in_review" and summary.server_due == moved and summary.warning != "paused"
