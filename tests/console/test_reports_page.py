"""Issue 20, point 3: the console's 统计报表 page. A hall supervisor picks the org unit and the
month or day and downloads the PDF and the .xlsx over HTTP; a department head gets the same
reports limited to their own department; another county's unit and other roles are refused.

Real parts: the shared back office on a loopback port, the hall of tests/support/hall_activity
(three windows with their own stores, synced), httpx as the browser, pdfplumber and openpyxl
reading the downloads back.
"""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import openpyxl
import pdfplumber
import pytest

from sync.server import admin, departments
from tests.console.site import CSRF, Console, form_token, screenshot, sign_in
from tests.support.hall_activity import BusyHall, Office, busy_hall_at

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def busy_hall(console: Console, tmp_path: Path) -> BusyHall:
    return busy_hall_at(Office(console.url, console.db_url, console.hall.engine, "sqlite"), tmp_path)


def _signed_in(console: Console, client: httpx.Client, username: str, password: str) -> None:
    answer = client.post(
        "/console/login", data={"csrf_token": form_token(client), "username": username, "password": password}
    )
    assert answer.status_code == 303, answer.text
    assert CSRF.search(client.get("/console/").text)


def _pdf_text(body: bytes) -> str:
    with pdfplumber.open(io.BytesIO(body)) as doc:
        return "\n".join(page.extract_text() or "" for page in doc.pages)


def _summary(body: bytes) -> dict:
    book = openpyxl.load_workbook(io.BytesIO(body))
    return {row[0]: row[1] for row in book["汇总"].iter_rows(values_only=True) if row and row[0]}


def test_a_supervisor_downloads_the_halls_monthly_report_as_pdf_and_xlsx(console: Console, busy_hall: BusyHall) -> None:
    hall, month = busy_hall.hall, f"{busy_hall.today:%Y-%m}"
    with console.client() as client:
        _signed_in(console, client, hall.supervisor, hall.password)
        page = client.get("/console/reports", params={"kind": "monthly", "org": hall.org_code, "period": month})
        assert page.status_code == 200
        assert "统计报表" in page.text and 'id="cases">13件' in page.text
        assert "于河街道东村便民服务站" in page.text  # the village's windows are counted

        pdf = client.get(
            "/console/reports/file", params={"kind": "monthly", "org": hall.org_code, "period": month, "format": "pdf"}
        )
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert "attachment" in pdf.headers["content-disposition"]
        text = _pdf_text(pdf.content)
        assert "好差评满意度报告" in text and "受理办件 13件" in text and "差评整改率" in text

        xlsx = client.get(
            "/console/reports/file", params={"kind": "monthly", "org": hall.org_code, "period": month, "format": "xlsx"}
        )
        assert xlsx.status_code == 200 and xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
        summary = _summary(xlsx.content)
        assert summary["受理办件"] == 13 and summary["评价数（整体满意度）"] == 12 and summary["整改工单"] == 3

        preview = client.get(
            "/console/reports/preview.png",
            params={"kind": "daily", "org": hall.org_code, "period": busy_hall.today.isoformat()},
        )
        assert preview.status_code == 200 and preview.content[:8] == b"\x89PNG\r\n\x1a\n"

        village = client.get(
            "/console/reports/file",
            params={"kind": "daily", "org": hall.village_code, "period": busy_hall.today.isoformat()},
        )
        assert "接件总数 3件" in _pdf_text(village.content)  # the station alone: its window's three cases

        other = client.get("/console/reports", params={"kind": "daily", "org": busy_hall.elsewhere_org})
        assert other.status_code == 403 and "本机构及下级机构" in other.text
        bad = client.get("/console/reports", params={"kind": "monthly", "org": hall.org_code, "period": "2026/12"})
        assert bad.status_code == 400 and "日期格式不正确" in bad.text


def test_a_department_head_sees_only_their_departments_figures(console: Console, busy_hall: BusyHall) -> None:
    hall, engine = busy_hall.hall, busy_hall.office.engine
    head = f"head-food-{hall.tag}"
    admin.add_user(engine, hall.org_code, head, "孙科长", "department_head", hall.password)
    departments.set_staff_departments(engine, head, add=["SHSWK"])  # 社会事务科 only
    month = f"{busy_hall.today:%Y-%m}"
    with console.client() as client:
        _signed_in(console, client, head, hall.password)
        page = client.get("/console/reports", params={"kind": "monthly", "org": hall.org_code, "period": month})
        assert page.status_code == 200 and "报表只含社会事务科的办件和评价" in page.text
        xlsx = client.get(
            "/console/reports/file", params={"kind": "monthly", "org": hall.org_code, "period": month, "format": "xlsx"}
        )
        book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
        food = [t for t in busy_hall.taken if t.department == "社会事务科"]
        summary = _summary(xlsx.content)
        assert summary["受理办件"] == len(food) == 3
        assert summary["评价数（整体满意度）"] == 3 and summary["整改工单"] == 1
        assert [r[1] for r in book["部门排名"].iter_rows(min_row=2, values_only=True)] == ["社会事务科"]
        assert [r[1] for r in book["差评整改"].iter_rows(min_row=2, values_only=True)] == ["食品经营许可"]


def test_other_roles_cannot_open_the_reports(console: Console, busy_hall: BusyHall) -> None:
    hall = busy_hall.hall
    with console.client() as client:
        _signed_in(console, client, hall.approver, hall.password)
        assert client.get("/console/reports").status_code == 403
        answer = client.get("/console/reports/file", params={"kind": "daily", "org": hall.org_code})
        assert answer.status_code == 403 and "窗口主管和科室负责人" in answer.text
    with console.client() as client:
        assert client.get("/console/reports").status_code == 303  # not signed in: to the sign-in page


def test_the_reports_page_in_a_browser(console: Console, busy_hall: BusyHall, page) -> None:
    hall = busy_hall.hall
    sign_in(page, console, hall.supervisor, hall.password)
    page.click("text=统计报表")
    page.click("#monthly-form button[type=submit]")
    page.wait_for_selector("#preview")
    page.wait_for_load_state("load")  # the load event waits for the preview image
    assert page.locator("#preview").evaluate("img => img.naturalWidth") > 0
    assert page.inner_text("#cases") == "13件"
    shot = screenshot(page, "console-reports.png")
    (SCREENSHOTS / "console-reports.png").write_bytes(shot.read_bytes())
