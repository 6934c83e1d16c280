"""Read-only figures for the daily window report and the monthly satisfaction report.

Everything comes from the local store; what the store does not hold yet (ratings and
差评 rectification arrive with the 好差评 work, one-time notices are not journalled as
events) is left empty or approximated, and the report says so in its notes rather
than printing a zero as if it were a fact.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from client.domain.catalog import Catalog
from client.domain.ratings import label as rating_label
from client.domain.states import LABELS, CaseState
from client.store.db import Store
from client.store.models import CachedUser, Case, CaseEvent
from client.store.settings import load_identity
from reports.statistics import (
    INDICATORS,
    BadRating,
    ClerkTally,
    DailyWindowStats,
    DeadlineCase,
    DepartmentScore,
    IndicatorRatings,
    MatterOutcome,
    MonthlySatisfaction,
)

# Originals another station forwarded and this hall signed for (帮办代办) are on record here
# without a matter: the station took that case in and counts it.
TAKEN_HERE = Case.matter_code != ""

S = CaseState
_OUTCOME = {
    S.ACCEPTED_TOLERANT: "tolerant",
    S.PENDING_SUPPLEMENT: "corrections",
    S.REFUSED: "refused",
    S.WITHDRAWN: "withdrawn",
    S.DRAFT: None,
}
# The deadline clock runs while the case waits for a decision (特别程序 pauses it).
_RUNNING = frozenset({S.ACCEPTED, S.ACCEPTED_TOLERANT, S.SUBMITTED, S.IN_REVIEW, S.SUPPLEMENT_REQUESTED})
DELIVERED_EVENT = "case.delivered"
NO_RATINGS = "本机尚无好差评数据（评价由后台汇总），评价分布、差评及部门满意度指数暂缺。"
CORRECTIONS_NOTE = "一次性告知按当日接件中处于“待补正”状态的办件计。"


def _outcome(status: str) -> str | None:
    try:
        state = CaseState(status)
    except ValueError:
        return "accepted"
    return _OUTCOME.get(state, "accepted")


def _label(status: str) -> str:
    try:
        return LABELS[CaseState(status)]
    except ValueError:
        return status


def _five(counts: list[int]) -> tuple[int, int, int, int, int]:
    """One indicator's counts, one per level (LEVELS order)."""
    very_satisfied, satisfied, fair, dissatisfied, very_dissatisfied = counts
    return very_satisfied, satisfied, fair, dissatisfied, very_dissatisfied


@dataclass(frozen=True)
class _People:
    """Who is who: a case row keeps the clerk's display name, its events the login.

    Figures are grouped by the login (a person's identity) and shown by display name,
    so one clerk never appears twice, once per spelling.
    """

    names: dict[str, str]  # login -> display name
    logins: dict[str, str]  # display name -> login, where exactly one login has it
    first_clerk: dict[str, str]  # case id -> login on the case's first event

    def login_of(self, case: Case) -> str:
        return self.first_clerk.get(case.id) or self.logins.get(case.clerk) or case.clerk

    def name_of(self, login: str) -> str:
        return self.names.get(login, login)


