"""Deciding in the console: approve, deny and request a supplement through the forms in a real
headless Chromium on a real back office; the refusals (no form token, decided already, another
department or org unit, a missing reason); the decision documents read back with pdfplumber."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pdfplumber
import pypdfium2
import pytest

from client.domain.case_numbers import format_case_no
from client.domain.catalog import load_sample_catalog
from client.store.outbox import StoreOutbox
from devices.virtual.scanner import PageKind, render_page
from sync.api import BackOfficeApi
from sync.engine import SyncEngine
from sync.server import admin, departments
from sync.server.console import audit, decide
from sync.server.console.deps import CSRF_REFUSED
from tests.console.site import ARTIFACTS, CSRF, Console, form_token, screenshot, sign_in
from tests.support.back_office import open_hall
from tests.sync.window_cases import MATTER_CODE, accept_with_scan, counter_intake, enrol_store

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
REVIEW_BODY, COURT = "潍坊市潍城区人民政府", "潍坊市潍城区人民法院"  # the built-in office template's
REASON = "经营场所为住宅，未取得“住改经”证明材料"


@dataclass(frozen=True)
class Decidable:
    case_no: str
    approver: str  # of the case's department: may decide it


def _scan() -> bytes:
    out = io.BytesIO()
    render_page(PageKind.TEXT, dpi=100, title="居民身份证", number=1).save(out, "JPEG", quality=80)
    return out.getvalue()


def _department(matter_code: str = MATTER_CODE) -> str:
    return load_sample_catalog().get(matter_code).department_code


def _approver(console: Console, name: str, code: str | None = None, role: str = "approver") -> str:
    username = console.staff(role, name)
    departments.set_staff_departments(console.hall.engine, username, add=[code or _department()])
    return username


@pytest.fixture
def decidable(live_server, fresh_store, console) -> Decidable:
    """A case taken in at the hall's window with a scan, synced up to the back office."""
    token, _code = enrol_store(fresh_store, live_server.url, live_server.enrol_code)
    case_id = accept_with_scan(counter_intake(fresh_store), _scan())
    assert SyncEngine(BackOfficeApi(live_server.url, token, timeout=30), StoreOutbox(fresh_store)).sync_once().ok
    from client.store.models import Case

    with fresh_store.sessions() as s:
        case_no = s.get(Case, case_id).case_no
    return Decidable(case_no, _approver(console, "陈审批"))


@contextmanager
def _client(console: Console, username: str, password: str) -> Iterator[httpx.Client]:
    """A plain HTTP client signed in as `username` (a script's way in)."""
    with console.client() as client:
        answer = client.post(
            "/console/login", data={"csrf_token": form_token(client), "username": username, "password": password}
        )
        assert answer.status_code == 303 and answer.headers["location"] == "/console/"
        yield client


def _token(client: httpx.Client, path: str) -> str:
    found = CSRF.search(client.get(path).text)
    assert found is not None
    return found.group(1)


def _pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF")
    with pdfplumber.open(io.BytesIO(data)) as doc:
        return "\n".join(page.extract_text() or "" for page in doc.pages)


def _keep(name: str, page=None) -> None:
    """The test's screenshot (of the whole form when `page` is given), also as the committed picture."""
    if page is not None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / name), full_page=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ARTIFACTS / name, SCREENSHOTS / name)


def _keep_pdf(data: bytes, name: str) -> None:
    """A document's first page rendered with pypdfium2, kept like a screenshot."""
    document = pypdfium2.PdfDocument(data)
    try:
        image = document[0].render(scale=110 / 72).to_pil()
    finally:
        document.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    image.save(ARTIFACTS / name)
    _keep(name)


def _details(console: Console, username: str) -> list[tuple[str, str, str]]:
    return [(e.action, e.outcome, e.detail) for e in reversed(audit.entries(console.sessions, username))]


def test_approve_through_the_form_gives_the_licence_decision(page, console, decidable):
    sign_in(page, console, decidable.approver, console.hall.password)
    page.wait_for_url(f"{console.url}/console/")
    page.goto(f"{console.url}/console/cases/{format_case_no(decidable.case_no)}/approve")
    assert page.locator("#result_name").input_value() == "营业执照"  # from the catalog
    generated = page.locator("#result_no").input_value()
    assert generated.endswith(decidable.case_no[-8:])
    assert page.locator("#e_licence").is_checked()
    _keep("console-approve.png", page)

    page.fill("#result_no", "91370702MA3XK0001")
    page.click("#approve-form button[type=submit]")
    page.wait_for_url(f"{console.url}/console/cases/{decidable.case_no}/decision")
    assert "准予行政许可决定书" in page.locator("h1").inner_text()
    assert "陈审批" in page.locator("#done").inner_text()
    page.wait_for_function("document.getElementById('document-image').naturalWidth > 0")

    row = admin.get_case(console.hall.engine, decidable.case_no)
    assert (row.status, row.decided_by, row.result_name) == ("approved", decidable.approver, "营业执照")
    assert row.result_no == "91370702MA3XK0001"
    pdf = page.request.get(f"{console.url}/console/cases/{decidable.case_no}/documents/licence-approved.pdf")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    data = pdf.body()
    text = _pdf_text(data)
    _keep_pdf(data, "console-approve-document.png")
    for printed in ("准予行政许可决定书", "个体工商户设立登记", "营业执照", "91370702MA3XK0001", "第三十八条第一款"):
        assert printed in text.replace("\n", "")
    assert "陈审批" in text and "行政复议" not in text
    # It is an approval: there is no denial document for it.
    other = page.request.get(f"{console.url}/console/cases/{decidable.case_no}/documents/licence-denied.pdf")
    assert other.status == 404
    assert (decide.APPROVE, audit.OK, f"case {decidable.case_no}; approved") in _details(console, decidable.approver)


