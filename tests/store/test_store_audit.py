"""`onewindow audit verify` names the first edited, inserted or deleted event."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlcipher3 import dbapi2
from store_helpers import CLERK, draft_for, intake_for

from client.cli import main
from client.store.audit import DELETED, EDITED, INSERTED, verify_chain
from client.store.journal import event_hash
from client.store.keys import store_keys
from client.store.secrets import SecretStore


@pytest.fixture
def four_case_store(fresh_store):
    """Four accepted cases: events seq 1..4, one per case, chained."""
    intake = intake_for(fresh_store)
    for _ in range(4):
        intake.accept(draft_for(intake), CLERK)
    return fresh_store


def tamper(store, *statements):
    """What someone holding the key could do with a SQLCipher shell: triggers and foreign keys off."""
    keys = store_keys(store.path, plaintext=False, demo=False, secrets=SecretStore())
    store.engine.dispose()
    conn = dbapi2.connect(str(store.path))
    conn.execute(keys.sqlcipher_pragma())
    conn.execute("DROP TRIGGER case_events_no_update")
    conn.execute("DROP TRIGGER case_events_no_delete")
    for sql, *params in statements:
        conn.execute(sql, *params)
    conn.commit()
    conn.close()
    return store


def _event(store, seq):
    with store.engine.connect() as conn:
        return conn.exec_driver_sql("SELECT * FROM case_events WHERE seq = ?", (seq,)).mappings().one()


def test_an_untouched_store_verifies(four_case_store, capsys):
    report = verify_chain(four_case_store)
    assert report.ok and report.checked == 4
    four_case_store.close()
    assert main(["audit", "verify", "--data-dir", str(four_case_store.path.parent)]) == 0
    assert "审计链完好：共核验 4 条事件" in capsys.readouterr().out


def test_an_edited_receipt_time_is_named(four_case_store):
    ev = _event(four_case_store, 2)
    payload = json.loads(ev["payload"]) | {"received_at": "2025-11-01T09:00:00"}
    tamper(four_case_store, ("UPDATE case_events SET payload = ? WHERE seq = 2", (json.dumps(payload),)))
    problem = verify_chain(four_case_store).problem
    assert (problem.kind, problem.seq) == (EDITED, 2)
    assert problem.case_no and problem.case_no in problem.message


def test_an_edit_with_its_hash_recomputed_is_still_named(four_case_store):
    ev = _event(four_case_store, 2)
    payload = json.loads(ev["payload"])
    when = dt.datetime.fromisoformat(ev["device_time"])
    new_hash = event_hash(
        ev["prev_hash"], ev["event_id"], ev["case_id"], ev["type"], payload, "clerk99", ev["device_id"], when
    )
    tamper(four_case_store, ("UPDATE case_events SET clerk = 'clerk99', hash = ? WHERE seq = 2", (new_hash,)))
    problem = verify_chain(four_case_store).problem
    assert (problem.kind, problem.seq) == (EDITED, 2)


def test_an_event_slipped_into_the_middle_is_named(four_case_store):
    ev = _event(four_case_store, 2)
    when = dt.datetime.fromisoformat(ev["device_time"])
    forged = event_hash(
        ev["hash"], "forged-0001", ev["case_id"], "case.delivered", {}, "clerk99", ev["device_id"], when
    )
    tamper(
        four_case_store,
        ("UPDATE case_events SET seq = seq + 10 WHERE seq > 2",),
        ("UPDATE case_events SET seq = seq - 9 WHERE seq > 10",),
        (
            "INSERT INTO case_events (seq, event_id, case_id, type, payload, clerk, device_id, device_time, "
            "prev_hash, hash) VALUES (3, 'forged-0001', ?, 'case.delivered', '{}', 'clerk99', ?, ?, ?, ?)",
            (ev["case_id"], ev["device_id"], ev["device_time"], ev["hash"], forged),
        ),
    )
    problem = verify_chain(four_case_store).problem
    assert (problem.kind, problem.seq) == (INSERTED, 3)


def test_a_crudely_inserted_event_is_named(four_case_store):
    tamper(
        four_case_store,
        ("UPDATE case_events SET seq = seq + 10 WHERE seq > 2",),
        (
            "INSERT INTO case_events (seq, event_id, case_id, type, payload, clerk, device_id, device_time, "
            "prev_hash, hash) SELECT 5, 'forged-0002', case_id, type, payload, clerk, device_id, device_time, "
            "'x', 'y' FROM case_events WHERE seq = 2",
        ),
    )
    problem = verify_chain(four_case_store).problem
    assert (problem.kind, problem.seq, problem.event_id) == (INSERTED, 5, "forged-0002")


@pytest.mark.parametrize("seq", [1, 3])
def test_a_deleted_event_is_named_by_the_gap_it_leaves(four_case_store, seq):
    tamper(
        four_case_store,
        ("DELETE FROM outbox WHERE event_id = (SELECT event_id FROM case_events WHERE seq = ?)", (seq,)),
        ("DELETE FROM case_events WHERE seq = ?", (seq,)),
    )
    problem = verify_chain(four_case_store).problem
    assert (problem.kind, problem.seq) == (DELETED, seq + 1)
    assert f"第 {seq + 1} 条之前" in problem.message


def test_a_deleted_last_event_leaves_its_case_without_a_trail(four_case_store, capsys):
    ev = _event(four_case_store, 4)
    tamper(
        four_case_store,
        ("DELETE FROM outbox WHERE event_id = ?", (ev["event_id"],)),
        ("DELETE FROM case_events WHERE seq = 4",),
    )
    problem = verify_chain(four_case_store).problem
    assert problem.kind == DELETED and problem.case_no
    four_case_store.close()
    assert main(["audit", "verify", "--data-dir", str(four_case_store.path.parent)]) == 3
    assert problem.case_no in capsys.readouterr().out


def test_a_page_of_pulled_statuses_joins_the_chain_in_order(four_case_store):
    """Statuses pulled from the back office are journalled with one statement per page;
    the chain still verifies, and the window's next own event continues it."""
    from client.store.models import Case, CaseEvent
    from client.store.outbox import StoreOutbox
    from sync import protocol

    outbox = StoreOutbox(four_case_store)
    with four_case_store.sessions() as s:
        ids = [c.id for c in s.query(Case).order_by(Case.case_no)]
    outbox.record_results([protocol.EventResult(event_id=e.event_id, status="acked") for e in outbox.pending(100)])
    now = dt.datetime.now(dt.UTC)
    changes = [
        protocol.Change(
            seq=i + 1,
            kind=protocol.CHANGE_CASE_STATUS,
            case_id=case_id,
            case_no="",
            data={"status": status, "result_no": f"R-{i}" if status == "approved" else None},
            server_time=now,
        )
        for i, (case_id, status) in enumerate(
            [
                (ids[0], "in_review"),
                (ids[1], "approved"),
                (ids[0], "approved"),
                (ids[2], "in_review"),
                (ids[2], "in_review"),
            ]
        )
    ]
    outbox.apply_changes(changes, cursor=5)
    with four_case_store.sessions() as s:
        pulled = [
            (e.case_id, e.type) for e in s.query(CaseEvent).order_by(CaseEvent.seq) if e.type.startswith("server.")
        ]
        statuses = {c.id: (c.status, c.result_no) for c in s.query(Case)}
    assert pulled == [
        (ids[0], "server.in_review"),
        (ids[1], "server.approved"),
        (ids[0], "server.approved"),
        (ids[2], "server.in_review"),
    ]  # the repeat adds nothing
    assert statuses[ids[0]] == ("approved", "R-2") and statuses[ids[1]] == ("approved", "R-1")
    assert statuses[ids[2]][0] == "in_review" and statuses[ids[3]][0] == "accepted"  # untouched
    intake = intake_for(four_case_store)
    intake.accept(draft_for(intake), CLERK)
    report = verify_chain(four_case_store)
    assert report.ok and report.checked == 4 + 4 + 1
