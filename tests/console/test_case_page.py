"""The case page: a case taken in at a window with scans, synced, opened by its approver in a
real headless Chromium; who else may (not) see it, and the scans behind it."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

import httpx
import pytest
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas
from sqlalchemy import delete

from client.domain.case_numbers import format_case_no
from client.domain.catalog import load_sample_catalog
from client.domain.identity import Agent, Applicant
from client.services.auth import Clerk
from client.services.intake import IntakeDraft, MaterialInput
from client.store.models import Case, Material
from client.store.outbox import StoreOutbox
from devices.virtual.scanner import PageKind, render_page
from sync.api import BackOfficeApi
from sync.engine import SyncEngine
from sync.server import decisions, departments
from sync.server.console import audit, scan_render
from sync.server.console.case_view import CASE_SCAN, CASE_VIEW
from sync.server.db import Change
from tests.console.site import CSRF, Console, form_token, screenshot, sign_in
from tests.support.back_office import open_hall
from tests.sync.window_cases import MATTER_CODE, counter_intake, enrol_store, valid_id

APPLICANT_ID = valid_id("37070219850312001")
AGENT_ID = valid_id("37070219900101003")
PHONE = "13805350101"
AGENT_PHONE = "13905360202"
ADDRESS = "山东省潍坊市奎文区胜利东街 88 号 3 单元 502 室"


def _scan(number: int) -> bytes:
    """A page as the counter's scanner delivers it (JPEG)."""
    out = io.BytesIO()
    render_page(PageKind.TEXT, dpi=100, title="居民身份证", number=number).save(out, "JPEG", quality=80)
    return out.getvalue()


def _pdf() -> bytes:
    """A two-page PDF, as a citizen's own file scanned in."""
    out = io.BytesIO()
    sheet = canvas.Canvas(out, pagesize=A4)
    for number in (1, 2):
        sheet.setFont("Helvetica", 28)
        sheet.drawString(72, 720, f"Business premises lease, page {number}")
        sheet.rect(72, 400, 450, 250)
        sheet.showPage()
    sheet.save()
    return out.getvalue()


@dataclass(frozen=True)
class Synced:
    case_no: str
    shas: tuple[str, ...]  # the case's pages, in checklist order
    pages: tuple[bytes, ...]
    waiting_case_no: str  # a second case on the server whose page is not up yet
    waiting_sha: str


@pytest.fixture
def synced(live_server, fresh_store) -> Synced:
    """Two cases of the hall's window: one taken in by the real intake service with its scans
    synced, one that reached the back office before its page did."""
    token, _device_code = enrol_store(fresh_store, live_server.url, live_server.enrol_code)
    outbox = StoreOutbox(fresh_store)
    api = BackOfficeApi(live_server.url, token, timeout=30)
    intake = counter_intake(fresh_store)
    pages = (_scan(1), _scan(2), _pdf(), _scan(4))
    applicant = Applicant(
        "王小二",
        "身份证",
        APPLICANT_ID,
        phone=PHONE,
        address=ADDRESS,
        agent=Agent("李代办", AGENT_ID, relation="entrusted", phone=AGENT_PHONE),
    )
    clerk = Clerk(live_server.clerk, "张敏", "clerk", offline=False)
    case_id = _take_in(
        intake,
        applicant,
        clerk,
        {  # which checklist rows were scanned, and their pages
            0: intake.store_scanned(pages[:2], "申请人身份证"),
            2: intake.store_scanned(pages[2:3], "经营场所证明"),
            3: intake.store_scanned(pages[3:], "代理人身份证"),
        },
    )
    assert SyncEngine(api, outbox).sync_once().ok
    # The window's link broke after the case went up but before its page did: the back office
    # knows the case and names a page it does not hold (the engine pushes such a case on a break).
    alone = Applicant("王小二", "身份证", APPLICANT_ID, phone=PHONE)
    scan = {0: intake.store_scanned((_scan(3),), "申请人身份证")}
    other_id = _take_in(intake, alone, clerk, scan, short=(2,))  # 容缺: the premises proof comes later
    outbox.record_results(api.push(outbox.pending(50)).results)
    with fresh_store.sessions() as s:
        case_no, waiting_no = s.get(Case, case_id).case_no, s.get(Case, other_id).case_no
        waiting_sha = s.query(Material).filter_by(case_id=other_id, position=0).one().pages[0]
        shas = tuple(
            p for m in s.query(Material).filter_by(case_id=case_id).order_by(Material.position) for p in m.pages
        )
    assert len(shas) == 4
    return Synced(case_no, shas, pages, waiting_no, waiting_sha)


