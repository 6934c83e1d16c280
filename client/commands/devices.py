"""`onewindow devices list|test-print|read-card|scan|rate`: the hall IT staff's checks.

`--virtual` runs every check against the virtual devices, so staff can learn the
commands (and a support call can be rehearsed) without hardware on the desk.
"""

from __future__ import annotations

import argparse
import sys
import time

from client.domain.ratings import reason_label


def register(sub) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--virtual", action="store_true", help="使用虚拟设备（无需硬件）")
    devices = sub.add_parser("devices", help="外设检测：列出设备、测试打印、读卡、扫描、评价")
    actions = devices.add_subparsers(dest="devices_command", required=True)

    listing = actions.add_parser("list", parents=[common], help="列出已连接的外设及状态")
    listing.set_defaults(handler=_list)

    test_print = actions.add_parser("test-print", parents=[common], help="打印一张测试小票")
    test_print.add_argument("--png", help="虚拟打印机：把打印结果保存为 PNG")
    test_print.set_defaults(handler=_test_print)

    read_card = actions.add_parser("read-card", parents=[common], help="读取一张身份证")
    read_card.add_argument("--timeout", type=float, default=15.0, help="等待放卡的秒数")
    read_card.add_argument("--serial", metavar="PORT", help="串口阅读器，如 /dev/ttyUSB0 或 COM3")
    read_card.add_argument("--card", type=int, default=0, help="虚拟阅读器：放置第几张样卡（从 0 起）")
    read_card.add_argument("--full", action="store_true", help="显示完整证件号码")
    read_card.set_defaults(handler=_read_card)

    scan = actions.add_parser("scan", parents=[common], help="扫描或导入材料并生成 PDF")
    scan.add_argument("--source", default="sane", help="sane | uvc | twain | virtual | 图片文件或文件夹路径")
    scan.add_argument("--pages", default="text", help="虚拟扫描仪：页面类型，逗号分隔 text,blank,blurred")
    scan.add_argument("--out", default="scan.pdf", help="输出的 PDF 文件")
    scan.set_defaults(handler=_scan)

    rate = actions.add_parser("rate", parents=[common], help="请办事人在评价器上评价")
    rate.add_argument("--port", default="/dev/ttyUSB1", help="评价器串口")
    rate.add_argument(
        "--level",
        type=int,
        default=4,
        choices=range(1, 6),
        help="虚拟评价器自动给出的评价（5=非常满意 … 1=非常不满意）",
    )
    rate.add_argument("--timeout", type=float, default=30.0)
    rate.set_defaults(handler=_rate)


def _fail(exc) -> int:
    print(getattr(exc, "message", str(exc)), file=sys.stderr)
    return 2


def _list(args: argparse.Namespace) -> int:
    from devices.config import VIRTUAL_PRINTER, VIRTUAL_READER, PrinterConfig, ReaderConfig
    from devices.errors import DeviceError
    from devices.manager import default_specs, discover
    from devices.scanners import optional_adapters

    if args.virtual:
        from devices.virtual import start_virtual_hardware

        hardware = start_virtual_hardware()
        specs, backend = default_specs(VIRTUAL_PRINTER, VIRTUAL_READER), hardware.backend
        extras = [("评价器", "虚拟评价器（串口）", "已连接"), ("高拍仪", hardware.scanner.name, "已就绪")]
    else:
        specs, backend, extras = default_specs(PrinterConfig(), ReaderConfig()), None, []
    try:
        found = discover(specs, backend)
    except DeviceError as exc:
        return _fail(exc)
    print("USB 外设：")
    seen_roles = set()
    for dev in found:
        seen_roles.add(dev.spec.role)
        state = "已连接" if dev.readable else "无访问权限（需配置 udev 规则，见 docs/devices.md）"
        print(f"  {dev.spec.kind}  {dev.ids}  总线{dev.bus:03d}/地址{dev.address:03d}  {dev.product or '-'}  {state}")
    for spec in specs:
        if spec.role not in seen_roles:
            seen_roles.add(spec.role)
            print(f"  {spec.kind}  未检测到")
    for kind, name, state in extras:
        print(f"  {kind}  {name}  {state}")
    print("扫描/高拍仪驱动：")
    for adapter in optional_adapters():
        status = adapter.status()
        print(f"  {adapter.name}  {'可用' if status.available else '不可用'}：{status.message}")
    if not args.virtual:
        from serial.tools import list_ports

        ports = list(list_ports.comports())
        print("串口：" + ("" if ports else "无"))
        for port in ports:
            print(f"  {port.device}  {port.description}")
    return 0


def _test_layout():
    from client.domain.paper import Barcode, Cut, Feed, QRCode, ReceiptLayout, Rule, TextLine

    return ReceiptLayout(
        80,
        48,
        (
            TextLine("一窗通 打印测试", align="center", bold=True, size=2),
            Rule(),
            TextLine(time.strftime("时间：%Y-%m-%d %H:%M:%S")),
            TextLine("中文：综合窗口无差别受理（全角标点：，。）"),
            TextLine("生僻字：王䶮 𪚥"),
            QRCode("https://example.gov.cn/onewindow/test", size=6),
            Barcode("ONEWINDOW0001"),
            TextLine("打印正常请撕下本小票", align="center"),
            Feed(3),
            Cut(),
        ),
    )


