"""The hall dashboard counts every window's cases and ratings from the back office: three
windows, each with its own store, take cases and pad ratings and sync them to one back office
(SQLite and PostgreSQL); the supervisor's and the department head's figures match a count
done here, and an overdue 差评 work order shows in red."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from html.parser import HTMLParser

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from client.domain.catalog import load_sample_catalog
from sync.server import admin, departments
from sync.server.console import audit
from sync.server.console.dashboard import VIEW_DASHBOARD
from sync.server.db import WorkOrder
from sync.server.deadlines import china_date
from tests.console.hall_windows import FOOD, LICENCE, HallWindow, Taken, hall_office, open_window, signed_in
from tests.sync.databases import BACKENDS

FIELDS = ("received", "accepted", "notices", "refused", "decided", "delivered", "ratings", "bad")


class Figures(HTMLParser):
    """The numbers of the figures fragment: totals by `today-received`…, and each breakdown's
    rows by name."""

    def __init__(self, html: str):
        super().__init__()
        self.totals: dict[str, int] = {}
        self.rows: dict[str, dict[str, dict[str, int]]] = {}
        self._section = ""
        self._row = ""
        self._field = ""
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "section" and (found.get("id") or "").startswith("by-"):
            self._section = (found["id"] or "")[3:]
            self.rows[self._section] = {}
        elif tag == "tr" and found.get("data-name") and self._section:
            self._row = found["data-name"] or ""
            self.rows[self._section][self._row] = {}
        elif found.get("data-f"):
            self._field = found["data-f"] or ""

    def handle_data(self, data: str) -> None:
        if not self._field or not data.strip():
            return
        value = int(data.strip())
        if self._row:
            self.rows[self._section][self._row][self._field] = value
        else:
            self.totals[self._field] = value
        self._field = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr":
            self._row = ""
        elif tag == "section":
            self._section = ""


@pytest.fixture(params=BACKENDS)
def hall(request, tmp_path):
    with hall_office(request.param, tmp_path / "server", request) as console:
        yield console


def _expected(cases: list[tuple[str, str, tuple[str, str], str]], ratings: list[tuple[str, str, tuple[str, str], int]]):
    """The test's own count: (window, clerk, matter, outcome) per case, (…, level) per rating."""
    counts: dict[str, Counter] = {"window": Counter(), "clerk": Counter(), "matter": Counter(), "department": Counter()}
    department_of = {LICENCE: "市场准入科", FOOD: "社会事务科"}
    for window, clerk, matter, outcome in cases:
        what = {"accept": "accepted", "notify_missing": "notices", "refuse": "refused"}[outcome]
        for dim, key in (
            ("window", window),
            ("clerk", clerk),
            ("matter", matter[1]),
            ("department", department_of[matter]),
        ):
            counts[dim][(key, "received")] += 1
            counts[dim][(key, what)] += 1
    for window, clerk, matter, level in ratings:
        for dim, key in (
            ("window", window),
            ("clerk", clerk),
            ("matter", matter[1]),
            ("department", department_of[matter]),
        ):
            counts[dim][(key, "ratings")] += 1
            counts[dim][(key, "bad")] += level <= 2
    return counts


