"""The thin path through the services: counter → back office → counter, over real HTTP."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pdfplumber
from PIL import Image
from sqlalchemy import func, select

from client.domain.identity import Applicant, mask_id_number
from client.services.intake import IntakeDraft, MaterialInput
from client.store.models import Case, CaseEvent, OutboxEntry
from sync.server import admin


def scanned_page(tmp_path, name="page.jpg", colour=(200, 30, 30)):
    img = Image.new("RGB", (850, 1100), "white")
    img.paste(colour, (100, 100, 750, 300))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    path = tmp_path / name
    path.write_bytes(buf.getvalue())
    return path


def server_cli(live_server, *args):
    env = dict(os.environ, ONEWINDOW_SERVER_DB=live_server.db_url, ONEWINDOW_SERVER_BLOBS=str(live_server.blob_dir))
    return subprocess.run(
        [sys.executable, "-m", "sync.server", *args], env=env, capture_output=True, text=True, timeout=60
    )


def test_case_goes_from_counter_to_back_office_and_back(tmp_path, live_server, enrolled_runtime, virtual_devices):
    from devices.virtual import SAMPLE_CARDS

    services = enrolled_runtime.services
    clerk = services.auth.login(live_server.clerk, live_server.password)
    assert clerk.display_name == "张敏" and not clerk.offline

    # The applicant's card on the virtual reader, read through pyusb.
    card = SAMPLE_CARDS[0]
    virtual_devices.reader.place_card(card)
    read = services.hardware.read_card()
    assert read.id_number == card.id_number and read.name == card.name

    matter = services.intake.search("个体")[0]
    assert matter.name == "个体工商户设立登记"
    page = services.intake.import_page(scanned_page(tmp_path))
    materials = tuple(
        MaterialInput(spec.code, spec.necessity == "required", (page,) if spec.code == "M01" else ())
        for spec in matter.materials
    )
    applicant = Applicant(read.name, "身份证", read.id_number, source="card")
    draft = IntakeDraft(applicant, matter.code, materials, phone="13800000000")
    result = services.intake.accept(draft, clerk)
    assert result.printed and result.paper_error == ""

    # One transaction: the case, its first event and the outbox entry.
    with enrolled_runtime.store.sessions() as s:
        case = s.scalar(select(Case).where(Case.case_no == result.case_no))
        assert case.status == "accepted" and case.public_token
        token = case.public_token
        events = s.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)).all()
        assert [e.type for e in events] == ["case.accepted"]
        assert (
            s.scalar(
                select(func.count())
                .select_from(OutboxEntry)
                .where(OutboxEntry.event_id == events[0].event_id, OutboxEntry.state == "pending")
            )
            == 1
        )

    # The receipt really went over USB to the printer, and decodes back.
    receipt = virtual_devices.printer.last_receipt()
    text = "\n".join(line.text for line in receipt.lines)
    assert "收件凭证" in text and matter.name in text and mask_id_number(card.id_number) in text
    # The QR opens the case's public page: its token, never its number (docs/public-pages.md).
    assert any(qr.endswith(token) and result.case_no not in qr for qr in receipt.qr_codes)
    assert receipt.cuts >= 1

    # The notice PDF carries the CJK text and the promised date.
    with pdfplumber.open(result.notice_pdf) as pdf:
        notice = pdf.pages[0].extract_text()
    assert "受理通知书" in notice and result.notice_no in notice
    assert f"{result.promised_by.year}年{result.promised_by.month}月{result.promised_by.day}日" in notice
    assert card.id_number not in notice

    # Push: the back office now holds the case and the scanned page.
    status = services.sync.sync_now()
    assert status.error == "" and status.pending == 0 and status.blobs_pending == 0
    rows = [c for c in admin.list_cases(live_server.db_url) if c.case_no == result.case_no]
    assert len(rows) == 1 and rows[0].status == "submitted"
    assert (
        live_server.blob_dir / page.sha256[:2] / page.sha256
    ).read_bytes() == enrolled_runtime.services.intake.pages.read(page.sha256)

    # An approver decides on the command line.
    done = server_cli(live_server, "decide", result.case_no, "approve", "--by", live_server.hall.approver)
    assert done.returncode == 0, done.stderr

    services.sync.sync_now()
    detail = services.cases.detail(result.case_id)
    assert detail.summary.status == "approved" and detail.can_deliver
    assert detail.result_name == "营业执照" and detail.result_no
    assert [t.label for t in detail.timeline][-1] == "审批通过"

    # Delivery at the window closes the case on both sides.
    delivered = services.delivery.deliver(result.case_id, read.name, read.id_number, clerk)
    assert delivered.receipt_pdf.exists()
    status = services.sync.sync_now()
    assert status.pending == 0 and status.rejected == 0
    assert services.cases.detail(result.case_id).summary.status == "delivered"
    rows = [c for c in admin.list_cases(live_server.db_url) if c.case_no == result.case_no]
    assert rows[0].status == "delivered"
