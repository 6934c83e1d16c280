"""The display's event stream against a real back office: calls and recalls arrive as
announcements, the board follows the queue, the hall key guards it, and it is bounded."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from sync.server import hall
from sync.server.context import ServerContext
from sync.server.demo import ensure_demo
from sync.server.hall.feed import Full, HallFeeds, HallLimits
from sync.server.runner import start_in_thread
from tests.hall.conftest import display_key
from tests.hall.site import HallOffice, StreamReader

sqlite_only = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


def waiting(state: dict) -> dict[str, int]:
    return {w["code"]: w["count"] for w in state["waiting"]}


def test_a_call_reaches_an_open_stream_and_a_recall_announces_it_again(hall_office: HallOffice):
    reader = StreamReader(hall_office.stream_url, hall_office.cookies()).open()
    try:
        assert reader.status == 200
        first = reader.next("state")
        assert first["recent"] == [] and first["windows"] == []
        hall_office.take("A")
        hall_office.take("A")
        hall_office.take("B")
        ticket = hall_office.call("3")
        assert ticket["ticket_no"] == "A001"

        call = reader.next("call", timeout=5)
        assert (call["ticket_no"], call["window"], call["text"]) == ("A001", "3", "请A001号到3号窗口办理")
        assert call["clips"] == ["qing", "A", "0", "0", "1", "hao-dao", "3", "hao-chuangkou-banli"]
        board = reader.next("state")
        assert board["windows"] == [{"window": "3", "ticket_no": "A001"}]
        assert waiting(board) == {"A": 1, "B": 1, "C": 0, "P": 0}

        hall_office.act(ticket, "recall")
        again = reader.next("call", timeout=5)
        assert again["text"] == "请A001号到3号窗口办理" and again["recalls"] == 1
        assert again["key"] != call["key"]  # a new announcement, not the old one repeated by chance

        hall_office.act(ticket, "done")
        hall_office.call("12")
        nxt = reader.next("call", timeout=5)
        assert nxt["text"] == "请A002号到12号窗口办理"
        board = reader.next("state")
        assert board["windows"] == [{"window": "3", "ticket_no": None}, {"window": "12", "ticket_no": "A002"}]
        assert [c["ticket_no"] for c in board["recent"]] == ["A002", "A001"]
    finally:
        reader.close()


def test_a_call_made_on_one_app_process_reaches_a_display_on_another(hall_office: HallOffice, tmp_path: Path):
    other = start_in_thread(hall_office.db_url, tmp_path / "server" / "blobs")
    there = StreamReader(f"{other.url}/hall/{hall_office.org_code}/display/stream", hall_office.cookies()).open()
    try:
        there.next("state")
        hall_office.take("C")
        hall_office.call("5")  # made on the first process
        call = there.next("call", timeout=5)
        assert call["text"] == "请C001号到5号窗口办理"
    finally:
        there.close()
        other.stop()


@sqlite_only
def test_the_display_is_shown_only_with_the_halls_key(hall_office: HallOffice):
    with httpx.Client(base_url=hall_office.url, follow_redirects=False, timeout=30) as client:
        assert client.get(f"/hall/{hall_office.org_code}/display").status_code == 403
        assert client.get(f"/hall/{hall_office.org_code}/display/stream").status_code == 403
        wrong = client.get(f"/hall/{hall_office.org_code}/display", params={"key": "x" + hall_office.key})
        assert wrong.status_code == 403 and "管理员提供的显示屏地址" in wrong.text
        unknown = client.get("/hall/999999/display", params={"key": hall_office.key})
        assert unknown.status_code == 403

        admitted = client.get(f"/hall/{hall_office.org_code}/display", params={"key": hall_office.key})
        assert admitted.status_code == 303
        assert admitted.headers["location"] == f"/hall/{hall_office.org_code}/display"  # the key leaves the address
        cookie = admitted.headers["set-cookie"]
        assert "HttpOnly" in cookie and f"Path=/hall/{hall_office.org_code}/" in cookie
        page = client.get(f"/hall/{hall_office.org_code}/display")  # the cookie, kept by the client
        assert page.status_code == 200 and "default-src 'none'" in page.headers["content-security-policy"]

        # A new key shuts out the screens that kept the old one.
        display_key(hall_office.db_url, hall_office.org_code)
        assert client.get(f"/hall/{hall_office.org_code}/display").status_code == 403


@sqlite_only
def test_a_hall_has_at_most_eight_streams_per_process(hall_office: HallOffice):
    limit = HallLimits().per_hall
    readers = [StreamReader(hall_office.stream_url, hall_office.cookies()).open() for _ in range(limit)]
    try:
        assert [r.status for r in readers] == [200] * limit
        refused = httpx.get(hall_office.stream_url, headers=hall_office.cookies(), timeout=30)
        assert refused.status_code == 503 and refused.headers["retry-after"] == "10"
        assert "显示屏连接过多" in refused.text

        readers.pop().close()  # a screen switched off: its place is free again once the server notices
        end = time.monotonic() + 30
        while True:
            again = StreamReader(hall_office.stream_url, hall_office.cookies()).open()
            if again.status == 200:
                readers.append(again)
                break
            again.close()
            assert time.monotonic() < end, "the closed stream's place was never freed"
            time.sleep(0.5)
    finally:
        for reader in readers:
            reader.close()


def test_the_process_cap_counts_every_hall(tmp_path: Path):
    ctx = ServerContext.open(f"sqlite:///{tmp_path / 'server.sqlite'}", tmp_path / "blobs")
    feeds = HallFeeds(ctx.sessions, HallLimits(per_hall=2, per_process=3))

    async def fill() -> list[str]:
        subs = [feeds.subscribe("370702"), feeds.subscribe("370702")]
        refusals = []
        for org in ("370702", "370703", "370703"):
            try:
                subs.append(feeds.subscribe(org))
            except Full as full:
                refusals.append(full.which)
        for sub in subs:
            feeds.leave(sub)
        refusals.append(str(feeds.open_streams))
        return refusals

    try:
        assert asyncio.run(fill()) == ["hall", "process", "0"]
    finally:
        ctx.close()


@sqlite_only
def test_the_stream_beats_and_ends_by_itself_so_the_display_reconnects(backend, tmp_path: Path):
    db_url = f"sqlite:///{tmp_path / 'server.sqlite'}"
    demo = ensure_demo(db_url)
    key = display_key(db_url, demo.org_code)
    ctx = ServerContext.open(db_url, tmp_path / "blobs")
    app = FastAPI()
    hall.install(app, ctx, HallLimits(heartbeat_seconds=0.2, stream_seconds=2.0))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        end = time.monotonic() + 30
        while not server.started:
            assert time.monotonic() < end
            time.sleep(0.05)
        port = server.servers[0].sockets[0].getsockname()[1]
        office = HallOffice(f"http://127.0.0.1:{port}", db_url, demo.org_code, key, token="")
        reader = StreamReader(office.stream_url, office.cookies()).open()
        try:
            reader.next("state")
            assert reader.next("closed", timeout=15) == {}  # ended by the server, not by us
            assert ": heartbeat" in reader.comments
            assert reader.comments[0].startswith(": ")  # the opening comment follows `retry:`
        finally:
            reader.close()
    finally:
        server.should_exit = True
        thread.join(15)
        ctx.close()


@sqlite_only
def test_the_administrator_sets_a_halls_key_from_the_command_line(backend, tmp_path: Path, capsys):
    from sync.server import cli
    from sync.server.db import make_engine, session_factory
    from sync.server.hall.keys import key_matches

    db_url = f"sqlite:///{tmp_path / 'server.sqlite'}"
    demo = ensure_demo(db_url)
    assert cli.main(["queue", "display-key", "--db", db_url, "--org", demo.org_code]) == 0
    shown = capsys.readouterr().out
    key = shown.split("：", 1)[1].splitlines()[0].strip()
    assert f"/hall/{demo.org_code}/display?key={key}" in shown
    engine = make_engine(db_url, create=False)
    try:
        assert key_matches(session_factory(engine), demo.org_code, key)
        assert not key_matches(session_factory(engine), demo.org_code, key[:-1])
    finally:
        engine.dispose()
    assert cli.main(["queue", "display-key", "--db", db_url, "--org", "999999"]) == 1
    assert "没有机构 999999" in capsys.readouterr().err
