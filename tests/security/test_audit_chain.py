"""Issue #19 point 7: rewriting the audit trail with the store key, against a real back office.

The attacker holds the window's store key (it is in the clerk's own keyring), so they can open
the SQLCipher file, drop the append-only triggers, and edit, delete or back-date events with
every hash recomputed: the local chain alone stays whole. Each test syncs a real encrypted
window store with a real back office (a server thread on loopback, SQLite and PostgreSQL),
rewrites the store as that attacker would, and checks that `onewindow audit verify` fails
against the anchors the back office answered with (or exported), and that the back office
saw the break. The back office's own decision chain is tampered with in its database and
`onewindow-server audit verify` must fail.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import Delete, Update, delete, select, update
from sqlalchemy.orm import Session
from sqlcipher3 import dbapi2

import sync.server.cli as server_cli
from client.cli import main as window_cli
from client.domain.case_numbers import format_case_no
from client.store.audit import BACKDATED, CASE_EDITED, DELETED, EDITED, verify_chain
from client.store.db import Store, open_store
from client.store.journal import GENESIS, event_hash
from client.store.keys import store_keys
from client.store.outbox import StoreOutbox
from client.store.secrets import SecretStore
from client.store.settings import load_identity
from sync import protocol
from sync.api import BackOfficeApi
from sync.engine import SyncEngine
from sync.server import admin
from sync.server.db import Case, ChainBreak, Change, DecisionLink, make_engine
from sync.server.demo import DEMO_APPROVER
from tests.sync.conftest import RunningBackOffice, backend, running_back_office  # noqa: F401 (fixtures)
from tests.sync.window_cases import enrol_store, queue_case

TAMPERED = 3


class Counter:
    """A real encrypted window store enrolled with the back office, and its sync engine."""

    def __init__(self, store: Store, back_office: RunningBackOffice):
        self.store, self.back_office = store, back_office
        self.token, self.device_code = enrol_store(store, back_office.url, back_office.enrol_code)
        api = BackOfficeApi(back_office.url, self.token, timeout=20)
        self.engine = SyncEngine(api, StoreOutbox(store), batch=50)
        with store.sessions() as s:
            identity = load_identity(s)
        assert identity is not None
        self.device_id = identity.device_id

    def take_cases(self, n: int, start: dt.datetime | None = None) -> list[str]:
        """`n` accepted cases, a minute apart; their case numbers."""
        start = start or dt.datetime.now().replace(microsecond=0) - dt.timedelta(hours=1)
        return [
            queue_case(self.store, self.device_code, device_time=start + dt.timedelta(minutes=k))[1] for k in range(n)
        ]

    def sync(self) -> None:
        self.engine.sync_once()
        assert self.store_counts().get("pending", 0) == 0

    def sent(self) -> list[int]:
        """The journal places of the events this window sent (the rest are pulled statuses)."""
        with self.store.engine.connect() as conn:
            return list(
                conn.exec_driver_sql(
                    "SELECT e.seq FROM case_events e JOIN outbox o ON o.event_id = e.event_id ORDER BY e.seq"
                ).scalars()
            )

    def store_counts(self) -> dict[str, int]:
        return StoreOutbox(self.store).counts()

    def events(self) -> list[dict]:
        with self.store.engine.connect() as conn:
            return [dict(r) for r in conn.exec_driver_sql("SELECT * FROM case_events ORDER BY seq").mappings()]

    def rewrite(self, *statements: tuple) -> None:
        """What someone holding the key does with a SQLCipher shell: triggers off, rows changed."""
        keys = store_keys(self.store.path, plaintext=False, demo=False, secrets=SecretStore())
        assert keys is not None
        self.store.engine.dispose()
        conn = dbapi2.connect(str(self.store.path))
        conn.execute(keys.sqlcipher_pragma())
        conn.execute("DROP TRIGGER IF EXISTS case_events_no_update")
        conn.execute("DROP TRIGGER IF EXISTS case_events_no_delete")
        for sql, *params in statements:
            conn.execute(sql, *params)
        conn.commit()
        conn.close()

    def rehash_from(self, seq: int, changes: dict[int, dict]) -> None:
        """Apply `changes` (seq -> column values) and recompute every hash from `seq` on,
        as a careful attacker would: the local chain stays whole."""
        statements = []
        prev = GENESIS
        for ev in self.events():
            ev = ev | changes.get(ev["seq"], {})
            if ev["seq"] >= seq:
                payload = ev["payload"] if isinstance(ev["payload"], dict) else json.loads(ev["payload"])
                when = _time(ev)
                new = event_hash(
                    prev, ev["event_id"], ev["case_id"], ev["type"], payload, ev["clerk"], ev["device_id"], when
                )
                statements.append(
                    (
                        "UPDATE case_events SET payload = ?, clerk = ?, device_time = ?, prev_hash = ?, hash = ? "
                        "WHERE seq = ?",
                        (
                            json.dumps(payload, ensure_ascii=False),
                            ev["clerk"],
                            when.strftime("%Y-%m-%d %H:%M:%S.%f"),
                            prev,
                            new,
                            ev["seq"],
                        ),
                    )
                )
                prev = new
            else:
                prev = ev["hash"]
        self.rewrite(*statements)

    def verify_cli(self, *extra: str) -> int:
        """`onewindow audit verify` on this store's data directory, the store closed first."""
        self.store.close()
        return window_cli(["audit", "verify", "--data-dir", str(self.store.path.parent), *extra])

    def export_anchors(self, folder: Path) -> Path:
        out = folder / "anchors.json"
        argv = ["audit", "anchors", self.device_id, "--out", str(out), "--db", self.back_office.db_url]
        assert server_cli.main(argv) == 0
        return out


