"""A village station through seven days without a network, then one sync.

Real parts: the back office as its own process, the station's encrypted store reopened
every morning (a restart), the virtual receipt printer, and a device clock the test moves:
a week forward, an hour back one morning, three hours ahead another. Every day the social
worker logs in offline, takes in village matters and one county matter on a citizen's behalf
(帮办代办) with a transfer slip, and sends the previous day's originals on. On the eighth
day the station syncs; then the county hall scans the slips it received.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pdfplumber
import pytest
from sqlalchemy import func, select

from client.app import ClientConfig, build_runtime
from client.domain.catalog import load_sample_catalog
from client.domain.deadlines import calendar_to_dict, load_builtin_calendar
from client.domain.identity import PROXY, Agent, Applicant
from client.services.intake import IntakeDraft, MaterialInput
from client.store.audit import verify_chain
from client.store.models import Case, CaseEvent, OutboxEntry
from reports.transfer import read_slip_code
from sync.server import admin, publishing
from sync.server.db import Event, make_engine

VILLAGE_MATTERS = ("370702-GG-0036", "370702-GG-0003")  # 高龄津贴 (promised), 养老待遇资格认证 (immediate)
COUNTY_MATTER = "370702-GG-0027"  # 公证: county level, forwarded by the station
APPLICANTS = (
    Applicant("王秀英", "身份证", "11010519491231002X"),
    Applicant("李建国", "身份证", "440524188001010014"),
    Applicant("赵大山", "身份证", "34052419800101001X"),
)
WORKER_ID = "370702198503120014"  # the social worker's own ID number, printed on the 授权委托书
DEAD_SERVER = "http://127.0.0.1:9"  # nothing listens on the discard port: the network is down


class DeviceClock:
    """The station's wall clock, which the test sets like a villager would (or a flat battery)."""

    def __init__(self, now: dt.datetime):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


def draft(intake, matter_code: str, applicant: Applicant, proxy: bool = False) -> IntakeDraft:
    """Every material brought; a proxy case names the social worker as agent (帮办代办), which
    adds the 授权委托书 to the checklist."""
    if proxy:
        applicant = replace(applicant, agent=Agent("刘社工", WORKER_ID, relation=PROXY))
    bare = IntakeDraft(applicant, matter_code, (), phone="13800000000", proxy=proxy)
    specs = intake.preview(bare).materials
    return replace(bare, materials=tuple(MaterialInput(spec.code, received=True) for spec in specs))


