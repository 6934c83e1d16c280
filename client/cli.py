"""`onewindow`: the clerk's program and its administration subcommands.

The CLI only parses arguments and calls the library (client.app and services).
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path


def _data_dir(arg: str | None) -> Path:
    from platformdirs import user_data_dir

    return Path(arg) if arg else Path(user_data_dir("onewindow")) / "client"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="onewindow", description="一窗通 综合窗口受理系统")
    parser.add_argument("-v", "--verbose", action="store_true", help="verbose log on stderr")
    sub = parser.add_subparsers(dest="command")
    demo = sub.add_parser("demo", help="演示模式：内置后台、演示账号、虚拟设备（make run）")
    demo.add_argument("--port", type=int, default=8765)
    run = sub.add_parser("run", help="打开窗口（需已登记）")
    run.add_argument("--data-dir")
    run.add_argument("--devices", choices=("usb", "virtual", "none"), default="usb")
    enrol = sub.add_parser("enrol", help="用管理员发放的登记码将本机登记到后台")
    enrol.add_argument("--server", required=True)
    enrol.add_argument("--code", required=True)
    enrol.add_argument("--data-dir")
    sync = sub.add_parser("sync", help="立即同步一次并显示结果")
    sync.add_argument("--data-dir")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from client import app
    from client.services.errors import ServiceError

    try:
        if args.command in (None, "demo"):
            return app.run_demo(getattr(args, "port", 8765))
        config = app.ClientConfig(data_dir=_data_dir(args.data_dir),
                                  devices=getattr(args, "devices", "none") if args.command == "run" else "none")
        runtime = app.build_runtime(config)
        try:
            if args.command == "enrol":
                ident = runtime.enrolment.enrol(args.server, args.code)
                print(f"登记成功：{ident.org_name}，设备编号 {ident.device_code}")
                return 0
            if args.command == "sync":
                status = runtime.services.sync.sync_now()
                print(f"同步：{status.label}" + (f"（{status.error}）" if status.error else ""))
                return 0 if not status.error else 1
            if not runtime.enrolment.enrolled():
                print("本机尚未登记到后台，请先执行：onewindow enrol --server <地址> --code <登记码>")
                return 1
            return app.run_window(runtime, config)
        finally:
            runtime.close()
    except ServiceError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    except Exception as exc:  # the keyring, a full disk: say it plainly, log the rest
        message = getattr(exc, "message", None)
        if message:
            print(message, file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
