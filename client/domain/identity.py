"""Who the applicant is: ID-number validation (GB 11643-1999) and the card's data.

Pure functions so that the UI can validate on every keystroke and the server can
re-check what the client sent.
"""
from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


@dataclass(frozen=True)
class IdCheck:
    """Result of checking a resident ID number; `message` is for the clerk."""

    ok: bool
    message: str
    number: str = ""
    birth_date: dt.date | None = None
    sex: str = ""  # "男" / "女"


def id_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS))
    return _CHECK[total % 11]


def check_id_number(raw: str, today: dt.date | None = None) -> IdCheck:
    """Validate an 18-character resident ID number: format, birth date, checksum.

    Retired address codes are accepted on purpose: people keep their old numbers.
    """
    number = unicodedata.normalize("NFKC", raw or "").strip().upper().replace(" ", "")
    if not number:
        return IdCheck(False, "请输入身份证号码")
    if len(number) != 18:
        return IdCheck(False, f"身份证号码应为18位，当前{len(number)}位", number)
    if not number.isascii() or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return IdCheck(False, "身份证号码前17位应为数字，末位为数字或X", number)
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return IdCheck(False, "身份证号码中的出生日期不存在", number)
    today = today or dt.date.today()
    if birth > today or birth.year < 1850:
        return IdCheck(False, "身份证号码中的出生日期不合理", number)
    expected = id_check_char(number[:17])
    if number[17] != expected:
        return IdCheck(False, "身份证号码校验位错误，请核对后重新输入", number)
    sex = "男" if int(number[16]) % 2 == 1 else "女"
    return IdCheck(True, "身份证号码有效", number, birth, sex)


def mask_id_number(number: str) -> str:
    """Mask the middle of an ID number for paper: 110105********002X."""
    if len(number) <= 10:
        return number
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


@dataclass(frozen=True)
class IdCard:
    """What a second-generation ID card reader returns (text block decoded)."""

    name: str
    sex: str
    nation: str
    birth_date: str  # YYYYMMDD as on the card
    address: str
    id_number: str
    authority: str
    valid_from: str
    valid_to: str  # YYYYMMDD or 长期
    photo_wlt: bytes = b""


@dataclass(frozen=True)
class Applicant:
    """An applicant as recorded on a case."""

    name: str
    id_type: str  # "身份证"
    id_number: str
    phone: str = ""
    address: str = ""
    source: str = "manual"  # "card" when read from the ID card reader
