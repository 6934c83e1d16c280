"""Self-checks for hall IT support: what runs, whether the store, server and devices answer.

Every check returns a line a non-programmer can act on; none of them raises.
"""

from __future__ import annotations

import datetime as dt
import platform
import shutil
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from sqlalchemy import text

from client.store.db import Store
from sync.api import BackOfficeApi

from .errors import ServiceError, clerk_message
from .hardware import HardwareService


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "未安装"


class DiagnosticsService:
    def __init__(self, store: Store, api: Callable[[], BackOfficeApi], hardware: HardwareService, log_dir: Path):
        self.store, self.api, self.hardware, self.log_dir = store, api, hardware, log_dir

    def run(self) -> tuple[Check, ...]:
        return (self._versions(), self._store(), self._disk(), self._server(), *self._devices())

    def _versions(self) -> Check:
        parts = [
            f"一窗通 {_version('onewindow')}",
            f"Python {platform.python_version()}",
            f"customtkinter {_version('customtkinter')}",
            f"SQLAlchemy {_version('SQLAlchemy')}",
            f"reportlab {_version('reportlab')}",
            f"pyusb {_version('pyusb')}",
        ]
        return Check("程序版本", True, "，".join(parts) + f"（{sys.platform}）")

    def _store(self) -> Check:
        try:
            with self.store.engine.connect() as conn:
                result = conn.execute(text("PRAGMA quick_check")).scalar()
        except Exception as exc:
            return Check("本机数据库", False, f"无法打开本机数据库：{exc}")
        if result == "ok":
            return Check("本机数据库", True, "完整性检查通过")
        return Check("本机数据库", False, f"完整性检查发现问题：{result}；请立即联系管理员，勿删除数据文件")

    def _disk(self) -> Check:
        usage = shutil.disk_usage(self.store.blob_dir)
        free_gb = usage.free / 1e9
        return Check(
            "磁盘空间", free_gb > 1, f"剩余 {free_gb:.1f} GB" + ("" if free_gb > 1 else "，空间不足，请清理磁盘")
        )

    def _server(self) -> Check:
        try:
            info = self.api().health()
        except Exception as exc:
            return Check("后台服务器", False, clerk_message(exc, "无法连接后台服务器"))
        return Check("后台服务器", True, f"连接正常（协议版本 {info.get('protocol', '?')}）")

    def _devices(self) -> tuple[Check, Check]:
        state = self.hardware.state()
        return (
            Check("身份证阅读器", "已连接" in state.reader or "就绪" in state.reader, state.reader),
            Check("小票打印机", "就绪" in state.printer, state.printer),
        )

    def export_logs(self, dest_dir: Path) -> Path:
        """Zip the log files into `dest_dir` for support; returns the archive's path."""
        dest_dir = Path(dest_dir)
        files = sorted(self.log_dir.glob("onewindow.log*")) if self.log_dir.exists() else []
        if not files:
            raise ServiceError("还没有日志文件可以导出")
        target = dest_dir / f"onewindow-logs-{dt.datetime.now():%Y%m%d-%H%M%S}.zip"
        try:
            with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
                for path in files:
                    archive.write(path, path.name)
        except OSError as exc:
            raise ServiceError(f"日志导出失败：{exc.strerror or exc}，请换一个文件夹或检查U盘", str(exc)) from exc
        return target
