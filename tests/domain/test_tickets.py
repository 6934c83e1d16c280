"""Who gets a priority ticket, and whose turn it is."""

from __future__ import annotations

import datetime as dt

import pytest

from client.domain.identity import id_check_char
from client.domain.tickets import age_on, priority_for, priority_turn, ticket_label

DAY = dt.date(2026, 11, 23)


def ident(birth: str) -> str:
    first17 = f"370702{birth}001"
    return first17 + id_check_char(first17)


def test_age_counts_the_birthday():
    assert age_on(dt.date(1961, 11, 23), DAY) == 65
    assert age_on(dt.date(1961, 11, 24), DAY) == 64


def test_priority_from_the_birth_date_or_the_green_channel():
    assert priority_for(ident("19611123"), False, DAY).reason == "elderly"
    assert not priority_for(ident("19611124"), False, DAY).priority
    assert priority_for(ident("19900101"), True, DAY).reason == "green_channel"
    assert priority_for(None, False, DAY).message == ""
    with pytest.raises(ValueError, match="校验位"):
        priority_for(
            ident("19611123")[:-1] + "0" if not ident("19611123").endswith("0") else ident("19611123")[:-1] + "1",
            False,
            DAY,
        )


def test_two_priority_calls_in_a_row_at_most_while_others_wait():
    assert priority_turn([], True, True) is True
    assert priority_turn([True], True, True) is True
    assert priority_turn([True, True, False], True, True) is False
    assert priority_turn([True, True], True, False) is True  # nobody else waits
    assert priority_turn([False, True, True], True, True) is True
    assert priority_turn([], False, True) is False
    assert priority_turn([True], False, False) is None
    assert ticket_label("P", 7) == "P007"


def test_window_numbers_as_typed():
    from client.domain.tickets import window_number

    assert [window_number(t) for t in ("3", " 3号 ", "12号窗口", "B2")] == ["3", "3", "12", "B2"]
    for bad in ("", "三号", "123456789"):
        with pytest.raises(ValueError, match="请填写窗口号"):
            window_number(bad)
