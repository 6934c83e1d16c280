"""Case numbers minted offline that never collide across devices.

Format: region code (12) + date YYYYMMDD + device code (4, base36 upper) + per-device
daily sequence (4). Example: 370702000000-20261122-A1B2-0007 (hyphens are printed,
not stored). The back office never renumbers.
"""

from __future__ import annotations

import datetime as dt
import re

_PATTERN = re.compile(r"^(\d{12})(\d{8})([0-9A-Z]{4})(\d{4})$")


def mint_case_no(region_code: str, day: dt.date, device_code: str, seq: int) -> str:
    if not re.fullmatch(r"\d{12}", region_code):
        raise ValueError("region code must be 12 digits")
    if not re.fullmatch(r"[0-9A-Z]{4}", device_code):
        raise ValueError("device code must be 4 base36 characters")
    if not 1 <= seq <= 9999:
        raise ValueError("sequence out of range")
    return f"{region_code}{day:%Y%m%d}{device_code}{seq:04d}"


def format_case_no(case_no: str) -> str:
    """Hyphenated for print; a 一件事 number (Y + a case-number body) keeps its Y in front."""
    if case_no.startswith("Y") and _PATTERN.match(case_no[1:]):
        return "Y-" + format_case_no(case_no[1:])
    m = _PATTERN.match(case_no)
    return "-".join(m.groups()) if m else case_no


def parse_case_no(text: str) -> str:
    """Accept a number typed or scanned with or without hyphens."""
    return text.strip().upper().replace("-", "").replace(" ", "")
