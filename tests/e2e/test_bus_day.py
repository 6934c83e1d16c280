"""A whole service-bus day (政务服务入户直通车), offline, against a real back office.

The supervisor plans a run of 20 appointments; the bus laptop loads it, loses the
network, concludes 8 immediate matters on the spot (58 mm receipts decoded back),
collects 10 promised matters with the applicant's signature, records 2 visits that
did not happen, is restarted once in the middle of the day, and syncs on return.
The back office must end with exactly those 18 cases and exactly the expected events.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import subprocess
import sys
from collections import Counter

import pytest
from sqlalchemy import create_engine, select

from client.app import ClientConfig, build_runtime
from client.domain.identity import id_check_char, mask_id_number
from client.services.intake import IntakeDraft, MaterialInput
from client.services.outreach import Signature
from client.services.preferences import CounterSettings
from client.store.models import OutboxEntry
from devices.idcard import IdCard
from reports.columns import display_width
from sync.server import outreach as server_outreach
from sync.server.db import Case as ServerCase
from sync.server.db import Event as ServerEvent
from tests.sync.conftest import backend, running_back_office  # noqa: F401 - fixtures (SQLite and PostgreSQL)
from tests.sync.fault_proxy import FaultProxy

IMMEDIATE = ("370702-GG-0038", "370702-GG-0030")  # 城乡居民养老保险 / 医疗保险参保登记: 即办件
PROMISED = ("370702-GG-0036", "370702-GG-0027", "370702-GG-0026")  # 高龄津贴, 公证, 身份证换领: 承诺件
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"


def _person(i: int) -> tuple[str, str]:
    first17 = f"37070219{40 + i:02d}0{1 + i % 9}1{i % 10}{i:03d}"[:17]
    return f"{SURNAMES[i]}秀{'英兰梅芳华'[i % 5]}", first17 + id_check_char(first17)


def _server_cli(back_office, *args) -> str:
    env = dict(os.environ, ONEWINDOW_SERVER_DB=back_office.db_url, ONEWINDOW_SERVER_BLOBS=str(back_office.blob_dir))
    done = subprocess.run(
        [sys.executable, "-m", "sync.server", *args], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _signature() -> Signature:
    """A hand-written looking scrawl, as the signature pad would record it."""
    return Signature(
        (tuple((20 + 4 * t, 60 + 25 * math.sin(t / 3)) for t in range(60)), ((60, 20), (70, 90), (80, 30))), 360, 120
    )


def _start(tmp_path, virtual, url: str | None = None):
    runtime = build_runtime(ClientConfig(data_dir=tmp_path / "bus", demo=True), virtual=virtual)
    if url is not None:
        runtime.enrolment.set_server_url(url)
        runtime.engine.reset()
    return runtime


def test_a_bus_day_offline_ends_with_exactly_the_cases_and_events(tmp_path, running_back_office, virtual_devices):  # noqa: F811
    back_office = running_back_office
    run_date = dt.date.today()

    # The supervisor plans the run on the command line and books 20 appointments.
    out = _server_cli(
        back_office,
        "run",
        "plan",
        "370702",
        run_date.isoformat(),
        "--area",
        "370702103000",
        "--area-name",
        "乐埠山生态发展区",
        "--crew",
        "clerk01,worker01",
    )
    run_id = out.split("行程 ", 1)[1].split("：", 1)[0]
    plan = []  # (kind, name, id_number, matter)
    for i in range(20):
        name, id_number = _person(i)
        kind = "conclude" if i < 8 else "collect" if i < 18 else "miss"
        matter = IMMEDIATE[i % 2] if kind == "conclude" else PROMISED[i % 3]
        server_outreach.add_appointment(
            back_office.db_url,
            run_id,
            name=name,
            address=f"乐埠山生态发展区{i + 1}村{i + 3}号",
            matter_code=matter,
            phone=f"1380536{i:04d}",
            id_number="" if i % 4 == 3 else id_number,  # some booked without the number
            booked_via="电话" if i % 2 else "村级代办点",
        )
        plan.append((kind, name, id_number, matter))

    # The bus laptop: enrolled through a proxy that will go away when the bus leaves.
    proxy = FaultProxy(back_office.port).start()
    runtime = _start(tmp_path, virtual_devices)
    runtime.enrolment.enrol(proxy.url, back_office.enrol_code, "直通车笔记本")
    services = runtime.services
    services.preferences.save(CounterSettings("", "58", 15, 5))  # the portable printer
    clerk = services.auth.login("clerk01", "123456")
    runs = services.outreach.load(run_date)
    assert [(r.id, r.planned, r.open) for r in runs] == [(run_id, 20, 20)]

    proxy.stop()  # on the road: no network from here on
    runtime.engine.reset()  # (and no kept-alive connection through the stopped proxy either)
    assert services.sync.sync_now().error
    with pytest.raises(Exception, match="无法连接后台"):
        services.outreach.load(run_date)

    appointments = services.outreach.appointments(run_id)
    assert [a.name for a in appointments] == [p[1] for p in plan]
    concluded, collected = {}, {}
    for i, ((kind, name, id_number, matter), appt) in enumerate(zip(plan, appointments)):
        if i == 10:  # the laptop is restarted in the middle of the day, still offline
            runtime.close()
            runtime = _start(tmp_path, virtual_devices)
            services = runtime.services
            clerk = services.auth.login("clerk01", "123456")
            assert clerk.offline
            assert services.outreach.run(run_id).open == 10
        if kind == "miss":
            reason = ("not_home", "") if i == 18 else ("other", "老人住院，家属要求下月再约")
            services.outreach.record_missed(appt.id, *reason, clerk)
            continue
        prepared = services.outreach.prepare(appt.id)
        assert prepared.matter_code == matter and prepared.applicant.name == name
        assert prepared.handling == ("immediate" if kind == "conclude" else "promised")
        # The card is still read at the door, to verify the person.
        virtual_devices.reader.place_card(
            IdCard(
                name,
                "女",
                "汉",
                id_number[6:14],
                prepared.appointment.address,
                id_number,
                "潍坊市公安局潍城分局",
                "20200101",
                "长期",
            )
        )
        card = services.hardware.read_card()
        assert services.outreach.check_card(prepared.appointment, card.id_number, card.name) == ""
        spec = services.intake.matter(matter)
        draft = IntakeDraft(
            prepared.applicant.__class__(card.name, "身份证", card.id_number, source="card"),
            matter,
            tuple(MaterialInput(m.code, True) for m in spec.materials_for({})),
            phone=prepared.applicant.phone,
        )
        if kind == "conclude":
            assert services.outreach.visit_outcome(draft) == "concluded"
            with pytest.raises(Exception, match="签名"):
                services.outreach.record_visit(appt.id, draft, clerk)  # the result is signed for at the door
            visit = services.outreach.record_visit(appt.id, draft, clerk, _signature())
            receipt = virtual_devices.printer.last_receipt()
            text = "\n".join(line.text for line in receipt.lines)
            assert visit.accepted.case_no in "".join(receipt.barcodes) + "".join(receipt.qr_codes) + text
            assert mask_id_number(id_number) in text and spec.name[:6] in text
            assert all(display_width(line.text) * line.size <= 32 for line in receipt.lines)  # 58 mm paper
            concluded[visit.accepted.case_no] = appt.id
        else:
            assert services.outreach.visit_outcome(draft) == "collected"
            with pytest.raises(Exception, match="签名"):
                services.outreach.record_visit(appt.id, draft, clerk)  # no signature, nothing recorded
            visit = services.outreach.record_visit(appt.id, draft, clerk, _signature())
            assert visit.accepted.printed
            collected[visit.accepted.case_no] = appt.id
        assert visit.outcome == ("concluded" if kind == "conclude" else "collected")

    day = services.outreach.run(run_id)
    assert (day.concluded, day.collected, day.missed, day.open) == (8, 10, 2, 0)

    # Back in range: the laptop syncs through a new connection.
    proxy = FaultProxy(back_office.port).start()
    runtime.enrolment.set_server_url(proxy.url)
    runtime.engine.reset()
    status = services.sync.sync_now()
    if status.pending or status.blobs_pending:
        status = services.sync.sync_now()
    assert status.error == "" and status.pending == 0 and status.blobs_pending == 0 and status.rejected == 0
    services.sync.sync_now()  # a second round sends nothing twice
    with runtime.store.sessions() as s:
        assert {ob.state for ob in s.scalars(select(OutboxEntry))} == {"acked"}

    engine = create_engine(back_office.db_url)
    try:
        with engine.connect() as conn:
            cases = conn.execute(
                select(ServerCase.case_no, ServerCase.status, ServerCase.complete, ServerCase.payload)
            ).all()
            events = conn.execute(
                select(ServerEvent.type, ServerEvent.case_id, ServerEvent.status, ServerEvent.payload)
            ).all()
    finally:
        engine.dispose()
    assert {c.case_no for c in cases} == set(concluded) | set(collected)
    assert len(cases) == 18 and all(c.complete for c in cases)  # signatures uploaded and verified
    # A result handed over at the door is recorded as 出件, with the applicant's signature.
    assert Counter(c.status for c in cases) == {"delivered": 8, "submitted": 10}
    assert all(c.payload["outreach"]["signature"] for c in cases)
    assert Counter(e.type for e in events) == {
        "case.accepted": 18,
        "outreach.visited": 18,
        "outreach.missed": 2,
        "case.delivered": 8,
    }
    signed = {c.case_no: c.payload["outreach"]["signature"] for c in cases}
    handed = [e.payload for e in events if e.type == "case.delivered"]
    assert {p["case_no"] for p in handed} == set(concluded)
    assert all(p["on_the_spot"] and p["signature"] == signed[p["case_no"]] for p in handed)
    assert {e.status for e in events} == {"acked"}
    assert len({(e.type, e.case_id) for e in events}) == len(events)  # nothing twice

    # The supervisor sees what was done, on the command line and in the window's service.
    shown = _server_cli(back_office, "run", "show", run_id[:8])
    assert "当场办结 8，收件带回 10，未办理 2" in shown and "老人住院" in shown and "不在家" in shown
    tally = server_outreach.tally(server_outreach.show_run(back_office.db_url, run_id))
    assert (tally.concluded, tally.collected, tally.missed, tally.open) == (8, 10, 2, 0)

    # Results come back and go out by post at the office's cost.
    first = next(iter(collected))
    _server_cli(back_office, "decide", first, "approve", "--by", "approver01")
    services.sync.sync_now()
    waiting = services.outreach.awaiting_mail()
    assert [w.case_no_display.replace("-", "") for w in waiting] == [first]
    assert first[-4:] in _server_cli(back_office, "run", "awaiting-mail").replace("-", "")
    mailed = services.delivery.mail(
        waiting[0].case_id, "EA123456789CN", waiting[0].address, waiting[0].applicant_name, clerk
    )
    assert mailed.postage == "office" and mailed.postage_label == "邮寄费用由政府承担"
    services.sync.sync_now()
    assert services.outreach.awaiting_mail() == ()
    assert "共 0 件待邮寄" in _server_cli(back_office, "run", "awaiting-mail")
    proxy.stop()
    runtime.close()
