"""`onewindow-server`: the command line for administrators and approvers.

Only parses arguments, calls the library (admin, demo, runner) and prints the
answer in Chinese; a refused action prints its reason on stderr and exits 1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import logging
import sys
from pathlib import Path

from client.domain.bundles import format_bundle_no
from client.domain.case_numbers import format_case_no
from client.domain.clocks import CLOCK_WARN, describe_offset
from client.domain.release import release
from sync import protocol
from sync.transport import is_loopback

from . import admin, audit_cli, calendar_import, reports_cli, scans_cli
from .auth import ROLES
from .config import default_blob_dir, default_db_url, redacted
from .demo import DEMO_PASSWORD, DEMO_USERS, DEMO_VILLAGE_USERS, ensure_demo
from .errors import ApiError
from .password_policy import MIN_CLASSES, MIN_LENGTH, password_problem
from .publishing import PublishError
from .settings import S3Settings, ServerSettings

BY_HELP = "审批人的后台用户名：须为办件承办科室的审批人员或科室负责人（默认当前系统用户名）"
CUSTODY_LABELS = {"station": "村服务站", "in_transit": "在途", "hall": "县政务服务中心"}


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", help="数据库地址（默认 $ONEWINDOW_SERVER_DB 或用户数据目录下的 SQLite 文件）")

    parser = argparse.ArgumentParser(prog="onewindow-server", description="一窗通后台审批服务")
    parser.add_argument("--version", action="version", version=f"onewindow-server {release()}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", parents=[common], help="启动后台服务")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--blobs", help="扫描件存放目录（默认 $ONEWINDOW_SERVER_BLOBS 或数据库旁的 blobs）")
    p.add_argument(
        "--s3-endpoint",
        help="扫描件存入兼容 S3 的对象存储（如 SeaweedFS）的地址；密钥取自环境变量 "
        "ONEWINDOW_S3_ACCESS_KEY / ONEWINDOW_S3_SECRET_KEY",
    )
    p.add_argument("--s3-bucket", default="onewindow-scans", help="对象存储的存储桶（默认 onewindow-scans）")
    p.add_argument(
        "--no-access-log",
        action="store_true",
        help="不逐条记录请求（前置 nginx 已记录访问日志时使用，节省处理器时间）",
    )
    scans_cli.add_serve_options(p)
    p.add_argument(
        "--body-timeout",
        type=float,
        default=ServerSettings.body_read_timeout,
        help="请求数据中断超过此秒数即断开连接（默认 30）",
    )
    p.add_argument(
        "--forwarded-allow-ips",
        default="",
        help="只信任这些地址（前置 nginx）转发的 X-Forwarded-For，逗号分隔；默认不信任任何地址",
    )

    sub.add_parser("init-demo", parents=[common], help="创建演示机构与账号，并生成注册码")

    sub.add_parser("migrate", parents=[common], help="将数据库升级到最新结构")

    p = sub.add_parser("openapi", help="输出接口说明（OpenAPI JSON）")
    p.add_argument("--out", help="写入文件（默认输出到屏幕）")

    p = sub.add_parser("org-add", parents=[common], help="新增机构")
    p.add_argument("code")
    p.add_argument("name")
    p.add_argument("--region", required=True, help="12位区划代码")
    p.add_argument("--level", default="county", choices=admin.LEVELS)
    p.add_argument("--parent", help="上级机构代码")

    p = sub.add_parser("org-set", parents=[common], help="设置机构可查看的办件范围")
    p.add_argument("code")
    scope = p.add_mutually_exclusive_group(required=True)
    scope.add_argument("--sees-subunits", action="store_true", help="本机构设备可查看所有下级机构的办件（如县级大厅）")
    scope.add_argument("--own-only", action="store_true", help="本机构设备只查看本机构的办件（默认）")

    p = sub.add_parser("user-add", parents=[common], help="新增用户")
    p.add_argument("org")
    p.add_argument("username")
    p.add_argument("display_name")
    p.add_argument(
        "--role",
        default="clerk",
        choices=ROLES,
        help="角色；approver、department_head、supervisor、admin 可登录审批控制台（department_head 只能登录控制台）",
    )
    p.add_argument(
        "--password-stdin",
        action="store_true",
        help="从标准输入读取密码（一行），供脚本使用；不加此项则提示输入两次。密码不能写在命令行上",
    )
    # Removed: a password on the command line shows in every local user's process list. Still
    # parsed (hidden) so that an old script is refused with a reason instead of argparse echoing
    # the password back as an "unrecognized argument".
    p.add_argument("--password", dest="password_on_command_line", help=argparse.SUPPRESS)
    p.add_argument(
        "--department", action="append", default=[], help="审批人员或科室负责人所在科室的编码（可重复，本机构的科室）"
    )

    p = sub.add_parser("users", help="后台用户：列出、所在科室")
    users = p.add_subparsers(dest="users_command", required=True)
    q = users.add_parser("list", parents=[common], help="列出后台用户（演示账号单独标出）")
    q.add_argument("--org", help="只列此机构的用户")
    q = users.add_parser("departments", parents=[common], help="查看或调整用户所在的科室")
    q.add_argument("username")
    q.add_argument("--add", action="append", default=[], help="加入此编码的科室（可重复）")
    q.add_argument("--remove", action="append", default=[], help="退出此编码的科室（可重复）")

    p = sub.add_parser("departments", help="承办科室：新增、停用、列出、按事项清单创建、未分派办件")
    depts = p.add_subparsers(dest="departments_command", required=True)
    q = depts.add_parser("add", parents=[common], help="为机构新增科室")
    q.add_argument("org", help="机构代码")
    q.add_argument("code", help="科室编码（与事项清单中的 department_code 一致，如 SHSWK）")
    q.add_argument("name", help="科室名称")
    for action, what in (("deactivate", "停用科室：新办件不再分派到该科室"), ("activate", "重新启用科室")):
        q = depts.add_parser(action, parents=[common], help=what)
        q.add_argument("org", help="机构代码")
        q.add_argument("code", help="科室编码")
    q = depts.add_parser("list", parents=[common], help="列出科室及其人员")
    q.add_argument("--org")
    q = depts.add_parser("from-catalog", parents=[common], help="按当前事项清单为机构创建全部承办科室")
    q.add_argument("--org", required=True)
    q = depts.add_parser("unrouted", parents=[common], help="列出未能分派承办科室的办件")
    q.add_argument("--org", help="只列此机构及其下级机构的办件")

    p = sub.add_parser("enrol-code", parents=[common], help="为机构生成一次性设备注册码")
    p.add_argument("org")
    p.add_argument("--ttl-hours", type=float, default=24)

    p = sub.add_parser("decide", parents=[common], help="审批办件")
    p.add_argument("case_no")
    p.add_argument("decision", choices=("approve", "deny"))
    p.add_argument("--result-name")
    p.add_argument("--result-no")
    p.add_argument("--reason")
    p.add_argument("--by", help=BY_HELP)
    p.add_argument("--force", action="store_true", help="扫描件未传齐也审批通过")
    p.add_argument("--e-licence", action="store_true", help="同时生成电子证照")
    p.add_argument("--appeal-rights", help="不予许可时告知的救济途径（默认行政复议/行政诉讼）")
    p.add_argument("--legal-basis", help="决定的法律依据（默认事项的设定依据）")
    p.add_argument("--review-body", help="不予许可时的行政复议机关（默认文书模板中的机关）")
    p.add_argument("--court", help="不予许可时提起行政诉讼的人民法院（默认文书模板中的法院）")

    p = sub.add_parser("supplement", parents=[common], help="要求申请人补正材料（一次性告知）")
    p.add_argument("case_no")
    p.add_argument("materials", nargs="+", help="需要补正的材料，每项一个参数")
    p.add_argument("--reason")
    p.add_argument("--by", help=BY_HELP)

    p = sub.add_parser("suspend", parents=[common], help="启动特别程序（暂停计时）")
    p.add_argument("case_no")
    p.add_argument("--reason", required=True)
    p.add_argument("--expected-end", help="预计结束日期，如 2026-12-20（告知申请人所需时间）")
    p.add_argument("--by", help=BY_HELP)

    p = sub.add_parser("resume", parents=[common], help="结束特别程序（恢复计时并顺延期限）")
    p.add_argument("case_no")
    p.add_argument("--reason")
    p.add_argument("--by", help=BY_HELP)

    p = sub.add_parser("result-ready", parents=[common], help="通知窗口：办理结果可领取")
    p.add_argument("case_no")
    p.add_argument("--by", help=BY_HELP)

    p = sub.add_parser("deadlines", parents=[common], help="检查办理期限，发出临期（黄牌）与超期（红牌）预警")
    p.add_argument("--today", help="按此日期计算（YYYY-MM-DD，默认今天）")
    p.add_argument("--near-days", type=int, default=2, help="剩余工作日不多于此数即为临期")

    p = sub.add_parser("catalog-publish", parents=[common], help="发布事项清单新版本（JSON 文件）")
    p.add_argument("file")
    p.add_argument("--by")
    p.add_argument("--max-age-days", type=int, help="窗口超过该天数未与后台同步时提示清单可能过期")

    p = sub.add_parser(
        "calendar-import", parents=[common], help="导入工作日历（JSON：years/holidays/workdays，或放假通知 CSV）"
    )
    p.add_argument("file", nargs="?", help="JSON 文件，或按放假通知录入的 CSV（日期,放假/上班）")
    p.add_argument(
        "--from-chinesecalendar", type=int, nargs="+", metavar="YEAR", help="取 chinesecalendar 中该年的放假安排"
    )
    p.add_argument("--version")
    p.add_argument("--by")
    p.add_argument("--max-age-days", type=int, help="窗口超过该天数未与后台同步时提示日历可能过期")

    p = sub.add_parser("field-policy", parents=[common], help="设置离线策略（离线登录最长天数）")
    p.add_argument("--offline-login-days", type=int, required=True)
    p.add_argument("--by")

    p = sub.add_parser("rectification-rule", parents=[common], help="设置机构的差评整改期限（工作日，仅对新工单生效）")
    p.add_argument("--org", required=True, help="机构编码")
    p.add_argument("--days", type=int, required=True, help="整改期限（工作日）")
    p.add_argument("--ledger-days", type=int, required=True, help="列入台账问题的整改期限（工作日）")
    p.add_argument("--by")

    p = sub.add_parser("template-publish", parents=[common], help="发布文书模板")
    p.add_argument("name")
    p.add_argument("file")
    p.add_argument("--version", required=True)
    p.add_argument("--by")

    p = sub.add_parser("wipe", parents=[common], help="命令设备擦除本机办件数据")
    p.add_argument("device_id", help="设备ID或4位设备码")
    p.add_argument("--reason", default="")

    p = sub.add_parser("prune-changes", parents=[common], help="压缩同步记录（过期的设备需全量重新同步）")
    p.add_argument("--keep-days", type=float, default=63)

    p = sub.add_parser(
        "cases",
        parents=[common],
        help="列出办件（按办件到达后台的时间排序）；cases show 办件编号：显示一件办件及其本机时钟与后台时钟",
        description="列出办件，按办件到达后台的时间（后台时钟）先后排序，不按窗口本机时钟的受理时间排序："
        "窗口时钟有误时，受理时间可能相差很多。",
    )
    p.add_argument(
        "action",
        nargs="?",
        choices=["show", "reroute", "routes"],
        help="show：显示一件办件；reroute：改派承办科室（须 --to --reason --by）；routes：承办科室及改派记录",
    )
    p.add_argument("case_no", nargs="?", help="办件编号（show / reroute / routes 时必填）")
    p.add_argument("--to", help="reroute：改派到的科室编码（在办件所属机构及其上级机构中查找）")
    p.add_argument("--to-org", help="reroute：只在此机构中查找科室（须为办件所属机构或其上级机构）")
    p.add_argument("--reason", help="reroute：改派理由（必填）")
    p.add_argument("--by", help="reroute：系统管理员用户名（默认当前系统用户名）")
    p.add_argument("--status")
    p.add_argument("--bundle", help="一件事编号：只列出同一次一件事受理的关联办件")

    sub.add_parser("devices", parents=[common], help="列出已注册设备")
    audit_cli.register(sub, common)
    scans_cli.register(sub, common)
    reports_cli.register(sub, common)

    run = sub.add_parser("run", help="政务服务入户直通车：行程与预约")
    runs = run.add_subparsers(dest="run_command", required=True)
    p = runs.add_parser("plan", parents=[common], help="安排一次直通车行程")
    p.add_argument("org", help="执行行程的机构代码（县政务服务中心或直通车机构）")
    p.add_argument("date", help="日期 YYYY-MM-DD")
    p.add_argument("--area", required=True, help="服务区域：机构代码或12位区划代码")
    p.add_argument("--area-name", default="", help="服务区域名称（区域为机构代码时可省略）")
    p.add_argument("--crew", required=True, help="随车工作人员用户名，逗号分隔")
    p.add_argument("--note", default="")
    p.add_argument("--by")
    p = runs.add_parser("add-appointment", parents=[common], help="为行程登记一个上门预约")
    p.add_argument("run_id", help="行程编号（可只写前8位）")
    p.add_argument("--name", required=True)
    p.add_argument("--address", required=True)
    p.add_argument("--matter", required=True, help="事项编码")
    p.add_argument("--phone", default="")
    p.add_argument("--id-number", default="", help="身份证号码（可不填，上门时读卡）")
    p.add_argument("--booked-via", default="电话", choices=protocol.BOOKED_VIA)
    p.add_argument("--note", default="")
    p = runs.add_parser("show", parents=[common], help="显示行程、预约及办理结果")
    p.add_argument("run_id")
    p = runs.add_parser("list", parents=[common], help="列出行程")
    p.add_argument("--date", help="日期 YYYY-MM-DD")
    p.add_argument("--org")
    p = runs.add_parser("awaiting-mail", parents=[common], help="直通车办件中待邮寄（邮费由政府承担）的结果")
    p.add_argument("--org")

    p = sub.add_parser("revoke", parents=[common], help="停用设备")
    p.add_argument("device_id", help="设备ID或4位设备码")
    p.add_argument("--reason", default="")

    p = sub.add_parser("queue", help="叫号：取号、查看排队、统计")
    queue = p.add_subparsers(dest="queue_command", required=True)
    q = queue.add_parser("take", parents=[common], help="取号（取号机）")
    q.add_argument("--org", required=True, help="机构代码（大厅）")
    q.add_argument("--category", default="A", help="号类：A 综合受理、B 企业服务、C 出件咨询")
    q.add_argument("--priority", action="store_true", help="绿色通道（残疾人、军人等）优先")
    q.add_argument("--id-number", help="身份证号：年满65周岁自动优先")
    q = queue.add_parser("list", parents=[common], help="列出今天的号")
    q.add_argument("--org", required=True)
    q = queue.add_parser("stats", parents=[common], help="今天的叫号统计（等候与办理时长）")
    q.add_argument("--org", required=True)
    q.add_argument("--day", help="YYYY-MM-DD（默认今天）")
    q.add_argument("--window", help="只统计此窗口")
    q = queue.add_parser("display-key", parents=[common], help="为大厅叫号显示屏生成新密钥（旧密钥随即失效）")
    q.add_argument("--org", required=True, help="机构代码（大厅）")

    p = sub.add_parser("booking", help="云叫号预约：设置预约时段、叫号与预约统计（含爽约）")
    booking = p.add_subparsers(dest="booking_command", required=True)
    q = booking.add_parser("slots", parents=[common], help="开放（或调整容量）某天某号类的预约时段")
    q.add_argument("--org", required=True, help="机构代码（大厅）")
    q.add_argument("--day", required=True, help="日期 YYYY-MM-DD")
    q.add_argument("--until", help="至此日期 YYYY-MM-DD：每个工作日都开放同样的时段（跳过周末和节假日）")
    q.add_argument("--category", default="A", help="号类：A 综合受理、B 企业服务、C 出件咨询")
    q.add_argument("--first", default="09:00", help="第一个时段开始时间 HH:MM（北京时间）")
    q.add_argument("--last", default="11:30", help="最后一个时段开始时间 HH:MM")
    q.add_argument("--every", type=int, default=30, help="时段间隔（分钟）")
    q.add_argument("--capacity", type=int, default=4, help="每个时段可预约人数")
    q = booking.add_parser("stats", parents=[common], help="某天的等候、办理、过号与预约使用情况")
    q.add_argument("--org", required=True)
    q.add_argument("--day", help="YYYY-MM-DD（默认今天）")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    db = getattr(args, "db", None) or default_db_url()
    try:
        return _run(args, db)
    except (admin.AdminError, PublishError) as exc:
        print(f"错误：{exc.message}", file=sys.stderr)
        return 1
    except ApiError as exc:
        print(f"错误：{exc.message}", file=sys.stderr)
        return 1
    except (OSError, ValueError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1


def _warn_of_demo_accounts(db: str, host: str) -> None:
    """The demo's accounts share a published password: harmless on this machine, an open door
    on a network. Said at start-up (not refused: a training room may want exactly this)."""
    count = admin.demo_accounts(db)  # opening the database brings it to the newest structure
    if count and not is_loopback(host):
        print(
            f"警告：数据库中有 {count} 个演示账号（密码公开），而服务监听在 {host}，网络上的任何人都可用演示账号登录。"
            "正式使用前请停用演示账号，或只在本机（127.0.0.1）运行演示。",
            file=sys.stderr,
        )
        logging.getLogger(__name__).warning("%d demo accounts on a non-loopback address", count)


def _read_new_password(username: str, *, from_stdin: bool) -> str:
    """A new account's password, never from the command line (it would show in the process
    list and the shell's history): one line of stdin, or typed twice at a hidden prompt."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("密码：")
        if getpass.getpass("再次输入密码：") != password:
            raise admin.AdminError("两次输入的密码不一致")
    problem = password_problem(username, password)
    if problem:
        raise admin.AdminError(
            f"{problem}（规则：至少 {MIN_LENGTH} 个字符，包含大写字母、小写字母、数字、符号中的至少 "
            f"{MIN_CLASSES} 类，不能包含用户名，不能是常见密码）"
        )
    return password