def test_deny_needs_a_reason_and_prints_the_appeal_rights(page, console, decidable):
    sign_in(page, console, decidable.approver, console.hall.password)
    page.wait_for_url(f"{console.url}/console/")
    page.goto(f"{console.url}/console/cases/{decidable.case_no}/deny")
    assert page.locator("#review_body").input_value() == REVIEW_BODY
    assert page.locator("#court").input_value() == COURT
    options = page.locator("#legal_basis option").all_inner_texts()
    assert "《中华人民共和国市场主体登记管理条例》第三条" in options[1]  # the matter's own basis first
    assert any("第七十八条" in o for o in options)

    # No reason: the form again, nothing changed, the attempt audited.
    page.select_option("#legal_basis", index=3)
    page.click("#deny-form button[type=submit]")
    assert "不予许可的理由" in page.locator("#error").inner_text()
    assert page.locator("#legal_basis").input_value() == options[3]  # what was chosen is kept
    assert admin.get_case(console.hall.engine, decidable.case_no).status == "submitted"
    assert _details(console, decidable.approver)[-1] == (
        decide.DENY,
        audit.REFUSED,
        f"case {decidable.case_no}; missing",
    )

    page.fill("#reason", REASON + "\n申请人未到场核验经营场所")
    _keep("console-deny.png", page)
    page.click("#deny-form button[type=submit]")
    page.wait_for_url(f"{console.url}/console/cases/{decidable.case_no}/decision")
    assert "不予行政许可决定书" in page.locator("h1").inner_text()
    page.wait_for_function("document.getElementById('document-image').naturalWidth > 0")

    row = admin.get_case(console.hall.engine, decidable.case_no)
    assert (row.status, row.decided_by) == ("denied", decidable.approver)
    answer = page.request.get(f"{console.url}/console/cases/{decidable.case_no}/documents/licence-denied.pdf")
    assert answer.status == 200
    data = answer.body()
    text = _pdf_text(data).replace("\n", "")
    for printed in (
        "不予行政许可决定书",
        REASON,
        "申请人未到场核验经营场所",
        "第七十八条",
        f"六十日内向{REVIEW_BODY}申请行政复议",
        f"六个月内依法向{COURT}提起行政诉讼",
        "第三十八条第二款",
    ):
        assert printed in text, printed
    _keep_pdf(data, "console-deny-document.png")  # the document as a picture, for the README and to look at
    screenshot(page, "console-deny-decision-page.png")


def test_a_supplement_lists_each_material_with_what_is_wrong(page, console, decidable):
    sign_in(page, console, decidable.approver, console.hall.password)
    page.wait_for_url(f"{console.url}/console/")
    page.goto(f"{console.url}/console/cases/{decidable.case_no}/supplement")
    names = page.locator("table.supplement tbody td:nth-child(2)").all_inner_texts()
    assert "申请人身份证" in names

    page.check("#m0")  # ticked, but what is wrong is not said
    page.click("#supplement-form button[type=submit]")
    assert "申请人身份证" in page.locator("#error").inner_text()
    assert page.locator("#m0").is_checked()
    assert admin.get_case(console.hall.engine, decidable.case_no).status == "submitted"

    page.fill("#p0", "复印件不清晰，请提交原件")
    page.fill("#other", "房屋租赁合同：需出租人签字")
    _keep("console-supplement.png", page)
    page.click("#supplement-form button[type=submit]")
    page.wait_for_url(f"{console.url}/console/cases/{decidable.case_no}/supplement?done=requested")
    assert "补正材料通知书" in page.locator("#done").inner_text()
    with console.sessions() as s:
        from sync.server.db import Case

        case = s.query(Case).filter_by(case_no=decidable.case_no).one()
        assert case.status == "supplement_requested"
        assert case.supplement == ["申请人身份证：复印件不清晰，请提交原件", "房屋租赁合同：需出租人签字"]
        assert case.decided_by == decidable.approver


