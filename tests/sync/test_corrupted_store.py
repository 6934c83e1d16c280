"""Scenario 12: the window's database is damaged. The start-up integrity check finds it,
what reads (the unsent outbox included) is sealed in a rescue file, and the fresh store
is filled again from the back office on its first sync: the open cases of the org unit
come back with their history, the unsent records the server lacks are queued again (one
whose answer was lost is recognised by its event id and not sent twice), and the clerk
can deliver a restored case.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, select

from client.app import ClientConfig, build_runtime
from client.cli import main
from client.domain.case_numbers import format_case_no
from client.domain.identity import Applicant
from client.services import applicants
from client.services.cases import CaseQueries
from client.services.intake import IntakeDraft, MaterialInput
from client.services.syncing import SyncService
from client.store.audit import verify_chain
from client.store.db import open_store
from client.store.errors import StoreCorrupted, StoreRescued
from client.store.models import Case, OutboxEntry
from client.store.outbox import StoreOutbox
from client.store.rescue import open_rescue, rescue_keys_for, rescued_error
from sync import protocol
from sync.api import BackOfficeApi
from sync.engine import SyncEngine
from sync.server import admin
from sync.server.db import Event
from tests.sync.conftest import closing_session
from tests.sync.window_cases import CLERK, counter_steps, page_bytes, queue_case, valid_id

PAGE = 4096


def _damage_table(store, table: str) -> None:
    """Overwrite the root page of one table, as a bad sector would (SQLCipher's page check
    fails on it the same way)."""
    with store.engine.connect() as conn:
        root = conn.exec_driver_sql("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).scalar()
    store.close()
    with open(store.path, "r+b") as fh:
        fh.seek((root - 1) * PAGE + 8)
        fh.write(b"\xff" * (PAGE - 8))


def _rescued_and_fresh(window):
    """The window's store damaged, rescued at start-up, and opened again empty."""
    _damage_table(window.store, "server_changes")
    with pytest.raises(StoreCorrupted) as damage:
        open_store(window.store.path, keys=None)
    rescued_error(window.store.path, None, damage.value)
    return open_store(window.store.path, keys=None)


def _server_events(db_url: str, event_ids: list[str]) -> int:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(Event).where(Event.event_id.in_(event_ids))).scalar()
    engine.dispose()
    return count


