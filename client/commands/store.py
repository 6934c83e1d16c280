"""`onewindow store check|rescue|restore`: an administrator's look at a damaged local store.

`check` only reads. `rescue FILE` opens a sealed rescue file (written when the program
found its store damaged at start-up) with this machine's key and writes it out as JSON.
`restore` takes this device's open cases back from the back office now (the program does
it by itself on the first sync after a rescue); `--from-rescue FILE` also queues again the
unsent records of a rescue file that the back office does not hold.
Exit status: 0 whole / written / restored, 3 damage found, 1 could not check or restore.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(sub) -> None:
    store = sub.add_parser("store", help="本机数据库：完整性检查，查看损坏时导出的加密文件")
    actions = store.add_subparsers(dest="store_command", required=True)
    check = actions.add_parser("check", help="检查本机数据库和扫描件是否完好（只读，不做修改）")
    rescue = actions.add_parser("rescue", help="解密数据库损坏时导出的文件，写成 JSON 供管理员核对、补报")
    rescue.add_argument("file", help="导出文件（数据目录 rescue/ 下的 rescue-*.owrescue）")
    rescue.add_argument("--out", help="JSON 写到此文件夹（默认与导出文件同一文件夹）")
    restore = actions.add_parser("restore", help="从后台恢复本机构的在办办件（数据库损坏重建或更换电脑后）")
    restore.add_argument("--from-rescue", metavar="FILE", help="同时将该导出文件中后台尚未收到的记录重新排队报送")
    for parser in (check, rescue, restore):
        parser.add_argument("--data-dir", help="本机数据目录（默认为正式数据目录）")
        parser.add_argument("--demo", action="store_true", help="演示模式的数据（make run）")
        parser.add_argument("--dev-plaintext", action="store_true", help="仅供开发：数据目录为未加密的开发库")
    check.set_defaults(handler=_check)
    rescue.set_defaults(handler=_rescue)
    restore.set_defaults(handler=_restore)


def _data_dir(args: argparse.Namespace) -> Path:
    from platformdirs import user_data_dir

    if args.data_dir:
        return Path(args.data_dir)
    return Path(user_data_dir("onewindow")) / ("demo" if args.demo else "client")


def _keys(args: argparse.Namespace, path: Path):
    from client.store.keys import store_keys
    from client.store.secrets import SecretStore

    return store_keys(path, plaintext=args.dev_plaintext, demo=args.demo, secrets=SecretStore())


def _check(args: argparse.Namespace) -> int:
    from client.store.health import check_store

    path = _data_dir(args) / "client.sqlite"
    if not path.exists():
        print(f"未找到本机数据库：{path}")
        return 1
    health = check_store(path, _keys(args, path))
    if not health.opened:
        print(f"无法打开本机数据库（{health.detail}）：文件已损坏或密钥不匹配。")
        return 3
    print("数据库完整性检查：" + ("通过" if health.integrity == ("ok",) else "未通过"))
    for line in health.integrity if health.integrity != ("ok",) else ():
        print(f"  {line}")
    for line in health.cipher:
        print(f"  加密页校验失败：{line}")
    print(f"扫描件：核验 {health.pages_checked} 个文件，损坏 {len(health.bad_pages)} 个")
    for name in health.bad_pages:
        print(f"  损坏：{name}")
    print("未上报后台的记录：" + ("无法读取" if health.unsent is None else f"{health.unsent} 条"))
    if health.ok:
        return 0
    print(
        "请暂停受理并联系管理员。重新启动本程序时，可读取的办件会自动加密导出，"
        "损坏的文件会原样保留，并新建本机数据库以便继续受理。"
    )
    return 3


def _rescue(args: argparse.Namespace) -> int:
    from client.store.rescue import open_rescue

    source = Path(args.file)
    path = _data_dir(args) / "client.sqlite"
    document = open_rescue(source.read_bytes(), _rescue_keys(args, path))
    out_dir = Path(args.out) if args.out else source.parent
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / (source.stem + ".json")
    target.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    tables = document.get("tables", {})
    print(f"已解密：{target}")
    print(
        f"办件 {len(tables.get('cases', []))} 件，材料 {len(tables.get('materials', []))} 条，"
        f"事件 {len(tables.get('case_events', []))} 条，未上报 {len(document.get('unsent_outbox', []))} 条"
    )
    if document.get("incomplete_tables"):
        print("以下表有记录无法读取：" + "、".join(document["incomplete_tables"]))
    print("该 JSON 含申请人身份信息，核对后请妥善删除。")
    return 0


def _rescue_keys(args: argparse.Namespace, path: Path):
    from client.store.rescue import rescue_keys_for

    return rescue_keys_for(path, None if args.dev_plaintext else _keys(args, path))


def _restore(args: argparse.Namespace) -> int:
    from client.app import ClientConfig, build_runtime
    from client.store.rescue import open_rescue

    data_dir = _data_dir(args)
    runtime = build_runtime(
        ClientConfig(data_dir=data_dir, demo=args.demo, plaintext=args.dev_plaintext, devices="none")
    )
    try:
        if not runtime.enrolment.enrolled():
            print("本机尚未登记到后台，无法恢复。请先执行：onewindow enrol --server <地址> --code <登记码>")
            return 1
        rescue = None
        if args.from_rescue:
            rescue = open_rescue(Path(args.from_rescue).read_bytes(), _rescue_keys(args, data_dir / "client.sqlite"))
        status = runtime.services.sync.restore_now(rescue, args.from_rescue or "")
        if status.error:
            print(f"恢复未完成：{status.error}")
            print("程序联网后会自动继续恢复，也可稍后再次执行本命令。")
            return 1
        print(status.restore_notice)
        print(f"同步：{status.label}")
        return 0
    finally:
        runtime.close()
