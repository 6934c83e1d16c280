"""The back office's answers for a pushed batch land on the outbox entries: acked leaves the
queue, rejected is quarantined with its code and reason, retry stays queued."""

from __future__ import annotations

from sqlalchemy import select
from store_helpers import CLERK, draft_for, intake_for

from client.store.models import OutboxEntry
from client.store.outbox import StoreOutbox
from sync import protocol


def test_a_mixed_batch_of_answers(fresh_store):
    intake = intake_for(fresh_store)
    for _ in range(5):
        intake.accept(draft_for(intake), CLERK)
    outbox = StoreOutbox(fresh_store)
    sent = outbox.pending(100)
    assert len(sent) == 5
    answers = [
        protocol.EventResult(event_id=sent[0].event_id, status="acked"),
        protocol.EventResult(
            event_id=sent[1].event_id, status="rejected", code="invalid_id_number", reason="身份证号码校验位不正确"
        ),
        protocol.EventResult(event_id=sent[2].event_id, status="retry", code="db_busy", reason="后台繁忙"),
        protocol.EventResult(event_id=sent[3].event_id, status="acked"),
        protocol.EventResult(event_id="not-one-of-ours", status="acked"),
    ]
    outbox.record_results(answers)  # sent[4] got no answer at all
    with fresh_store.sessions() as s:
        entries = {e.event_id: e for e in s.scalars(select(OutboxEntry))}
    state = {
        i: (entries[e.event_id].state, entries[e.event_id].code, entries[e.event_id].attempts)
        for i, e in enumerate(sent)
    }
    assert state == {
        0: ("acked", "", 1),
        1: ("rejected", "invalid_id_number", 1),
        2: ("pending", "db_busy", 1),
        3: ("acked", "", 1),
        4: ("pending", "", 0),
    }
    assert entries[sent[1].event_id].reason == "身份证号码校验位不正确"
    assert [e.event_id for e in outbox.pending(100)] == [sent[2].event_id, sent[4].event_id]
    outbox.record_results([protocol.EventResult(event_id=sent[2].event_id, status="acked")])
    with fresh_store.sessions() as s:
        again = s.scalar(select(OutboxEntry).where(OutboxEntry.event_id == sent[2].event_id))
    assert (again.state, again.code, again.attempts) == ("acked", "", 2)
