"""The window's queue service against a real back office: call, recall, 过号, transfer, done,
the ticket recorded on the case, and a dead network that leaves intake working."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, select, text

from client.domain.identity import Applicant, id_check_char
from client.services.errors import ServiceError
from client.services.intake import IntakeDraft, MaterialInput
from client.services.queue import OFFLINE_MESSAGE, QueueService
from client.store.models import CaseEvent
from sync.api import BackOfficeApi

ELDERLY = "37070219450101001" + id_check_char("37070219450101001")


@pytest.fixture
def open_window(enrolled_runtime, live_server):
    """Clerk 01 logged in, shift open at window 3."""
    services = enrolled_runtime.services
    clerk = services.auth.login(live_server.clerk, live_server.password)
    services.shifts.open(clerk, "3号窗口")
    return services, clerk


def accept(services, clerk, ticket_no: str = ""):
    matter = services.intake.matter("370702-XK-0001")
    draft = IntakeDraft(
        Applicant("李建国", "身份证", "34052419800101001X"),
        matter.code,
        tuple(MaterialInput(m.code, True) for m in matter.materials),
        ticket_no=ticket_no,
    )
    return services.intake.submit(draft, clerk)


def test_call_recall_no_show_then_serve_with_a_case(open_window, enrolled_runtime, live_server):
    services, clerk = open_window
    queue = services.queue
    assert queue.take("A").ticket_no == "A001"
    assert queue.take(id_number=ELDERLY).priority_label == "老年人优先"
    assert queue.status().waiting == 2

    called = queue.call_next()
    assert called.message == "请P001号到3号窗口办理" and called.current.ticket_no == "P001"
    with pytest.raises(ServiceError, match="重呼3次后才能过号"):
        queue.no_show(called.current.id)
    for n in (1, 2, 3):
        assert queue.recall(called.current.id).message == f"已重呼P001号（第{n}次）"
    assert queue.status().current.can_no_show
    assert queue.no_show(called.current.id).message == "P001号已过号"

    second = queue.call_next().current
    assert second.ticket_no == "A001" and second.waited_minutes is not None
    result = accept(services, clerk, second.ticket_no)
    done = queue.done(second.id, result.case_no)
    assert done.message == "A001号已办结" and done.current is None
    assert queue.call_next().message == "目前没有等候的号"

    with enrolled_runtime.store.sessions() as s:
        first = s.scalars(select(CaseEvent).where(CaseEvent.case_id == result.case_id)).first()
        assert first.payload["ticket_no"] == "A001"
    assert services.cases.detail(result.case_id).ticket_no == "A001"
    with create_engine(live_server.db_url).connect() as conn:
        linked = conn.execute(  # this hall's A001: the shared back office holds other tests' halls
            text("select case_no from tickets where ticket_no = 'A001' and org_code = :org"),
            {"org": live_server.hall.org_code},
        ).scalar()
    assert linked == result.case_no
    summary = services.shifts.summary()
    assert (summary.tickets_served, summary.tickets_no_show) == (1, 1)


def test_transfer_to_a_window_or_a_category(open_window):
    services, _clerk = open_window
    queue = services.queue
    queue.take("A"), queue.take("A")
    first = queue.call_next().current
    assert queue.transfer(first.id, "5号窗口").message == "A001号已转至5号窗口，保留原排队顺序"
    second = queue.call_next().current
    assert second.ticket_no == "A002"  # A001 now waits for window 5 only
    assert queue.transfer(second.id, "b").message == "A002号已转至企业服务（B类），保留原排队顺序"
    with pytest.raises(ServiceError, match="请输入要转至的窗口号"):
        queue.transfer(second.id, " ")


def test_an_unreachable_queue_says_so_and_intake_still_works(open_window):
    services, clerk = open_window
    dead = QueueService(lambda: BackOfficeApi("http://127.0.0.1:9", timeout=0.5), lambda: "3")
    for panel in (dead.status(), dead.call_next(), dead.recall(1), dead.done(1)):
        assert (panel.available, panel.message) == (False, OFFLINE_MESSAGE)
    assert dead.unfinished() == "叫号服务暂不可用，未能核对本窗口是否还有未办结的号"
    assert accept(services, clerk).case_no  # no ticket, the case is taken all the same
    with pytest.raises(ServiceError, match="叫号服务暂不可用"):
        dead.take("A")


def test_no_window_number_no_queue(enrolled_runtime):
    queue = QueueService(lambda: None, lambda: "")
    with pytest.raises(ServiceError, match="尚未设置窗口号"):
        queue.call_next()
