"""How dates and document numbers are written on Chinese official paper."""

from __future__ import annotations

import datetime as dt

from reports.errors import ReportError


def chinese_date(d: dt.date) -> str:
    """2026年11月22日 — no zero padding, as official documents write it."""
    return f"{d.year}年{d.month}月{d.day}日"


def chinese_datetime(t: dt.datetime) -> str:
    """2026年11月22日 09:05 — receipts show the minute the materials were taken."""
    return f"{chinese_date(t)} {t:%H:%M}"


def doc_number(prefix: str, year: int, seq: int, digits: int = 6) -> str:
    """文书编号: 潍城审受字〔2026〕第000123号 (〔〕 are the GB/T 9704 brackets).

    The per-office series counter lives in the client store; this only formats.
    """
    if not prefix.strip():
        raise ReportError("document number prefix is empty", "文书编号前缀（机关代字）不能为空")
    if not 1000 <= year <= 9999:
        raise ReportError(f"year {year} is not four digits", f"文书编号年份不正确：{year}")
    if not 1 <= seq < 10**digits:
        raise ReportError(f"sequence {seq} out of range 1..{10**digits - 1}", f"文书编号序号超出范围：{seq}")
    return f"{prefix.strip()}〔{year}〕第{seq:0{digits}d}号"