def _test_print(args: argparse.Namespace) -> int:
    from devices.config import VIRTUAL_PRINTER, PrinterConfig, open_printer
    from devices.errors import DeviceError

    hardware = None
    if args.virtual:
        from devices.virtual import start_virtual_hardware

        hardware = start_virtual_hardware()
        printer = open_printer(VIRTUAL_PRINTER, hardware.backend)
    else:
        printer = open_printer(PrinterConfig())
    try:
        sent = printer.print_layout(_test_layout())
    except DeviceError as exc:
        return _fail(exc)
    finally:
        printer.close()
    print(f"已发送 {sent} 字节到小票打印机")
    if hardware is not None:
        print(hardware.printer.last_receipt().text)
        if args.png:
            with open(args.png, "wb") as out:
                out.write(hardware.printer.last_png())
            print(f"打印效果已保存：{args.png}")
    return 0


def _describe_card(card, full: bool) -> list[str]:
    from client.domain.identity import mask_id_number
    from devices.cardkinds import kind_of

    number = card.id_number if full else mask_id_number(card.id_number)
    lines = [
        f"证件类型：{kind_of(card).label}",
        f"姓名：{card.name}",
        f"性别：{card.sex}",
        f"民族/国籍：{card.nation or '-'}",
        f"出生日期：{card.birth_date}",
        f"住址：{card.address or '-'}",
        f"证件号码：{number}",
        f"签发机关：{card.authority}",
        f"有效期限：{card.valid_from}-{card.valid_to}",
        f"照片数据：{len(card.photo_wlt)} 字节（WLT）",
    ]
    for extra in ("permit_number", "issue_count", "english_name"):
        if getattr(card, extra, ""):
            label = {"permit_number": "通行证号码", "issue_count": "签发次数", "english_name": "英文姓名"}
            lines.append(f"{label[extra]}：{getattr(card, extra)}")
    return lines


def _read_card(args: argparse.Namespace) -> int:
    from devices.config import VIRTUAL_READER, ReaderConfig, SerialReaderConfig, open_reader, open_serial_reader
    from devices.errors import CardReadError, DeviceError

    if args.virtual:
        from devices.virtual import DECK, start_virtual_hardware

        hardware = start_virtual_hardware()
        reader = open_reader(VIRTUAL_READER, hardware.backend)
        hardware.reader.place_card(DECK[args.card % len(DECK)])
    elif args.serial:
        reader = open_serial_reader(SerialReaderConfig(args.serial))
    else:
        reader = open_reader(ReaderConfig())
    print("请将身份证放在阅读器上……")
    deadline = time.monotonic() + args.timeout
    try:
        while time.monotonic() < deadline:
            try:
                card = reader.poll()
            except CardReadError as exc:
                print(exc.message)
                card = None
            if card is not None:
                print("\n".join(_describe_card(card, args.full)))
                return 0
            time.sleep(0.3)  # readers must not be polled faster
    except DeviceError as exc:
        return _fail(exc)
    finally:
        reader.close()
    print("等待超时：未读到身份证（已读过的证件需拿起后重新放置）", file=sys.stderr)
    return 1


def _scan_adapter(args: argparse.Namespace):
    from devices import scanners

    source = "virtual" if args.virtual else args.source
    if source == "virtual":
        from devices.virtual.scanner import VirtualScanner

        adapter = VirtualScanner()
        adapter.feed(*[p.strip() for p in args.pages.split(",") if p.strip()])
        return adapter
    named = {"sane": scanners.SaneScanner, "uvc": scanners.UvcCamera, "twain": scanners.TwainScanner}
    if source in named:
        return named[source]()
    return scanners.FileImport(source)


def _scan(args: argparse.Namespace) -> int:
    from devices.errors import DeviceError
    from devices.scan_pages import material_pdf, normalise

    try:
        adapter = _scan_adapter(args)
    except ValueError:
        print("页面类型只能是 text、blank 或 blurred", file=sys.stderr)
        return 2
    try:
        pages = [normalise(raw) for raw in adapter.acquire()]
    except DeviceError as exc:
        return _fail(exc)
    for number, page in enumerate(pages, 1):
        note = "；".join(page.warnings) or "正常"
        print(f"第{number}页  {page.width}×{page.height} 像素 300dpi  {note}")
    with open(args.out, "wb") as out:
        out.write(material_pdf(pages))
    print(f"已生成 PDF：{args.out}（{len(pages)} 页）")
    return 0


def _rate(args: argparse.Namespace) -> int:
    from devices.errors import DeviceError
    from devices.rating import RatingLevel
    from devices.rating_pad import SerialRatingPad
    from devices.serial_transport import SerialTransport

    if args.virtual:
        from devices.virtual.rating_pad import VirtualRatingPad

        pad_device = VirtualRatingPad(auto=RatingLevel(args.level))
        transport = SerialTransport("virtual", kind="评价器", port_factory=pad_device.connect)
    else:
        transport = SerialTransport(args.port, baudrate=9600, kind="评价器")
    pad = SerialRatingPad(transport)
    try:
        pad.request("TEST" + time.strftime("%H%M%S"))
        print("请办事人在评价器上评价……")
        level = pad.wait_result(args.timeout)
    except DeviceError as exc:
        return _fail(exc)
    finally:
        pad.close()
    if level is None:
        print("等待超时：办事人未评价", file=sys.stderr)
        return 1
    reason = pad.reason() if level.is_negative else ""
    print(
        f"评价结果：{level.label}"
        + ("（差评）" if level.is_negative else "")
        + (f"，原因：{reason_label(reason)}" if reason else "")
    )
    return 0
