"""`onewindow kiosk`: the hall's ticket kiosk (取号机) on an enrolled machine."""

from __future__ import annotations

import argparse


def register(sub) -> None:
    kiosk = sub.add_parser("kiosk", help="取号机：全屏触摸取号、读身份证（老年人优先）、打印号票（需已登记）")
    kiosk.add_argument("--data-dir")
    kiosk.add_argument("--devices", choices=("usb", "virtual"), default="usb")
    kiosk.add_argument(
        "--public-url",
        default="",
        help="群众手机访问后台的地址（号票二维码的前缀），默认为登记时的后台地址",
    )
    kiosk.add_argument("--windowed", action="store_true", help="调试用：不全屏")
    kiosk.add_argument(
        "--dev-plaintext",
        action="store_true",
        help="开发用：本机数据不加密，仅用于没有系统密钥环的开发机",
    )
    kiosk.set_defaults(handler=_kiosk)


def _kiosk(args: argparse.Namespace) -> int:
    from client import app
    from client.commands.window import data_dir
    from client.kiosk.launch import run_kiosk
    from client.logsetup import configure_file_log

    configure_file_log(data_dir(args.data_dir))
    config = app.ClientConfig(data_dir=data_dir(args.data_dir), devices=args.devices, plaintext=args.dev_plaintext)
    runtime = app.build_runtime(config)
    try:
        if not runtime.enrolment.enrolled():
            print("本机尚未登记到后台，请先执行：onewindow enrol --server <地址> --code <登记码>")
            return 1
        return run_kiosk(runtime, config, public_base=args.public_url, fullscreen=not args.windowed)
    finally:
        runtime.close()