@pytest.fixture
def counter(tmp_path, running_back_office) -> Iterator[Counter]:  # noqa: F811 (the fixture)
    path = tmp_path / "window" / "client.sqlite"
    store = open_store(path, keys=store_keys(path, plaintext=False, demo=False, secrets=SecretStore()))
    window = Counter(store, running_back_office)
    yield window
    window.store.close()


def _reopen(counter: Counter) -> Store:
    path = counter.store.path
    return open_store(path, keys=store_keys(path, plaintext=False, demo=False, secrets=SecretStore()))


def _server_breaks(back_office: RunningBackOffice) -> list[ChainBreak]:
    engine = make_engine(back_office.db_url)
    try:
        with Session(engine) as session:
            return list(session.scalars(select(ChainBreak).order_by(ChainBreak.id)))
    finally:
        engine.dispose()


def test_synced_events_are_anchored_and_unsynced_ones_reported_not_anchored(counter, capsys):
    counter.take_cases(2)
    counter.sync()
    counter.take_cases(1)  # taken after the last sync: whole, but not yet vouched for
    sent = counter.sent()
    report = verify_chain(counter.store)
    assert report.ok and report.anchored_through == sent[1]
    # The statuses pulled after the push and the new case: checked, but reported as not anchored.
    assert report.unanchored == report.checked - sent[1] >= 1
    assert counter.verify_cli() == 0
    out = capsys.readouterr().out
    assert f"第 {sent[1]} 条及之前的事件与后台记录一致" in out
    assert f"未锚定：第 {sent[1]} 条之后的 {report.unanchored} 条事件尚未同步到后台" in out
    assert not _server_breaks(counter.back_office)


def test_deleting_the_last_anchored_event_fails(counter, capsys, tmp_path):
    numbers = counter.take_cases(3)
    counter.sync()
    anchored = counter.sent()[-1]
    gone = [ev for ev in counter.events() if ev["seq"] >= anchored]
    # Every trace of the third case goes: its event and what followed, its outbox entry, its case row.
    counter.rewrite(
        *(("DELETE FROM outbox WHERE event_id = ?", (ev["event_id"],)) for ev in gone),
        ("DELETE FROM case_events WHERE seq >= ?", (anchored,)),
        ("DELETE FROM materials WHERE case_id = ?", (gone[0]["case_id"],)),
        ("DELETE FROM cases WHERE case_no = ?", (numbers[2],)),
    )
    assert verify_chain(counter.store, anchors=[]).ok  # the chain alone is whole
    problem = verify_chain(counter.store).problem
    assert problem is not None and (problem.kind, problem.seq) == (DELETED, anchored)
    assert f"本机审计链只到第 {anchored - 1} 条，后台已锚定到第 {anchored} 条" in problem.message
    assert counter.verify_cli() == TAMPERED
    assert "末尾已同步的事件被删除" in capsys.readouterr().out

    # The window carries on: the next case takes the deleted event's place in the journal,
    # and the back office sees that place was anchored for another event.
    counter.store = _reopen(counter)
    counter.take_cases(1)
    counter.sync()
    breaks = _server_breaks(counter.back_office)
    assert {(b.device_id, b.chain_seq) for b in breaks} == {(counter.device_id, anchored)}
    assert {b.kind for b in breaks} == {"seq_reused", "anchor_changed"}
    assert server_cli.main(["audit", "breaks", "--db", counter.back_office.db_url]) == TAMPERED
    assert "序号已锚定为另一事件" in capsys.readouterr().out
    # ... and the window's verify, against every anchor the back office holds, names the place.
    assert counter.verify_cli("--anchors", str(counter.export_anchors(tmp_path))) == TAMPERED
    assert f"后台已锚定的第 {anchored} 条事件被删除或替换" in capsys.readouterr().out


