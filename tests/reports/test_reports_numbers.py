"""Document numbers and Chinese dates as printed."""

from __future__ import annotations

import datetime as dt

import pytest

from reports.errors import ReportError
from reports.numbers import chinese_date, chinese_datetime, doc_number


def test_doc_number_uses_hexagonal_brackets_and_six_digits():
    assert doc_number("潍城审受字", 2026, 123) == "潍城审受字〔2026〕第000123号"
    assert doc_number("潍城审受字", 2027, 1, digits=4) == "潍城审受字〔2027〕第0001号"


@pytest.mark.parametrize(
    ("prefix", "year", "seq"),
    [("", 2026, 1), ("潍城审受字", 26, 1), ("潍城审受字", 2026, 0), ("潍城审受字", 2026, 10**6)],
)
def test_bad_doc_number_parts_are_clerk_errors(prefix, year, seq):
    with pytest.raises(ReportError) as err:
        doc_number(prefix, year, seq)
    assert "文书编号" in err.value.message


def test_dates_are_written_without_zero_padding():
    assert chinese_date(dt.date(2026, 1, 5)) == "2026年1月5日"
    assert chinese_date(dt.date(2026, 11, 22)) == "2026年11月22日"
    assert chinese_datetime(dt.datetime(2026, 3, 4, 8, 7)) == "2026年3月4日 08:07"
