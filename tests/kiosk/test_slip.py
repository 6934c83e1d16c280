"""The printed ticket fits both paper widths, a long office name and a booking line included."""

from __future__ import annotations

import datetime as dt

import pytest

from client.domain.paper import QRCode, TextLine
from reports.columns import display_width
from reports.queue_slip import SlipData, slip_layout
from sync import protocol


@pytest.mark.parametrize("width_mm", [80, 58])
def test_every_line_fits_the_paper(width_mm):
    data = SlipData(
        "潍坊市潍城区政务服务中心（市民之家）三楼综合受理大厅",
        "P012",
        "综合受理",
        "老年人优先",
        17,
        dt.datetime(2026, 12, 3, 9, 5, tzinfo=protocol.CST),
        "https://hall.example.gov.cn/q/Xq3vN8bT2kLmP5wRz7YcAg",
        "已签到预约（09:00 时段）：不动产登记资料查询",
    )
    layout = slip_layout(data, width_mm)
    lines = [e for e in layout.elements if isinstance(e, TextLine)]
    assert all(display_width(line.text) * line.size <= layout.width_chars for line in lines)
    text = "\n".join(line.text for line in lines)
    for part in ("P012", "综合受理", "【老年人优先】", "前面还有 17 人等候", "2026年12月3日 09:05", "09:00 时段"):
        assert part in text
    assert [e.data for e in layout.elements if isinstance(e, QRCode)] == [data.status_url]


def test_without_a_link_the_ticket_has_no_qr():
    layout = slip_layout(
        SlipData("", "A001", "综合受理", "", 0, dt.datetime(2026, 12, 3, 9, 5, tzinfo=protocol.CST), "")
    )
    assert not any(isinstance(e, QRCode) for e in layout.elements)
    assert "前面暂无人等候" in [e.text for e in layout.elements if isinstance(e, TextLine)]
    assert "微信扫码查看排队进度" not in [e.text for e in layout.elements if isinstance(e, TextLine)]