@pytest.mark.own_back_office  # publishes a catalog, a calendar and a field policy for every org unit
def test_a_village_station_works_a_week_offline_then_syncs_nothing_lost_nothing_twice(
    tmp_path, live_server, virtual_devices
):
    info = live_server.hall
    catalog = load_sample_catalog().to_dict()
    catalog["version"] = "2026.11-village"
    publishing.publish_catalog(live_server.db_url, catalog, by="admin", max_age_days=3)
    calendar = calendar_to_dict(load_builtin_calendar())
    this_year = dt.date.today().year
    for year in (this_year, this_year + 1):  # the coming deadlines cross into next year
        if year not in calendar["years"]:
            calendar["years"].append(year)
            calendar["holidays"].append(f"{year}-01-01")
    publishing.publish_calendar(live_server.db_url, calendar, version="cal-1", by="admin", max_age_days=5)
    publishing.publish_policy(live_server.db_url, offline_login_days=9, by="admin")

    start = dt.datetime.now().replace(hour=8, minute=0, second=0, microsecond=0) - dt.timedelta(days=8)
    clock = DeviceClock(start)
    config = ClientConfig(data_dir=tmp_path / "station", demo=True)

    # Day 0, still in town: enrol, log in online once, fetch the catalog, calendar and policy.
    runtime = build_runtime(config, virtual=virtual_devices, clock=clock)
    runtime.enrolment.enrol(live_server.url, info.village_enrol_code, "东村服务站")
    services = runtime.services
    worker = services.auth.login(info.worker, "123456")
    assert worker.role == "social_worker" and not worker.offline
    assert any("工作日历未包含" in w for w in services.readiness.check().warnings)  # built-in data ends this year
    assert services.sync.sync_now().error == ""
    assert services.intake.catalog().version == "2026.11-village"
    assert services.readiness.check().ok and services.readiness.offline_login_days() == 9
    runtime.enrolment.set_server_url(DEAD_SERVER)
    runtime.close()

    taken, proxies, warnings_by_day = [], [], {}
    handed: list[str] = []
    jobs_before = len(virtual_devices.printer.jobs)
    for day in range(7):
        clock.now = start + dt.timedelta(days=day, hours=1)
        runtime = build_runtime(config, virtual=virtual_devices, clock=clock)  # every morning a fresh start
        services = runtime.services
        worker = services.auth.login(info.worker, "123456")
        assert worker.offline, f"day {day}: offline login"
        warnings_by_day[day] = services.readiness.check().warnings
        # Yesterday's proxy originals leave with the morning bus.
        for case_id in [p.case_id for p in proxies if p.day == day - 1]:
            services.transfer.dispatch(case_id, worker)
        for i, code in enumerate(VILLAGE_MATTERS):
            clock.advance(minutes=40)
            if day == 3 and i == 1:
                clock.advance(hours=-1)  # someone sets the clock back an hour
            result = services.intake.submit(draft(services.intake, code, APPLICANTS[(day + i) % 3]), worker)
            assert result.printed, result.paper_error
            taken.append(result.case_no)
            if result.outcome == "conclude":
                handed.append(result.case_no)  # a 即办件 is handed over on the spot, in the same transaction
        if day == 5:
            clock.advance(hours=3)  # and forward again
        clock.advance(minutes=30)
        result = services.intake.submit(draft(services.intake, COUNTY_MATTER, APPLICANTS[day % 3], proxy=True), worker)
        assert result.slip_no and result.printed
        slip = services.transfer.print_slip(result.case_id)
        assert slip.printed and slip.error == "" and slip.pdf.exists()
        taken.append(result.case_no)
        proxies.append(_Proxy(day, result.case_id, result.case_no, result.slip_no))
        detail = services.cases.detail(result.case_id)
        assert detail.custody_label == "村服务站" and detail.slip_no == result.slip_no
        assert "授权委托书" in {m.name for m in detail.materials}
        assert services.sync.sync_now().error  # no network all week
        runtime.close()

    # Catalog max age 3 days, calendar 5: the station said so, in Chinese, when it was true.
    assert not warnings_by_day[0] and not warnings_by_day[2]
    assert any("事项清单已3天未与后台核对（后台规定不超过3天）" in w for w in warnings_by_day[3])
    assert not any("工作日历" in w for w in warnings_by_day[4])
    assert any("工作日历已5天未与后台核对" in w for w in warnings_by_day[5])
    # Printing went on offline: a receipt and a slip every proxy case, a receipt every other.
    assert len(virtual_devices.printer.jobs) - jobs_before == 7 * 4
    with pdfplumber.open(slip.pdf) as pdf:
        text = pdf.pages[0].extract_text()
    assert "帮办代办流转单" in text and proxies[-1].slip_no in text

    # Day 8, back in reach: one sync sends everything.
    clock.now = dt.datetime.now()
    runtime = build_runtime(config, virtual=virtual_devices, clock=clock)
    runtime.enrolment.set_server_url(live_server.url)
    runtime.engine.reset()
    services = runtime.services
    status = services.sync.sync_now()
    assert status.error == "" and status.pending == 0 and status.rejected == 0
    assert services.readiness.check().ok

    assert len(taken) == len(set(taken)) == 21
    server_cases = admin.list_cases(live_server.db_url, org_code=info.village_code)
    assert sorted(c.case_no for c in server_cases) == sorted(taken)
    with runtime.store.sessions() as s:
        local_events = set(s.scalars(select(OutboxEntry.event_id)))
        assert s.scalar(select(func.count()).select_from(OutboxEntry).where(OutboxEntry.state != "acked")) == 0
        assert s.scalar(select(func.count()).select_from(Case)) == 21
    engine = make_engine(live_server.db_url, create=False)
    with engine.connect() as conn:
        server_events = [
            r.event_id for r in conn.execute(select(Event.event_id, Event.status).where(Event.status == "acked"))
        ]
    engine.dispose()
    assert len(server_events) == len(set(server_events)) and set(server_events) == local_events
    # every intake, each 即办件's hand-over, and six dispatches (day 6's originals are still here)
    assert handed and len(local_events) == 21 + len(handed) + 6
    assert verify_chain(runtime.store).ok
    custody = {c.case_no: c.custody for c in server_cases}
    assert [custody[p.case_no] for p in proxies] == ["in_transit"] * 6 + ["station"]
    agents = {c.case_no: (c.agent_name, c.agent_relation) for c in server_cases}
    assert {agents[p.case_no] for p in proxies} == {("刘社工", "proxy")}

    # The county hall scans the slips of the originals that arrived; the station learns it.
    county = build_runtime(ClientConfig(data_dir=tmp_path / "county", demo=True), virtual=virtual_devices)
    county.enrolment.enrol(live_server.url, info.enrol_code, "县政务服务中心1号窗口")
    clerk = county.services.auth.login(live_server.clerk, live_server.password)
    codes = [slip_code_of(services, p.case_id) for p in proxies[:6]]
    for code in codes:
        received = county.services.transfer.receive(code, clerk)
        assert not received.known_case
    assert county.services.sync.sync_now().rejected == 0
    signed = county.services.cases.recent()
    assert len(signed) == 6 and all(c.warning == "" for c in signed)  # the station's deadlines, not the hall's
    again = county.services.transfer
    try:
        again.receive(codes[0], clerk)
        raise AssertionError("a second scan must be refused")
    except Exception as exc:  # noqa: BLE001
        assert "已于" in getattr(exc, "message", "")
    county.close()
    services.sync.sync_now()
    custody = {c.case_no: c.custody for c in admin.list_cases(live_server.db_url, org_code=info.village_code)}
    assert [custody[p.case_no] for p in proxies] == ["hall"] * 6 + ["station"]
    assert services.cases.detail(proxies[0].case_id).custody_label == "县政务服务中心"
    assert services.cases.detail(proxies[-1].case_id).custody_label == "村服务站"
    with runtime.store.sessions() as s:
        assert s.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.type == "server.custody")) >= 6
    assert verify_chain(runtime.store).ok
    runtime.close()


class _Proxy:
    def __init__(self, day: int, case_id: str, case_no: str, slip_no: str):
        self.day, self.case_id, self.case_no, self.slip_no = day, case_id, case_no, slip_no


def slip_code_of(services, case_id: str) -> str:
    code = services.transfer.slip_data(case_id).code
    assert read_slip_code(code) is not None
    return code
