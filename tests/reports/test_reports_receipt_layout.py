"""Thermal receipt layout: fits the paper, carries the codes, ends with a cut."""

from __future__ import annotations

import dataclasses

import pytest

from client.domain.paper import Barcode, Cut, QRCode, Rule, TextLine
from reports.columns import display_width
from reports.errors import ReportError
from reports.receipt import receipt_layout


@pytest.mark.parametrize(("width_mm", "columns"), [(80, 48), (58, 32)])
def test_no_line_is_wider_than_the_paper(received_materials, width_mm, columns):
    layout = receipt_layout(received_materials, width_mm=width_mm)
    assert (layout.width_mm, layout.width_chars) == (width_mm, columns)
    lines = [e for e in layout.elements if isinstance(e, TextLine)]
    assert lines
    for line in lines:
        assert display_width(line.text) * line.size <= columns, line


@pytest.mark.parametrize("width_mm", [80, 58])
def test_receipt_has_title_codes_and_cut(received_materials, width_mm):
    layout = receipt_layout(received_materials, width_mm=width_mm)
    title = layout.elements[0]
    assert title == TextLine("收件凭证", align="center", bold=True, size=2)
    qrs = [e for e in layout.elements if isinstance(e, QRCode)]
    assert [q.data for q in qrs] == [received_materials.query_url]
    assert [e for e in layout.elements if isinstance(e, Barcode)] == [Barcode(received_materials.case_no)]
    assert any(isinstance(e, Rule) for e in layout.elements)
    assert isinstance(layout.elements[-1], Cut)


@pytest.mark.parametrize("width_mm", [80, 58])
def test_receipt_text_masks_id_and_lists_materials(received_materials, width_mm):
    layout = receipt_layout(received_materials, width_mm=width_mm)
    joined = "".join(e.text.strip() for e in layout.elements if isinstance(e, TextLine))
    assert "110105********002X" in joined
    assert "11010519491231002X" not in joined
    assert "370702000000-20261122-A1B2-0007" in joined  # printed whole, never split
    for m in received_materials.materials:
        assert m.name in joined
    assert "原件1份已收" in joined.replace(" ", "")
    assert "复印件2份已收" in joined.replace(" ", "")
    assert "复印件1份未收" in joined.replace(" ", "")
    assert "2026年11月22日 09:05" in joined
    assert "承诺办结：2026年12月11日" in joined


def test_wrapped_lines_never_start_with_closing_punctuation(received_materials):
    long = dataclasses.replace(
        received_materials, matter_name="个体工商户名称变更登记（含经营者姓名、经营场所、组成形式）。" * 2
    )
    for width_mm in (80, 58):
        layout = receipt_layout(long, width_mm=width_mm)
        for line in (e for e in layout.elements if isinstance(e, TextLine)):
            assert line.text.lstrip()[:1] not in "，。、）》", line


def test_unknown_paper_width_is_a_clerk_error(received_materials):
    with pytest.raises(ReportError) as err:
        receipt_layout(received_materials, width_mm=76)
    assert "76" in str(err.value)
    assert "小票纸宽度" in err.value.message
