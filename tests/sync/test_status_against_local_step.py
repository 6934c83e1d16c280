"""Scenario 8: the back office decides while the window holds an unsent step on the same
case. The server wins for the status; the local step is applied after the decision or
quarantined and shown with the server's code and reason; nothing is silently lost.

The race is made for real: the decision is taken with `onewindow-server` in its own
process, and the window's pull is held at the proxy (a slow link) while the clerk makes
the later step, so the decision arrives while that step is still unsent.
"""

from __future__ import annotations

import subprocess
import sys
import threading

from sqlalchemy import select

from client.domain.case_numbers import format_case_no
from client.services.cases import CaseQueries
from client.services.intake import MaterialInput
from client.store.journal import append_event
from client.store.models import Case, OutboxEntry
from sync import protocol
from sync.server import admin
from tests.sync.window_cases import CLERK, counter_steps, page_bytes, queue_case


def _back_office(db_url: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "sync.server", args[0], "--db", db_url, *args[1:]],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _step_during_pull(window, step) -> None:
    """Run one sync round whose pull is held at the proxy while `step` is made locally."""
    gate = window.proxy.hold("GET /api/v1/changes")
    reports = []
    sync = threading.Thread(target=lambda: reports.append(window.engine.sync_once()))
    sync.start()
    assert gate.arrived.wait(30), "the round never pulled"
    step()
    gate.release.set()
    sync.join(60)
    assert reports and reports[0].ok


def _local(window, case_id: str) -> Case:
    with window.store.sessions() as s:
        return s.get(Case, case_id)


def test_a_decision_beats_a_withdrawal_still_unsent_and_the_refusal_is_shown(window, running_back_office):
    db = running_back_office.db_url
    case_id, case_no = queue_case(window.store, window.device_code)
    assert window.engine.sync_once().ok
    assert _local(window, case_id).status == "submitted"
    printed = _back_office(db, "decide", format_case_no(case_no), "approve", "--by", "approver01")
    assert "已审批通过" in printed

    delivery, _ = counter_steps(window.store)
    _step_during_pull(window, lambda: delivery.withdraw(case_id, "申请人要求撤回", CLERK))
    assert _local(window, case_id).status == "withdrawn"  # the decision came down while the step was unsent

    report = window.engine.sync_once()
    assert report.ok and report.rejected == 1
    [server_case] = admin.list_cases(db)
    assert server_case.status == "approved"
    local = _local(window, case_id)
    assert local.status == "approved" and local.result_no == server_case.result_no  # the decision is not lost
    with window.store.sessions() as s:
        [entry] = s.scalars(select(OutboxEntry).where(OutboxEntry.state == "rejected")).all()
    assert entry.code == "illegal_transition" and "审批通过" in entry.reason
    detail = CaseQueries(window.store).detail(case_id)
    assert detail.summary.sync_label == "报送被退回" and detail.summary.status_label == "审批通过"
    assert [t.label for t in detail.timeline][-2:] == ["撤件", "审批通过"]  # both on the record, in order
    assert detail.can_deliver

    again = window.engine.sync_once()  # settled: nothing more goes up or comes down for it
    assert again.ok and again.acked == 0 and _local(window, case_id).status == "approved"


def test_a_supplement_made_while_the_back_office_asked_for_it_is_applied_after_the_request(window, running_back_office):
    db = running_back_office.db_url
    case_id, case_no = queue_case(window.store, window.device_code, tolerated=True)
    assert window.engine.sync_once().ok
    _back_office(db, "supplement", format_case_no(case_no), "经营场所证明", "--by", "approver01")

    _, supplement = counter_steps(window.store)
    page = window.store.pages.put(page_bytes(200_000, seed=8), "场所证明.jpg")
    _step_during_pull(window, lambda: supplement.submit(case_id, (MaterialInput("M02", True, (page,)),), CLERK))

    report = window.engine.sync_once()
    assert report.ok and report.rejected == 0 and report.acked == 1 and report.blobs_uploaded == 1
    [server_case] = admin.list_cases(db)
    assert server_case.status == "in_review" and server_case.complete  # request, then the answer to it
    assert _local(window, case_id).status == "in_review"
    assert window.outbox.counts().get("rejected", 0) == 0


def test_a_decision_pulled_while_a_rating_is_unsent_arrives_once_the_rating_is_acked(window, running_back_office):
    """A 好差评 changes no status on the server, so no newer change follows it: the decision
    held back for it must still be applied."""
    db = running_back_office.db_url
    case_id, case_no = queue_case(window.store, window.device_code)
    assert window.engine.sync_once().ok
    _back_office(db, "decide", format_case_no(case_no), "deny", "--reason", "经营场所不符合规定", "--by", "approver01")

    def rate():
        with window.store.sessions.begin() as s:
            payload = protocol.CaseRatedPayload(
                case_no=case_no, rated_at="2026-11-22T10:00:00", level=5, clerk=CLERK.username
            ).model_dump(mode="json")
            append_event(
                s, case_id=case_id, type_=protocol.CASE_RATED, payload=payload, clerk=CLERK.username, device_id=""
            )

    _step_during_pull(window, rate)
    assert _local(window, case_id).status == "submitted"  # held back while the rating is unsent
    report = window.engine.sync_once()
    assert report.ok and report.acked == 1 and report.changes == 0  # nothing new came down
    local = _local(window, case_id)
    assert local.status == "denied" and local.reason == "经营场所不符合规定"
    assert [t.label for t in CaseQueries(window.store).detail(case_id).timeline][-1] == "审批不通过"
