"""Scenario 6: two processes drain the same outbox; one sends, one record per id."""

from __future__ import annotations

import json
import subprocess
import sys

from sqlalchemy import select

from client.store.models import OutboxEntry
from sync.server import admin
from tests.sync.window_cases import queue_case


def test_two_processes_on_one_store_send_each_event_once(window, running_back_office, tmp_path):
    queued = {queue_case(window.store, window.device_code)[1] for _ in range(60)}
    store_path = window.store.path
    senders = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.sync.sender_process", str(store_path), window.proxy.url, window.token],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [json.loads(p.communicate(timeout=120)[0]) for p in senders]
    assert all(p.returncode == 0 for p in senders)
    sent = [set(o["sent"]) for o in outputs]
    assert not (sent[0] & sent[1])  # the lock let only one of them send any given event
    with window.store.sessions() as s:
        states = [e.state for e in s.scalars(select(OutboxEntry))]
    assert states == ["acked"] * 60
    assert len(sent[0] | sent[1]) == 60
    assert any(o["busy"] for o in outputs) or min(len(x) for x in sent) == 0
    cases = admin.list_cases(running_back_office.db_url)
    assert sorted(c.case_no for c in cases) == sorted(queued)
