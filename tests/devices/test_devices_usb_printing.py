"""A whole receipt through ReceiptPrinter → UsbTransport → pyusb → virtual printer."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from client.domain.paper import Cut, ReceiptLayout, TextLine
from devices.config import VIRTUAL_PRINTER, open_printer
from devices.errors import DeviceNotFound, DevicePermissionDenied, PaperOut, PrinterNotReady
from devices.escpos import encode_receipt


def test_receipt_printed_over_usb_decodes_back(printer, virtual_hardware, acceptance_receipt):
    sent = printer.print_layout(acceptance_receipt)
    assert sent == len(encode_receipt(acceptance_receipt))
    receipt = virtual_hardware.printer.last_receipt()
    assert receipt.lines[0].text == "某某县政务服务中心"
    assert "申请人：王秀英（110105********002X）" in receipt.text
    assert receipt.qr_codes == ("https://zwfw.example.gov.cn/q?no=3401022024110100010001",)
    assert receipt.barcodes == ("3401022024110100010001",)
    assert receipt.cuts == 1
    assert len(virtual_hardware.printer.jobs) == 1


def test_two_jobs_are_kept_apart(printer, virtual_hardware):
    for name in ("甲", "乙"):
        printer.print_layout(ReceiptLayout(80, 48, (TextLine(name), Cut())))
    assert len(virtual_hardware.printer.jobs) == 2
    assert virtual_hardware.printer.last_receipt().text == "乙"


def test_rare_name_prints_as_image_over_usb(printer, virtual_hardware, cjk_font, tmp_path):
    layout = ReceiptLayout(
        80,
        48,
        (TextLine("收件凭证", align="center", bold=True, size=2), TextLine("申请人：王\u4dae", align="center"), Cut()),
    )
    printer.print_layout(layout)
    receipt = virtual_hardware.printer.last_receipt()
    assert receipt.text == "收件凭证"
    assert len(receipt.images) == 1 and not receipt.images[0].is_blank()
    png = virtual_hardware.printer.last_png()
    (tmp_path / "rare.png").write_bytes(png)
    assert Image.open(io.BytesIO(png)).width == 576


def test_status_of_a_ready_printer(printer):
    status = printer.status()
    assert status.ready and not status.paper_out


def test_paper_out_refuses_the_job_with_a_chinese_message(printer, virtual_hardware, acceptance_receipt):
    virtual_hardware.printer.set_paper_out()
    with pytest.raises(PaperOut) as err:
        printer.print_layout(acceptance_receipt)
    assert err.value.message == "打印机缺纸，请装入热敏纸后重新打印"
    assert virtual_hardware.printer.jobs == []
    virtual_hardware.printer.set_paper_out(False)
    printer.print_layout(acceptance_receipt)
    assert len(virtual_hardware.printer.jobs) == 1


def test_cover_open_is_not_ready(printer, virtual_hardware):
    virtual_hardware.printer.set_cover_open()
    with pytest.raises(PrinterNotReady) as err:
        printer.print_layout(ReceiptLayout(80, 48, (TextLine("x"),)))
    assert "纸仓盖" in err.value.message


def test_unplugged_printer_is_not_found_then_recovers(printer, virtual_hardware, acceptance_receipt):
    printer.print_layout(acceptance_receipt)
    virtual_hardware.unplug(virtual_hardware.printer)
    with pytest.raises(DeviceNotFound) as err:
        printer.print_layout(acceptance_receipt)
    assert err.value.message == "未检测到小票打印机，请检查USB连接"
    virtual_hardware.plug(virtual_hardware.printer)
    printer.print_layout(acceptance_receipt)
    assert len(virtual_hardware.printer.jobs) == 2


def test_wrong_product_string_is_not_matched(virtual_hardware):
    other = open_printer(VIRTUAL_PRINTER.__class__(product="XP-58"), virtual_hardware.backend)
    with pytest.raises(DeviceNotFound):
        other.status()


def test_missing_udev_rule_names_the_fix(printer, virtual_hardware):
    virtual_hardware.printer.deny_access = True
    with pytest.raises(DevicePermissionDenied) as err:
        printer.status()
    assert 'ATTRS{idVendor}=="0416"' in err.value.message
    assert "udev" in err.value.message
