"""Rating on the public page: once per service (一事一评), again after rectification (二次评价);
a 差评 opens its work order like a pad's."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import select, update

from sync.server.db import Case, Rating, WorkOrder, utcnow
from tests.public.conftest import PublicHall


def _text(html: str) -> str:
    return re.sub(r"\s+", "", re.sub(r"<[^>]+>", " ", html))


def _web_ratings(hall: PublicHall, case_id: str) -> list[Rating]:
    with hall.sessions() as session:
        query = select(Rating).where(Rating.case_id == case_id, Rating.channel == "web").order_by(Rating.round)
        return list(session.execute(query).scalars())


def test_rate_once_and_a_second_rating_is_refused(hall: PublicHall):
    result = hall.take_in()
    link = hall.qr_link()
    assert "请为本次服务评价" in _text(httpx.get(link).text)

    thanks = httpx.post(link, data={"level": "5", "reason": "slow", "comment": " 办得很快，谢谢！ "})
    assert thanks.status_code == 200
    assert "感谢您的评价" in _text(thanks.text) and "非常满意" in thanks.text and "办得很快，谢谢！" in thanks.text
    [given] = _web_ratings(hall, result.case_id)
    assert (given.level, given.reason, given.comment, given.round, given.stage) == (
        5,
        "",
        "办得很快，谢谢！",
        1,
        "case",
    )
    with hall.sessions() as session:
        case = session.get(Case, result.case_id)
        assert case is not None
        assert (given.org_code, given.department_id, given.device_id) == (
            case.org_code,
            case.department_id,
            case.device_id,
        )
        assert given.clerk == "clerk01"  # who served, as the window sent it
        assert session.execute(select(WorkOrder).where(WorkOrder.case_id == result.case_id)).first() is None

    again = httpx.post(link, data={"level": "1", "reason": "attitude"})
    assert again.status_code == 409 and "您已评价过本次服务" in _text(again.text) and "非常满意" in again.text
    assert len(_web_ratings(hall, result.case_id)) == 1
    page = _text(httpx.get(link).text)
    assert "您已评价" in page and "<form" not in httpx.get(link).text


def test_a_poor_rating_needs_a_reason_and_the_comment_is_bounded(hall: PublicHall):
    result = hall.take_in()
    link = hall.qr_link()
    refused = httpx.post(link, data={"level": "2", "comment": "等了很久"})
    assert refused.status_code == 400 and "请选择一项主要原因" in _text(refused.text)
    assert "等了很久" in refused.text  # the form keeps what was typed
    assert httpx.post(link, data={"level": "9"}).status_code == 400
    assert httpx.post(link, data={"level": "1", "reason": "nonsense"}).status_code == 400
    assert _web_ratings(hall, result.case_id) == []

    long = "慢" * 300
    taken = httpx.post(link, data={"level": "2", "reason": "waiting", "comment": long})
    assert taken.status_code == 200
    [given] = _web_ratings(hall, result.case_id)
    assert (given.level, given.reason, len(given.comment)) == (2, "waiting", 200)
    assert "排队等候时间长" in taken.text and "限时整改" in taken.text


def test_rate_again_after_rectification(hall: PublicHall):
    result = hall.take_in()
    link = hall.qr_link()
    first = httpx.post(link, data={"level": "1", "reason": "runs", "comment": "跑了三趟"})
    assert first.status_code == 200
    with hall.sessions() as session:
        [order] = session.execute(select(WorkOrder).where(WorkOrder.case_id == result.case_id)).scalars()
        case = session.get(Case, result.case_id)
        assert case is not None
        assert order.status == "open" and order.department_id == case.department_id is not None
    assert httpx.post(link, data={"level": "3"}).status_code == 409  # still open: no second look yet

    with hall.sessions.begin() as session:  # the department rectified it
        now = utcnow()
        session.execute(
            update(WorkOrder)
            .where(WorkOrder.id == order.id)
            .values(status="rectified", rectification="已优化流程", handled_by="head01", handled_at=now, updated_at=now)
        )
    page = _text(httpx.get(link).text)
    assert "整改后再次评价" in page
    second = httpx.post(link, data={"level": "4"})
    assert second.status_code == 200 and "再次评价已记录" in _text(second.text) and "第2次" in _text(second.text)
    ratings = _web_ratings(hall, result.case_id)
    assert [(r.level, r.round) for r in ratings] == [(1, 1), (4, 2)]
    assert httpx.post(link, data={"level": "5"}).status_code == 409  # nothing rectified since
    assert len(_web_ratings(hall, result.case_id)) == 2


def test_posts_at_once_store_one_rating(hall: PublicHall):
    """A double tap (or several phones with one receipt) at the same moment: one rating counts."""
    result = hall.take_in()
    link = hall.qr_link()

    def post(level: int) -> int:
        return httpx.post(link, data={"level": str(level), "reason": "slow"}, timeout=30).status_code

    with ThreadPoolExecutor(4) as pool:
        codes = sorted(pool.map(post, (1, 2, 4, 5)))
    assert codes == [200, 409, 409, 409]
    ratings = _web_ratings(hall, result.case_id)
    assert len(ratings) == 1 and ratings[0].round == 1