def _take_in(intake, applicant: Applicant, clerk: Clerk, scans: dict, short: tuple[int, ...] = ()) -> str:
    """Accept 个体工商户设立登记 at the counter, every checklist row received but the `short`
    ones (容缺 when they may be tolerated); the case id."""
    draft = IntakeDraft(applicant, MATTER_CODE, (), phone=applicant.phone)
    checklist = intake.preview(draft).materials
    materials = tuple(MaterialInput(spec.code, n not in short, scans.get(n, ())) for n, spec in enumerate(checklist))
    return intake.accept(replace(draft, materials=materials), clerk).case_id


def _department_code() -> str:
    return load_sample_catalog().get(MATTER_CODE).department_code


def _approver(console: Console, name: str, code: str | None = None) -> str:
    username = console.staff("approver", name)
    departments.set_staff_departments(console.hall.engine, username, add=[code or _department_code()])
    return username


@contextmanager
def _client(console: Console, username: str, password: str) -> Iterator[httpx.Client]:
    """A plain HTTP client signed in as `username` (a script's way in, no browser)."""
    with console.client() as client:
        answer = client.post(
            "/console/login", data={"csrf_token": form_token(client), "username": username, "password": password}
        )
        assert answer.status_code == 303 and answer.headers["location"] == "/console/"
        assert CSRF.search(client.get("/console/").text)
        yield client


def _audit_details(console: Console, username: str) -> list[tuple[str, str, str]]:
    return [(e.action, e.outcome, e.detail) for e in reversed(audit.entries(console.sessions, username))]


def test_the_approver_reads_the_case_and_pages_through_its_scans(page, console, synced):
    approver = _approver(console, "陈审批")
    decisions.suspend(console.hall.engine, synced.case_no, "需组织专家评审经营场所", by=approver)

    sign_in(page, console, approver, console.hall.password)
    page.wait_for_url(f"{console.url}/console/")
    page.goto(f"{console.url}/console/cases/{format_case_no(synced.case_no)}")  # as printed, hyphens and all
    assert format_case_no(synced.case_no) in page.locator("h1").inner_text()

    parties = page.locator("#parties").inner_text()
    for shown in ("王小二", APPLICANT_ID, PHONE, ADDRESS, "委托代理人", "李代办", AGENT_ID, AGENT_PHONE):
        assert shown in parties
    matter = page.locator("#matter").inner_text()
    assert "个体工商户设立登记" in matter and MATTER_CODE in matter
    # The situation as the window answered it (sent with the intake), not worked out afterwards.
    assert "是否委托他人代为办理？\n委托代理人办理" in matter and "仅供参考" not in matter
    checklist = page.locator("#materials").inner_text()
    assert "申请人身份证" in checklist and "已收取" in checklist
    assert page.locator("#materials a.page-link").count() == 5  # three photos, a PDF of two pages
    rows = page.locator("#materials tbody tr")
    assert rows.count() >= 4 and "经营场所" in rows.nth(2).inner_text()
    assert rows.nth(2).locator("a.page-link").all_inner_texts() == ["3", "4"]  # the PDF's two pages
    notices = page.locator("#notices").inner_text()
    assert "受理通知书" in notices and "测试受字" in notices  # numbered by the window at intake
    assert "特别程序" in notices and "陈审批" in notices
    timeline = page.locator("#timeline").inner_text()
    assert "窗口受理" in timeline and "张敏" in timeline  # the clerk, by name
    assert timeline.count("审批：特别程序中") == 1 and "陈审批" in timeline
    assert approver not in page.content() and "clerk01" not in timeline  # names, never logins

    # The first scan is on screen, at its full size as stored.
    page.wait_for_function("document.getElementById('viewer-img').naturalWidth > 0")
    assert page.locator("#viewer-pos").inner_text() == "1 / 5"
    natural = page.evaluate(
        "[document.getElementById('viewer-img').naturalWidth, document.getElementById('viewer-img').naturalHeight]"
    )
    assert natural == list(Image.open(io.BytesIO(synced.pages[0])).size)
    screenshot(page, "console-case.png")

    page.click("#viewer-next")
    assert page.locator("#viewer-pos").inner_text() == "2 / 5"
    page.wait_for_function(
        "(sha) => { const i = document.getElementById('viewer-img'); return i.src.includes(sha) && i.complete && i.naturalWidth > 0 }",
        arg=synced.shas[1],
    )
    stage = (
        "[document.getElementById('viewer-stage').offsetWidth, document.getElementById('viewer-stage').offsetHeight]"
    )
    width, height = page.evaluate(stage)
    assert height > width  # an A4 page, upright
    page.click("#viewer-right")
    assert page.locator("#viewer-stage").get_attribute("data-rotation") == "90"
    assert "rotate(90deg)" in page.locator("#viewer-img").get_attribute("style")
    turned_width, turned_height = page.evaluate(stage)
    assert turned_width > turned_height  # lying on its side now
    page.click("#viewer-in")
    assert page.locator("#viewer-zoom").inner_text() == "150%"
    assert page.evaluate(stage)[0] > turned_width

    page.click("#viewer-next")  # the PDF's first page, drawn on the server
    assert "PDF 第 1/2 页" in page.locator("#viewer-caption").inner_text()
    page.wait_for_function(
        "() => { const i = document.getElementById('viewer-img'); return i.src.endsWith('page=1') && i.complete && i.naturalWidth > 0 }"
    )

    entries = _audit_details(console, approver)
    assert (CASE_VIEW, "ok", f"case {synced.case_no}") in entries
    assert all("王小二" not in detail and APPLICANT_ID not in detail for _a, _o, detail in entries)


