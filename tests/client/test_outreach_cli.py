"""`onewindow outreach load|show|mailing` on an enrolled laptop against the live back office."""

from __future__ import annotations

import datetime as dt

from client.app import ClientConfig, build_runtime
from client.cli import main
from sync.server import outreach as server_outreach


def test_the_run_is_loaded_and_shown_on_the_command_line(tmp_path, live_server, capsys):
    data_dir = tmp_path / "bus"
    runtime = build_runtime(ClientConfig(data_dir=data_dir, devices="none"))
    runtime.enrolment.enrol(live_server.url, live_server.enrol_code, "直通车笔记本")
    runtime.close()
    day = dt.date(2026, 11, 28)
    run = server_outreach.plan_run(
        live_server.db_url,
        live_server.hall.org_code,
        day,
        "370702103000",
        [live_server.clerk],
        area_name="乐埠山生态发展区",
    )
    server_outreach.add_appointment(
        live_server.db_url,
        run.id,
        name="王秀英",
        address="乐埠山东村3排5号",
        matter_code="370702-GG-0038",
        phone="13905360000",
        booked_via="村级代办点",
    )

    assert main(["outreach", "show", "--data-dir", str(data_dir)]) == 0
    assert "请先执行：onewindow outreach load" in capsys.readouterr().out
    assert main(["outreach", "load", "2026-11-27", "--data-dir", str(data_dir)]) == 1
    assert "没有2026年11月27日的直通车行程" in capsys.readouterr().out
    assert main(["outreach", "load", day.isoformat(), "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert "2026-11-28 乐埠山生态发展区：预约1件" in out and "王秀英" in out and "待上门" in out
    assert "可离线办理" in out
    assert main(["outreach", "show", day.isoformat(), "--data-dir", str(data_dir)]) == 0
    assert "城乡居民基本养老保险参保登记" in capsys.readouterr().out
    assert main(["outreach", "mailing", "--data-dir", str(data_dir)]) == 0
    assert "共 0 件待邮寄（邮寄费用由政府承担）" in capsys.readouterr().out
