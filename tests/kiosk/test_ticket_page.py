"""The ticket's live status page (/q/<token>) on a real back office: a ticket taken and printed
by the kiosk, its QR opened as a phone would; a call moves it on; wrong tokens get one plain
not-found page and a guesser is cut off; the back office keeps only the token's digest."""

from __future__ import annotations

import logging
import secrets
import shutil

import httpx
import pytest
from sqlalchemy import create_engine, text

from client.kiosk.service import Issued
from sync.api import ServerError
from sync.server.public import PublicLimits
from sync.server.ticket_page.pages import TokenRedactor
from tests.console.site import screenshot
from tests.ui.conftest import SCREENSHOTS


def test_the_qr_opens_the_tickets_status_page(kiosk_service, virtual_devices, live_server):
    first = kiosk_service.take("A")
    issued = kiosk_service.take("A")
    assert isinstance(first, Issued) and isinstance(issued, Issued) and issued.printed

    printed = virtual_devices.printer.last_receipt()
    assert printed.qr_codes == (issued.status_url,)
    assert issued.status_url.startswith(f"{live_server.url}/q/")

    page = httpx.get(issued.status_url)
    assert page.status_code == 200
    assert issued.ticket_no in page.text and "综合受理" in page.text
    assert '等候中，前面还有 <strong class="ahead">1</strong> 人' in page.text
    assert '<meta http-equiv="refresh" content="15">' in page.text
    assert page.headers["cache-control"] == "no-store" and page.headers["referrer-policy"] == "no-referrer"

    # The window calls the first ticket, then this one: the page follows.
    api = kiosk_service.api()
    assert api.call_next("3").ticket.ticket_no == first.ticket_no
    assert "等候中，前面暂无人等候" in httpx.get(issued.status_url).text
    assert api.call_next("5").ticket.ticket_no == issued.ticket_no
    called = httpx.get(issued.status_url).text
    assert "已叫号，请到 <strong>5 号窗口</strong> 办理" in called

    token = issued.status_url.rsplit("/", 1)[1]
    engine = create_engine(live_server.db_url)
    try:
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT token_sha FROM ticket_links")).scalars().all()
    finally:
        engine.dispose()
    assert token not in stored and all(len(s) == 64 for s in stored)


@pytest.mark.own_back_office  # the misses count against 127.0.0.1: not on the shared back office
def test_wrong_tokens_get_a_plain_not_found_and_guessing_is_cut_off(kiosk_service, live_server):
    issued = kiosk_service.take("B")
    assert isinstance(issued, Issued)
    real = issued.status_url.rsplit("/", 1)[1]
    wrong = [
        secrets.token_urlsafe(16),  # well formed, unknown
        real[:-1] + ("A" if real[-1] != "A" else "B"),
        "abc",
        issued.ticket_no,  # the number printed on the slip opens nothing
        "x" * 300,
    ]
    bodies = set()
    for token in wrong:
        answer = httpx.get(f"{live_server.url}/q/{token}")
        assert answer.status_code == 404
        assert "未找到号票" in answer.text and issued.ticket_no not in answer.text
        bodies.add(answer.text)
    assert len(bodies) == 1
    assert httpx.get(f"{live_server.url}/q/").status_code == 404
    assert httpx.get(issued.status_url).status_code == 200  # right tokens are not counted

    for _ in range(PublicLimits().misses - len(wrong)):
        assert httpx.get(f"{live_server.url}/q/{secrets.token_urlsafe(16)}").status_code == 404
    refused = httpx.get(issued.status_url)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    assert issued.ticket_no not in refused.text


def test_a_link_only_for_a_ticket_of_the_kiosks_own_hall(kiosk_service):
    with pytest.raises(ServerError) as refused:
        kiosk_service.api().ticket_link(10**9)
    assert refused.value.status == 404 and refused.value.code == "unknown_ticket"


def test_the_status_page_on_a_phone(kiosk_service, phone):
    for _ in range(3):
        issued = kiosk_service.take("A", None)
    assert isinstance(issued, Issued)
    phone.goto(issued.status_url)
    assert phone.locator(".number").inner_text() == issued.ticket_no
    assert phone.locator(".status").inner_text() == "等候中，前面还有 2 人"
    path = screenshot(phone, "ticket-status-phone.png")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, SCREENSHOTS / "ticket-status-phone.png")


def test_the_token_stays_out_of_the_access_log():
    """uvicorn's access line for /q/<token> shows /q/<token>, literally; static files as they are."""
    redactor = TokenRedactor()
    for path, shown in (
        ("/q/Xq3vN8bT2kLmP5wRz7YcAg", "/q/<token>"),
        ("/q/static/ticket.css", "/q/static/ticket.css"),
        ("/api/v1/queue/links", "/api/v1/queue/links"),
    ):
        record = logging.LogRecord(
            "uvicorn.access",
            logging.INFO,
            __file__,
            1,
            '%s - "%s %s HTTP/%s" %d',
            ("10.0.0.1:5000", "GET", path, "1.1", 200),
            None,
        )
        assert redactor.filter(record)
        assert record.getMessage() == f'10.0.0.1:5000 - "GET {shown} HTTP/1.1" 200'
