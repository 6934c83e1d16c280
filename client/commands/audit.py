"""`onewindow audit verify`: walk this machine's event hash chain (全程留痕).

Exit status 0 when the chain is whole, 3 when it names a tampered event, so a
supervisor's script can tell "checked and clean" from "could not check" (1). Events
the back office has not anchored yet are listed as 未锚定: whole, but vouched for only
by this machine, so neither a failure nor verified.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub) -> None:
    audit = sub.add_parser("audit", help="审计：核验本机办件记录是否被篡改")
    actions = audit.add_subparsers(dest="audit_command", required=True)
    verify = actions.add_parser("verify", help="逐条核验事件哈希链，指出第一条被修改、插入或删除的事件")
    verify.add_argument("--data-dir", help="本机数据目录（默认为正式数据目录）")
    verify.add_argument("--demo", action="store_true", help="核验演示模式的数据（make run）")
    verify.add_argument("--dev-plaintext", action="store_true", help="仅供开发：数据目录为未加密的开发库")
    verify.add_argument(
        "--anchors", help="后台导出的本机锚点文件（onewindow-server audit anchors），逐条比对；默认用本机记录的最新锚点"
    )
    verify.set_defaults(handler=_verify)


def _data_dir(args: argparse.Namespace) -> Path:
    from platformdirs import user_data_dir

    if args.data_dir:
        return Path(args.data_dir)
    return Path(user_data_dir("onewindow")) / ("demo" if args.demo else "client")


def _verify(args: argparse.Namespace) -> int:
    import json

    from client.store.audit import anchor_from, verify_chain
    from client.store.db import open_store
    from client.store.keys import store_keys
    from client.store.secrets import SecretStore

    path = _data_dir(args) / "client.sqlite"
    if not path.exists():
        print(f"未找到本机数据库：{path}")
        return 1
    anchors = None
    if args.anchors:
        try:
            exported = json.loads(Path(args.anchors).read_text(encoding="utf-8"))
            anchors = [anchor_from(item) for item in exported["anchors"]]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            print(f"无法读取锚点文件 {args.anchors}：{exc}")
            return 1
    store = open_store(path, keys=store_keys(path, plaintext=args.dev_plaintext, demo=args.demo, secrets=SecretStore()))
    try:
        report = verify_chain(store, anchors)
    finally:
        store.close()
    if report.problem is None:
        print(f"审计链完好：共核验 {report.checked} 条事件，末条哈希 {report.head[:16]}…")
        if report.anchored_through:
            print(f"已与后台锚点核对：第 {report.anchored_through} 条及之前的事件与后台记录一致。")
        else:
            print("尚无后台锚点：本机事件还没有经后台确认的记录，只核验了本机链条。")
        if report.unanchored:
            print(
                f"未锚定：第 {report.anchored_through} 条之后的 {report.unanchored} 条事件尚未同步到后台，"
                "只经本机链条核验，同步后才能与后台锚点核对。"
            )
        return 0
    print(f"发现篡改（{report.problem.kind}）：{report.problem.message}")
    print(f"此前 {report.checked} 条事件核验无误。请保留本机数据目录原样，并报告管理员。")
    return 3
