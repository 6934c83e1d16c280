"""`onewindow devices …` against the virtual devices, as hall IT staff would run it."""

from __future__ import annotations

import pytest

from client.cli import main


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_list_shows_virtual_devices_and_missing_drivers(capsys):
    assert main(["devices", "list", "--virtual"]) == 0
    out = capsys.readouterr().out
    assert "小票打印机  0416:5011" in out and "Virtual IDR210 ID Card Reader  已连接" in out
    assert "扫描仪（SANE）" in out


def test_test_print_saves_what_the_printer_received(in_tmp, capsys):
    assert main(["devices", "test-print", "--virtual", "--png", "receipt.png"]) == 0
    out = capsys.readouterr().out
    assert "一窗通 打印测试" in out
    assert (in_tmp / "receipt.png").read_bytes().startswith(b"\x89PNG")


def test_read_card_masks_the_number_unless_asked(capsys):
    assert main(["devices", "read-card", "--virtual", "--card", "0"]) == 0
    out = capsys.readouterr().out
    assert "姓名：王秀英" in out and "证件号码：110105********002X" in out
    assert main(["devices", "read-card", "--virtual", "--card", "7", "--full"]) == 0
    out = capsys.readouterr().out
    assert "外国人永久居留身份证" in out and "CAN110080021501" in out


def test_scan_writes_one_pdf_and_warns_per_page(in_tmp, capsys):
    assert main(["devices", "scan", "--virtual", "--pages", "text,blurred", "--out", "m.pdf"]) == 0
    out = capsys.readouterr().out
    assert "第1页" in out and "图像模糊" in out
    assert (in_tmp / "m.pdf").read_bytes().startswith(b"%PDF-")


def test_scan_with_missing_driver_says_not_installed(in_tmp, capsys, monkeypatch):
    from devices import scanners

    monkeypatch.setattr(scanners.importlib.util, "find_spec", lambda name: None)
    assert main(["devices", "scan", "--source", "sane"]) == 2
    assert "未安装 python-sane" in capsys.readouterr().err


def test_rate_with_the_virtual_pad(capsys):
    assert main(["devices", "rate", "--virtual", "--level", "1"]) == 0
    assert "评价结果：非常不满意（差评）" in capsys.readouterr().out


def test_devices_without_an_action_is_a_usage_error():
    with pytest.raises(SystemExit):
        main(["devices"])