class StatisticsQueries:
    def __init__(self, store: Store, catalog: Catalog | None = None, near_days: int = 3):
        self.store, self.catalog, self.near_days = store, catalog, near_days

    def office_name(self) -> str:
        with self.store.sessions() as s:
            identity = load_identity(s)
        if identity:
            return identity.org_name
        return self.catalog.office_name if self.catalog else "综合受理窗口"

    def daily(self, day: dt.date) -> DailyWindowStats:
        start = dt.datetime.combine(day, dt.time())
        end = start + dt.timedelta(days=1)
        with self.store.sessions() as s:
            cases = s.scalars(
                select(Case)
                .where(Case.received_at >= start, Case.received_at < end, TAKEN_HERE)
                .order_by(Case.received_at)
            ).all()
            delivered = s.execute(
                select(CaseEvent.clerk, CaseEvent.device_time, Case.received_at)
                .join(Case, Case.id == CaseEvent.case_id)
                .where(CaseEvent.type == DELIVERED_EVENT, CaseEvent.device_time >= start, CaseEvent.device_time < end)
            ).all()
            people = self._people(s, cases)
        by_matter: dict[str, Counter] = defaultdict(Counter)
        by_clerk: dict[str, Counter] = defaultdict(Counter)
        for case in cases:
            outcome = _outcome(case.status)
            if outcome is None:
                continue
            login = people.login_of(case)
            by_matter[case.matter_name][outcome] += 1
            by_clerk[login][outcome] += 1
            by_clerk[login]["cases"] += 1
        for clerk, _, _ in delivered:
            by_clerk[clerk]["delivered"] += 1
        matters = tuple(
            MatterOutcome(name, **{k: c[k] for k in ("accepted", "tolerant", "corrections", "refused", "withdrawn")})
            for name, c in sorted(by_matter.items(), key=lambda kv: -sum(kv[1].values()))
        )
        clerks = tuple(
            ClerkTally(
                people.name_of(login),
                c["cases"],
                c["accepted"] + c["tolerant"],
                c["corrections"],
                c["refused"],
                c["delivered"],
            )
            for login, c in sorted(by_clerk.items(), key=lambda kv: (-kv[1]["cases"], kv[0]))
        )
        spans = [(t - received).total_seconds() / 86400 for _, t, received in delivered]
        avg = sum(spans) / len(spans) if spans else None
        return DailyWindowStats(
            self.office_name(),
            day,
            matters,
            clerks,
            delivered=len(delivered),
            avg_handling_days=avg,
            notes=(CORRECTIONS_NOTE,),
        )

    @staticmethod
    def _people(s: Session, cases: Sequence[Case]) -> _People:
        ids = [c.id for c in cases]
        first_clerk: dict[str, str] = {}
        for case_id, clerk in s.execute(
            select(CaseEvent.case_id, CaseEvent.clerk).where(CaseEvent.case_id.in_(ids)).order_by(CaseEvent.seq.desc())
        ):
            first_clerk[case_id] = clerk  # the last one written wins: the lowest seq
        names = {case_login: case.clerk for case in cases if (case_login := first_clerk.get(case.id))}
        names.update({login: name for login, name in s.execute(select(CachedUser.username, CachedUser.display_name))})
        spellings: dict[str, set[str]] = defaultdict(set)
        for login, name in names.items():
            spellings[name].add(login)
        logins = {name: next(iter(found)) for name, found in spellings.items() if len(found) == 1}
        return _People(names, logins, first_clerk)

    def monthly(self, month: dt.date, today: dt.date | None = None) -> MonthlySatisfaction:
        first = month.replace(day=1)
        last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
        as_of = min(today or dt.date.today(), last)
        start = dt.datetime.combine(first, dt.time())
        end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time())
        with self.store.sessions() as s:
            in_month = s.scalars(
                select(Case).where(Case.received_at >= start, Case.received_at < end, TAKEN_HERE)
            ).all()
            running = s.scalars(
                select(Case)
                .where(Case.status.in_([st.value for st in _RUNNING]), Case.received_at < end, TAKEN_HERE)
                .order_by(Case.promised_by)
            ).all()
        overdue = tuple(self._deadline(c, (as_of - c.promised_by).days) for c in running if c.promised_by < as_of)
        near = tuple(
            self._deadline(c, (c.promised_by - as_of).days)
            for c in running
            if 0 <= (c.promised_by - as_of).days <= self.near_days
        )
        dept_cases: Counter = Counter(self._department(c.matter_code) for c in in_month)
        dept_overdue: Counter = Counter(self._department(c.matter_code) for c in running if c.promised_by < as_of)
        departments = tuple(
            DepartmentScore(d, dept_cases[d], overdue=dept_overdue[d])
            for d in sorted(set(dept_cases) | set(dept_overdue))
        )
        indicators, bad = self._ratings(start, end)
        notes = () if any(i.total for i in indicators) else (NO_RATINGS,)
        return MonthlySatisfaction(
            self.office_name(),
            first,
            as_of,
            indicators,
            bad,
            overdue,
            near,
            departments,
            cases=len(in_month),
            notes=notes,
        )

    def _ratings(
        self, start: dt.datetime, end: dt.datetime
    ) -> tuple[tuple[IndicatorRatings, ...], tuple[BadRating, ...]]:
        """Counts per indicator and level from the month's case.rated events; 差评 listed for call-back."""
        counts = {name: [0, 0, 0, 0, 0] for name in INDICATORS}
        bad: list[BadRating] = []
        with self.store.sessions() as s:
            rows = s.execute(
                select(CaseEvent, Case)
                .join(Case, Case.id == CaseEvent.case_id)
                .where(CaseEvent.type == "case.rated", CaseEvent.device_time >= start, CaseEvent.device_time < end)
                .order_by(CaseEvent.seq)
            ).all()
        for event, case in rows:
            for name, level in event.payload.get("indicators", {}).items():
                if name in counts and 1 <= int(level) <= 5:
                    counts[name][5 - int(level)] += 1
            level = int(event.payload.get("level", 0))
            if 1 <= level <= 2:
                bad.append(
                    BadRating(
                        case.case_no,
                        case.matter_name,
                        case.clerk,
                        rating_label(level),
                        event.device_time.date(),
                        status="待回访",
                    )
                )
        return tuple(IndicatorRatings(name, _five(counts[name])) for name in INDICATORS), tuple(bad)

    def _department(self, matter_code: str) -> str:
        if self.catalog is not None:
            try:
                return self.catalog.get(matter_code).department
            except KeyError:
                pass
        return "未分类"

    def _deadline(self, case: Case, days: int) -> DeadlineCase:
        return DeadlineCase(case.case_no, case.matter_name, case.clerk, case.promised_by, _label(case.status), days)
