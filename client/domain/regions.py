"""Administrative division codes (统计用区划代码, 12 digits) and the service level they imply.

The device knows only its region code; its level (county / town / village) and which
catalog entries it may take in follow from the code's shape.
"""

from __future__ import annotations


def level_of_region(code: str) -> str:
    """county for xxxxxx000000, town for xxxxxxxxx000, village otherwise."""
    code = (code or "").strip()
    if len(code) != 12 or not code.isdigit():
        return "county"
    if code[6:] == "000000":
        return "county"
    if code[9:] == "000":
        return "town"
    return "village"


def region_prefix(code: str) -> str:
    """The significant part of a code: a region contains every code starting with it."""
    code = (code or "").strip()
    level = level_of_region(code)
    if len(code) != 12:
        return code
    return {"county": code[:6], "town": code[:9], "village": code}[level]


def contains(outer: str, inner: str) -> bool:
    """True when region `inner` lies within (or is) region `outer`."""
    return (inner or "").startswith(region_prefix(outer))


def ancestors(code: str) -> tuple[str, ...]:
    """The region itself and the town and county codes above it (12-digit forms)."""
    code = (code or "").strip()
    if len(code) != 12 or not code.isdigit():
        return (code,)
    out = [code, code[:9] + "000", code[:6] + "000000"]
    return tuple(dict.fromkeys(out))
