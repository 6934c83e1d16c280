"""已出具文书 on the console's case page: the 延长审批期限告知书 of a head-approved extension and
the 不予行政许可决定书 are listed with their numbers and link to the pages that serve them.

A case taken at a window and synced to the live back office; the page is read in a real
headless Chromium, the linked documents fetched and read back with pdfplumber.
Screenshot: docs/screenshots/console-case-documents.png.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pdfplumber
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from client.domain.catalog import load_sample_catalog
from client.store.outbox import StoreOutbox
from reports.numbers import chinese_date
from sync.api import BackOfficeApi
from sync.engine import SyncEngine
from sync.server import admin, decisions, departments
from sync.server.db import Case
from tests.console.site import ARTIFACTS, Console, screenshot, sign_in
from tests.sync.window_cases import MATTER_CODE, enrol_store, queue_case

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
EXTEND_REASON = "需会同住建部门对经营场所进行现场核查"
DENY_REASON = "经营场所为住宅，未取得“住改经”证明材料"


@pytest.fixture
def case_no(live_server, fresh_store) -> str:
    """One case taken at a window of the console's hall and synced up."""
    token, device_code = enrol_store(fresh_store, live_server.url, live_server.enrol_code)
    _case_id, number = queue_case(fresh_store, device_code)
    engine = SyncEngine(BackOfficeApi(live_server.url, token, timeout=30), StoreOutbox(fresh_store))
    assert engine.sync_once().ok
    return number


def _staff(console: Console, role: str, name: str) -> str:
    username = console.staff(role, name)
    code = load_sample_catalog().get(MATTER_CODE).department_code
    departments.set_staff_departments(console.hall.engine, username, add=[code])
    return username


def _pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF")
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "".join(p.extract_text() or "" for p in pdf.pages).replace("\n", "")


def test_the_case_page_lists_and_links_the_back_offices_documents(page, console, case_no):
    approver = _staff(console, "approver", "陈审批")
    head = _staff(console, "department_head", "赵科长")
    decisions.request_extension(console.hall.engine, case_no, EXTEND_REASON, by=approver)
    extension = decisions.decide_extension(console.hall.engine, case_no, approve=True, by=head)
    assert extension.due_after is not None and extension.due_before is not None

    sign_in(page, console, approver, console.hall.password)
    page.wait_for_url(f"{console.url}/console/")
    page.goto(f"{console.url}/console/cases/{case_no}")
    notices = page.locator("#notices")
    link = notices.locator("a.document-link", has_text="延长审批期限告知书")
    assert link.count() == 1
    assert link.get_attribute("href") == f"/console/cases/{case_no}/extension-notice"
    listed = notices.inner_text()
    assert extension.doc_no in listed and "赵科长" in listed and EXTEND_REASON in listed
    assert f"{extension.due_before.isoformat()}延至{extension.due_after.isoformat()}" in listed
    assert notices.locator("a.document-link", has_text="决定书").count() == 0  # nothing decided yet

    link.click()
    page.wait_for_url(f"{console.url}/console/cases/{case_no}/extension-notice")
    served = page.request.get(f"{console.url}/console/cases/{case_no}/extension-notice.pdf")
    assert served.status == 200
    text = _pdf_text(served.body())
    assert "延长审批期限告知书" in text and extension.doc_no in text
    assert f"延长后的办理期限至{chinese_date(extension.due_after)}" in text

    admin.decide(console.hall.engine, case_no, "deny", by=approver, reason=DENY_REASON)
    page.goto(f"{console.url}/console/cases/{case_no}")
    decision = page.locator("#notices a.document-link", has_text="不予行政许可决定书")
    assert decision.count() == 1
    assert decision.get_attribute("href") == f"/console/cases/{case_no}/decision"
    items = page.locator("#notices li").all_inner_texts()
    titles = [next(t for t in ("延长审批期限告知书", "不予行政许可决定书") if t in item) for item in items[-2:]]
    assert titles == ["延长审批期限告知书", "不予行政许可决定书"]  # in the order they were issued
    with Session(console.hall.engine) as session:
        stored = session.execute(select(Case).where(Case.case_no == case_no)).scalar_one()
        doc_no = stored.payload["decision"]["doc_no"]
    denied = page.locator("#notices").inner_text()
    assert DENY_REASON in denied and doc_no in denied and "不许字" in doc_no
    page.locator("#notices").scroll_into_view_if_needed()
    screenshot(page, "console-case-documents.png")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ARTIFACTS / "console-case-documents.png", SCREENSHOTS / "console-case-documents.png")

    decision.click()
    page.wait_for_url(f"{console.url}/console/cases/{case_no}/decision")
    document = page.request.get(f"{console.url}/console/cases/{case_no}/documents/licence-denied.pdf")
    assert document.status == 200
    text = _pdf_text(document.body())
    assert "不予行政许可决定书" in text and DENY_REASON in text and "申请行政复议" in text and "提起行政诉讼" in text
