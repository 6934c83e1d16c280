"""Render a PDF page to PNG in-process, so the UI shows a notice without a viewer."""

from __future__ import annotations

import io

import pypdfium2 as pdfium

from reports.errors import ReportError


def pdf_page_png(pdf: bytes, page: int = 0, dpi: int = 100) -> bytes:
    """PNG bytes of one page at `dpi` (A4 at 100 dpi is 827 x 1169 pixels)."""
    try:
        doc = pdfium.PdfDocument(pdf)
    except pdfium.PdfiumError as exc:
        raise ReportError(f"cannot open PDF for preview: {exc}", "文书文件已损坏，无法预览") from exc
    try:
        if not 0 <= page < len(doc):
            raise ReportError(f"page {page} out of range 0..{len(doc) - 1}", f"预览页码超出范围：第{page + 1}页")
        pdf_page = doc[page]
        try:
            bitmap = pdf_page.render(scale=dpi / 72)
            image = bitmap.to_pil()
        finally:
            pdf_page.close()
        buf = io.BytesIO()
        image.save(buf, format="PNG", optimize=False)
        return buf.getvalue()
    finally:
        doc.close()


def pdf_pages_png(pdf: bytes, dpi: int = 100) -> tuple[bytes, ...]:
    """PNG bytes of every page at `dpi`, first page first (the full-size view of a notice)."""
    try:
        doc = pdfium.PdfDocument(pdf)
    except pdfium.PdfiumError as exc:
        raise ReportError(f"cannot open PDF for preview: {exc}", "文书文件已损坏，无法预览") from exc
    try:
        count = len(doc)
    finally:
        doc.close()
    return tuple(pdf_page_png(pdf, page, dpi) for page in range(count))
