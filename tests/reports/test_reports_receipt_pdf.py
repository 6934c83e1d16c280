"""A4 收件凭证 read back from the PDF."""

from __future__ import annotations

from reports.receipt import receipt_pdf


def test_a4_receipt_lists_each_material_with_form_and_status(received_materials, pdf_text):
    text = pdf_text(receipt_pdf(received_materials))
    assert "收件凭证" in text
    assert "110105********002X" in text
    assert "11010519491231002X" not in text
    assert "370702000000-20261122-A1B2-0007" in text
    assert "2026年11月22日 09:05" in text
    assert "2026年12月11日" in text
    assert "食品经营许可申请书 原件 1 已收" in text
    assert "营业执照复印件 复印件 2 已收" in text
    assert "申请人签字" in text
