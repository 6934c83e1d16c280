"""好差评 after every case: the applicant rates on the pad, the window records it.

The clerk only starts the request; the level comes from the applicant's own key press
(staff must prompt but never hint or choose).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from client.domain.ratings import BAD_REASONS, OVERALL, is_bad, label
from client.store.db import Store
from client.store.journal import append_event
from client.store.models import Case
from client.store.settings import DeviceIdentity
from sync import protocol

from .auth import Clerk
from .errors import ServiceError
from .hardware import HardwareService

log = logging.getLogger(__name__)

Stage = Literal["intake", "delivery"]  # what is rated: the intake (受理) or the hand-over (出件)


@dataclass(frozen=True)
class RatingResult:
    case_no: str
    level: int | None  # None: the applicant did not rate in time
    label: str
    bad: bool
    stage: Stage = "intake"
    reason: str = ""  # a 差评's reason code, as the applicant touched it ("" for none)


class RatingService:
    def __init__(
        self,
        store: Store,
        hardware: HardwareService,
        identity: Callable[[], DeviceIdentity],
        on_new_event: Callable[[], None] = lambda: None,
        clock: Callable[[], dt.datetime] = dt.datetime.now,
        wait_s: float = 60.0,
    ):
        self.store, self.hardware, self.identity = store, hardware, identity
        self.on_new_event, self.clock, self.wait_s = on_new_event, clock, wait_s

    def ask(self, case_id: str, clerk: Clerk, stage: Stage = "intake") -> RatingResult:
        """Light the pad for this case, wait for the applicant, and record what they pressed.

        Asked when the applicant is served: after the intake's paper is printed, and again
        when the result is handed over (`stage` "delivery"). The pad waits like a real one:
        no key, no rating."""
        with self.store.sessions() as s:
            case = s.get(Case, case_id)
            if case is None:
                raise ServiceError("未找到该办件")
            case_no = case.case_no
        answer = self.hardware.request_rating(case_no, self.wait_s)
        if answer is None:
            return RatingResult(case_no, None, "未评价", False, stage)
        return self.record(case_id, answer.level, clerk, stage=stage, reason=answer.reason)

    def cancel(self) -> None:
        """The clerk left the screen that asked: stop waiting, the pad goes dark."""
        self.hardware.cancel_rating()

    @property
    def keys_on_screen(self) -> bool:
        """No physical pad (demo, training): the pad's five keys are on the clerk's screen."""
        return self.hardware.rating_keys_on_screen

    def press(self, level: int, reason: str = "") -> bool:
        """The applicant presses a key of the on-screen pad (with a 差评's reason, if they
        touched one); False when it was not waiting."""
        return self.hardware.press_rating_key(level, reason)

    def record(
        self,
        case_id: str,
        level: int,
        clerk: Clerk,
        source: Literal["pad", "keyboard"] = "pad",
        stage: Stage = "intake",
        reason: str = "",
    ) -> RatingResult:
        if reason and (not is_bad(level) or reason not in BAD_REASONS):
            reason = ""  # reasons belong to a 差评, from the fixed list only
        now = self.clock().replace(microsecond=0)
        with self.store.sessions.begin() as s:
            case = s.get(Case, case_id)
            if case is None:
                raise ServiceError("未找到该办件")
            payload = protocol.CaseRatedPayload(
                case_no=case.case_no,
                rated_at=now,
                level=level,
                indicators={OVERALL: level},
                source=source,
                clerk=clerk.username,
                stage=stage,
                reason=reason,
            ).model_dump(mode="json")
            append_event(
                s,
                case_id=case_id,
                type_=protocol.CASE_RATED,
                payload=payload,
                clerk=clerk.username,
                device_id=self.identity().device_id,
                now=now,
            )
            case_no = case.case_no
        if is_bad(level):
            log.warning("差评 for case %s served by %s: level %d", case_no, clerk.username, level)
        self.on_new_event()
        return RatingResult(case_no, level, label(level), is_bad(level), stage, reason)
