"""Checks for the numbers clerks type: ID numbers, 统一社会信用代码, mobiles, postcodes.

Pure functions returning a `Check` with a Chinese message, so the window can validate on
every keystroke and the back office can re-check what a device sent.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from .identity import check_id_number

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015: no I O Z S V
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# 登记管理部门码 (first character) → the registering authority.
USCC_AUTHORITIES = {
    "1": "机构编制",
    "2": "外交",
    "3": "司法行政",
    "4": "文化",
    "5": "民政",
    "6": "旅游",
    "7": "宗教",
    "8": "工会",
    "9": "市场监督管理（工商）",
    "A": "中央军委改革和编制办公室",
    "N": "农业农村（农村集体经济组织）",
    "Y": "其他",
}
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_POSTCODE = re.compile(r"[0-8][0-9]{5}")


def _ascii(raw: str) -> str:
    """Full-width input (IME in 全角 mode) folded to ASCII; other scripts' digits stay foreign."""
    return unicodedata.normalize("NFKC", raw or "").strip()


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


@dataclass(frozen=True)
class Check:
    """Outcome of a check; `value` is the normalised input, `message` is for the clerk."""

    ok: bool
    message: str
    value: str = ""


def check_resident_id(raw: str, today: dt.date | None = None) -> Check:
    """居民身份证号码 (GB 11643-1999), as a `Check`; identity.check_id_number has the details."""
    result = check_id_number(raw, today)
    return Check(result.ok, result.message, result.number)


def uscc_check_char(first17: str) -> str:
    """The 18th character: 31 − (Σ mod 31), where 31 maps to '0' (Σ mod 31 = 0)."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def check_uscc(raw: str) -> Check:
    """统一社会信用代码 (GB 32100-2015): alphabet, registration authority, division, checksum."""
    code = re.sub(r"[\s-]", "", _ascii(raw)).upper()
    if not code:
        return Check(False, "请输入统一社会信用代码")
    if len(code) != 18:
        return Check(False, f"统一社会信用代码应为18位，当前{len(code)}位", code)
    bad = sorted({c for c in code if c not in USCC_ALPHABET})
    if bad:
        return Check(False, f"统一社会信用代码不能含有字符“{'、'.join(bad)}”（不使用I、O、Z、S、V）", code)
    if code[0] not in USCC_AUTHORITIES:
        return Check(False, f"统一社会信用代码第1位“{code[0]}”不是有效的登记管理部门代码", code)
    if not _digits(code[2:8]):
        return Check(False, "统一社会信用代码第3至8位应为登记管理机关行政区划码（数字）", code)
    if code[17] != uscc_check_char(code[:17]):
        return Check(False, "统一社会信用代码校验位错误，请核对后重新输入", code)
    return Check(True, f"统一社会信用代码有效（登记管理部门：{USCC_AUTHORITIES[code[0]]}）", code)


_USCC_RUN = re.compile(f"[{USCC_ALPHABET}]{{18}}")


def uscc_from_scan(raw: str) -> str:
    """The USCC inside what a barcode scanner typed, or "" when there is none.

    The QR code of a 营业执照 holds a link to the public credit register with the code in
    it (…?uniscid=91350100M000100Y43); a plain code scans as itself. Only a run that
    passes the checksum counts, so a URL's other letters are never mistaken for one.
    """
    text = _ascii(raw).upper()
    for start in range(max(len(text) - 17, 0)):
        run = text[start : start + 18]
        if _USCC_RUN.fullmatch(run) and check_uscc(run).ok:
            return run
    return ""


def check_mobile(raw: str) -> Check:
    """Mainland mobile numbers: 11 digits starting 13–19; +86 / 0086 and separators tolerated."""
    number = re.sub(r"[\s-]", "", _ascii(raw))
    number = re.sub(r"^(\+86|0086)", "", number)
    if not number:
        return Check(False, "请输入手机号码")
    if not _digits(number):
        return Check(False, "手机号码只能包含数字", number)
    if len(number) != 11:
        return Check(False, f"手机号码应为11位，当前{len(number)}位", number)
    if not _MOBILE.fullmatch(number):
        return Check(False, "手机号码应以13至19开头", number)
    return Check(True, "手机号码有效", number)


def check_postcode(raw: str) -> Check:
    """Postal codes: six digits; the first digit (postal zone) is 0–8."""
    code = _ascii(raw)
    if not code:
        return Check(False, "请输入邮政编码")
    if not _digits(code) or len(code) != 6:
        return Check(False, "邮政编码应为6位数字", code)
    if not _POSTCODE.fullmatch(code):
        return Check(False, "邮政编码首位应为0至8", code)
    return Check(True, "邮政编码有效", code)
