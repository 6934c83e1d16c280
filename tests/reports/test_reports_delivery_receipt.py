"""出件回执 read back from the PDF."""

from __future__ import annotations

from reports.notices import render_delivery_receipt


def test_delivery_receipt_lists_result_recipient_and_time(collected_licence, pdf_text):
    text = pdf_text(render_delivery_receipt(collected_licence))
    assert "出件回执" in text
    assert "食品经营许可证" in text
    assert "JY13707020012345" in text
    assert "李四" in text
    assert "440524********0014" in text
    assert "440524188001010014" not in text
    assert "2026年12月3日 14:05" in text
    assert "领取人签字" in text
    assert "赵六" in text