def _run(args: argparse.Namespace, db: str) -> int:
    command = args.command
    if command == "serve":
        from .runner import console_url, serve, server_url  # uvicorn only when serving

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        settings = ServerSettings(
            db,
            blob_dir=None if args.s3_endpoint else Path(args.blobs) if args.blobs else default_blob_dir(db),
            s3=S3Settings.from_env(args.s3_endpoint, args.s3_bucket) if args.s3_endpoint else None,
            host=args.host,
            port=args.port,
            forwarded_allow_ips=args.forwarded_allow_ips,
            access_log=not args.no_access_log,
            body_read_timeout=args.body_timeout,
            blob_quota=int(args.blob_quota_gb * scans_cli.GB),
            blobs_at_rest=args.blobs_at_rest or "",
        )
        at_rest = scans_cli.at_rest_line(settings)  # refuses a folder store on an undeclared disk
        print(f"一窗通后台服务：{server_url(args.host, args.port)}")
        print(f"审批控制台：{console_url(args.host, args.port)}（审批人员、科室负责人、窗口主管、管理员用浏览器登录）")
        print(f"数据库：{redacted(db)}")
        _warn_of_demo_accounts(db, args.host)
        if settings.s3 is not None:
            print(f"扫描件对象存储：{settings.s3.endpoint}（存储桶 {settings.s3.bucket}）")
        else:
            print(f"扫描件目录：{settings.blob_dir}")
        print(at_rest)
        serve(settings)
    elif command == "migrate":
        from .db import make_engine
        from .migrate import current_revision

        engine = make_engine(db)
        print(f"数据库已是最新结构（版本 {current_revision(engine)}）")
        engine.dispose()
    elif command == "openapi":
        from .app import openapi_document
        from .spec import spec_text

        text = spec_text(openapi_document())
        if args.out:
            Path(args.out).write_text(text, encoding="utf-8")
            print(f"已写入 {args.out}")
        else:
            sys.stdout.write(text)
    elif command == "init-demo":
        info = ensure_demo(db)
        print(f"演示机构：{info.org_code}")
        print(f"设备注册码：{info.enrol_code}（24小时内有效，仅可使用一次）")
        print(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for username, display_name, role in DEMO_USERS + DEMO_VILLAGE_USERS:
            print(f"  {username}  {display_name}  {role}")
        print(f"村服务站 {info.village_code} 设备注册码：{info.village_enrol_code}")
    elif command == "org-add":
        org = admin.create_org_unit(db, args.code, args.name, args.region, level=args.level, parent_code=args.parent)
        print(f"已新增机构：{org.code} {org.name}")
    elif command == "org-set":
        org = admin.set_org_scope(db, args.code, sees_subunits=args.sees_subunits)
        if org.sees_subunits:
            print(f"机构 {org.code} {org.name} 的设备可查看本机构及下级机构的办件：{'、'.join(org.visible)}")
        else:
            print(f"机构 {org.code} {org.name} 的设备只查看本机构的办件")
        print("设备下次同步时生效")
    elif command == "user-add":
        if args.password_on_command_line is not None:
            raise admin.AdminError("密码不能写在命令行上（会出现在进程列表中），请改用 --password-stdin 或按提示输入")
        password = _read_new_password(args.username, from_stdin=args.password_stdin)
        user = admin.add_user(db, args.org, args.username, args.display_name, args.role, password)
        print(f"已新增用户：{user.username} {user.display_name}（{user.role}，机构 {user.org_code}）")
        if args.department:
            from .departments import set_staff_departments

            joined = set_staff_departments(db, user.username, add=args.department)
            print("所在科室：" + "、".join(f"{d.name}（{d.code}）" for d in joined))
    elif command == "enrol-code":
        code = admin.issue_enrol_code(db, args.org, args.ttl_hours)
        print(f"设备注册码：{code}（{args.ttl_hours:g}小时内有效，仅可使用一次）")
    elif command == "decide":
        result = admin.decide(
            db,
            args.case_no,
            args.decision,
            by=args.by or getpass.getuser(),
            result_name=args.result_name,
            result_no=args.result_no,
            reason=args.reason,
            force=args.force,
            e_licence=args.e_licence,
            appeal_rights=args.appeal_rights,
            legal_basis=args.legal_basis,
            review_body=args.review_body,
            court=args.court,
        )
        number = format_case_no(result.case_no)
        if result.status == "approved":
            print(
                f"办件 {number} 已审批通过；结果：{result.result_name or '（无）'}，"
                f"文号：{result.result_no or '（无）'}"
            )
        else:
            print(f"办件 {number} 审批不通过；理由：{result.reason}")
    elif command == "users" and args.users_command == "list":
        accounts = admin.list_users(db, args.org)
        for account in accounts:
            marks = ("（演示账号）" if account.demo else "") + ("（已停用）" if not account.active else "")
            print(f"{account.org_code}  {account.username}  {account.display_name}  {account.role}{marks}")
        print(f"共 {len(accounts)} 个用户，其中演示账号 {sum(a.demo for a in accounts)} 个")
    elif command in ("departments", "users") or (command == "cases" and args.action in ("reroute", "routes")):
        return _run_departments(args, db)
    elif command == "cases" and args.action == "show":
        if not args.case_no:
            raise ValueError("请给出办件编号：onewindow-server cases show 办件编号")
        _print_case(admin.get_case(db, args.case_no))
    elif command == "cases":
        rows = admin.list_cases(db, status=args.status, bundle_no=(args.bundle or "").replace("-", "").upper() or None)
        for row in rows:
            mark = "" if row.complete else "（扫描件未齐）"
            if row.bundle_no:
                mark += f"  一件事 {format_bundle_no(row.bundle_no)}"
            acted = f"  代理：{row.acted_by}" if row.acted_by else ""
            if row.custody:
                mark += f"  原件：{CUSTODY_LABELS.get(row.custody, row.custody)}"
            print(
                f"{format_case_no(row.case_no)}  {row.status_label}{mark}  {row.matter_name}  "
                f"{row.applicant_name}{acted}  受理于 {row.received_at.astimezone():%Y-%m-%d %H:%M}"
                + (f"  到达后台 {row.arrived_at.astimezone():%Y-%m-%d %H:%M}" if row.arrived_at else "")
            )
        print(f"共 {len(rows)} 件（按到达后台的时间排序）")
    elif command == "devices":
        devices = admin.list_devices(db)
        for d in devices:
            state = "已停用" if d.revoked else "正常"
            if d.wiped_at is not None:
                state += f"  已擦除 {d.wiped_at.astimezone():%Y-%m-%d %H:%M:%S}"
            elif d.wipe_ordered_at is not None:
                state += "  待擦除"
            print(f"{d.id}  {d.device_code}  {d.name}  机构 {d.org_code}  {state}")
        print(f"共 {len(devices)} 台")
    elif command == "run":
        return _run_outreach(args, db)
    elif command == "revoke":
        device = admin.revoke_device(db, args.device_id, args.reason)
        print(f"已停用设备：{device.device_code} {device.name}")
    elif command == "audit":
        return audit_cli.run(args, db)
    elif command == "collect-blobs":
        return scans_cli.run_collect(args, db)
    elif command == "report":
        return reports_cli.run_report(args, db)
    elif command == "export":
        return reports_cli.run_export(args, db)
    else:
        return _run_more(args, db)
    return 0


def _run_more(args: argparse.Namespace, db: str) -> int:
    """Case decisions after intake, deadlines, publications and device orders."""
    import datetime as dt
    import json

    from . import deadlines, decisions, publishing

    command, by = args.command, getattr(args, "by", None) or getpass.getuser()
    if command in ("supplement", "suspend", "resume", "result-ready"):
        if command == "supplement":
            done = decisions.request_supplement(db, args.case_no, args.materials, by=by, reason=args.reason)
        elif command == "suspend":
            try:
                end = dt.date.fromisoformat(args.expected_end) if args.expected_end else None
            except ValueError:
                raise admin.AdminError("预计结束日期应写作 年-月-日，如 2026-12-20", "bad_date") from None
            done = decisions.suspend(db, args.case_no, args.reason, by=by, expected_end=end)
        elif command == "resume":
            done = decisions.resume(db, args.case_no, by=by, reason=args.reason)
        else:
            done = decisions.result_ready(db, args.case_no, by=by)
        label = {
            "supplement_requested": "已要求补正",
            "suspended": "已启动特别程序",
            "in_review": "已恢复审批",
            "result_ready": "已通知领取结果",
        }[done.status]
        due = f"；办结期限 {done.due:%Y-%m-%d}" if done.due else ""
        print(f"办件 {format_case_no(done.case_no)} {label}{due}")
        if done.supplement:
            print("需补正材料：" + "、".join(done.supplement))
    elif command == "deadlines":
        today = dt.date.fromisoformat(args.today) if args.today else None
        found = deadlines.scan_deadlines(db, today, args.near_days)
        for w in found:
            mark = "红牌（已超期）" if w.level == "overdue" else f"黄牌（剩余{w.working_days_left}个工作日）"
            print(f"{format_case_no(w.case_no)}  {mark}  期限 {w.due:%Y-%m-%d}  机构 {w.org_code}")
        print(f"共 {len(found)} 件预警")
    elif command == "catalog-publish":
        body = json.loads(Path(args.file).read_text(encoding="utf-8"))
        published = publishing.publish_catalog(db, body, by=by, max_age_days=args.max_age_days)
        print(f"已发布事项清单版本 {published.version}")
    elif command == "calendar-import":
        body = calendar_import.body_from_args(args.file, args.from_chinesecalendar)
        published = publishing.publish_calendar(db, body, version=args.version, by=by, max_age_days=args.max_age_days)
        years = "、".join(str(y) for y in body["years"])
        print(f"已导入并发布{years}年工作日历（版本 {published.version}，来源：{body.get('source') or '文件'}）")
    elif command == "field-policy":
        publishing.publish_policy(db, offline_login_days=args.offline_login_days, by=by)
        print(f"已发布离线策略：离线登录最长 {args.offline_login_days} 天")
    elif command == "rectification-rule":
        from .work_orders import set_rule_in

        rule = set_rule_in(db, args.org, args.days, args.ledger_days, by)
        print(
            f"已设置 {args.org} 的差评整改期限：{rule.working_days} 个工作日，台账期限 {rule.ledger_working_days} 个工作日（仅对新工单生效）"
        )
    elif command == "template-publish":
        published = publishing.publish_template(
            db, args.name, args.version, Path(args.file).read_text(encoding="utf-8"), by=by
        )
        print(f"已发布文书模板 {published.name} 版本 {published.version}")
    elif command == "wipe":
        device = admin.order_wipe(db, args.device_id, args.reason)
        print(f"已向设备 {device.device_code} {device.name} 下发擦除指令")
    elif command == "prune-changes":
        print(f"已压缩 {admin.prune_changes(db, args.keep_days)} 条同步记录")
    elif command == "queue":
        _run_queue(args, db)
    elif command == "booking":
        _run_booking(args, db)
    return 0


def _run_queue(args: argparse.Namespace, db: str) -> None:
    import datetime as dt

    from client.domain.tickets import REASON_LABELS, STATUS_LABELS

    from . import queue
    from .db import engine_for, session_factory

    with engine_for(db) as engine:
        sessions = session_factory(engine)
        if args.queue_command == "take":
            t = queue.take_ticket(
                sessions, args.org, args.category, green_channel=args.priority, id_number=args.id_number
            )
            why = f"（{REASON_LABELS[t.priority_reason]}）" if t.priority else ""
            print(f"{t.ticket_no}  {t.category_label}{why}  前面还有 {t.waiting_ahead} 人等候")
        elif args.queue_command == "display-key":
            from . import hall

            try:
                key = hall.set_display_key(engine, args.org)
            except hall.UnknownHall:
                raise ValueError(f"没有机构 {args.org}") from None
            print(f"显示屏密钥（只显示这一次）：{key}")
            print(f"在显示屏电脑上打开：<后台地址>{hall.PREFIX}/{args.org}/display?key={key}")
        elif args.queue_command == "list":
            rows = queue.list_tickets(sessions, args.org)
            for t in rows:
                where = f"  {t.window}号窗口" if t.window and t.status != "waiting" else ""
                sent = f"  转至{t.target_window}号窗口" if t.target_window else ""
                print(
                    f"{t.ticket_no}  {t.category_label}  {STATUS_LABELS[t.status]}{where}{sent}"
                    f"{'  优先' if t.priority else ''}{'  办件 ' + t.case_no if t.case_no else ''}"
                )
            print(f"共 {len(rows)} 个号")
        else:
            day = dt.date.fromisoformat(args.day) if args.day else None
            st = queue.queue_stats(sessions, args.org, day, args.window)
            wait = "—" if st.average_wait_minutes is None else f"{st.average_wait_minutes} 分钟"
            serve = "—" if st.average_service_minutes is None else f"{st.average_service_minutes} 分钟"
            print(
                f"{st.day:%Y-%m-%d}  取号 {st.issued}  等候 {st.waiting}  办结 {st.served}  过号 {st.no_show}"
                f"  优先 {st.priority}"
            )
            print(f"平均等候 {wait}  平均办理 {serve}")


def _run_booking(args: argparse.Namespace, db: str) -> None:
    import datetime as dt

    from .booking import slots, statistics
    from .db import engine_for, session_factory
    from .queue import service_day

    with engine_for(db) as engine:
        sessions = session_factory(engine)
        if args.booking_command == "slots":
            day = dt.date.fromisoformat(args.day)
            times = (dt.time.fromisoformat(args.first), dt.time.fromisoformat(args.last), args.every, args.capacity)
            if args.until:
                opened = slots.set_working_days(
                    sessions, args.org, args.category, day, dt.date.fromisoformat(args.until), *times
                )
                print(
                    f"已为 {args.day} 至 {args.until} 的 {len(opened.days)} 个工作日设置 {args.category} 类预约时段"
                    f" {opened.slots} 个，每个时段 {args.capacity} 人（周末和节假日不开放）"
                )
            else:
                count = slots.set_slots(sessions, args.org, args.category, day, *times)
                print(f"已设置 {args.day} {args.category} 类 {count} 个预约时段，每个时段 {args.capacity} 人")
        else:
            day = dt.date.fromisoformat(args.day) if args.day else service_day()
            st = statistics.hall_day(sessions, args.org, day)
            print(f"{st.day:%Y-%m-%d}  取号 {st.issued}  过号 {st.ticket_no_shows}")
            for r in st.rows:
                wait = "—" if r.average_wait_minutes is None else f"{r.average_wait_minutes} 分钟"
                serve = "—" if r.average_service_minutes is None else f"{r.average_service_minutes} 分钟"
                print(
                    f"  {r.category} {r.hour:02d}时  取号 {r.issued}  办结 {r.served}  过号 {r.no_show}"
                    f"  预约 {r.appointments}  平均等候 {wait}  平均办理 {serve}"
                )
            a = st.appointments
            print(f"预约 {a.booked}  已签到 {a.checked_in}  爽约 {a.no_show}  已取消 {a.cancelled}")


OUTCOME_LABELS = {
    "": "待上门",
    "concluded": "当场办结",
    "collected": "已收件带回",
    "missed": "未办理",
    "notified": "一次性告知",
    "refused": "不予受理",
}


def _run_outreach(args: argparse.Namespace, db: str) -> int:
    """`run plan|add-appointment|show|list|awaiting-mail`: the service bus's day."""
    import datetime as dt

    from . import outreach

    action = args.run_command
    if action == "plan":
        run = outreach.plan_run(
            db,
            args.org,
            dt.date.fromisoformat(args.date),
            args.area,
            args.crew.split(","),
            area_name=args.area_name,
            note=args.note,
            by=args.by or getpass.getuser(),
        )
        print(f"已安排直通车行程 {run.id}：{run.run_date:%Y-%m-%d} {run.area_name}，随车人员 {'、'.join(run.crew)}")
    elif action == "add-appointment":
        appt = outreach.add_appointment(
            db,
            args.run_id,
            name=args.name,
            address=args.address,
            matter_code=args.matter,
            phone=args.phone,
            id_number=args.id_number,
            booked_via=args.booked_via,
            note=args.note,
        )
        print(f"已登记预约 {appt.position}：{appt.name}  {appt.matter_name}  {appt.address}（{appt.booked_via}预约）")
    elif action == "show":
        _print_run(outreach.show_run(db, args.run_id))
    elif action == "list":
        day = dt.date.fromisoformat(args.date) if args.date else None
        runs = outreach.list_runs(db, day, args.org)
        for run in runs:
            t = outreach.tally(run)
            print(
                f"{run.id}  {run.run_date:%Y-%m-%d}  {run.area_name}  预约 {t.planned}  办结 {t.concluded}  "
                f"收件 {t.collected}  未办理 {t.missed}"
            )
        print(f"共 {len(runs)} 次行程")
    elif action == "awaiting-mail":
        rows = outreach.awaiting_mail(db, args.org)
        for r in rows:
            print(
                f"{format_case_no(r.case_no)}  {r.status_label}  {r.applicant_name}  {r.matter_name}  "
                f"{r.address}  {r.phone}  （{r.run_date:%m-%d} {r.area_name}）"
            )
        print(f"共 {len(rows)} 件待邮寄（邮寄费用由政府承担）")
    return 0


def _run_departments(args: argparse.Namespace, db: str) -> int:
    """承办科室: `departments add|list|from-catalog|unrouted`, `users departments`, `cases reroute|routes`."""
    from . import departments

    if args.command == "users":
        rows = departments.set_staff_departments(db, args.username, add=args.add, remove=args.remove)
        names = "、".join(f"{d.name}（{d.code}，机构 {d.org_code}）" for d in rows)
        print(f"用户 {args.username} 所在科室：{names or '（无）'}")
    elif args.command == "cases":
        if not args.case_no:
            raise ValueError(f"请给出办件编号：onewindow-server cases {args.action} 办件编号")
        if args.action == "reroute":
            if not args.to:
                raise ValueError("请用 --to 给出改派到的科室编码")
            done = departments.reroute(
                db,
                args.case_no,
                args.to,
                reason=args.reason or "",
                by=args.by or getpass.getuser(),
                to_org=args.to_org,
            )
            before = done.previous.name if done.previous else "未分派"
            print(
                f"办件 {format_case_no(done.case_no)} 已由“{before}”改派至 {done.department.org_code} "
                f"{done.department.name}（{done.department.code}）；理由：{done.reason}"
            )
        else:
            now = departments.case_department(db, args.case_no)
            where = (
                f"{now.name}（{now.code}，机构 {now.org_code}）"
                if now
                else "未分派（请系统管理员用 cases reroute 分派）"
            )
            print(f"办件 {format_case_no(args.case_no)} 承办科室：{where}")
            for r in departments.route_history(db, args.case_no):
                print(
                    f"  {r.routed_at.astimezone():%Y-%m-%d %H:%M}  {r.previous or '未分派'} → {r.department}  "
                    f"{r.routed_by}：{r.reason}"
                )
    elif args.departments_command == "add":
        added = departments.add_department(db, args.org, args.code, args.name)
        print(f"已为机构 {args.org} 新增科室：{added.created[0].name}（{added.created[0].code}）")
        if added.routed:
            print(f"{added.routed} 件待分派的办件已分派到该科室")
    elif args.departments_command in ("deactivate", "activate"):
        changed = departments.set_department_active(
            db, args.org, args.code, active=args.departments_command == "activate"
        )
        dept = changed.department
        print(f"机构 {dept.org_code} 的{dept.name}（{dept.code}）已{'启用' if dept.active else '停用'}")
        if changed.routed:
            print(f"{changed.routed} 件待分派的办件已分派到该科室")
    elif args.departments_command == "from-catalog":
        added = departments.departments_from_catalog(db, args.org)
        print(f"机构 {args.org}：新建科室 {len(added.created)} 个，已有 {added.kept} 个")
        for d in added.created:
            print(f"  {d.code}  {d.name}")
        if added.routed:
            print(f"{added.routed} 件待分派的办件已分派")
    elif args.departments_command == "list":
        rows = departments.list_departments(db, args.org)
        for d in rows:
            state = "" if d.active else "（已停用）"
            staff = "、".join(d.staff) or "（暂无人员）"
            print(f"{d.org_code}  {d.code}  {d.name}{state}  人员：{staff}")
        print(f"共 {len(rows)} 个科室")
    else:
        waiting = departments.unrouted_cases(db, args.org)
        for c in waiting:
            code = c.department_code or "（事项不在当前事项清单中）"
            print(
                f"{format_case_no(c.case_no)}  {c.status_label}  {c.matter_name}（{c.matter_code}）  "
                f"科室编码 {code}  机构 {c.org_code}"
            )
        print(f"共 {len(waiting)} 件未分派承办科室")
    return 0


def _print_case(row: admin.CaseRow) -> None:
    """`cases show`: one case, with the window's clock and the back office's side by side."""
    print(f"办件编号  {format_case_no(row.case_no)}")
    print(f"状态      {row.status_label}{'' if row.complete else '（扫描件未齐）'}")
    print(f"事项      {row.matter_name}")
    print(f"申请人    {row.applicant_name}" + (f"  代理：{row.acted_by}" if row.acted_by else ""))
    for line in clock_lines(row):
        print(line)
    if row.promised_by:
        print(f"承诺办结  {row.promised_by:%Y-%m-%d}（窗口按本机时钟计算）")
    if row.due:
        print(f"后台期限  {row.due:%Y-%m-%d}")
    if row.bundle_no:
        print(f"一件事    {format_bundle_no(row.bundle_no)}")
    if row.decided_by:
        print(f"审批      {row.decided_by}  {row.result_name or ''} {row.result_no or ''}".rstrip())


def clock_lines(row: admin.CaseRow) -> list[str]:
    """本机时钟 (the window's, when the case was taken), 后台时钟 (the window's reckoning of the
    back office's then) and when the case arrived here: a wrong date shows at a glance."""
    lines = [f"本机时钟  {row.received_at.astimezone():%Y-%m-%d %H:%M}（窗口受理时）"]
    server = row.server_clock_at_intake
    if server is None or row.clock_offset_s is None:
        lines.append("后台时钟  未知（窗口受理前从未与后台对时）")
    else:
        offset = dt.timedelta(seconds=row.clock_offset_s)
        agree = "与后台一致" if abs(offset) < CLOCK_WARN else f"本机比后台{describe_offset(offset)}"
        lines.append(f"后台时钟  {server.astimezone():%Y-%m-%d %H:%M}（窗口按上次同步推算，{agree}）")
    if row.clock_accepted_by:
        lines.append(f"时钟确认  受理前已提示本机时钟有误，{row.clock_accepted_by} 选择仍要受理")
    if row.arrived_at is not None:
        lines.append(f"到达后台  {row.arrived_at.astimezone():%Y-%m-%d %H:%M}（后台时钟）")
    return lines


def _print_run(run: protocol.OutreachRunData) -> None:
    from .outreach import tally

    print(f"直通车行程 {run.id}")
    print(
        f"日期 {run.run_date:%Y-%m-%d}  区域 {run.area_name}（{run.area_code}）  机构 {run.org_code}  "
        f"随车人员 {'、'.join(run.crew)}"
    )
    for a in run.appointments:
        result = OUTCOME_LABELS.get(a.outcome, a.outcome)
        if a.case_no:
            result += f" {format_case_no(a.case_no)}"
        if a.outcome == "missed":
            result += f"（{protocol.MISSED_REASONS.get(a.reason_code, a.reason_code)}"
            result += f"：{a.reason}）" if a.reason else "）"
        print(f"{a.position:>3}. {a.name}  {a.phone}  {a.matter_name}  {a.address}  [{a.booked_via}]  {result}")
    t = tally(run)
    print(
        f"预约 {t.planned} 件：当场办结 {t.concluded}，收件带回 {t.collected}，未办理 {t.missed}，"
        f"其他 {t.other}，待上门 {t.open}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
