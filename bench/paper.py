"""The paper of an accept — receipt layout + ESC/POS bytes + 受理通知书 PDF — against same-run baselines.

Baselines, measured interleaved with the work in the same process:
- a bare reportlab one-line PDF (the floor of any PDF at all);
- a bare reportlab page drawing the notice's own lines in the same embedded CJK font
  (what the notice costs without layout: tables, QR, Code128, seal).
Budget (CONTRIBUTING.md, performance budgets): accept → receipt bytes + notice PDF under 150 ms of program time.
A common name prints from the printer's ROM; a rare one (王䶮) takes the raster fallback.
Run (from the project root): .venv/bin/python -m bench.paper [N]
"""

from __future__ import annotations

import datetime as dt
import io
import statistics
import sys
import time
from collections.abc import Callable

import pdfplumber
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from client.domain.catalog import load_sample_catalog
from devices.escpos import encode_receipt
from devices.raster import TextRasterizer
from reports.fonts import default_font_set
from reports.guide import guide_for, render_guide_pdf
from reports.notices import AcceptanceNotice, render_acceptance_notice
from reports.receipt import ReceiptData, ReceiptMaterial, receipt_layout
from reports.templates import default_templates

BUDGET_MS = 150
CASE_NO = "37070200000020261122A1B20007"


def _receipt(name: str) -> ReceiptData:
    t = default_templates()
    return ReceiptData(
        office_name=t.office.name,
        case_no=CASE_NO,
        applicant_name=name,
        applicant_id_number="11010519491231002X",
        matter_name="食品经营许可",
        materials=(
            ReceiptMaterial("申请人身份证", "original", 1, "received"),
            ReceiptMaterial("食品经营许可申请书", "original", 1, "received"),
            ReceiptMaterial("营业执照", "copy", 1, "received"),
            ReceiptMaterial("与食品经营相适应的主要设备设施布局、操作流程等文件", "original", 1, "tolerated"),
            ReceiptMaterial("食品安全管理制度", "original", 1, "received"),
        ),
        received_at=dt.datetime(2026, 11, 22, 9, 5),
        promised_by=dt.date(2026, 12, 7),
        clerk="赵六",
        query_url=t.query_url(CASE_NO),
        phone=t.office.phone,
    )


def receipt_bytes(name: str, rasterizer: TextRasterizer) -> bytes:
    """80 mm layout turned into the ESC/POS job the printer receives."""
    return encode_receipt(receipt_layout(_receipt(name), 80), rasterizer=rasterizer)


def notice_pdf(name: str) -> bytes:
    t = default_templates()
    receipt = _receipt(name)
    return render_acceptance_notice(
        AcceptanceNotice(
            office_name=t.office.name,
            doc_no=t.doc_number("acceptance", 2026, 123),
            applicant_name=name,
            applicant_id_number="11010519491231002X",
            matter_name="食品经营许可",
            case_no=CASE_NO,
            received_on=dt.date(2026, 11, 22),
            decide_by=dt.date(2026, 12, 7),
            query_url=t.query_url(CASE_NO),
            contact_phone=t.office.phone,
            materials=tuple(m.name for m in receipt.materials if m.status == "received"),
        )
    )


def accept_paper(name: str, rasterizer: TextRasterizer) -> tuple[bytes, bytes]:
    """What the window makes when a case is accepted: receipt bytes for the printer and the notice."""
    return receipt_bytes(name, rasterizer), notice_pdf(name)


def bare_one_line() -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(100, 700, "baseline")
    c.save()
    return buf.getvalue()


def bare_same_text(lines: list[str]) -> Callable[[], bytes]:
    """A plain canvas page with the notice's text lines in the same TrueType CJK font."""
    font = default_font_set().primary

    def render() -> bytes:
        buf = io.BytesIO()
        c = canvas.Canvas(buf, pagesize=A4)
        c.setFont(font, 11)
        y = A4[1] - 60
        for line in lines:
            c.drawString(60, y, line)
            y -= 16
        c.save()
        return buf.getvalue()

    return render


def _ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(0.95 * (len(ordered) - 1))] * 1000


def main(n: int = 50) -> None:
    rasterizer = TextRasterizer.from_system()  # the printer's owner thread keeps one
    catalog = load_sample_catalog()
    _, notice = accept_paper("王秀英", rasterizer)  # warm-up: fonts parsed, raster fonts loaded
    accept_paper("王䶮", rasterizer)
    with pdfplumber.open(io.BytesIO(notice)) as doc:
        same_text = bare_same_text((doc.pages[0].extract_text() or "").splitlines())
    same_text()
    jobs: dict[str, Callable[[], object]] = {
        "baseline: bare reportlab one-line PDF": bare_one_line,
        "baseline: bare page, notice's text, same CJK font": same_text,
        "  receipt layout + ESC/POS, rare name": lambda: receipt_bytes("王䶮", rasterizer),
        "  受理通知书 PDF": lambda: notice_pdf("王秀英"),
        "accept paper, common name (ROM text)": lambda: accept_paper("王秀英", rasterizer),
        "accept paper, rare name 王䶮 (raster fallback)": lambda: accept_paper("王䶮", rasterizer),
        "办事指南 PDF, bundle (not in the accept path)": lambda: render_guide_pdf(guide_for(catalog, "370702-YJS-05")),
    }
    times: dict[str, list[float]] = {label: [] for label in jobs}
    for _ in range(n):  # interleaved, so drift hits every job alike
        for label, job in jobs.items():
            t0 = time.perf_counter()
            job()
            times[label].append(time.perf_counter() - t0)
    base, _ = _ms(times["baseline: bare reportlab one-line PDF"])
    same, _ = _ms(times["baseline: bare page, notice's text, same CJK font"])
    print(f"{n} runs each, interleaved")
    for label, samples in times.items():
        median, p95 = _ms(samples)
        print(
            f"{label:<52} median {median:7.2f} ms   p95 {p95:7.2f} ms   "
            f"×{median / base:6.1f} one-line   ×{median / same:5.2f} same-text"
        )
    worst = max(_ms(times[k])[1] for k in jobs if k.startswith("accept"))
    print(
        f"budget {BUDGET_MS} ms (accept → receipt bytes + notice PDF): worst p95 {worst:.1f} ms — "
        f"{'within' if worst < BUDGET_MS else 'OVER'}"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
