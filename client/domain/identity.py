"""Who the applicant is: ID-number validation (GB 11643-1999), the card's data, and who acts.

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


# Who applies: a natural person (自然人) or an organisation (法人/其他组织, known by its USCC).
PERSON, ORGANISATION = "person", "organisation"
KINDS = {PERSON: "个人", ORGANISATION: "单位"}
ID_RESIDENT, ID_USCC = "身份证", "统一社会信用代码"

# How an agent acts for the applicant (代理人/经办人).
ENTRUSTED, STATUTORY, STAFF, PROXY = "entrusted", "statutory", "staff", "proxy"
RELATIONS = {ENTRUSTED: "委托代理", STATUTORY: "法定代理", STAFF: "单位经办人", PROXY: "帮办代办"}
# Which relations fit which applicant: a person has no 经办人 and an organisation no guardian.
RELATIONS_FOR = {PERSON: (ENTRUSTED, STATUTORY, PROXY), ORGANISATION: (STAFF, ENTRUSTED, PROXY)}


@dataclass(frozen=True)
class Agent:
    """The person at the counter acting for the applicant; always a natural person."""

    name: str
    id_number: str
    relation: str = ENTRUSTED  # a RELATIONS key
    id_type: str = ID_RESIDENT
    phone: str = ""
    source: str = "manual"  # "card" when read from the ID card reader

    @property
    def relation_label(self) -> str:
        return RELATIONS.get(self.relation, self.relation)


@dataclass(frozen=True)
class Applicant:
    """An applicant as recorded on a case: a person, or an organisation with its 经办人."""

    name: str
    id_type: str  # ID_RESIDENT, or ID_USCC for an organisation
    id_number: str
    phone: str = ""
    address: str = ""
    source: str = "manual"  # "card" when read from the ID card reader
    kind: str = PERSON
    legal_rep: str = ""  # 法定代表人 / 负责人 of an organisation
    agent: Agent | None = None

    @property
    def is_organisation(self) -> bool:
        return self.kind == ORGANISATION