def test_a_page_not_yet_uploaded_says_so(page, console, synced):
    approver = _approver(console, "周审批")
    sign_in(page, console, approver, console.hall.password)
    page.wait_for_url(f"{console.url}/console/")
    page.goto(f"{console.url}/console/cases/{synced.waiting_case_no}")
    assert page.locator("#viewer-missing").inner_text() == "扫描件尚未上传完成"
    assert "容缺受理" in page.locator("#matter").inner_text() and "容缺补齐期限" in page.locator("#matter").inner_text()
    premises = page.locator("#materials tbody tr").nth(2).inner_text()
    assert "经营场所" in premises and "容缺后补" in premises
    assert page.locator("#viewer-img").is_hidden()
    with _client(console, approver, console.hall.password) as client:
        answer = client.get(f"/console/cases/{synced.waiting_case_no}/pages/{synced.waiting_sha}")
    assert answer.status_code == 404 and "扫描件尚未上传完成" in answer.text


def test_scans_are_served_as_stored_and_a_pdf_page_is_drawn(console, synced):
    approver = _approver(console, "吴审批")
    base = f"/console/cases/{synced.case_no}/pages"
    with _client(console, approver, console.hall.password) as client:
        photo = client.get(f"{base}/{synced.shas[0]}")
        assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
        assert photo.content == synced.pages[0]
        assert "no-store" in photo.headers["cache-control"]
        drawn = client.get(f"{base}/{synced.shas[2]}?page=2")
        assert drawn.status_code == 200 and drawn.headers["content-type"] == "image/png"
        image = Image.open(io.BytesIO(drawn.content))
        assert image.height > image.width > 0 and max(image.size) <= 2000
        # The page holds what the PDF's second page says: its frame is drawn, not a blank.
        assert image.convert("L").getextrema()[0] < 100
        beyond = client.get(f"{base}/{synced.shas[2]}?page=3")
        assert beyond.status_code == 404 and "没有这一页" in beyond.text


def test_the_last_decision_shows_after_the_feed_was_pruned(console, synced):
    """Weeks on, `prune_changes` drops a case's superseded feed entries; the case row still
    names its last decision, and the page shows it with the decider's name."""
    approver = _approver(console, "钱审批")
    decisions.suspend(console.hall.engine, synced.case_no, "现场核查经营场所", by=approver)
    with console.sessions() as session, session.begin():  # as pruned, for this case only
        session.execute(delete(Change).where(Change.case_no == synced.case_no))
    with _client(console, approver, console.hall.password) as client:
        answer = client.get(f"/console/cases/{synced.case_no}")
    assert answer.status_code == 200
    assert "审批：特别程序中" in answer.text and "特别程序（中止计时）告知" in answer.text
    assert "现场核查经营场所" in answer.text and "钱审批" in answer.text


