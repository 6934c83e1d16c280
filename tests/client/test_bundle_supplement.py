"""补正 of a 一件事 after its one-time notice: one screen for the whole bundle, each shared paper
once, recorded on every member case that owed it, and one acceptance notice for the bundle."""

from __future__ import annotations

import io

import pdfplumber
import pytest
from PIL import Image

from client.domain.decisions import DEFECTIVE, MISSING
from client.domain.identity import Applicant
from client.services.bundle_intake import BundleDraft
from client.services.errors import ServiceError
from client.services.intake import MaterialInput
from client.store.models import Case
from sync.server import admin

KINDERGARTEN = "370702-YJS-02"
APPLICANT = Applicant("王秀兰", "身份证", "34052419800101001X")
TIGHT = {"snap_tolerance": 1, "join_tolerance": 1, "intersection_tolerance": 1}
SHORT = {"SFZ": (MISSING, ""), "验资报告": (DEFECTIVE, "未加盖会计师事务所公章")}


@pytest.fixture
def counter(enrolled_runtime, live_server):
    services = enrolled_runtime.services
    return services, services.auth.login(live_server.clerk, live_server.password)


def notified_bundle(services, clerk):
    """幼儿园设立 with the shared ID card missing and one member's paper wrong: one one-time notice."""
    checklist = services.bundles.checklist(KINDERGARTEN, APPLICANT)
    rows = tuple(
        MaterialInput(item.key, item.key not in SHORT, (), *SHORT.get(item.key, ("", ""))) for item in checklist.items
    )
    result = services.bundles.submit(BundleDraft(APPLICANT, KINDERGARTEN, rows, phone="13800000000"), clerk)
    assert result.outcome == "notify_missing"
    return result


def _page(services, tmp_path):
    img = Image.new("RGB", (600, 800), "white")
    img.paste((200, 30, 30), (80, 80, 520, 300))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=80)
    path = tmp_path / "card.jpg"
    path.write_bytes(buf.getvalue())
    return services.intake.import_page(path)


def _text(path):
    with pdfplumber.open(path) as pdf:
        return "".join(page.extract_text() or "" for page in pdf.pages).replace("\n", "")


def test_one_supplement_completes_the_whole_bundle_with_one_notice(counter, enrolled_runtime, live_server, tmp_path):
    services, clerk = counter
    result = notified_bundle(services, clerk)
    owing = {m.matter_name: m for m in result.members}
    fire = owing["公众聚集场所投入使用、营业前消防安全检查"]  # owes nothing itself: held for the others

    # F6 on any member that owes something opens the bundle's shortfalls, the ID card once.
    form = services.supplement.form(result.members[2].case_id)
    assert form.bundle_no == result.bundle_no and form.matter_name == "幼儿园设立一件事"
    names = [spec.name for spec in form.lacking]
    assert sum("身份证" in n for n in names) == 1 and "验资报告" in names and len(names) == 2
    assert dict(zip(names, form.problems, strict=True))["验资报告"] == "未加盖会计师事务所公章"
    assert set(form.members) == {m.matter_name for m in result.members}

    # Half of it is not enough: the bundle is accepted as a whole or not at all, nothing is stored.
    card = _page(services, tmp_path)
    codes = {spec.name: spec.code for spec in form.lacking}
    only_card = (MaterialInput(codes[next(n for n in names if "身份证" in n)], True, (card,)),)
    with pytest.raises(ServiceError, match="一件事不能受理"):
        services.supplement.submit(result.members[0].case_id, only_card, clerk)
    assert {services.cases.detail(m.case_id).summary.status for m in result.members} == {"pending_supplement"}

    printer = enrolled_runtime.hardware.printer
    jobs = len(printer.jobs)
    everything = (*only_card, MaterialInput(codes["验资报告"], True))
    done = services.supplement.submit(result.members[1].case_id, everything, clerk)
    assert done.accepted_now and done.still_lacking == () and done.paper_error == ""
    assert sorted(done.supplemented) == sorted(m.case_no for m in result.members)  # the held one too
    assert len(printer.jobs) == jobs + 1  # one receipt for the bundle
    receipt = printer.last_receipt().text
    assert "一件事编号" in receipt and result.bundle_no_display in receipt.replace("\n", "").replace(" ", "")
    assert "承诺办结" in receipt and receipt.count("身份证") == 1

    # One acceptance notice, the bundle's: its number, its members, its promised date.
    assert done.notice_pdf is not None and done.notice_pdf.name == f"{result.bundle_no}-受理通知书.pdf"
    text = _text(done.notice_pdf)
    assert "受理通知书" in text and result.bundle_no_display in text
    assert f"{result.promised_by.year}年{result.promised_by.month}月{result.promised_by.day}日" in text
    with pdfplumber.open(done.notice_pdf) as pdf:
        cells = {(c or "").replace("\n", "") for p in pdf.pages for t in p.extract_tables(TIGHT) for r in t for c in r}
    assert all(m.case_no_display in cells and m.matter_name in cells for m in result.members)
    with enrolled_runtime.store.sessions() as s:
        notice_nos = {s.get(Case, m.case_id).notice_no for m in result.members}
    assert len(notice_nos) == 1 and "" not in notice_nos  # one notice number, on every member

    # Each member case recorded it; the ID card's one page is on each member that asks for it.
    for m in result.members:
        detail = services.cases.detail(m.case_id)
        assert detail.summary.status == "accepted", m.matter_name
        cards = [line.pages for line in detail.materials if "身份证" in line.name]
        assert cards == ([] if m is fire else [1])
    # A reprint from any member now gives the bundle's acceptance notice, not the one-time notice.
    again = services.bundles.reprint(fire.case_id)
    assert again.notice_pdf is not None and again.notice_pdf.name == done.notice_pdf.name
    assert _text(again.notice_pdf) == text

    # The back office: every linked case goes on to review, sharing the page uploaded once.
    status = services.sync.sync_now()
    assert status.error == "" and status.rejected == 0 and status.pending == 0
    linked = admin.list_cases(live_server.db_url, org_code=live_server.hall.org_code, bundle_no=result.bundle_no)
    assert len(linked) == 4 and {c.status for c in linked} == {"submitted"}
    assert all(c.complete for c in linked)
    assert sorted(c.matter_name for c in linked if card.sha256 in c.pages) == sorted(
        m.matter_name for m in result.members if m is not fire
    )