def test_a_damaged_store_is_rescued_and_filled_again_from_the_back_office(window, running_back_office):
    db = running_back_office.db_url
    store = window.store
    delivery, _ = counter_steps(store)
    approved_id, approved_no = queue_case(store, window.device_code)
    waiting_id, _ = queue_case(store, window.device_code, tolerated=True)
    delivered_id, delivered_no = queue_case(store, window.device_code)
    assert window.engine.sync_once().ok
    for number in (approved_no, delivered_no):
        admin.decide(db, format_case_no(number), "approve", by="approver01")
    assert window.engine.sync_once().ok
    delivery.deliver(delivered_id, "王小二", valid_id(), CLERK)
    assert window.engine.sync_once().ok  # that one is closed on the server: not restored

    # Unsent when the disk failed, their push lost on the way back: a new case with a scan
    # and a withdrawal. The server holds both; the withdrawn case is closed there.
    new_id, new_no = queue_case(store, window.device_code, pages=(page_bytes(300_000, seed=12),))
    # The case goes up after its scan, and is pushed again at once when that answer is lost.
    window.proxy.drop_response("POST /api/v1/events", times=2)
    assert not window.engine.sync_once().ok
    delivery.withdraw(waiting_id, "申请人要求撤回", CLERK)
    window.proxy.drop_response("POST /api/v1/events")
    assert not window.engine.sync_once().ok
    assert new_no in {c.case_no for c in admin.list_cases(db)}
    with store.sessions() as s:
        unsent = list(s.scalars(select(OutboxEntry.event_id).where(OutboxEntry.state == "pending")))
    assert len(unsent) == 2
    _damage_table(store, "server_changes")

    with pytest.raises(StoreCorrupted) as damage:
        open_store(store.path, keys=None)  # PRAGMA integrity_check at start-up
    rescued = rescued_error(store.path, None, damage.value)
    assert "重新排队报送" in rescued.message
    sealed = open_rescue(rescued.rescue_file.read_bytes(), rescue_keys_for(store.path, None))
    assert {u["event_id"] for u in sealed["unsent_outbox"]} == set(unsent)  # the outbox is exported

    fresh = open_store(store.path, keys=None)
    try:
        with fresh.sessions() as s:
            assert s.scalars(select(Case)).all() == []
        outbox = StoreOutbox(fresh)
        api = BackOfficeApi(window.proxy.url, window.token, timeout=20, session=closing_session())
        service = SyncService(lambda: SyncEngine(api, outbox), outbox)
        assert service.status().restore_due
        window.proxy.reply_503("GET /api/v1/cases/restore")  # the back office is busy at first
        assert service.sync_now().label == "离线（联网后从后台恢复办件）"
        status = service.sync_now()
        assert status.error == "" and status.pending == 0 and status.blobs_pending == 0
        assert status.label == "已从后台恢复2件办件"  # the approved and the new case: the open ones
        # The new case's intake came back from the server under its event id: not queued
        # again. The withdrawal's case is closed there, so it is rebuilt from the rescue and
        # sent again, and the server answers it from its record.
        assert status.restore_notice == (
            "本机数据库损坏后，已从后台恢复本机构在办办件2件。损坏前尚未报送的1条记录已重新排队报送。"
        )
        assert _server_events(db, unsent) == 2
        assert [c.status for c in admin.list_cases(db) if c.case_id == waiting_id] == ["withdrawn"]

        queries = CaseQueries(fresh)
        listed = {c.case_id: c for c in queries.recent()}
        assert set(listed) == {approved_id, waiting_id, new_id}
        assert listed[waiting_id].status == "withdrawn" and listed[new_id].sync_label == "已报送"
        detail = queries.detail(approved_id)
        assert [t.label for t in detail.timeline] == ["窗口受理", "后台已接收", "审批通过"]
        assert detail.can_deliver and detail.result_no and detail.materials[0].name == "申请人身份证"
        assert verify_chain(fresh).ok

        restored_delivery, _ = counter_steps(fresh)
        restored_delivery.deliver(approved_id, "王小二", valid_id(), CLERK)
        assert service.sync_now().pending == 0
        assert {c.case_no: c.status for c in admin.list_cases(db)}[approved_no] == "delivered"
    finally:
        fresh.close()


def test_unsent_records_the_server_never_saw_are_queued_again(window, running_back_office):
    db = running_back_office.db_url
    store = window.store
    sent_id, _ = queue_case(store, window.device_code)
    tolerated_id, tolerated_no = queue_case(store, window.device_code, tolerated=True)
    assert window.engine.sync_once().ok
    unsent_id, unsent_no = queue_case(store, window.device_code, pages=(page_bytes(200_000, seed=13),))
    delivery, supplement = counter_steps(store)
    delivery.withdraw(sent_id, "申请人要求撤回", CLERK)
    proof = store.pages.put(page_bytes(150_000, seed=14), "经营场所证明.jpg")
    supplement.submit(tolerated_id, (MaterialInput("M02", True, (proof,)),), CLERK)
    _damage_table(store, "server_changes")
    with pytest.raises(StoreCorrupted) as damage:
        open_store(store.path, keys=None)
    rescued_error(store.path, None, damage.value)

    fresh = open_store(store.path, keys=None)
    try:
        outbox = StoreOutbox(fresh)
        engine = SyncEngine(BackOfficeApi(window.proxy.url, window.token, session=closing_session()), outbox)
        report = engine.sync_once()
        assert report.ok and report.restore.restored == 2 and report.restore.requeued == 3
        assert report.acked == 3 and report.blobs_uploaded == 2  # the new case's scan and the proof
        on_server = {c.case_no: c for c in admin.list_cases(db)}
        assert on_server[unsent_no].complete and on_server[unsent_no].status == "submitted"
        assert on_server[tolerated_no].complete
        assert [c.status for c in on_server.values() if c.case_id == sent_id] == ["withdrawn"]
        with fresh.sessions() as s:
            assert s.get(Case, sent_id).status == "withdrawn" and s.get(Case, unsent_id) is not None
            assert {m.code: m.status for m in s.get(Case, tolerated_id).materials} == {
                "M01": "received",
                "M02": "received",
            }
        assert verify_chain(fresh).ok
    finally:
        fresh.close()


