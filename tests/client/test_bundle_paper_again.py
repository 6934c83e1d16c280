"""After a 一件事 is taken in: the back office holds every member to the bundle's promised date,
a reprint from any member gives the bundle's one paper again, and its QR code follows the bundle."""

from __future__ import annotations

import pdfplumber
import pytest

from client.domain.identity import Applicant
from client.services.bundle_intake import BundleDraft
from client.services.intake import IntakeDraft, MaterialInput
from client.store.models import Case
from sync.server import admin

KINDERGARTEN = "370702-YJS-02"
APPLICANT = Applicant("王秀兰", "身份证", "34052419800101001X")
# Ruled lines only: the embedded CJK glyphs' strokes must not be taken for a table's borders.
TIGHT = {"snap_tolerance": 1, "join_tolerance": 1, "intersection_tolerance": 1}


@pytest.fixture
def counter(enrolled_runtime, live_server):
    services = enrolled_runtime.services
    return services, services.auth.login(live_server.clerk, live_server.password)


def _draft(services, missing=()):
    checklist = services.bundles.checklist(KINDERGARTEN, APPLICANT)
    rows = tuple(
        MaterialInput(item.key, item.key not in missing, (), "missing" if item.key in missing else "")
        for item in checklist.items
    )
    return BundleDraft(APPLICANT, KINDERGARTEN, rows, phone="13800000000")


def _text(path):
    with pdfplumber.open(path) as pdf:
        return "".join(page.extract_text() or "" for page in pdf.pages).replace("\n", "")


def _rows(path):
    """Every table row's cells, a cell's wrapped lines joined."""
    with pdfplumber.open(path) as pdf:
        return [
            tuple((cell or "").replace("\n", "") for cell in row)
            for page in pdf.pages
            for table in page.extract_tables(TIGHT)
            for row in table
        ]


def test_the_back_office_holds_every_member_case_to_the_bundles_promised_date(counter, live_server):
    services, clerk = counter
    result = services.bundles.submit(_draft(services), clerk)
    assert result.outcome == "accept"
    assert services.sync.sync_now().rejected == 0
    linked = admin.list_cases(live_server.db_url, org_code=live_server.hall.org_code, bundle_no=result.bundle_no)
    assert len(linked) == 4
    for case in linked:
        assert case.due == result.promised_by == case.promised_by, case.matter_name
    # The members' own limits differ (5 to 20 working days against the bundle's 25): the bundle decides.
    own = {
        m.matter_code: services.intake.submit(
            IntakeDraft(
                APPLICANT,
                m.matter_code,
                tuple(MaterialInput(s.code, True) for s in services.intake.matter(m.matter_code).materials),
            ),
            clerk,
        )
        for m in result.members[-2:]
    }
    assert services.sync.sync_now().rejected == 0
    alone = {
        c.matter_code: c.due
        for c in admin.list_cases(live_server.db_url, org_code=live_server.hall.org_code)
        if c.bundle_no is None
    }
    for code, single in own.items():
        assert alone[code] == single.promised_by < result.promised_by


def test_a_reprint_from_any_member_is_the_bundles_one_receipt_and_notice(counter, enrolled_runtime):
    services, clerk = counter
    result = services.bundles.submit(_draft(services), clerk)
    first_text = _text(result.notice_pdf)
    printer = enrolled_runtime.hardware.printer
    first_receipt = printer.last_receipt().text
    jobs = len(printer.jobs)

    member = result.members[2]  # neither the first member nor its own matter's paper
    again = services.bundles.reprint(member.case_id)
    assert again.error == "" and again.printed
    assert len(printer.jobs) == jobs + 1  # one receipt, the bundle's
    assert again.notice_pdf is not None and again.notice_pdf.name.startswith(result.bundle_no)
    text = _text(again.notice_pdf)
    assert text == first_text  # exactly the first print
    assert "幼儿园设立一件事" in text and result.bundle_no_display in text
    assert text.count("受理通知书") >= 1 and member.matter_name in text
    table = {row[1:] for row in _rows(again.notice_pdf) if len(row) == 4}
    for m in result.members:
        assert (m.matter_name, m.department, m.case_no_display) in table
    receipt = printer.last_receipt()
    assert receipt.text == first_receipt
    assert all(m.case_no_display in receipt.text for m in result.members)


def test_a_single_case_reprints_its_own_paper_through_the_same_call(counter):
    services, clerk = counter
    matter = services.intake.matter("370702-XK-0001")
    single = services.intake.submit(
        IntakeDraft(APPLICANT, matter.code, tuple(MaterialInput(m.code, True) for m in matter.materials)), clerk
    )
    again = services.bundles.reprint(single.case_id)
    assert again.notice_pdf is not None and again.notice_pdf.name.startswith(single.case_no)
    text = _text(again.notice_pdf)
    assert matter.name in text and "一件事" not in text


def test_the_bundles_qr_code_opens_its_first_cases_public_page_never_a_number(counter, enrolled_runtime):
    services, clerk = counter
    query = services.paperwork.templates().query_url

    def token(case_id: str) -> str:
        with enrolled_runtime.store.sessions() as s:
            found = s.get(Case, case_id).public_token
        assert found and len(found) >= 22
        return found

    for draft, kind in ((_draft(services), "受理通知书"), (_draft(services, missing=("SFZ",)), "补正材料通知书")):
        result = services.bundles.submit(draft, clerk)
        assert result.notice_pdf is not None and kind in result.notice_pdf.name
        text = _text(result.notice_pdf)
        lead = query(token(result.case_id))  # the first member's page
        assert lead in text
        assert all(query(token(m.case_id)) not in text for m in result.members[1:])
        receipt = enrolled_runtime.hardware.printer.last_receipt()
        assert receipt.qr_codes == (lead,)
        assert result.bundle_no not in lead and all(m.case_no not in lead for m in result.members)
    # The same address as a single case's: the office's public base with the case's token appended.
    matter = services.intake.matter("370702-XK-0001")
    single = services.intake.submit(
        IntakeDraft(APPLICANT, matter.code, tuple(MaterialInput(m.code, True) for m in matter.materials)), clerk
    )
    assert enrolled_runtime.hardware.printer.last_receipt().qr_codes == (query(token(single.case_id)),)
