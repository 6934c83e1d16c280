"""The booking API on a real back office (SQLite and PostgreSQL): a booking, its lookup,
change and cancel; each bad input refused with its Chinese message and nothing stored; the
limits per phone, per address and on wrong codes."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.booking.site import MATTER, tomorrow, valid_id

ZHANG = valid_id("37070219850312001")
LI = valid_id("37070219900101002")
PHONE = "13912345678"


def test_a_booking_is_made_looked_up_changed_and_cancelled(office):
    office.open_slots(tomorrow())
    first, second, *_ = office.slots()
    made = office.book(first["id"], "张三", ZHANG, PHONE, matter_code=MATTER)
    assert made.status_code == 200, made.text
    booking = made.json()
    assert booking["status"] == "booked" and booking["matter_code"] == MATTER and booking["matter_name"]
    code = booking["code"]
    assert len(code) == 8
    assert office.slots()[0]["free"] == first["capacity"] - 1

    looked = office.post("lookup", {"code": code.lower(), "phone": PHONE})
    assert looked.status_code == 200 and looked.json()["code"] == ""  # the code is shown once
    moved = office.post("change", {"code": code, "phone": PHONE, "slot_id": second["id"]})
    assert moved.status_code == 200, moved.text
    assert moved.json()["starts_at"] == second["starts_at"]
    assert [s["free"] for s in office.slots()[:2]] == [first["capacity"], second["capacity"] - 1]

    cancelled = office.post("cancel", {"code": code, "phone": PHONE})
    assert cancelled.json()["status_label"] == "已取消"
    again = office.post("cancel", {"code": code, "phone": PHONE})
    assert (again.status_code, again.json()["message"]) == (409, "该预约已签到、已取消或已过期，不能取消")
    assert office.statuses() == ["cancelled"]


def refused(answer, status: int, message: str) -> None:
    assert answer.status_code == status, answer.text
    assert answer.json()["message"] == message


def test_each_bad_input_is_refused_with_its_message_and_nothing_stored(office):
    office.open_slots(tomorrow(), capacity=1)
    yesterday = tomorrow() - dt.timedelta(days=2)
    office.open_slots(yesterday)
    slot = office.slots()[0]["id"]
    wrong_id = ZHANG[:-1] + ("0" if ZHANG[-1] != "0" else "1")

    refused(office.book(slot, "张三", wrong_id, PHONE), 400, "身份证号码校验位错误，请核对后重新输入")
    refused(office.book(slot, "张三", ZHANG, "1391234"), 400, "手机号码应为11位，当前7位")
    refused(office.book(slot, "", ZHANG, PHONE), 400, "请填写姓名（不超过40个字）")
    refused(office.book(slot, "张\x00三", ZHANG, PHONE), 400, "姓名中含有无法识别的字符，请重新输入")
    refused(office.book(slot, "张三", ZHANG, PHONE, matter_code="NO-SUCH"), 400, "事项目录中没有事项“NO-SUCH”")
    with office.sessions() as session:
        from sqlalchemy import select

        from sync.server.db import BookingSlot

        past = session.execute(select(BookingSlot.id).where(BookingSlot.day == yesterday).limit(1)).scalar_one()
    refused(office.book(past, "张三", ZHANG, PHONE), 400, "该时段已过，不能预约过去的日期或时间，请选择以后的时段")
    refused(office.book(999_999, "张三", ZHANG, PHONE), 404, "没有这个预约时段，请重新选择")
    refused(office.book(10**30, "张三", ZHANG, PHONE), 422, "请求数据格式不正确")
    nul = httpx.get(f"{office.url}/b/api/37%000702/slots", timeout=30)
    assert (nul.status_code, nul.json()["message"]) == (404, "没有这个大厅，请向办事大厅咨询正确的预约地址")
    bad_category = httpx.get(f"{office.url}/b/api/{office.org_code}/slots", params={"category": "\x00"}, timeout=30)
    assert bad_category.status_code == 400
    page = httpx.post(f"{office.url}/b/37%000702", data={"slot": str(slot), "name": "张三"}, timeout=30)
    assert page.status_code == 404 and "未找到大厅" in page.text
    assert office.bookings() == 0

    assert office.book(slot, "张三", ZHANG, PHONE).status_code == 200
    refused(office.book(slot, "张三", ZHANG, "13800000000"), 409, "您已预约了这个时段，同一人同一时段只能预约一次")
    refused(office.book(slot, "李四", LI, "13800000000"), 409, "该时段已约满，请选择其他时段")
    refused(office.post("cancel", {"code": "ABCDEFGH", "phone": PHONE}), 404, "预约码或手机号不正确，未找到该预约")
    assert office.statuses() == ["booked"]


def test_bookings_are_limited_per_phone_per_address_and_wrong_codes(sqlite_office):
    office = sqlite_office
    office.open_slots(tomorrow(), first="08:00", last="17:30", capacity=50)
    slots = office.slots()
    people = [valid_id(f"37070219900101{n:03d}") for n in range(40)]
    for n in range(5):
        assert office.book(slots[n]["id"], "张三", people[n], PHONE, address=f"10.0.1.{n}").status_code == 200
    over = office.book(slots[5]["id"], "张三", people[5], PHONE, address="10.0.1.9")
    refused(over, 429, "预约操作过于频繁，请稍后再试（同一手机号每天最多预约5次）")
    assert office.bookings() == 5

    for _ in range(5):  # refused for the bad ID number before any limit is spent
        refused(
            office.book(slots[0]["id"], "李四", "bad", "13800000000", address="10.0.3.1"),
            400,
            "身份证号码应为18位，当前3位",
        )
    for n in range(30):
        answer = office.book(slots[n % 20]["id"], "王五", people[n + 6], f"1370000{n:04d}", address="10.0.3.1")
        assert answer.status_code == 200, answer.text
    refused(
        office.book(slots[0]["id"], "赵六", people[39], "13500000000", address="10.0.3.1"),
        429,
        "预约操作过于频繁，请稍后再试（同一手机号每天最多预约5次）",
    )
    assert office.bookings() == 35  # the 31st booking of the address refused, nothing stored

    for n in range(10):
        refused(
            office.post("lookup", {"code": f"WRONG{n:03d}", "phone": PHONE}, address="10.0.4.1"),
            404,
            "预约码或手机号不正确，未找到该预约",
        )
    refused(
        office.post("lookup", {"code": "WRONG999", "phone": PHONE}, address="10.0.4.1"), 429, "查询次数过多，请稍后再试"
    )


def test_people_racing_for_a_slots_last_place_get_it_once(office):
    """The slot's row lock: of six bookings sent at the same instant, as many succeed as places."""
    office.open_slots(tomorrow(), first="09:00", last="09:00", capacity=2)
    [slot] = office.slots()
    people = [valid_id(f"37070219900101{n:03d}") for n in range(6)]
    with ThreadPoolExecutor(len(people)) as pool:
        answers = list(
            pool.map(
                lambda n: office.book(slot["id"], "张三", people[n], f"1391234560{n}", address=f"10.0.5.{n}"),
                range(len(people)),
            )
        )
    assert sorted(a.status_code for a in answers) == [200, 200, 409, 409, 409, 409]
    assert office.bookings() == 2 and office.slots()[0]["free"] == 0
