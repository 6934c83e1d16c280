"""The hall's queue on the back office, on SQLite and on PostgreSQL: numbers, priority without
starvation, recall / 过号 / transfer / done, scope, and two windows calling at the same instant."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from server_helpers import API, case_no_for, valid_id

from sync import protocol
from sync.server import admin, cli, queue
from tests.sync.databases import BACKENDS, server_database

ORG = "370702"
ELDERLY = valid_id("37070219450101001")  # 80 years old in 2026
YOUNG = valid_id("37070220000101001")


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path) -> Iterator[str]:
    """Every test here runs once on a SQLite file and once on the test PostgreSQL."""
    with server_database(request.param, tmp_path, request) as url:
        yield url


@pytest.fixture
def hall(fresh_server):
    """The demo hall's sessions (the same database the HTTP server uses)."""
    return fresh_server.client.app.state.ctx.sessions


def take(hall, *args, **kw) -> protocol.QueueTicket:
    return queue.take_ticket(hall, ORG, *args, **kw)


def call(hall, window: str, **kw) -> str | None:
    answer = queue.call_next(hall, ORG, "device", window, **kw)
    return answer.ticket.ticket_no if answer.ticket else None


def finish(hall, ticket_no: str, window: str) -> None:
    [ticket] = [t for t in queue.list_tickets(hall, ORG) if t.ticket_no == ticket_no]
    queue.act(hall, ORG, ticket.id, "done", protocol.TicketAction(window=window))


def test_numbers_per_series_and_priority_from_the_id_number(hall):
    assert take(hall).ticket_no == "A001"
    elderly = take(hall, id_number=ELDERLY)
    assert (elderly.ticket_no, elderly.priority, elderly.priority_reason) == ("P001", True, "elderly")
    assert take(hall, id_number=YOUNG).ticket_no == "A002"
    green = take(hall, "B", green_channel=True)
    assert (green.ticket_no, green.category, green.priority_reason) == ("P002", "B", "green_channel")
    assert take(hall, "b").ticket_no == "B001"
    assert green.waiting_ahead == 3
    with pytest.raises(queue.QueueError, match="身份证号码有误"):
        take(hall, id_number=ELDERLY[:-1] + ("0" if ELDERLY[-1] != "0" else "1"))
    with pytest.raises(queue.QueueError, match="没有“Z”类号"):
        take(hall, "Z")


def test_priority_first_but_never_more_than_two_in_a_row(hall):
    for _ in range(3):
        take(hall)
    for _ in range(4):
        take(hall, green_channel=True)
    order = []
    while (number := call(hall, "3")) is not None:
        order.append(number)
        finish(hall, number, "3")
    assert order == ["P001", "P002", "A001", "P003", "P004", "A002", "A003"]


def test_a_window_must_finish_its_ticket_before_calling_the_next(hall):
    take(hall), take(hall)
    assert call(hall, "3") == "A001"
    with pytest.raises(queue.QueueError, match="A001号尚未办结"):
        call(hall, "3")
    status = queue.queue_status(hall, ORG, "3号窗口")
    assert status.current.ticket_no == "A001" and status.waiting == 1


def test_recall_three_times_then_no_show(hall):
    take(hall)
    call(hall, "3")
    ticket = queue.queue_status(hall, ORG, "3").current
    act = lambda action: queue.act(hall, ORG, ticket.id, action, protocol.TicketAction(window="3"))  # noqa: E731
    with pytest.raises(queue.QueueError, match="重呼3次后才能过号（已重呼0次）"):
        act("no-show")
    assert [act("recall").recalls for _ in range(3)] == [1, 2, 3]
    assert act("no-show").status == "no_show"
    with pytest.raises(queue.QueueError, match="A001号当前过号"):
        act("recall")
    assert queue.queue_stats(hall, ORG).no_show == 1