def test_refusals_change_nothing_and_are_audited(console, decidable):
    case_no = decidable.case_no
    with _client(console, decidable.approver, console.hall.password) as client:
        # A post without its form token.
        answer = client.post(f"/console/cases/{case_no}/approve", data={"result_name": "营业执照"})
        assert answer.status_code == 403 and CSRF_REFUSED in answer.text
        assert admin.get_case(console.hall.engine, case_no).status == "submitted"
        assert audit.CSRF_REFUSED in [a for a, _ in console.audit(decidable.approver)]
        # Denying without a reason (straight to the server, not through the browser's form).
        token = _token(client, f"/console/cases/{case_no}/deny")
        answer = client.post(
            f"/console/cases/{case_no}/deny",
            data={"csrf_token": token, "reason": " ", "legal_basis": "依据", "review_body": "甲", "court": "乙"},
        )
        assert answer.status_code == 400 and "请填写不予许可的理由" in answer.text
        assert admin.get_case(console.hall.engine, case_no).status == "submitted"

    # Another approver of the same department decided first: the second is told who, and when.
    colleague = _approver(console, "赵科长", role="department_head")
    with _client(console, colleague, console.hall.password) as late:
        token = _token(late, f"/console/cases/{case_no}/approve")
        admin.decide(console.hall.engine, case_no, "deny", by=decidable.approver, reason=REASON)
        answer = late.post(f"/console/cases/{case_no}/approve", data={"csrf_token": token, "result_name": "营业执照"})
        assert answer.status_code == 409
        assert "已由陈审批于" in answer.text and "不能再次审批" in answer.text
        row = admin.get_case(console.hall.engine, case_no)
        assert (row.status, row.decided_by) == ("denied", decidable.approver)
        assert _details(console, colleague)[-1][:2] == (decide.APPROVE, audit.REFUSED)
        # The document of a denial decided on the command line names the bodies all the same.
        pdf = late.get(f"/console/cases/{case_no}/documents/licence-denied.pdf")
        text = _pdf_text(pdf.content).replace("\n", "")
        assert REVIEW_BODY in text and COURT in text and "《中华人民共和国市场主体登记管理条例》第三条" in text

    # An approver of another department of the same hall: refused, by URL or by post.
    other_dept = _approver(console, "钱审批", _department("370702-XK-0002"))
    with _client(console, other_dept, console.hall.password) as client:
        page = client.get(f"/console/cases/{case_no}/deny")
        assert page.status_code == 403 and "您不在该科室" in page.text and "王秀英" not in page.text
        token = _token(client, "/console/")
        answer = client.post(
            f"/console/cases/{case_no}/deny",
            data={"csrf_token": token, "reason": REASON, "legal_basis": "依据", "review_body": "甲", "court": "乙"},
        )
        assert answer.status_code == 403
        assert client.get(f"/console/cases/{case_no}/documents/licence-denied.pdf").status_code == 403
    assert _details(console, other_dept)[-1] == (decide.DOCUMENT, audit.REFUSED, f"case {case_no}; other_department")
    assert (decide.DENY, audit.REFUSED, f"case {case_no}; other_department") in _details(console, other_dept)

    # The same department in another county: the case does not exist for them.
    other_hall = open_hall(console.hall.engine)
    stranger = Console(console.url, console.db_url, other_hall).staff("approver", "冯审批")
    departments.set_staff_departments(other_hall.engine, stranger, add=[_department()])
    with _client(console, stranger, other_hall.password) as client:
        answer = client.get(f"/console/cases/{case_no}/approve")
        assert answer.status_code == 404 and "不属于您所在的机构" in answer.text
        assert client.get(f"/console/cases/{case_no}/documents/licence-denied.pdf").status_code == 404
    assert admin.get_case(console.hall.engine, case_no).status == "denied"


def test_a_denial_on_the_command_line_names_its_own_bodies_in_the_console_document(console, decidable):
    from sync.server import cli

    code = cli.main(
        [
            "decide",
            decidable.case_no,
            "deny",
            "--db",
            console.db_url,
            "--by",
            decidable.approver,
            "--reason",
            REASON,
            "--legal-basis",
            "《中华人民共和国行政许可法》第七十八条",
            "--review-body",
            "潍坊市人民政府",
            "--court",
            "潍坊市奎文区人民法院",
        ]
    )
    assert code == 0
    with _client(console, decidable.approver, console.hall.password) as client:
        page = client.get(f"/console/cases/{decidable.case_no}/decision")
        assert page.status_code == 200 and "不予行政许可决定书" in page.text
        text = _pdf_text(client.get(f"/console/cases/{decidable.case_no}/documents/licence-denied.pdf").content)
    flat = text.replace("\n", "")
    assert "六十日内向潍坊市人民政府申请行政复议" in flat and "六个月内依法向潍坊市奎文区人民法院提起行政诉讼" in flat
    assert "第七十八条" in flat and REVIEW_BODY not in flat