def test_a_single_case_supplement_is_unchanged(counter):
    from client.services.intake import IntakeDraft

    services, clerk = counter
    matter = services.intake.matter("370702-XK-0001")
    first, *rest = matter.materials
    single = services.intake.submit(
        IntakeDraft(
            APPLICANT,
            matter.code,
            (MaterialInput(first.code, False, (), MISSING), *(MaterialInput(m.code, True) for m in rest)),
        ),
        clerk,
    )
    assert single.outcome == "notify_missing"
    form = services.supplement.form(single.case_id)
    assert form.bundle_no == "" and [s.code for s in form.lacking] == [first.code]
    done = services.supplement.submit(single.case_id, (MaterialInput(first.code, True),), clerk)
    assert done.accepted_now and done.supplemented == ()
    assert done.notice_pdf is not None and done.notice_pdf.name.startswith(single.case_no)


def test_a_rongque_bundle_is_completed_in_one_go_with_one_receipt(counter, enrolled_runtime, live_server):
    services, clerk = counter
    short = {"食品安全管理制度": (MISSING, ""), "验资报告": (MISSING, "")}
    checklist = services.bundles.checklist(KINDERGARTEN, APPLICANT)
    rows = tuple(
        MaterialInput(item.key, item.key not in short, (), *short.get(item.key, ("", ""))) for item in checklist.items
    )
    result = services.bundles.submit(BundleDraft(APPLICANT, KINDERGARTEN, rows, phone="13800000000"), clerk)
    assert result.outcome == "accept_tolerant"
    owing = [m for m in result.members if services.cases.detail(m.case_id).summary.status == "accepted_tolerant"]
    assert owing  # at least the canteen licence owes its 食品安全管理制度

    form = services.supplement.form(owing[0].case_id)
    assert sorted(spec.name for spec in form.lacking) == ["食品安全管理制度", "验资报告"]
    printer = enrolled_runtime.hardware.printer
    jobs = len(printer.jobs)
    done = services.supplement.submit(
        owing[0].case_id, tuple(MaterialInput(spec.code, True) for spec in form.lacking), clerk
    )
    assert not done.accepted_now and done.still_lacking == () and done.notice_pdf is None
    assert len(printer.jobs) == jobs + 1  # one receipt for what came in, for the bundle
    receipt = printer.last_receipt().text
    assert "一件事编号" in receipt and "食品安全管理制度" in receipt and "验资报告" in receipt
    for m in result.members:  # nothing is owed any more on any member
        lines = services.cases.detail(m.case_id).materials
        assert all(line.status not in ("missing", "tolerated", "defective") for line in lines), m.matter_name
    status = services.sync.sync_now()
    assert status.rejected == 0 and status.pending == 0
    linked = admin.list_cases(live_server.db_url, org_code=live_server.hall.org_code, bundle_no=result.bundle_no)
    assert len(linked) == 4 and all(c.complete for c in linked) and {c.status for c in linked} == {"submitted"}
