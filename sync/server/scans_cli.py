"""The scans' part of `onewindow-server`: `collect-blobs`, and the options `serve` takes
for the scans (quota, and how a folder store's disk is encrypted).

At rest, a folder store is only as safe as the disk under it: the server does not encrypt
the files itself, it makes the operator say how the disk is encrypted. A server that windows
reach over the network (listening beyond loopback, or behind a proxy) refuses to start on a
folder store until `--blobs-at-rest` (or ONEWINDOW_BLOBS_AT_REST) names the encryption; a
loopback-only one (the laptop's demo, tests) starts and its banner says the scans are
plaintext. The object store encrypts its volumes itself (SeaweedFS's -encryptVolumeData).
"""

from __future__ import annotations

import argparse
import ipaddress
import os
from pathlib import Path

from .settings import S3Settings, ServerSettings

AT_REST_ENV = "ONEWINDOW_BLOBS_AT_REST"
# How a folder store's disk may be encrypted, as the banner names it.
AT_REST = {
    "luks": "LUKS/dm-crypt 全盘加密",
    "bitlocker": "BitLocker 全盘加密",
    "filevault": "FileVault 全盘加密",
    "zfs": "ZFS 原生加密",
    "sed": "自加密硬盘（SED/Opal）",
    "cloud-kms": "云盘加密（密钥由云平台 KMS 管理）",
}
GB = 1000**3


def add_serve_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--blob-quota-gb",
        type=float,
        default=ServerSettings.blob_quota / GB,
        help="每个机构的扫描件存储配额（GB，含正在上传的；默认 200）",
    )
    p.add_argument(
        "--blobs-at-rest",
        choices=sorted(AT_REST),
        default=os.environ.get(AT_REST_ENV) or None,
        help="扫描件目录所在磁盘的加密方式（默认 $ONEWINDOW_BLOBS_AT_REST）；"
        "扫描件存放在本地目录且对外提供服务时必须声明",
    )


def at_rest_line(settings: ServerSettings) -> str:
    """The banner's line on the scans at rest; ValueError when a folder store serving the
    network has no declared disk encryption."""
    if settings.s3 is not None:
        return "扫描件静态加密：由对象存储负责（SeaweedFS 须以 -encryptVolumeData 启动）"
    if settings.blobs_at_rest:
        return f"扫描件静态加密：{AT_REST[settings.blobs_at_rest]}（运维人员声明）"
    if _loopback(settings.host) and not settings.forwarded_allow_ips:
        return "扫描件静态加密：未声明——扫描件以明文存放在本机磁盘，仅限本机演示与测试"
    raise ValueError(
        "扫描件存放在本地目录，但未声明磁盘加密方式：请先对该目录所在磁盘启用全盘加密，"
        f"再用 --blobs-at-rest（{'、'.join(sorted(AT_REST))}）或环境变量 {AT_REST_ENV} 声明；"
        "或改用对象存储（--s3-endpoint）"
    )


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def register(sub, common: argparse.ArgumentParser) -> None:  # noqa: ANN001 - argparse's private type
    p = sub.add_parser(
        "collect-blobs",
        parents=[common],
        help="清理没有办件引用的扫描件和长期中断的未完成上传（可在服务运行时执行）",
    )
    p.add_argument(
        "--older-than", default="7d", help="宽限期：完成或最后上传早于此时长的才清理（默认 7d；如 12h、30m）"
    )
    p.add_argument("--dry-run", action="store_true", help="只列出将清理的数量和字节数，不删除")
    p.add_argument("--blobs", help="扫描件存放目录（默认 $ONEWINDOW_SERVER_BLOBS 或数据库旁的 blobs）")
    p.add_argument("--s3-endpoint", help="扫描件所在对象存储的地址；密钥取自环境变量（同 serve）")
    p.add_argument("--s3-bucket", default="onewindow-scans", help="对象存储的存储桶（默认 onewindow-scans）")


def run_collect(args: argparse.Namespace, db: str) -> int:
    from .blob_collector import collect_blobs, parse_duration
    from .config import default_blob_dir
    from .context import ServerContext

    grace = parse_duration(args.older_than)
    settings = ServerSettings(
        db,
        blob_dir=None if args.s3_endpoint else Path(args.blobs) if args.blobs else default_blob_dir(db),
        s3=S3Settings.from_env(args.s3_endpoint, args.s3_bucket) if args.s3_endpoint else None,
    )
    ctx = ServerContext.open(db, settings.open_store())
    try:
        done = collect_blobs(ctx, grace, dry_run=args.dry_run)
    finally:
        ctx.close()
    verb = "将清理（试运行，未删除）" if done.dry_run else "已清理"
    print(f"{verb}：没有办件引用的扫描件 {done.blobs} 个（{done.blob_bytes} 字节）")
    print(f"{verb}：长期中断的未完成上传 {done.partials} 个（{done.partial_bytes} 字节）")
    if done.busy:
        print(f"正在上传而跳过：{done.busy} 个（下次清理时再处理）")
    return 0
