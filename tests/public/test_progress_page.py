"""The QR on a window's receipt and notice opens the case's progress on the back office, with
personal data masked; the back office never holds the token itself."""

from __future__ import annotations

import configparser
import fnmatch
import re
from pathlib import Path

import httpx
import pdfplumber
from sqlalchemy import select

from client.store.models import Case as WindowCase
from sync.server import admin, rating_links
from sync.server.db import Case, Event
from sync.server.public.pages import STATIC_DIR, TEMPLATES_DIR
from sync.server.public.progress import mask_case_no, mask_name
from tests.public.conftest import APPLICANT, MATTER, OFFICE_PHONE, PublicHall

TOKEN = re.compile(r"/p/([A-Za-z0-9_-]+)$")


def _token(link: str) -> str:
    found = TOKEN.search(link)
    assert found is not None, link
    return found.group(1)


def _notice_text(path) -> str:
    with pdfplumber.open(path) as pdf:
        return "".join(page.extract_text() or "" for page in pdf.pages).replace("\n", "")


def _page_text(html: str) -> str:
    return re.sub(r"\s+", "", re.sub(r"<[^>]+>", " ", html))


def test_the_receipts_qr_opens_the_progress_with_masked_data(hall: PublicHall):
    result = hall.take_in()
    link = hall.qr_link()
    # The link: the office's public base and the case's token, never its number.
    assert link.startswith(f"{hall.url}/p/") and result.case_no not in link
    token = _token(link)
    assert len(token) >= 22
    with hall.runtime.store.sessions() as s:
        assert s.get(WindowCase, result.case_id).public_token == token
    assert result.notice_pdf is not None and link in _notice_text(result.notice_pdf)  # the notice prints it too

    answer = httpx.get(link)
    assert answer.status_code == 200
    assert answer.headers["referrer-policy"] == "no-referrer" and answer.headers["cache-control"] == "no-store"
    assert "script" not in answer.headers["content-security-policy"].replace("script-src", "")
    html = answer.text
    text = _page_text(html)
    assert hall.runtime.services.intake.matter(MATTER).name in text
    assert "欧阳**" in text
    assert f"{result.case_no[:6]}******{result.case_no[-4:]}" in text
    assert "当前状态：已受理，正在审批" in text
    assert OFFICE_PHONE in text
    assert "收件" in text and "审批决定" in text and "承诺办结" in text
    # Nothing personal beyond the mask: no name, ID number, phone, address, clerk, full number.
    for secret in (
        APPLICANT.name,
        APPLICANT.id_number,
        APPLICANT.id_number[-6:],
        APPLICANT.phone,
        APPLICANT.address,
        "和平路",
        "张敏",  # the clerk
        result.case_no,
        result.notice_no,
    ):
        assert secret not in html, secret
    assert "<script" not in html.lower()


def test_the_page_follows_the_back_offices_decision(hall: PublicHall):
    result = hall.take_in()
    link = hall.qr_link()
    admin.decide(hall.db_url, result.case_no, "approve", by="approver01")
    text = _page_text(httpx.get(link).text)
    assert "当前状态：已作出决定，结果准备中" in text


def test_the_back_office_keeps_only_the_tokens_digest(hall: PublicHall):
    result = hall.take_in()
    token = _token(hall.qr_link())
    with hall.sessions() as session:
        case = session.get(Case, result.case_id)
        assert case is not None
        assert case.public_token_sha == rating_links.digest(token)
        assert token not in str(case.payload)
        assert case.payload[rating_links.DIGEST_FIELD] == rating_links.digest(token)
        stored = session.execute(select(Event.payload).where(Event.case_id == result.case_id)).scalars().all()
        assert stored and all(token not in str(payload) for payload in stored)


def test_names_and_numbers_are_masked_as_the_standard_shows_them():
    assert [mask_name(n) for n in ("王五", "张三丰", "欧阳明月", "司马相如君", "李")] == [
        "王*",
        "张*丰",
        "欧阳**",
        "司马***",
        "*",
    ]
    assert mask_name("潍坊市某某科技有限公司", organisation=True) == "潍坊*******公司"
    assert mask_case_no("37070200000020261122A1B20007") == "370702******0007"
    assert mask_case_no("3707-0200-0000") == "370702******0000"


def test_the_pages_templates_and_stylesheet_ship_in_the_package():
    config = configparser.ConfigParser()
    config.read(Path(__file__).resolve().parents[2] / "setup.cfg", encoding="utf-8")
    patterns = [p.strip() for p in config["options.package_data"]["sync.server.public"].split(",")]
    root = TEMPLATES_DIR.parent
    files = [f.relative_to(root).as_posix() for d in (TEMPLATES_DIR, STATIC_DIR) for f in d.rglob("*") if f.is_file()]
    assert {"templates/progress.html", "templates/not_found.html", "static/public.css"} <= set(files)
    assert [f for f in files if not any(fnmatch.fnmatch(f, p) for p in patterns)] == []
