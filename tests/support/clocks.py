"""A window machine whose wall clock is wrong by as much as the test says (issue 16, point 5).

One set-up for the clock tests on the service, on the wire and on screen: a real runtime with
its encrypted store and virtual devices, enrolled with a real back office, reading the time
from a `DeviceClock` that runs like any clock but is off by `skew`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from client.app import ClientConfig, Runtime, build_runtime
from client.domain.identity import Applicant
from client.services.intake import AcceptResult
from tests.support.cases import taken_in

MATTER = "370702-XK-0001"


class DeviceClock:
    """The window's wall clock: it runs, but `skew` ahead (negative: behind) of the real time,
    like a laptop with a wrong date. Setting the skew is setting the clock."""

    def __init__(self, skew: dt.timedelta = dt.timedelta(0)):
        self.skew = skew

    def __call__(self) -> dt.datetime:
        return dt.datetime.now() + self.skew


@dataclass
class ClockedMachine:
    runtime: Runtime
    clock: DeviceClock

    @property
    def services(self):
        return self.runtime.services

    def take_case(self, clerk, id_number: str = "34052419800101001X") -> AcceptResult:
        """A case accepted through the real intake service (every material received)."""
        return taken_in(self.services, clerk, MATTER, Applicant("李建国", "身份证", id_number))


@contextmanager
def clocked_machine(
    folder: Path, server_url: str, enrol_code: str, devices, skew: dt.timedelta = dt.timedelta(0)
) -> Iterator[ClockedMachine]:
    """A window machine enrolled with the back office at `server_url`, its clock off by `skew`."""
    clock = DeviceClock(skew)
    runtime = build_runtime(ClientConfig(data_dir=folder, demo=True), virtual=devices, clock=clock)
    try:
        runtime.enrolment.enrol(server_url, enrol_code, "测试窗口")
        yield ClockedMachine(runtime, clock)
    finally:
        runtime.close()
