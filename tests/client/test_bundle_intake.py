"""幼儿园设立一件事 taken in as one application: one verdict and one set of paper, then linked cases."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pdfplumber
import pytest
from PIL import Image

from client.domain.decisions import DEFECTIVE, MISSING
from client.domain.identity import Applicant
from client.services.bundle_intake import BundleDraft
from client.services.intake import MaterialInput
from reports.preview import pdf_page_png
from sync.server import admin, cli

ARTIFACTS = Path(os.environ.get("ONEWINDOW_ARTIFACTS", Path(__file__).resolve().parents[2] / "artifacts"))
KINDERGARTEN = "370702-YJS-02"
APPLICANT = Applicant("王秀兰", "身份证", "34052419800101001X")


@pytest.fixture
def counter(enrolled_runtime, live_server):
    services = enrolled_runtime.services
    return services, services.auth.login(live_server.clerk, live_server.password)


def _jpeg(tmp_path, name, colour):
    img = Image.new("RGB", (600, 800), "white")
    img.paste(colour, (80, 80, 520, 300))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=80)
    path = tmp_path / name
    path.write_bytes(buf.getvalue())
    return path


def _draft(services, states=None, pages=None, bundle=KINDERGARTEN, **kw):
    """Every merged row received unless `states` says otherwise (key -> (state, reason))."""
    states, pages = states or {}, pages or {}
    checklist = services.bundles.checklist(bundle, APPLICANT)
    rows = tuple(
        MaterialInput(
            item.key,
            item.key not in states,
            tuple(pages.get(item.key, ())),
            states.get(item.key, ("", ""))[0],
            states.get(item.key, ("", ""))[1],
        )
        for item in checklist.items
    )
    return BundleDraft(APPLICANT, bundle, rows, phone="13800000000", **kw)


def _text(path):
    with pdfplumber.open(path) as pdf:
        return "".join(page.extract_text() for page in pdf.pages).replace("\n", "")


# Ruled lines only: the embedded CJK glyphs' strokes must not be taken for a table's borders.
TIGHT = {"snap_tolerance": 1, "join_tolerance": 1, "intersection_tolerance": 1}


def _cells(path):
    """Every table cell's text, a cell's wrapped lines joined."""
    with pdfplumber.open(path) as pdf:
        return {
            (cell or "").replace("\n", "")
            for page in pdf.pages
            for table in page.extract_tables(TIGHT)
            for row in table
            for cell in row
        }


def _keep_png(services, pdf, name):
    """The notice as the applicant sees it, kept with the screenshots to be looked at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / name).write_bytes(pdf_page_png(pdf.read_bytes(), dpi=80))


def test_accepted_bundle_is_one_receipt_one_notice_and_linked_cases_sharing_pages(
    counter, enrolled_runtime, live_server, tmp_path, capsys
):
    services, clerk = counter
    card = services.intake.import_page(_jpeg(tmp_path, "card.jpg", (200, 30, 30)))
    premises = services.intake.import_page(_jpeg(tmp_path, "lease.jpg", (30, 30, 200)))
    jobs = len(enrolled_runtime.hardware.printer.jobs)
    result = services.bundles.submit(_draft(services, pages={"SFZ": (card,), "CSZM": (premises,)}), clerk)

    assert result.outcome == "accept" and result.printed and result.paper_error == ""
    assert len(enrolled_runtime.hardware.printer.jobs) == jobs + 1  # one receipt for the bundle
    assert [m.matter_name for m in result.members] == [
        "民办幼儿园设立审批",
        "民办非企业单位成立登记",
        "食品经营许可",
        "公众聚集场所投入使用、营业前消防安全检查",
    ]
    assert len({m.case_no for m in result.members}) == 4
    assert [p.name.split("-")[-1] for p in result.documents] == ["受理通知书.pdf"]
    text = _text(result.notice_pdf)
    assert "幼儿园设立一件事" in text and result.bundle_no_display in text
    cells = _cells(result.notice_pdf)
    for member in result.members:
        assert member.matter_name in cells and member.case_no_display in cells and member.department in cells
    _keep_png(services, result.notice_pdf, "bundle-acceptance-notice.png")
    assert f"{result.promised_by.year}年{result.promised_by.month}月{result.promised_by.day}日" in text
    receipt = "\n".join(line.text for line in enrolled_runtime.hardware.printer.last_receipt().lines)
    assert receipt.count("身份证") == 1  # asked once, listed once
    assert all(m.case_no_display in receipt for m in result.members)
    printed = enrolled_runtime.hardware.printer.receipt_png(result.bundle_no)  # found by the bundle's barcode
    (ARTIFACTS / "bundle-receipt.png").write_bytes(printed)
    # Every member case records the bundle's promise and number; each is its own department's.
    for member in result.members:
        detail = services.cases.detail(member.case_id)
        assert detail.summary.status == "accepted"
        assert detail.summary.promised_by == result.promised_by
        assert detail.bundle == f"幼儿园设立一件事 {result.bundle_no_display}"

    status = services.sync.sync_now()
    assert status.error == "" and status.pending == 0 and status.rejected == 0
    linked = admin.list_cases(live_server.db_url, org_code=live_server.hall.org_code, bundle_no=result.bundle_no)
    assert sorted(c.case_no for c in linked) == sorted(m.case_no for m in result.members)
    by_matter = {c.matter_code: c for c in linked}
    with_card = [code for code, c in by_matter.items() if card.sha256 in c.pages]
    assert with_card == ["370702-XK-0012", "370702-QR-0033", "370702-XK-0002"]
    with_lease = [code for code, c in by_matter.items() if premises.sha256 in c.pages]
    assert with_lease == ["370702-XK-0012", "370702-QR-0033"]
    assert all(c.complete and c.status == "submitted" for c in linked)  # each page uploaded, once
    assert len({c.matter_name for c in linked}) == 4
    # An approver finds the linked cases together by the bundle number, typed as printed.
    assert cli.main(["cases", "--bundle", result.bundle_no_display, "--db", live_server.db_url]) == 0
    listed = capsys.readouterr().out
    assert "共 4 件" in listed and listed.count(result.bundle_no_display) == 4


