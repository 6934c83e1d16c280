"""`onewindow-server audit …`: check the decision chain, list the windows' chain breaks, and
export a device's anchors for `onewindow audit verify --anchors` on that window.

Exit status 0 when clean, 3 when something was found, so a supervisor's script can tell
"checked and clean" from "could not check" (1).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sqlalchemy.orm import Session

TAMPERED = 3


def register(sub, common: argparse.ArgumentParser) -> None:
    audit = sub.add_parser("audit", help="审计：核验后台决定链、查看窗口审计链断点、导出设备锚点")
    actions = audit.add_subparsers(dest="audit_command", required=True)
    actions.add_parser("verify", parents=[common], help="逐条核验后台决定链，并与办件记录、同步变更比对")
    p = actions.add_parser("breaks", parents=[common], help="列出窗口审计链与后台锚点不相接的记录")
    p.add_argument("--device", help="只看该设备（设备编号）")
    p = actions.add_parser(
        "anchors", parents=[common], help="导出设备的审计链锚点（供窗口 onewindow audit verify --anchors）"
    )
    p.add_argument("device_id", help="设备编号")
    p.add_argument("--out", required=True, help="写入的 JSON 文件")


def run(args: argparse.Namespace, db: str) -> int:
    from .audit_chain import chain_breaks, device_anchors, verify_decisions
    from .db import engine_for

    with engine_for(db) as engine, Session(engine) as session:
        if args.audit_command == "verify":
            report = verify_decisions(session)
            if report.problem is None:
                print(f"后台决定链完好：共核验 {report.checked} 条决定记录，末条哈希 {report.head[:16]}…")
                return 0
            print(f"发现篡改：{report.problem.message}")
            print(f"此前 {report.checked} 条决定记录核验无误。请保留数据库原样，并报告安全管理员。")
            return TAMPERED
        if args.audit_command == "breaks":
            breaks = chain_breaks(session, args.device)
            labels = {
                "prev_mismatch": "与上一锚点不相接",
                "seq_reused": "序号已锚定为另一事件",
                "anchor_changed": "已锚定的事件在窗口被改写",
            }
            for b in breaks:
                print(
                    f"{b.found_at.astimezone():%Y-%m-%d %H:%M:%S}  设备 {b.device_id}  "
                    f"第 {b.chain_seq} 条  事件 {b.event_id}  {labels.get(b.kind, b.kind)}"
                )
            print(f"共 {len(breaks)} 处断点" if breaks else "未发现窗口审计链断点")
            return TAMPERED if breaks else 0
        anchors = device_anchors(session, args.device_id)
    Path(args.out).write_text(
        json.dumps({"device_id": args.device_id, "anchors": anchors}, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    print(f"已导出设备 {args.device_id} 的 {len(anchors)} 个锚点：{args.out}")
    return 0
