"""`onewindow office init|show`: the office's phone, address and query address before the first sync.

Receipts and notices take these from the notice templates the back office publishes; a
machine that has not synced yet uses <data dir>/office.toml over the built-in templates
(docs/office-details.md). `init` writes that file, `show` checks it and prints what the
window will print until the back office publishes its own.
"""

from __future__ import annotations

import argparse
import json
import sys

FIELDS = {
    "name": "机关名称",
    "short_name": "机关代字（文书编号前缀）",
    "phone": "咨询电话",
    "address": "办公地址（领取结果地点）",
    "query_url": "办件进度与评价页面地址（后台地址加 /p/，后接每件的查询码，不含办件编号）",
    "review_body": "行政复议机关",
    "court": "管辖法院",
}


def register(sub) -> None:
    office = sub.add_parser("office", help="本窗口办公信息（电话、地址、查询网址）：未同步前使用")
    actions = office.add_subparsers(dest="office_action", required=True)
    init = actions.add_parser("init", help="写入办公信息文件 office.toml（后台发布的文书模板优先）")
    for key, label in FIELDS.items():
        init.add_argument(f"--{key.replace('_', '-')}", dest=key, help=label)
    init.add_argument("--force", action="store_true", help="覆盖已有的 office.toml")
    init.set_defaults(handler=_init)
    show = actions.add_parser("show", help="检查 office.toml 并显示未同步前生效的办公信息")
    show.set_defaults(handler=_show)
    for parser in (init, show):
        parser.add_argument("--data-dir", help="数据目录，默认为用户数据目录下的 onewindow/client")


def _init(args: argparse.Namespace) -> int:
    from client.commands.window import data_dir
    from client.services.published import OFFICE_FILE
    from client.store.files import write_whole
    from reports.templates import default_templates

    path = data_dir(args.data_dir) / OFFICE_FILE
    if path.exists() and not args.force:
        print(f"办公信息文件已存在：{path}（如需覆盖请加 --force）", file=sys.stderr)
        return 1
    given = {key: getattr(args, key) for key in FIELDS if getattr(args, key)}
    builtin = default_templates().office
    values = given or {key: getattr(builtin, key) for key in ("phone", "address", "query_url")}
    lines = ["# 本窗口办公信息：未与后台同步前使用；后台发布的文书模板优先", "[office]"]
    # A JSON string is a valid TOML basic string (same escapes), so values are written with json.dumps.
    lines += [f"{key} = {json.dumps(value, ensure_ascii=False)}  # {FIELDS[key]}" for key, value in values.items()]
    write_whole(path, ("\n".join(lines) + "\n").encode("utf-8"))
    print(f"已写入办公信息文件：{path}（重新打开窗口后生效）")
    return 0


def _show(args: argparse.Namespace) -> int:
    from client.commands.window import data_dir
    from client.services.published import OFFICE_FILE, read_office_file
    from reports.templates import default_templates, merge_templates

    path = data_dir(args.data_dir) / OFFICE_FILE
    local = read_office_file(path)
    if local.problem:
        print(local.problem, file=sys.stderr)
        return 1
    office = merge_templates(default_templates(), {"office": local.office}).office
    print(f"办公信息文件：{path}" + ("" if path.exists() else "（不存在，使用内置模板）"))
    for key, label in FIELDS.items():
        source = "office.toml" if key in local.office else "内置模板"
        print(f"  {label}：{getattr(office, key) or '（空）'}    [{source}]")
    print("后台发布文书模板后，同步时以后台为准。")
    return 0
