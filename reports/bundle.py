"""Paper for a 一件事 taken in as one application: one receipt and one notice for all its matters.

Each notice keeps the legal wording of its kind (受理通知书, 一次性告知书, 容缺受理通知书,
不予受理通知书 …) with the bundle's name as the matter; this module only adds what makes it
a bundle's paper: the bundle number, its promised date, and the member matters with the
department that decides each and the case number to follow it by.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from client.domain.bundles import format_bundle_no
from client.domain.case_numbers import format_case_no
from client.domain.paper import Element, ReceiptLayout, Rule, TextLine
from reports.columns import display_width, wrap_columns
from reports.fonts import FontSet
from reports.numbers import chinese_date
from reports.receipt import ReceiptData, paper_columns, receipt_layout, receipt_sheet
from reports.sheet import Fields, Grid, NoticeSheet, Section, Text, render_sheet


@dataclass(frozen=True)
class BundleMember:
    """A member matter of the bundle as its paper lists it."""

    matter_name: str
    department: str
    case_no: str  # stored form


@dataclass(frozen=True)
class BundlePaper:
    bundle_no: str
    bundle_name: str
    members: tuple[BundleMember, ...]
    promised_by: dt.date | None  # None: nothing accepted yet (one-time notice, refusal)
    concluded: tuple[str, ...] = ()  # members decided on the spot (即办件), results handed over already
    promised_note: str = ""  # why the date is firm though a year's schedule is not out (Deadline.note)


def bundle_sections(p: BundlePaper) -> tuple[Section, ...]:
    rows: list[tuple[str, str]] = [("一件事", p.bundle_name), ("一件事编号", format_bundle_no(p.bundle_no))]
    if p.promised_by is not None:
        note = f"（{p.promised_note}）" if p.promised_note else ""
        rows.append(("一件事承诺办结", chinese_date(p.promised_by) + note))
    members = tuple(
        (str(i), m.matter_name, m.department, format_case_no(m.case_no)) for i, m in enumerate(p.members, 1)
    )
    done: tuple[Section, ...] = (
        (Text(f"其中“{'”“'.join(p.concluded)}”已当场办结，办理结果已当场交付。"),) if p.concluded else ()
    )
    return (
        Fields(tuple(rows)),
        Grid(
            ("序号", "包含事项", "承办部门", "办件编号"),
            members,
            (0.9, 5.2, 2.4, 6.5),
            heading="本件包含以下事项，并联办理：",
        ),
        *done,
    )


def bundle_sheet(sheet: NoticeSheet, p: BundlePaper) -> NoticeSheet:
    """A kind's sheet with the bundle's facts and member matters put before its body."""
    return replace(sheet, sections=bundle_sections(p) + sheet.sections)


def render_bundle_sheet(sheet: NoticeSheet, p: BundlePaper, fonts: FontSet | None = None) -> bytes:
    """The bundle's notice of `sheet`'s kind as A4 PDF bytes."""
    return render_sheet(bundle_sheet(sheet, p), fonts)


def bundle_receipt_layout(data: ReceiptData, p: BundlePaper, width_mm: int = 80) -> ReceiptLayout:
    """One thermal receipt for the whole bundle: its materials once, then each member's case number."""
    layout = receipt_layout(data, width_mm)
    width = paper_columns(width_mm)
    lines: list[TextLine | Rule] = [TextLine("包含事项及办件编号：", bold=True)]
    for i, m in enumerate(p.members, 1):
        number = f"{i}. "
        lines.extend(TextLine(t) for t in wrap_columns(number + m.matter_name, width, len(number)))
        lines.append(TextLine(_fitted(m.case_no, width, len(number))))
    lines.append(Rule())
    elements = _renumbered(list(layout.elements), p.bundle_no, width)
    rules = [i for i, e in enumerate(elements) if isinstance(e, Rule)]
    at = rules[2] + 1 if len(rules) > 2 else len(elements)  # after the materials, before the time
    elements[at:at] = lines
    return replace(layout, elements=tuple(elements))


def _fitted(case_no: str, width: int, indent: int) -> str:
    """A case number on one line: hyphenated and indented where the paper allows, never broken."""
    for text in (format_case_no(case_no), case_no):
        for pad in (indent, 0):
            if pad + display_width(text) <= width:
                return " " * pad + text
    return case_no


def _number_lines(bundle_no: str, width: int) -> list[TextLine]:
    """一件事编号 on the receipt: on one line when it fits, else the number under its label, split at a hyphen."""
    label, value = "一件事编号：", format_bundle_no(bundle_no)
    if display_width(label + value) <= width:
        return [TextLine(label + value)]
    lines = [TextLine(label)]
    while display_width(value) > width and "-" in value[:width]:
        cut = value[:width].rindex("-") + 1
        lines.append(TextLine(value[:cut]))
        value = value[cut:]
    return [*lines, TextLine(value)]


def _renumbered(elements: list[Element], bundle_no: str, width: int) -> list[Element]:
    """The receipt's number field (受理编号, however it was wrapped) named and printed as the bundle's."""
    want = "受理编号：" + format_case_no(bundle_no)
    for start, element in enumerate(elements):
        if isinstance(element, TextLine) and element.text.startswith("受理编号："):
            joined, end = "", start
            while end < len(elements) and len(joined) < len(want):
                line = elements[end]
                if not isinstance(line, TextLine):
                    break
                joined, end = joined + line.text.strip(), end + 1
            if joined == want:
                return [*elements[:start], *_number_lines(bundle_no, width), *elements[end:]]
    return elements


def bundle_receipt_pdf(data: ReceiptData, p: BundlePaper, fonts: FontSet | None = None) -> bytes:
    """The bundle's receipt on A4."""
    return render_sheet(bundle_sheet(receipt_sheet(data), p), fonts)