def test_an_edit_with_every_hash_recomputed_fails_against_the_anchor(counter, capsys, tmp_path):
    counter.take_cases(3)
    counter.sync()
    sent = counter.sent()
    second = next(ev for ev in counter.events() if ev["seq"] == sent[1])
    payload = second["payload"] if isinstance(second["payload"], dict) else json.loads(second["payload"])
    payload["materials"][0]["status"] = "missing"  # the clerk now claims the ID card was never shown
    counter.rehash_from(sent[1], {sent[1]: {"payload": payload}})
    assert verify_chain(counter.store, anchors=[]).ok  # the chain alone is whole again
    problem = verify_chain(counter.store).problem  # against the window's own last anchor
    assert problem is not None and (problem.kind, problem.seq) == (EDITED, sent[2])
    # Every anchor the back office holds names the first rewritten event.
    assert counter.verify_cli("--anchors", str(counter.export_anchors(tmp_path))) == TAMPERED
    assert f"第 {sent[1]} 条事件的哈希与后台锚定的不同" in capsys.readouterr().out

    # The next push shows the back office that its anchor no longer holds.
    counter.store = _reopen(counter)
    counter.take_cases(1)
    counter.sync()
    breaks = _server_breaks(counter.back_office)
    assert [(b.chain_seq, b.kind) for b in breaks] == [(sent[2], "anchor_changed")]


def test_a_back_dated_event_fails(counter, capsys, tmp_path):
    counter.take_cases(3)
    counter.sync()
    sent = counter.sent()
    events = {ev["seq"]: ev for ev in counter.events()}
    when = _time(events[sent[2]])
    counter.rehash_from(sent[2], {sent[2]: {"device_time": when - dt.timedelta(days=3)}})
    assert verify_chain(counter.store, anchors=[]).ok
    problem = verify_chain(counter.store).problem
    assert problem is not None and (problem.kind, problem.seq) == (BACKDATED, sent[2])
    assert counter.verify_cli() == TAMPERED
    assert "时间被改动（倒签）" in capsys.readouterr().out

    # Back-dating an earlier event is named there with the back office's anchors.
    counter.store = _reopen(counter)
    when = _time(events[sent[1]])
    counter.rehash_from(sent[1], {sent[1]: {"device_time": when - dt.timedelta(days=1)}})
    assert counter.verify_cli("--anchors", str(counter.export_anchors(tmp_path))) == TAMPERED
    assert f"第 {sent[1]} 条事件（case.accepted）的时间被改动（倒签）" in capsys.readouterr().out


def _time(ev: dict) -> dt.datetime:
    when = ev["device_time"]
    return when if isinstance(when, dt.datetime) else dt.datetime.fromisoformat(when)


@pytest.mark.parametrize(
    ("column", "value"),
    [("applicant_name", "李四"), ("applicant_id_number", "110105194912310037"), ("received_at", "2020-01-02 09:00:00")],
)
def test_editing_a_printed_case_field_fails(counter, capsys, column, value):
    numbers = counter.take_cases(2)
    counter.sync()
    counter.rewrite((f"UPDATE cases SET {column} = ? WHERE case_no = ?", (value, numbers[0])))
    problem = verify_chain(counter.store).problem
    assert problem is not None and problem.kind == CASE_EDITED and problem.case_no == numbers[0]
    assert counter.verify_cli() == TAMPERED
    assert "办件记录在受理后被修改" in capsys.readouterr().out


def test_deleting_a_case_row_fails(counter, capsys):
    numbers = counter.take_cases(2)
    counter.sync()
    counter.rewrite(
        ("DELETE FROM materials WHERE case_id = (SELECT id FROM cases WHERE case_no = ?)", (numbers[0],)),
        ("DELETE FROM cases WHERE case_no = ?", (numbers[0],)),
    )
    problem = verify_chain(counter.store).problem
    assert problem is not None and problem.kind == CASE_EDITED and problem.case_no == numbers[0]
    assert counter.verify_cli() == TAMPERED
    assert "本机的办件记录被删除" in capsys.readouterr().out


