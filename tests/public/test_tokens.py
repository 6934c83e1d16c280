"""Wrong or guessed tokens get one and the same "not found"; the pages are rate-limited per
client address (counted in the database, so every app process shares the count)."""

from __future__ import annotations

import logging

import httpx

from sync.server import rating_links
from sync.server.app import openapi_document
from sync.server.db import Case, PublicHit, Rating
from sync.server.public.access_log import ACCESS_LOGGER, TokenRedactor
from sync.server.public.limits import PublicLimits
from tests.public.conftest import PublicHall

LIMITS = PublicLimits()  # what the back office applies


def _as(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


def test_every_wrong_token_gets_the_identical_not_found(hall: PublicHall):
    result = hall.take_in()
    link = hall.qr_link()
    token = link.rsplit("/", 1)[1]
    with hall.sessions() as session:
        case = session.get(Case, result.case_id)
        assert case is not None and case.public_token_sha is not None
        digest, case_id = case.public_token_sha, case.id
    base = f"{hall.url}/p/"
    wrong = [
        "x",  # malformed: too short
        "not a token!",
        "%00",
        "A" * 300,
        "Xq3vN8bT2kLmP5wRz7YcAg",  # well formed, unknown
        token[:-1] + ("A" if token[-1] != "A" else "B"),  # one character off a real one
        token.upper() if token.upper() != token else token.lower(),
        result.case_no,  # a real case's number
        case_id,  # its id
        digest,  # what the back office stores
        token + "/extra",
        "",
    ]
    answers = [httpx.get(base + w, headers=_as("10.0.0.1")) for w in wrong]
    answers.append(httpx.post(base + "Xq3vN8bT2kLmP5wRz7YcAg", data={"level": "5"}, headers=_as("10.0.0.1")))
    first = answers[0]
    assert first.status_code == 404 and "未找到办件" in first.text
    for answer in answers:
        assert (answer.status_code, answer.content) == (404, first.content), answer.url
        assert answer.headers["content-type"] == first.headers["content-type"]
    assert result.case_no[-4:] not in first.text
    # The real token still opens its page.
    assert httpx.get(link, headers=_as("10.0.0.2")).status_code == 200


def test_guessing_is_cut_off_and_then_every_token_gets_429(hall: PublicHall):
    hall.take_in()
    link = hall.qr_link()
    guesser = _as("203.0.113.7")
    for n in range(LIMITS.misses):
        guess = f"{n:022d}"
        assert httpx.get(f"{hall.url}/p/{guess}", headers=guesser).status_code == 404
    refused = httpx.get(f"{hall.url}/p/{'9' * 22}", headers=guesser)
    assert refused.status_code == 429 and "访问过于频繁" in refused.text and int(refused.headers["retry-after"]) > 0
    # Now even the right token gives the guesser 429: a hit cannot be told from a miss.
    assert httpx.get(link, headers=guesser).status_code == 429
    assert httpx.post(link, data={"level": "5"}, headers=guesser).status_code == 429
    # Another address is not affected.
    assert httpx.get(link, headers=_as("198.51.100.9")).status_code == 200
    # The count is kept in the database (shared by app processes), by address digest only.
    with hall.sessions() as session:
        keys = [row.key for row in session.query(PublicHit)]
    assert keys and not any("203.0.113.7" in key for key in keys)


def test_every_request_counts_towards_the_addresss_budget(hall: PublicHall):
    hall.take_in()
    link = hall.qr_link()
    reader = _as("192.0.2.44")
    with httpx.Client(headers=reader) as client:
        codes = [client.get(link).status_code for _ in range(LIMITS.requests)]
        assert set(codes) == {200}
        assert client.get(link).status_code == 429
    assert httpx.get(link, headers=_as("192.0.2.45")).status_code == 200


def test_a_large_post_is_refused_before_anything_is_stored(hall: PublicHall):
    result = hall.take_in()
    link = hall.qr_link()
    answer = httpx.post(link, data={"level": "5", "comment": "好" * 5000}, headers=_as("10.9.9.9"))
    assert answer.status_code == 413 and "提交的内容过多" in answer.text
    form = {**_as("10.9.9.8"), "Content-Type": "application/x-www-form-urlencoded"}
    too_big = httpx.post(link, content=b"level=5&c=" + b"x" * 70_000, headers=form)  # the app's body bound
    assert too_big.status_code == 413
    with hall.sessions() as session:
        case = session.get(Case, result.case_id)
        assert case is not None and case.public_token_sha == rating_links.digest(link.rsplit("/", 1)[1])
        assert session.query(Rating).filter(Rating.case_id == result.case_id, Rating.channel == "web").count() == 0


def test_the_access_log_never_holds_a_token():
    """uvicorn's access line for /p/<token> shows /p/<token>, literally."""
    openapi_document()  # builds the app, which installs the filter
    redactors = [f for f in logging.getLogger(ACCESS_LOGGER).filters if isinstance(f, TokenRedactor)]
    assert len(redactors) == 1
    record = logging.LogRecord(
        ACCESS_LOGGER,
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("10.0.0.1:5000", "GET", "/p/Xq3vN8bT2kLmP5wRz7YcAg", "1.1", 200),
        None,
    )
    assert redactors[0].filter(record)
    assert "Xq3vN8bT2kLmP5wRz7YcAg" not in record.getMessage() and "/p/<token>" in record.getMessage()
