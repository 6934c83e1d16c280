"""`onewindow outreach load|show|mailing`: the service bus's run on this laptop.

(`onewindow run` already opens the window, so the bus's runs live under `outreach`.)
"""

from __future__ import annotations

import argparse
import datetime as dt


def register(sub) -> None:
    outreach = sub.add_parser("outreach", help="政务服务入户直通车：下载行程、查看办理情况、待邮寄结果")
    actions = outreach.add_subparsers(dest="outreach_action", required=True)
    load = actions.add_parser("load", help="出发前下载当天行程（需联网），之后可离线办理")
    load.add_argument("date", nargs="?", type=dt.date.fromisoformat, help="日期 YYYY-MM-DD，默认今天")
    load.set_defaults(handler=_load)
    show = actions.add_parser("show", help="显示本机行程与每个预约的办理情况")
    show.add_argument("date", nargs="?", type=dt.date.fromisoformat, help="日期 YYYY-MM-DD，默认全部")
    show.set_defaults(handler=_show)
    mailing = actions.add_parser("mailing", help="直通车办件中结果待邮寄的（邮寄费用由政府承担）")
    mailing.set_defaults(handler=_mailing)
    for parser in (load, show, mailing):
        parser.add_argument("--data-dir")
        parser.add_argument("--dev-plaintext", action="store_true", help="开发用：本机数据不加密")


def _with_service(args: argparse.Namespace, work) -> int:
    from client.commands.window import _runtime
    from client.services.errors import ServiceError

    _, runtime = _runtime(args)
    try:
        work(runtime.services.outreach)
        return 0
    except ServiceError as exc:
        print(f"错误：{exc.message}")
        return 1
    finally:
        runtime.close()


def _print_run(service, run) -> None:
    print(run.label)
    print(f"随车人员：{'、'.join(run.crew)}" + (f"  备注：{run.note}" if run.note else ""))
    for a in service.appointments(run.id):
        status = (
            a.outcome_label
            + (f" {a.case_no_display}" if a.case_no_display else "")
            + (f"（{a.reason_label}）" if a.reason_label else "")
        )
        print(f"{a.position:>3}. {a.name}  {a.phone}  {a.matter_name}  {a.address}  [{a.booked_via}]  {status}")


def _load(args: argparse.Namespace) -> int:
    def work(service):
        for run in service.load(args.date or dt.date.today()):
            _print_run(service, run)
        print("行程已保存在本机，可离线办理")

    return _with_service(args, work)


def _show(args: argparse.Namespace) -> int:
    def work(service):
        runs = service.runs(args.date)
        if not runs:
            print("本机没有直通车行程，请先执行：onewindow outreach load 日期")
        for run in runs:
            _print_run(service, run)

    return _with_service(args, work)


def _mailing(args: argparse.Namespace) -> int:
    def work(service):
        rows = service.awaiting_mail()
        for m in rows:
            print(
                f"{m.case_no_display}  {m.status_label}  {m.applicant_name}  {m.matter_name}  寄往 {m.address}  "
                f"{m.phone}（{m.run_date:%m-%d} {m.area_name}）"
            )
        print(f"共 {len(rows)} 件待邮寄（邮寄费用由政府承担）")

    return _with_service(args, work)