def test_a_decision_result_edited_on_the_window_fails(counter):
    numbers = counter.take_cases(1)
    counter.sync()
    admin.decide(counter.back_office.db_url, format_case_no(numbers[0]), "approve", by=DEMO_APPROVER)
    counter.sync()  # the approval comes down and is journalled as server.approved
    assert verify_chain(counter.store).ok
    counter.rewrite(("UPDATE cases SET result_no = ? WHERE case_no = ?", ("伪造〔2026〕1号", numbers[0])))
    problem = verify_chain(counter.store).problem
    assert problem is not None and problem.kind == CASE_EDITED and "结果文号" in problem.message


def test_odd_chain_fields_are_answered_never_retried(counter):
    """A device sending chain fields no database can hold gets an answer, not a 500 or `retry`."""
    counter.take_cases(1)
    counter.sync()
    odd = [
        {"chain_seq": 5, "chain_prev": "\ud800" * 3, "chain_hash": "a" * 64},
        {"chain_seq": 2**40, "chain_hash": "b" * 64},
        {"chain_seq": -(2**31 - 1), "chain_hash": "c" * 64, "chain_prev": "x" * 64},
        {"chain_seq": 7, "chain_hash": "d" * 64, "anchor_seq": 2**40, "anchor_hash": "e" * 64},
        {"chain_seq": 8, "chain_hash": "f" * 64, "anchor_seq": 1, "anchor_hash": "\ud800" + "0" * 63},
        {"chain_seq": 9, "chain_hash": "1" * 64, "anchor_seq": 1, "anchor_hash": "not a hash"},
    ]
    events: list[dict[str, Any]] = [
        {
            "event_id": str(uuid.uuid4()),
            "device_seq": 1000 + n,
            "case_id": str(uuid.uuid4()),
            "type": "case.rated",
            "payload": {},
            "device_time": "2026-12-01T09:00:00+08:00",
            **fields,
        }
        for n, fields in enumerate(odd)
    ]
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {counter.token}"
    answer = session.post(counter.back_office.url + protocol.API + "/events", json={"events": events}, timeout=30)
    assert answer.status_code == 200
    assert {r["status"] for r in answer.json()["results"]} <= {"acked", "rejected"}
    # The storable ones are anchored: those claiming to follow place 7 without its hash are breaks;
    # the anchors no database can look up are ignored, not compared.
    breaks = _server_breaks(counter.back_office)
    assert [(b.chain_seq, b.kind, b.sent_hash) for b in breaks] == [(8, "prev_mismatch", ""), (9, "prev_mismatch", "")]


def _decide_two(counter: Counter) -> list[str]:
    numbers = counter.take_cases(2)
    counter.sync()
    for number in numbers:
        admin.decide(counter.back_office.db_url, format_case_no(number), "approve", by=DEMO_APPROVER)
    return numbers


def _server_verify(back_office: RunningBackOffice) -> int:
    return server_cli.main(["audit", "verify", "--db", back_office.db_url])


def _tamper_server(back_office: RunningBackOffice, statement) -> None:
    engine = make_engine(back_office.db_url)
    try:
        with engine.begin() as conn:
            assert conn.execute(statement).rowcount == 1
    finally:
        engine.dispose()


def test_the_back_office_chain_verifies_untouched(counter, capsys):
    _decide_two(counter)
    assert _server_verify(counter.back_office) == 0
    assert "后台决定链完好：共核验 2 条决定记录" in capsys.readouterr().out


@pytest.mark.parametrize("target", ["link", "case", "feed", "deleted_link"])
def test_a_tampered_server_decision_fails(counter, capsys, target):
    numbers = _decide_two(counter)
    engine = make_engine(counter.back_office.db_url)
    with engine.connect() as conn:
        links = conn.execute(select(DecisionLink).order_by(DecisionLink.seq)).all()
    engine.dispose()
    first = links[0]
    statement: Update | Delete
    if target == "link":  # the approver's name on the record, changed in the chain's own row
        data = dict(first.data) | {"decided_by": "supervisor01"}
        statement = update(DecisionLink).where(DecisionLink.seq == first.seq).values(data=data)
    elif target == "case":  # the result number the licence is printed with, changed on the case
        statement = update(Case).where(Case.case_no == numbers[0]).values(result_no="伪造〔2026〕9号")
    elif target == "feed":  # what the windows pull: a decision change rewritten
        statement = (
            update(Change)
            .where(Change.seq == first.change_seq)
            .values(data=dict(first.data) | {"result_no": "伪造〔2026〕9号"})
        )
    else:  # the newest decision's link removed
        statement = delete(DecisionLink).where(DecisionLink.seq == links[-1].seq)
    _tamper_server(counter.back_office, statement)
    assert _server_verify(counter.back_office) == TAMPERED
    assert "发现篡改" in capsys.readouterr().out