def test_the_dashboard_counts_every_windows_cases_and_ratings(hall, tmp_path):
    engine = hall.hall.engine
    org = hall.hall.org_code
    admin.add_user(engine, org, f"li-{hall.hall.tag}", "李受理", "clerk", hall.hall.password)
    admin.add_user(engine, org, f"zhang-{hall.hall.tag}", "张受理", "clerk", hall.hall.password)
    li, zhang, unknown = f"li-{hall.hall.tag}", f"zhang-{hall.hall.tag}", f"temp-{hall.hall.tag}"
    names = {li: "李受理", zhang: "张受理", unknown: unknown}  # a clerk with no account: the username
    windows = [open_window(hall, tmp_path / f"w{n}", f"{n}号窗口") for n in (1, 2, 3)]
    plan: list[tuple[HallWindow, str, tuple[str, str], str, int | None]] = [
        (windows[0], li, LICENCE, "accept", 5),
        (windows[0], li, LICENCE, "accept", 1),
        (windows[0], li, LICENCE, "accept", None),
        (windows[0], li, LICENCE, "notify_missing", None),
        (windows[1], zhang, FOOD, "accept", 2),
        (windows[1], zhang, FOOD, "accept", None),
        (windows[1], zhang, FOOD, "refuse", 3),
        (windows[2], unknown, LICENCE, "accept", 4),
        (windows[2], li, FOOD, "accept", None),
    ]
    taken: list[Taken] = []
    for window, clerk, matter, outcome, level in plan:
        case = window.take(outcome, clerk, matter)
        taken.append(case)
        if level is not None:
            window.rate(case, level, "slow" if level <= 2 else "")
    for window in windows:
        window.sync()
    approver = hall.hall.approver
    admin.decide(engine, taken[0].case_no, "approve", by=approver, result_name="营业执照", force=True)

    expected = _expected(
        [(w.name, names[c], m, o) for w, c, m, o, _ in plan],
        [(w.name, names[c], m, lv) for w, c, m, _, lv in plan if lv is not None],
    )
    expected["window"][("1号窗口", "decided")] += 1
    expected["clerk"][("李受理", "decided")] += 1
    expected["matter"][(LICENCE[1], "decided")] += 1
    expected["department"][("市场准入科", "decided")] += 1

    with signed_in(hall, hall.hall.supervisor) as client:
        answer = client.get("/console/dashboard")
        assert answer.status_code == 200 and 'id="figures"' in answer.text and "dashboard.js" in answer.text
        figures = Figures(client.get("/console/dashboard/figures").text)
    for period in ("today", "month"):
        assert figures.totals[f"{period}-received"] == len(plan) == 9
        outcomes = Counter(o for _, _, _, o, _ in plan)
        assert figures.totals[f"{period}-accepted"] == outcomes["accept"] == 7
        assert figures.totals[f"{period}-notices"] == outcomes["notify_missing"] == 1
        assert figures.totals[f"{period}-refused"] == outcomes["refuse"] == 1
        assert figures.totals[f"{period}-decided"] == 1
        assert figures.totals[f"{period}-ratings"] == 5
        assert figures.totals[f"{period}-bad"] == 2
    for dim in ("window", "clerk", "matter", "department"):
        keys = {key for key, _ in expected[dim]}
        assert set(figures.rows[dim]) == keys, dim
        for key in keys:
            for field in FIELDS:
                for period in ("today", "month"):
                    assert figures.rows[dim][key][f"{period}-{field}"] == expected[dim][(key, field)], (dim, key, field)
    assert set(figures.rows["window"]) == {"1号窗口", "2号窗口", "3号窗口"}  # every window, one back office
    assert unknown in figures.rows["clerk"]  # no account: shown by username

    # A department head of 市场准入科 sees that department's cases and ratings only.
    head = f"head-{hall.hall.tag}"
    admin.add_user(engine, org, head, "赵科长", "department_head", hall.hall.password)
    departments.set_staff_departments(engine, head, add=[load_sample_catalog().get(LICENCE[0]).department_code])
    with signed_in(hall, head) as client:
        mine = Figures(client.get("/console/dashboard/figures").text)
    assert set(mine.rows["department"]) == {"市场准入科"}
    assert mine.totals["month-received"] == sum(1 for _, _, m, _, _ in plan if m == LICENCE) == 5
    assert mine.totals["month-ratings"] == 3 and mine.totals["month-bad"] == 1


def test_an_overdue_bad_rating_work_order_is_red_and_scope_is_kept(hall, tmp_path):
    window = open_window(hall, tmp_path / "w", "1号窗口")
    bad = window.take("accept", "clerk-x", FOOD)
    window.rate(bad, 1, "attitude")
    late = window.take("accept", "clerk-x", LICENCE)
    window.rate(late, 2, "slow")
    window.sync()
    engine = hall.hall.engine
    with Session(engine) as session, session.begin():
        orders = session.execute(select(WorkOrder.id, WorkOrder.case_id).order_by(WorkOrder.id)).all()
        assert len(orders) == 2
        overdue_id = next(o.id for o in orders if o.case_id == late.case_id)
        # Its rectification deadline passed yesterday (the rule's working days are long).
        session.execute(
            update(WorkOrder)
            .where(WorkOrder.id == overdue_id)
            .values(due=china_date(admin.utcnow()) - dt.timedelta(days=1))
        )
    with signed_in(hall, hall.hall.supervisor) as client:
        page = client.get("/console/dashboard/figures").text
        orders_part = page[page.index('id="work-orders"') : page.index('id="by-window"')]
        assert "在办 2 件" in orders_part and "已超期 1 件" in orders_part
        assert f'href="/console/work-orders/{overdue_id}"' in orders_part
        assert 'class="red"' in orders_part
        assert orders_part.count('<tr class="red">') == 1
        # The village below the hall may be picked; another hall may not.
        village = client.get(f"/console/dashboard?org={hall.hall.village_code}")
        assert village.status_code == 200
        assert f'href="/console/hall-stats?org={hall.hall.village_code}" id="hall-stats-link"' in village.text
        admin.create_org_unit(engine, f"x{hall.hall.tag}", "别的县", "370702000000", level="county")
        refused = client.get(f"/console/dashboard?org=x{hall.hall.tag}")
        assert refused.status_code == 403 and "只能查看本机构及其下级机构" in refused.text
        [newest] = audit.entries(sessionmaker(engine), hall.hall.supervisor, limit=1)
        assert (newest.action, newest.outcome) == (VIEW_DASHBOARD, "refused")  # who looked where
    with signed_in(hall, hall.hall.approver) as client:
        answer = client.get("/console/dashboard")
        assert answer.status_code == 403 and "科室负责人和窗口主管" in answer.text
