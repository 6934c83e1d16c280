"""Counter settings: validated, remembered, and applied to the paper at once."""

from __future__ import annotations

import dataclasses

import pytest

from client.domain.identity import Applicant
from client.services.errors import ServiceError
from client.services.intake import IntakeDraft, MaterialInput


@pytest.fixture
def clerk(enrolled_runtime, live_server):
    return enrolled_runtime.services.auth.login(live_server.clerk, live_server.password)


def _accept(services, clerk):
    matter = services.intake.search("养老")[0]
    draft = IntakeDraft(
        Applicant("王秀英", "身份证", "11010519491231002X"),
        matter.code,
        tuple(MaterialInput(s.code, True) for s in matter.materials),
    )
    return services.intake.accept(draft, clerk)


def test_58mm_receipts_fit_32_columns(enrolled_runtime, clerk):
    services = enrolled_runtime.services
    prefs = services.preferences.load()
    services.preferences.save(dataclasses.replace(prefs, receipt_format="58"))
    assert services.preferences.load().receipt_format == "58"
    _accept(services, clerk)
    lines = enrolled_runtime.hardware.printer.last_receipt().lines
    widths = [sum(2 if ord(ch) > 0x7F else 1 for ch in line.text) * line.size for line in lines]
    assert lines and max(widths) <= 32


def test_a4_mode_writes_a_receipt_pdf_instead_of_printing(enrolled_runtime, clerk):
    services = enrolled_runtime.services
    jobs_before = len(enrolled_runtime.hardware.printer.jobs)
    services.preferences.save(dataclasses.replace(services.preferences.load(), receipt_format="A4"))
    result = _accept(services, clerk)
    assert result.printed
    assert len(enrolled_runtime.hardware.printer.jobs) == jobs_before
    assert (result.notice_pdf.parent / f"{result.case_no}-收件凭证.pdf").stat().st_size > 1000


@pytest.mark.parametrize(
    "change, message",
    [
        ({"receipt_format": "110"}, "小票格式"),
        ({"font_size": 40}, "字号"),
        ({"lock_minutes": 0}, "锁屏"),
        ({"server_url": "zwfw.example"}, "地址格式不正确"),
    ],
)
def test_bad_values_are_refused_and_nothing_changes(enrolled_runtime, change, message):
    prefs = enrolled_runtime.services.preferences
    before = prefs.load()
    with pytest.raises(ServiceError, match=message):
        prefs.save(dataclasses.replace(before, **change))
    assert prefs.load() == before


def test_a_new_server_address_is_used_by_the_next_sync(enrolled_runtime, live_server):
    services = enrolled_runtime.services
    services.preferences.save(dataclasses.replace(services.preferences.load(), server_url="http://127.0.0.1:9"))
    assert "无法连接" in services.sync.sync_now().error
    services.preferences.save(dataclasses.replace(services.preferences.load(), server_url=live_server.url + "/"))
    assert services.sync.sync_now().error == ""
    assert services.preferences.load().server_url == live_server.url