def test_shortfalls_of_every_member_make_one_one_time_notice(counter, enrolled_runtime, live_server):
    services, clerk = counter
    draft = _draft(services, states={"SFZ": (MISSING, ""), "验资报告": (DEFECTIVE, "未加盖会计师事务所公章")})
    preview = services.bundles.preview(draft)
    assert preview.decision.outcome == "notify_missing"
    result = services.bundles.submit(draft, clerk)
    assert result.outcome == "notify_missing" and result.outcome_label == "一次性告知"
    assert [p.name.split("-")[-1] for p in result.documents] == ["补正材料通知书.pdf"]
    text = _text(result.notice_pdf)
    assert text.count("举办者身份证") == 1 and "未加盖会计师事务所公章" in text
    assert "共用" in text  # the shared ID card: brought once for the three matters that need it
    _keep_png(services, result.notice_pdf, "bundle-one-time-notice.png")
    for member in result.members:  # the whole bundle waits for the supplement
        assert services.cases.detail(member.case_id).summary.status == "pending_supplement"
    receipt = "\n".join(line.text for line in enrolled_runtime.hardware.printer.last_receipt().lines)
    assert "承诺办结" not in receipt and "材料待补正" in receipt
    assert services.sync.sync_now().rejected == 0
    linked = admin.list_cases(live_server.db_url, org_code=live_server.hall.org_code, bundle_no=result.bundle_no)
    assert {c.status for c in linked} == {"pending_supplement"} and len(linked) == 4


def test_only_tolerable_papers_short_is_one_rongque_with_one_deadline(counter, live_server):
    services, clerk = counter
    draft = _draft(services, states={"食品安全管理制度": (MISSING, ""), "验资报告": (MISSING, "")})
    result = services.bundles.submit(draft, clerk)
    assert result.outcome == "accept_tolerant"
    assert [p.name.split("-")[-1] for p in result.documents] == ["容缺受理通知书.pdf", "容缺受理承诺书.pdf"]
    text = _text(result.notice_pdf)
    due = f"{result.promised_by.year}年{result.promised_by.month}月{result.promised_by.day}日"
    assert "食品安全管理制度" in text and "验资报告" in text
    assert text.count("前补齐") == 1 and due in text
    _keep_png(services, result.notice_pdf, "bundle-rongque-notice.png")
    statuses = {m.matter_code: services.cases.detail(m.case_id).summary.status for m in result.members}
    assert statuses["370702-XK-0002"] == "accepted_tolerant"  # 食品安全管理制度 is its paper
    assert statuses["370702-XK-0016"] == "accepted"  # nothing of its own is short
    assert services.sync.sync_now().rejected == 0
    linked = admin.list_cases(live_server.db_url, org_code=live_server.hall.org_code, bundle_no=result.bundle_no)
    assert len(linked) == 4 and {c.status for c in linked} == {"submitted"}


def test_a_refusal_refuses_the_bundle_and_prints_no_receipt(counter, enrolled_runtime):
    services, clerk = counter
    jobs = len(enrolled_runtime.hardware.printer.jobs)
    result = services.bundles.submit(_draft(services, refusal="duplicate"), clerk)
    assert result.outcome == "refuse" and not result.printed
    assert len(enrolled_runtime.hardware.printer.jobs) == jobs
    assert "不予受理通知书" in _text(result.notice_pdf)
    assert {services.cases.detail(m.case_id).summary.status for m in result.members} == {"refused"}


def test_immediate_members_of_a_bundle_are_concluded_and_handed_over_the_rest_accepted(counter, live_server):
    services, clerk = counter
    result = services.bundles.submit(_draft(services, bundle="370702-YJS-03"), clerk)  # 个体诊所设立一件事
    assert result.outcome == "accept"
    on_the_spot = [m.matter_name for m in result.members if m.outcome == "conclude"]
    assert on_the_spot == ["诊所执业备案", "单位职工参保登记"]
    for member in result.members:
        status = services.cases.detail(member.case_id).summary.status
        assert status == ("delivered" if member.outcome == "conclude" else "accepted")
    text = _text(result.notice_pdf)
    assert all(f"“{name}”" in text for name in on_the_spot) and "已当场办结" in text
    assert services.sync.sync_now().rejected == 0


def test_the_preview_shows_the_bundle_notice_without_storing_or_numbering(counter):
    services, clerk = counter
    before = services.cases.recent()
    draft = _draft(services, states={"SFZ": (MISSING, "")})
    title, png = services.bundles.preview_notice(draft, clerk)
    assert title == "补正材料通知书" and png[:8] == b"\x89PNG\r\n\x1a\n"
    assert services.cases.recent() == before