def test_transfer_keeps_the_place_and_the_number(hall):
    for _ in range(3):
        take(hall)
    assert call(hall, "3") == "A001"
    first = queue.queue_status(hall, ORG, "3").current
    moved = queue.act(hall, ORG, first.id, "transfer", protocol.TicketAction(window="3", to_window="5"))
    assert (moved.status, moved.target_window, moved.ticket_no) == ("waiting", "5", "A001")
    assert call(hall, "4") == "A002"  # sent to window 5 only
    assert call(hall, "5") == "A001"  # ahead of A003: it keeps its place
    second = queue.queue_status(hall, ORG, "5").current
    queue.act(hall, ORG, second.id, "transfer", protocol.TicketAction(window="5", to_category="C"))
    assert call(hall, "6", categories=["A"]) == "A003"
    assert call(hall, "7", categories=["C"]) == "A001"
    with pytest.raises(queue.QueueError, match="请填写转至的窗口号或号类"):
        queue.act(hall, ORG, second.id, "transfer", protocol.TicketAction(window="7"))


def test_done_links_the_case_and_times_are_counted(hall):
    issued = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC)
    queue.take_ticket(hall, ORG, now=issued)
    queue.call_next(hall, ORG, "device", "3", now=issued + dt.timedelta(minutes=12))
    [ticket] = queue.list_tickets(hall, ORG, queue.service_day(issued))
    done = queue.act(
        hall,
        ORG,
        ticket.id,
        "done",
        protocol.TicketAction(window="3", case_no="370702000000-20261123-K7Q2-0001"),
        now=issued + dt.timedelta(minutes=20),
    )
    assert done.case_no == "37070200000020261123K7Q20001"
    stats = queue.queue_stats(hall, ORG, queue.service_day(issued))
    assert (stats.served, stats.average_wait_minutes, stats.average_service_minutes) == (1, 12.0, 8.0)


def test_a_call_stamped_in_the_halls_time_zone_is_stored_as_the_same_instant(hall):
    """`now` in Beijing time (as a dispenser's clock might give it) means the same instant."""
    issued = dt.datetime(2026, 11, 23, 9, 0, tzinfo=protocol.CST)
    queue.take_ticket(hall, ORG, now=issued)
    called = queue.call_next(hall, ORG, "device", "3", now=issued + dt.timedelta(minutes=12)).ticket
    assert called is not None and called.called_at == issued + dt.timedelta(minutes=12)
    [listed] = queue.list_tickets(hall, ORG, queue.service_day(issued))
    assert (listed.issued_at, listed.called_at) == (issued, issued + dt.timedelta(minutes=12))


def test_tickets_are_scoped_to_the_hall(hall):
    admin.create_org_unit(hall.kw["bind"], "370703", "奎文区政务服务中心", "370703000000")
    take(hall)
    call(hall, "3")
    mine = queue.queue_status(hall, ORG, "3").current
    with pytest.raises(queue.QueueError, match="没有找到该号"):
        queue.act(hall, "370703", mine.id, "done", protocol.TicketAction(window="3"))
    assert queue.call_next(hall, "370703", "other", "3").ticket is None


def test_windows_calling_at_the_same_instant_never_share_a_ticket(hall):
    tickets = [take(hall, green_channel=n % 4 == 0).ticket_no for n in range(24)]
    windows = [str(w) for w in range(1, 9)]
    start = threading.Barrier(len(windows))

    def serve(window: str) -> list[str]:
        start.wait()
        got = []
        while (number := call(hall, window)) is not None:
            got.append(number)
            finish(hall, number, window)
        return got

    with ThreadPoolExecutor(len(windows)) as pool:
        served = list(pool.map(serve, windows))
    everything = [n for got in served for n in got]
    assert sorted(everything) == sorted(tickets)  # each ticket called exactly once
    assert len(set(everything)) == len(everything)
    assert queue.queue_stats(hall, ORG).served == 24


