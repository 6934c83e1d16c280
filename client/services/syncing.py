"""The sync state as the clerk sees it: a badge with pending, rejected, bytes left and the
last result; and what the back office sent down (calendar, templates, device orders)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from client.store.outbox import Downlink, StoreOutbox
from sync.engine import SyncEngine, SyncProgress, SyncReport

# How far the device clock may stray from the back office's before the clerk is told:
# beyond CLOCK_WARN the status bar says so; beyond CLOCK_FAR_OFF deadlines and case
# numbers the window prints are wrong by a working day or more, so it asks for a fix.
CLOCK_WARN = dt.timedelta(minutes=5)
CLOCK_FAR_OFF = dt.timedelta(hours=1)


def clock_offset(device_now: dt.datetime, server_time: dt.datetime) -> dt.timedelta:
    """Device clock minus server clock (positive: the device is fast). Naive device times
    are local wall time; naive server times are UTC by the protocol's contract."""
    device = device_now if device_now.tzinfo else device_now.astimezone()
    server = server_time if server_time.tzinfo else server_time.replace(tzinfo=dt.UTC)
    return device - server


def describe_offset(offset: dt.timedelta) -> str:
    """'快1天3小时' / '慢7分钟': the size of a clock error in words a clerk reads at a glance."""
    seconds = round(abs(offset.total_seconds()) / 60) * 60  # to the minute: a round trip is noise
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = [f"{days}天" if days else "", f"{hours}小时" if hours else ""]
    size = "".join(parts) if days or hours else f"{minutes}分钟"
    return ("快" if offset > dt.timedelta(0) else "慢") + size


@dataclass(frozen=True)
class SyncStatus:
    pending: int
    rejected: int
    blobs_pending: int
    last_ok: dt.datetime | None
    error: str
    bytes_left: int = 0
    revoked: bool = False  # the back office stopped this device: no new intake
    wipe_ordered: bool = False
    restore_notice: str = ""  # what the last restore from the back office brought back (Chinese)
    restore_due: bool = False  # a restore is waiting for the next successful round
    just_restored: int = 0  # cases the last round took back from the back office (0: it was no restore)
    clock_offset: dt.timedelta | None = None  # device minus server, from the last push answer

    @property
    def clock_far_off(self) -> bool:
        return self.clock_offset is not None and abs(self.clock_offset) >= CLOCK_FAR_OFF

    @property
    def clock_warning(self) -> str:
        """Empty while the device clock agrees with the back office's (Chinese otherwise)."""
        if self.clock_offset is None or abs(self.clock_offset) < CLOCK_WARN:
            return ""
        text = f"本机时钟比后台{describe_offset(self.clock_offset)}"
        return text + "，请校准后再受理" if self.clock_far_off else text

    @property
    def intake_allowed(self) -> bool:
        return not self.revoked

    @property
    def label(self) -> str:
        warning = self.clock_warning
        return f"{self._sync_label()}｜{warning}" if warning else self._sync_label()

    def _sync_label(self) -> str:
        if self.revoked:
            return "本设备已停用"
        if self.error and self.restore_due:
            return "离线（联网后从后台恢复办件）"
        if self.error:
            return f"离线（待报送{self.pending}件）"
        if self.just_restored:
            return f"已从后台恢复{self.just_restored}件办件"
        if self.rejected:
            return f"有{self.rejected}条被退回"
        if self.pending or self.blobs_pending:
            left = f"，扫描件余{self.bytes_left / 1e6:.1f}MB" if self.bytes_left else ""
            return f"待报送{self.pending}件{left}"
        when = f"{self.last_ok:%H:%M}" if self.last_ok else "—"
        return f"已同步 {when}"


def restore_message(report: dict | None) -> str:
    """Tell the clerk, in one or two sentences, what a restore from the back office did."""
    if not report:
        return ""
    cause = "本机数据库损坏后，" if report.get("rescue_file") else ""
    text = f"{cause}已从后台恢复本机构在办办件{report.get('restored', 0)}件。"
    if report.get("requeued"):
        text += f"损坏前尚未报送的{report['requeued']}条记录已重新排队报送。"
    if report.get("unrecoverable"):
        text += (
            f"另有{report['unrecoverable']}条未报送记录无法恢复，已保存在导出文件"
            f"{report.get('rescue_file', '')}中，请联系管理员核对补报。"
        )
    return text


class SyncService:
    def __init__(
        self,
        engine: Callable[[], SyncEngine | None],
        outbox: StoreOutbox,
        on_pulled: Callable[[], None] = lambda: None,
        clock: Callable[[], dt.datetime] = dt.datetime.now,
    ):
        self.engine, self.outbox, self.on_pulled, self.clock = engine, outbox, on_pulled, clock
        self._clock_offset: dt.timedelta | None = None  # kept across rounds that push nothing
        self.after_round: list[Callable[[], object]] = []  # e.g. shift events, sent once the round went well
        self.wake = threading.Event()
        self._last_ok: dt.datetime | None = None
        self._error = ""
        self._progress: SyncProgress | None = None
        self._just_restored = 0

    def sync_now(self) -> SyncStatus:
        engine = self.engine()
        if engine is None:
            self._error = "本机尚未登记到后台，请联系管理员"
        else:
            self.note(engine.sync_once())
        return self.status()

    def note(self, report: SyncReport) -> None:
        if report.busy:
            return  # another process on this store is sending; its result is not ours
        self._error = report.error
        if report.server_time is not None:
            self._clock_offset = clock_offset(self.clock(), report.server_time)
        self._just_restored = report.restore.restored if report.restore else 0
        if report.ok:
            self._last_ok = dt.datetime.now()
            if report.changes:
                self.on_pulled()  # a new catalog, calendar or templates may have come down
            for hook in self.after_round:
                hook()

    def note_progress(self, progress: SyncProgress) -> None:
        """Called by the engine (on its thread) while uploading; read back by `status()`."""
        self._progress = progress

    def status(self) -> SyncStatus:
        c = self.outbox.counts()
        down = self.outbox.downlink()
        progress = self.outbox.progress()
        return SyncStatus(
            c.get("pending", 0),
            c.get("rejected", 0),
            c.get("blobs_pending", 0),
            self._last_ok,
            self._error,
            progress.bytes_left,
            not down.intake_allowed,
            down.wipe_ordered,
            restore_message(down.restore),
            self.outbox.restore_wanted(),
            self._just_restored,
            self._clock_offset,
        )

    def restore_now(self, rescue: dict | None = None, rescue_file: Path | str = "") -> SyncStatus:
        """Take back this device's open cases from the back office now (a new or emptied store);
        with an opened rescue file, queue again its unsent events the server does not hold."""
        self.outbox.request_restore(rescue, rescue_file)
        return self.sync_now()

    def intake_refusal(self) -> str:
        """Why new intake is not allowed on this device now; empty when it is."""
        down = self.outbox.downlink()
        if down.intake_allowed:
            return ""
        reason = (down.device_command or {}).get("reason", "")
        return "本设备已被后台停用，不能受理新办件，请联系管理员" + (f"（{reason}）" if reason else "")

    def downlink(self) -> Downlink:
        """Calendar, catalog version, notice templates, device order and deadline warnings."""
        return self.outbox.downlink()

    def export_unsent(self, target: Path) -> int:
        return self.outbox.export_unsent(target)
