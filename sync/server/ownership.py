"""Which device may name a new case, and which may write to an existing one.

Case numbers are minted offline, so the back office cannot hand them out; what it can do
is make sure a window only ever uses its own: the number carries the device code, which
the back office gave this device alone at enrolment, and the region of the device's org
unit (or of a unit enclosing it). A number that is not well formed or carries another
device's code is refused and reserves nothing, so no device can squat on another's
numbers and block its real intake with `duplicate_case_no`.

Once on the server, a case is written only by the device that created it. Two hand-overs
are allowed: the paper originals of a proxy case go up the org tree (`custody`, checked
there), and a revoked device's open cases pass to the windows of the same unit (a laptop
replaced after theft or damage; the administrator revokes the old one first).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from client.domain.case_numbers import format_case_no
from client.domain.regions import contains

from .auth import DeviceIdentity
from .db import Case, Device
from .errors import Rejection

log = logging.getLogger(__name__)

# client.domain.case_numbers: region (12) + YYYYMMDD + device code (4, base36) + sequence (4)
_MINTED = re.compile(r"^(\d{12})(\d{8})([0-9A-Z]{4})(\d{4})$")


@dataclass(frozen=True)
class CaseNumber:
    """The parts of a minted case number (stored form, no hyphens)."""

    region_code: str
    day: dt.date
    device_code: str
    seq: int


def parse_minted(case_no: str) -> CaseNumber | None:
    """The parts of a well-formed number, or None (wrong shape, no such date, sequence 0)."""
    match = _MINTED.match(case_no)
    if match is None:
        return None
    region, day, device_code, seq = match.groups()
    try:
        parsed_day = dt.datetime.strptime(day, "%Y%m%d").date()
    except ValueError:
        return None
    if int(seq) == 0:
        return None
    return CaseNumber(region, parsed_day, device_code, int(seq))


def check_new_number(device: DeviceIdentity, region_code: str, case_no: str) -> None:
    """Refuse (`case_no_not_yours`) a new case whose number this device could not have minted;
    `region_code`: that of the device's org unit."""
    number = parse_minted(case_no)
    if number is None:
        log.info("device %s: new case number refused: not well formed", device.id)
        raise Rejection("case_no_not_yours", "办件编号格式不正确，应为区划代码、日期、本机设备码和序号")
    if number.device_code != device.device_code:
        log.info("device %s: new case number refused: device code %s", device.id, number.device_code)
        raise Rejection("case_no_not_yours", f"办件编号{format_case_no(case_no)}不是本机生成的编号（设备码与本机不符）")
    if not contains(number.region_code, region_code):
        log.info("device %s: new case number refused: region %s", device.id, number.region_code)
        raise Rejection("case_no_not_yours", f"办件编号{format_case_no(case_no)}的区划代码与本机所属机构不符")


def may_write(session: Session, device: DeviceIdentity, case: Case) -> bool:
    """The device created the case, or took it over from a revoked device of the case's unit."""
    if case.device_id == device.id:
        return True
    if device.org_code != case.org_code:
        return False
    if case.device_id is None:  # written before devices were recorded: the unit's windows
        return True
    creator = session.get(Device, case.device_id)
    return creator is None or bool(creator.revoked)


def check_writer(session: Session, device: DeviceIdentity, case: Case) -> None:
    """Refuse (`case_not_yours`) a change to a case by a device that may not write it."""
    if may_write(session, device, case):
        return
    log.info("device %s: change to case %s refused: created by device %s", device.id, case.id, case.device_id)
    raise Rejection("case_not_yours", f"办件{format_case_no(case.case_no)}由其他窗口设备受理，本机不能修改")