def test_http_routes_for_the_kiosk_and_the_windows(enrolled_device):
    device, headers = enrolled_device, enrolled_device.headers
    client = device.client
    slip = client.post(f"{API}/queue/tickets", json={"id_number": ELDERLY}, headers=headers)
    assert slip.status_code == 200 and slip.json()["ticket_no"] == "P001"
    assert client.post(f"{API}/queue/tickets", json={}, headers={}).status_code == 401
    called = client.post(f"{API}/queue/call", json={"window": "3"}, headers=headers).json()
    assert called["ticket"]["ticket_no"] == "P001" and called["waiting"] == 0
    ticket_id = called["ticket"]["id"]
    recalled = client.post(f"{API}/queue/tickets/{ticket_id}/recall", json={"window": "3"}, headers=headers)
    assert recalled.json()["recalls"] == 1
    wrong = client.post(f"{API}/queue/tickets/{ticket_id}/done", json={"window": "4"}, headers=headers)
    assert wrong.status_code == 409 and wrong.json()["message"] == "P001号当前已叫号，不在本窗口办理"
    case_no = case_no_for(device, 1)
    done = client.post(
        f"{API}/queue/tickets/{ticket_id}/done", json={"window": "3", "case_no": case_no}, headers=headers
    )
    assert done.json()["status"] == "done" and done.json()["case_no"] == case_no
    status = client.get(f"{API}/queue/status", params={"window": "3"}, headers=headers).json()
    assert status == {"window": "3", "current": None, "waiting": 0, "waiting_priority": 0}
    bad = client.post(f"{API}/queue/tickets/{ticket_id}/explode", json={"window": "3"}, headers=headers)
    assert bad.status_code == 404 and "不支持的操作" in bad.json()["message"]


def test_dispenser_command_line(fresh_server, capsys):
    db = fresh_server.db_url
    assert cli.main(["queue", "take", "--db", db, "--org", ORG, "--id-number", ELDERLY]) == 0
    assert "P001  综合受理（老年人优先）  前面还有 0 人等候" in capsys.readouterr().out
    assert cli.main(["queue", "take", "--db", db, "--org", ORG, "--priority", "--category", "B"]) == 0
    assert "P002  企业服务（绿色通道）" in capsys.readouterr().out
    assert cli.main(["queue", "list", "--db", db, "--org", ORG]) == 0
    assert "共 2 个号" in capsys.readouterr().out
    assert cli.main(["queue", "stats", "--db", db, "--org", ORG]) == 0
    assert "取号 2  等候 2  办结 0  过号 0  优先 2" in capsys.readouterr().out
    assert cli.main(["queue", "take", "--db", db, "--org", "999999"]) == 1
    assert "没有机构 999999" in capsys.readouterr().err


def test_shift_events_are_kept_per_device(enrolled_device):
    from sync.server.db import Shift

    opened = {"shift_id": "s-1", "window": "3", "clerk": "clerk01", "opened_at": "2026-11-23T01:00:00+00:00"}
    closed = {**opened, "closed_at": "2026-11-23T09:00:00+00:00", "summary": {"cases": 7}}

    def event(kind, payload, seq):
        return {
            "event_id": f"{kind}-{seq}",
            "device_seq": seq,
            "case_id": "shift:s-1",
            "type": kind,
            "payload": payload,
            "device_time": "2026-11-23T09:00:00+00:00",
        }

    results = enrolled_device.push(
        event(protocol.SHIFT_OPENED, opened, 1),
        event(protocol.SHIFT_CLOSED, closed, 2),
        {**event(protocol.SHIFT_CLOSED, {"window": "3"}, 3)},
    )
    assert [r["status"] for r in results] == ["acked", "acked", "rejected"]
    with enrolled_device.client.app.state.ctx.sessions() as session:
        shift = session.get(Shift, "s-1")
        assert (shift.window, shift.summary, shift.closed_at.hour) == ("3", {"cases": 7}, 9)
