"""Paper for a case: the receipt on the thermal printer and the notice as a PDF.

Built from what the store holds, so a reprint gives exactly the first print.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from client.domain.paper import ReceiptLayout
from client.store.db import Store
from client.store.models import Case
from reports.notices import AcceptanceNotice, DeliveryNotice, render_acceptance_notice, render_delivery_receipt
from reports.numbers import doc_number
from reports.preview import pdf_page_png
from reports.receipt import ReceiptData, ReceiptMaterial, receipt_layout, receipt_pdf

from .errors import clerk_message

log = logging.getLogger(__name__)


class PrinterPort(Protocol):
    def print_layout(self, layout: ReceiptLayout) -> None: ...


@dataclass(frozen=True)
class PaperResult:
    notice_pdf: Path | None
    printed: bool
    error: str


@dataclass(frozen=True)
class OfficeInfo:
    name: str
    notice_prefix: str  # e.g. 潍城审受字
    phone: str
    query_url: str  # progress lookup; the case number is appended


class Paperwork:
    def __init__(self, store: Store, printer: PrinterPort | None, out_dir: Path, office: OfficeInfo,
                 receipt_format: str = "80"):
        self.store, self.printer, self.out_dir, self.office = store, printer, out_dir, office
        self.receipt_format = receipt_format  # "80" / "58" mm thermal, or "A4" for offices without one

    def notice_number(self, year: int, seq: int) -> str:
        return doc_number(self.office.notice_prefix, year, seq)

    def _query(self, case_no: str) -> str:
        return f"{self.office.query_url}{case_no}"

    def _load(self, case_id: str) -> Case:
        with self.store.sessions() as s:
            case = s.get(Case, case_id)
            _ = list(case.materials)
            return case

    def receipt_data(self, case: Case) -> ReceiptData:
        materials = tuple(ReceiptMaterial(m.name, m.form, m.copies, m.status) for m in case.materials)
        return ReceiptData(office_name=self.office.name, case_no=case.case_no, applicant_name=case.applicant_name,
                           applicant_id_number=case.applicant_id_number, matter_name=case.matter_name,
                           materials=materials, received_at=case.received_at, promised_by=case.promised_by,
                           clerk=case.clerk, query_url=self._query(case.case_no), phone=self.office.phone)

    def acceptance_notice(self, case: Case) -> AcceptanceNotice:
        return AcceptanceNotice(office_name=self.office.name, doc_no=case.notice_no,
                                applicant_name=case.applicant_name, applicant_id_number=case.applicant_id_number,
                                matter_name=case.matter_name, case_no=case.case_no,
                                received_on=case.received_at.date(), decide_by=case.promised_by,
                                query_url=self._query(case.case_no), contact_phone=self.office.phone,
                                materials=tuple(m.name for m in case.materials if m.status == "received"))

    def accepted(self, case_id: str) -> PaperResult:
        """Write the notice PDF and print the receipt; failures are reported, not raised."""
        case = self._load(case_id)
        errors, pdf_path, printed = [], None, False
        try:
            pdf = render_acceptance_notice(self.acceptance_notice(case))
            pdf_path = self._write(f"{case.case_no}-受理通知书.pdf", pdf)
        except Exception as exc:  # font missing, disk full: the case itself is safe
            log.exception("notice for %s failed", case.case_no)
            errors.append(clerk_message(exc, "受理通知书生成失败，可在办件详情中重新打印"))
        printed, err = self.print_receipt(case)
        if err:
            errors.append(err)
        return PaperResult(pdf_path, printed, "；".join(errors))

    def print_receipt(self, case: Case) -> tuple[bool, str]:
        if self.receipt_format == "A4":
            try:
                self._write(f"{case.case_no}-收件凭证.pdf", receipt_pdf(self.receipt_data(case)))
            except Exception as exc:
                log.exception("A4 receipt for %s failed", case.case_no)
                return False, clerk_message(exc, "A4收件凭证生成失败，可在办件详情中重新打印")
            return True, ""
        if self.printer is None:
            return False, "未配置小票打印机，请在设置中选择打印机或打印A4回执"
        try:
            self.printer.print_layout(receipt_layout(self.receipt_data(case), width_mm=int(self.receipt_format)))
            return True, ""
        except Exception as exc:
            log.warning("receipt for %s not printed: %s", case.case_no, exc)
            return False, clerk_message(exc, "小票打印失败，请检查打印机后重新打印")

    def reprint(self, case_id: str) -> PaperResult:
        return self.accepted(case_id)

    def delivery_receipt(self, case: Case, recipient_name: str, recipient_id: str, delivered_at) -> Path | None:
        notice = DeliveryNotice(office_name=self.office.name, case_no=case.case_no, matter_name=case.matter_name,
                                result_name=case.result_name, result_no=case.result_no,
                                recipient_name=recipient_name, recipient_id_number=recipient_id,
                                delivered_at=delivered_at, clerk=case.clerk)
        return self._write(f"{case.case_no}-出件回执.pdf", render_delivery_receipt(notice))

    def preview_png(self, pdf_path: Path) -> bytes:
        return pdf_page_png(Path(pdf_path).read_bytes(), dpi=60)

    def _write(self, name: str, data: bytes) -> Path:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        path = self.out_dir / name
        path.write_bytes(data)
        return path