def test_the_window_rescues_at_start_up_and_store_restore_fills_it_again(enrolled_runtime, live_server, capsys):
    """Through the program: the encrypted store fails its check when the window starts, and
    `onewindow store restore --from-rescue FILE` (what the first sync does by itself, here
    with the administrator naming the rescue file) brings the cases back."""
    services = enrolled_runtime.services
    clerk = services.auth.login(live_server.clerk, live_server.password)
    matter = services.intake.matter("370702-XK-0001")

    def accept(id_number: str):
        return services.intake.accept(
            IntakeDraft(
                Applicant("王秀英", "身份证", id_number),
                matter.code,
                tuple(MaterialInput(m.code, True) for m in matter.materials),
            ),
            clerk,
        )

    sent = accept("11010519491231002X")
    assert services.sync.sync_now().pending == 0
    unsent = accept(valid_id())  # taken in after the last sync
    data_dir = enrolled_runtime.store.path.parent
    _damage_table(enrolled_runtime.store, "server_changes")
    enrolled_runtime.close()
    with pytest.raises(StoreRescued) as rescued:
        build_runtime(ClientConfig(data_dir=data_dir, demo=True, devices="none"))
    assert "自动从后台恢复" in rescued.value.message

    assert (
        main(
            ["store", "restore", "--demo", "--data-dir", str(data_dir), "--from-rescue", str(rescued.value.rescue_file)]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "本机数据库损坏后，已从后台恢复本机构在办办件1件。损坏前尚未报送的1条记录已重新排队报送。" in out
    assert "已从后台恢复1件办件" in out
    assert {c.case_no for c in admin.list_cases(live_server.db_url, org_code=live_server.hall.org_code)} == {
        sent.case_no,
        unsent.case_no,
    }
    runtime = build_runtime(ClientConfig(data_dir=data_dir, demo=True, devices="none"))
    try:
        listed = {c.case_no: c.sync_label for c in runtime.services.cases.recent()}
        assert listed == {sent.case_no: "已报送", unsent.case_no: "已报送"}
        assert not runtime.services.sync.status().restore_due
    finally:
        runtime.close()


def test_a_restore_cut_off_between_pages_resumes_where_it_stopped(window, running_back_office):
    for _ in range(130):  # more than one page of the restore
        queue_case(window.store, window.device_code)
    assert window.engine.sync_once().ok
    fresh = _rescued_and_fresh(window)
    try:
        outbox = StoreOutbox(fresh)
        engine = SyncEngine(BackOfficeApi(window.proxy.url, window.token, session=closing_session()), outbox)
        window.proxy.drop_response("GET /api/v1/cases/restore?after=3")  # the second page's answer is lost
        assert not engine.sync_once().ok and outbox.restore_wanted()
        with fresh.sessions() as s:
            assert s.scalar(select(func.count()).select_from(Case)) == 100  # the first page stayed
        report = engine.sync_once()
        assert report.ok and report.restore.restored == 130 and not outbox.restore_wanted()
        with fresh.sessions() as s:
            assert s.scalar(select(func.count()).select_from(Case)) == 130
        assert verify_chain(fresh).ok
    finally:
        fresh.close()


def test_restored_cases_fill_the_applicant_memory_again(window, running_back_office):
    """After a rescue, a returning applicant is still recognised with phone, address and the
    agent who came last time, from the intakes the back office kept."""
    applicant_id, agent_id = valid_id("37070219850312001"), valid_id("37070219700101002")
    agent = protocol.AgentPayload(name="李四", id_number=agent_id, relation="entrusted", phone="13900000000")
    queue_case(
        window.store,
        window.device_code,
        id_number=applicant_id,
        phone="13800000000",
        address="潍坊市奎文区民生街1号",
        agent=agent,
    )
    assert window.engine.sync_once().ok
    fresh = _rescued_and_fresh(window)
    try:
        outbox = StoreOutbox(fresh)
        assert outbox.restore_wanted()
        api = BackOfficeApi(window.proxy.url, window.token, timeout=20, session=closing_session())
        assert SyncEngine(api, outbox).sync_once().ok
        with fresh.sessions() as s:
            known = applicants.find(s, applicant_id)
            agent_known = applicants.find(s, agent_id)
        assert (known.name, known.phone, known.address) == ("王小二", "13800000000", "潍坊市奎文区民生街1号")
        assert known.agent is not None and (known.agent.name, known.agent.relation) == ("李四", "entrusted")
        assert known.cases == 1
        assert agent_known is not None and agent_known.phone == "13900000000"
    finally:
        fresh.close()