def test_others_are_refused_and_every_attempt_is_audited(console, synced):
    other_code = next(
        d.code
        for d in departments.list_departments(console.hall.engine, console.hall.org_code)
        if d.code != _department_code()
    )
    elsewhere = _approver(console, "郑审批", other_code)
    with _client(console, elsewhere, console.hall.password) as client:
        answer = client.get(f"/console/cases/{synced.case_no}")
        assert answer.status_code == 403 and "您不在该科室" in answer.text and "王小二" not in answer.text
        scan = client.get(f"/console/cases/{synced.case_no}/pages/{synced.shas[0]}")
        assert scan.status_code == 403 and scan.headers["content-type"].startswith("text/html")
    assert _audit_details(console, elsewhere)[-2:] == [
        (CASE_VIEW, "refused", f"case {synced.case_no}; other_department"),
        (CASE_SCAN, "refused", f"case {synced.case_no}; other_department; page {synced.shas[0]}"),
    ]

    with _client(console, elsewhere, console.hall.password) as client:  # a name typed where a number goes
        answer = client.get("/console/cases/王小二")
        assert answer.status_code == 404 and "没有找到" in answer.text
    assert _audit_details(console, elsewhere)[-1] == (CASE_VIEW, "not_found", "case (not a case number); not_found")

    # The same department in another county: the case does not exist for them.
    other_hall = open_hall(console.hall.engine)
    stranger = Console(console.url, console.db_url, other_hall).staff("approver", "冯审批")
    departments.set_staff_departments(other_hall.engine, stranger, add=[_department_code()])
    with _client(console, stranger, other_hall.password) as client:
        answer = client.get(f"/console/cases/{synced.case_no}")
        assert answer.status_code == 404 and "不属于您所在的机构" in answer.text and "王小二" not in answer.text
    assert _audit_details(console, stranger)[-1] == (CASE_VIEW, "not_found", f"case {synced.case_no}; not_found")

    # The case's own approver asking for a page of another case through this case's address.
    approver = _approver(console, "卫审批")
    with _client(console, approver, console.hall.password) as client:
        answer = client.get(f"/console/cases/{synced.case_no}/pages/{synced.waiting_sha}")
        assert answer.status_code == 404 and "该办件没有这一页扫描件" in answer.text
        assert client.get(f"/console/cases/{synced.waiting_case_no}/pages/{synced.waiting_sha}").status_code == 404
    assert (CASE_SCAN, "refused", f"case {synced.case_no}; other_page; page {synced.waiting_sha}") in _audit_details(
        console, approver
    )

    # The hall's supervisor oversees every case of the hall.
    supervisor = console.staff("supervisor", "蒋主管")
    with _client(console, supervisor, console.hall.password) as client:
        answer = client.get(f"/console/cases/{synced.case_no}")
        assert answer.status_code == 200 and APPLICANT_ID in answer.text
    assert _audit_details(console, supervisor)[-1] == (CASE_VIEW, "ok", f"case {synced.case_no}")


def test_files_a_browser_cannot_show_are_drawn_in_a_bounded_child(tmp_path):
    """A two-frame TIFF (some scanners' format) pages like a PDF; a broken PDF gets a message."""
    tiff = tmp_path / "scan.tif"
    frames = [render_page(PageKind.TEXT, dpi=300, number=n) for n in (1, 2)]  # 2480×3508: more than shown
    frames[0].save(tiff, save_all=True, append_images=frames[1:], compression="tiff_deflate")
    kind = scan_render.scan_kind(tiff)
    assert not kind.as_is and scan_render.page_count(tiff, kind) == 2
    second = Image.open(io.BytesIO(scan_render.render_png(tiff, kind, 2)))
    assert max(second.size) == scan_render.MAX_SIDE and second.height > second.width

    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 8)
    kind = scan_render.scan_kind(broken)
    assert kind.media_type == scan_render.PDF
    with pytest.raises(scan_render.RenderError) as refused:
        scan_render.render_png(broken, kind, 1)
    assert refused.value.status == 422 and "无法显示" in refused.value.message
