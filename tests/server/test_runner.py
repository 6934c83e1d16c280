"""The server on a real socket (demo mode, end-to-end tests), sharing its SQLite file with the CLI."""

from __future__ import annotations

import datetime as dt

import httpx
from server_helpers import accepted_payload, make_event

from client.domain.case_numbers import mint_case_no
from sync import protocol
from sync.server import cli
from sync.server.demo import ensure_demo
from sync.server.runner import start_in_thread


def test_server_thread_and_cli_share_the_database(tmp_path, db_url, capsys):
    demo = ensure_demo(db_url)
    server = start_in_thread(db_url, tmp_path / "blobs")
    try:
        with httpx.Client(base_url=server.url + protocol.API, timeout=10) as http:
            assert http.get("/health").json()["ok"] is True
            enrolled = protocol.EnrolResponse.model_validate(
                http.post("/enrol", json={"code": demo.enrol_code, "device_name": "一号窗口"}).json()
            )
            http.headers["Authorization"] = f"Bearer {enrolled.token}"
            case_no = mint_case_no("370702000000", dt.date.today(), enrolled.device_code, 1)
            pushed = http.post(
                "/events", json={"events": [make_event(protocol.CASE_ACCEPTED, "case-1", accepted_payload(case_no))]}
            ).json()
            assert pushed["results"][0]["status"] == "acked"
            assert cli.main(["decide", case_no, "approve", "--db", db_url, "--by", "approver01"]) == 0
            assert "审批通过" in capsys.readouterr().out
            feed = protocol.PullResponse.model_validate(http.get("/changes").json())
            assert [c.data["status"] for c in feed.changes] == ["submitted", "approved"]
    finally:
        server.stop()
