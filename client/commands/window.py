"""`onewindow demo|run|enrol|sync`: the window and joining a back office."""

from __future__ import annotations

import argparse
from pathlib import Path


def data_dir(arg: str | None) -> Path:
    from platformdirs import user_data_dir

    return Path(arg) if arg else Path(user_data_dir("onewindow")) / "client"


def register(sub) -> None:
    demo = sub.add_parser("demo", help="演示模式：内置后台、演示账号、虚拟设备（make run）")
    demo.add_argument("--port", type=int, default=8765)
    demo.set_defaults(handler=_demo)
    run = sub.add_parser("run", help="打开窗口（需已登记）")
    run.add_argument("--data-dir")
    run.add_argument("--devices", choices=("usb", "virtual", "none"), default="usb")

    run.set_defaults(handler=_run)
    enrol = sub.add_parser("enrol", help="用管理员发放的登记码将本机登记到后台")
    enrol.add_argument("--server", required=True)
    enrol.add_argument("--code", required=True)
    enrol.add_argument("--data-dir")
    enrol.add_argument(
        "--pin-sha256",
        default="",
        help="后台服务器证书的 SHA-256 指纹（openssl x509 -noout -fingerprint -sha256 的输出）；"
        "给出后本机只接受该证书，每次连接都核对",
    )
    enrol.set_defaults(handler=_enrol)
    sync = sub.add_parser("sync", help="立即同步一次并显示结果")
    sync.add_argument("--data-dir")
    sync.set_defaults(handler=_sync)
    for parser in (run, enrol, sync):
        parser.add_argument(
            "--dev-plaintext",
            action="store_true",
            help="开发用：本机数据不加密（窗口标题会注明），仅用于没有系统密钥环的开发机",
        )


def _demo(args: argparse.Namespace) -> int:
    from platformdirs import user_data_dir

    from client import app
    from client.logsetup import configure_file_log

    configure_file_log(Path(user_data_dir("onewindow")) / "demo")
    return app.run_demo(args.port)


def _runtime(args: argparse.Namespace, devices: str = "none"):
    from client import app
    from client.logsetup import configure_file_log

    configure_file_log(data_dir(args.data_dir))
    config = app.ClientConfig(data_dir=data_dir(args.data_dir), devices=devices, plaintext=args.dev_plaintext)
    return config, app.build_runtime(config)


def _run(args: argparse.Namespace) -> int:
    from client import app

    config, runtime = _runtime(args, args.devices)
    try:
        if not runtime.enrolment.enrolled():
            print("本机尚未登记到后台，请先执行：onewindow enrol --server <地址> --code <登记码>")
            return 1
        return app.run_window(runtime, config)
    finally:
        runtime.close()


def _enrol(args: argparse.Namespace) -> int:
    _, runtime = _runtime(args)
    try:
        ident = runtime.enrolment.enrol(args.server, args.code, pin_sha256=args.pin_sha256)
        print(f"登记成功：{ident.org_name}，设备编号 {ident.device_code}")
        return 0
    finally:
        runtime.close()


def _sync(args: argparse.Namespace) -> int:
    _, runtime = _runtime(args)
    try:
        status = runtime.services.sync.sync_now()
        print(f"同步：{status.label}" + (f"（{status.error}）" if status.error else ""))
        wiped = runtime.erase_if_ordered()
        if wiped is not None:
            print("已按后台指令擦除本机数据" + ("，并已回报后台" if wiped.acknowledged else "，下次启动时回报后台"))
            return 1
        return 0 if not status.error else 1
    finally:
        runtime.close()
