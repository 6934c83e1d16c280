"""The booking office under test: a back office of the test's own with the demo hall, its
slots, and a client that can speak as several addresses (X-Forwarded-For from loopback)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from client.domain.identity import id_check_char
from sync import protocol
from sync.server.booking import slots
from sync.server.db import Booking

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
MATTER = "370702-XK-0001"


def valid_id(first17: str) -> str:
    return first17 + id_check_char(first17)


def tomorrow() -> dt.date:
    return (dt.datetime.now(dt.UTC).astimezone(protocol.CST) + dt.timedelta(days=1)).date()


def cst(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """The instant of a hall's wall time, in UTC as the back office's clock gives it (the queue
    binds `now` into SQL expressions as it is)."""
    return dt.datetime.combine(day, dt.time(hour, minute), protocol.CST).astimezone(dt.UTC)


@dataclass(frozen=True)
class BookingOffice:
    url: str
    db_url: str
    engine: Engine
    org_code: str
    token: str  # an enrolled window's

    @property
    def sessions(self) -> sessionmaker[Session]:
        return sessionmaker(self.engine, expire_on_commit=False)

    def open_slots(
        self, day: dt.date, first: str = "09:00", last: str = "10:00", capacity: int = 2, category: str = "A"
    ) -> None:
        slots.set_slots(
            self.sessions,
            self.org_code,
            category,
            day,
            dt.time.fromisoformat(first),
            dt.time.fromisoformat(last),
            30,
            capacity,
        )

    def slots(self, category: str | None = None) -> list[dict]:
        params = {"category": category} if category else {}
        answer = httpx.get(f"{self.url}/b/api/{self.org_code}/slots", params=params, timeout=30)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def book(
        self, slot_id: int, name: str, id_number: str, phone: str, address: str = "10.0.0.1", **extra
    ) -> httpx.Response:
        body = {"slot_id": slot_id, "name": name, "id_number": id_number, "phone": phone, **extra}
        return httpx.post(
            f"{self.url}/b/api/{self.org_code}",
            json=body,
            headers={"X-Forwarded-For": address},
            timeout=30,
        )

    def post(self, path: str, body: dict, address: str = "10.0.0.1") -> httpx.Response:
        return httpx.post(f"{self.url}/b/api/{path}", json=body, headers={"X-Forwarded-For": address}, timeout=30)

    def bookings(self) -> int:
        with self.sessions() as session:
            return session.execute(select(func.count()).select_from(Booking)).scalar_one()

    def statuses(self) -> list[str]:
        with self.sessions() as session:
            return list(session.execute(select(Booking.status).order_by(Booking.id)).scalars())


def enrol(url: str, code: str) -> str:
    answer = httpx.post(f"{url}{protocol.API}/enrol", json={"code": code, "device_name": "取号机"}, timeout=30)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["token"])
