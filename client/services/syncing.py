"""The sync state as the clerk sees it: a badge with pending, rejected, bytes left and the
last result; and what the back office sent down (calendar, templates, device orders)."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from client.domain.clocks import CLOCK_FAR_OFF, CLOCK_WARN, describe_offset
from client.store.outbox import Downlink, StoreOutbox
from sync.engine import SyncEngine, SyncProgress, SyncReport

log = logging.getLogger(__name__)


def steady_seconds() -> float:
    """A clock that setting the date cannot move, and that runs on through a suspend where the
    system offers one (Linux: CLOCK_BOOTTIME). The back office's time is carried forward on it
    between push answers, so a clerk who has just set the date right is not warned on until
    the next case is pushed (and a suspended laptop is not taken for a slow one)."""
    boottime = getattr(time, "CLOCK_BOOTTIME", None)
    return time.clock_gettime(boottime) if boottime is not None else time.monotonic()


@dataclass(frozen=True)
class ClockReading:
    """The device's clock against the back office's, as the window knows it now: what a new
    case records, and what the prompt before an intake shows."""

    device_time: dt.datetime  # the device's wall time, as cases are stamped (naive local)
    offset: dt.timedelta | None  # device minus back office; None: never compared (never pushed)
    accepted_by: str = ""  # far off: the clerk who chose 仍要受理 (the choice each new case records)

    @property
    def far_off(self) -> bool:
        return self.offset is not None and abs(self.offset) >= CLOCK_FAR_OFF

    @property
    def offset_s(self) -> int | None:
        return None if self.offset is None else round(self.offset.total_seconds())

    @property
    def server_time(self) -> dt.datetime | None:
        """The back office's time now, in the device's terms (naive local): device time minus the offset."""
        return None if self.offset is None else self.device_time - self.offset


def clock_offset(device_now: dt.datetime, server_time: dt.datetime) -> dt.timedelta:
    """Device clock minus server clock (positive: the device is fast). Naive device times
    are local wall time; naive server times are UTC by the protocol's contract."""
    device = device_now if device_now.tzinfo else device_now.astimezone()
    server = server_time if server_time.tzinfo else server_time.replace(tzinfo=dt.UTC)
    return device - server


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
    clock_offset: dt.timedelta | None = None  # device minus server: the last push answer's, carried forward
    next_attempt: dt.datetime | None = None  # when the background loop tries again (device time)

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

    def _left_to_send(self) -> str:
        """'待报送3件，扫描件余12.4MB，14:05:30重试': what waits, and when the loop tries again,
        so a clerk on a bad link sees the pages going up between cuts."""
        parts = [f"待报送{self.pending}件"]
        if self.bytes_left:
            parts.append(f"扫描件余{self.bytes_left / 1e6:.1f}MB")
        if self.next_attempt is not None:
            parts.append(f"{self.next_attempt:%H:%M:%S}重试")
        return "，".join(parts)

    def _sync_label(self) -> str:
        if self.revoked:
            return "本设备已停用"
        if self.error and self.restore_due:
            return "离线（联网后从后台恢复办件）"
        if self.error:
            return f"离线（{self._left_to_send()}）"
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
        # The back office's time in the last push answer (aware) and steady_seconds() then: kept
        # across rounds that push nothing, and carried forward so a corrected clock shows at once.
        self._server_anchor: tuple[dt.datetime, float] | None = None
        self._clock_accepted_by = ""  # 仍要受理 with the clock far off (client.ui.clock_prompt)
        self.after_round: list[Callable[[], object]] = []  # e.g. shift events, sent once the round went well
        self.wake = threading.Event()
        self._last_ok: dt.datetime | None = None
        self._error = ""
        self._progress: SyncProgress | None = None
        self._just_restored = 0
        self._next_attempt: dt.datetime | None = None

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
        if report.retry_in is not None:  # from the background loop; a round on demand leaves its plan
            self._next_attempt = self.clock() + dt.timedelta(seconds=report.retry_in)
        if report.server_time is not None:
            server = report.server_time
            self._server_anchor = (server if server.tzinfo else server.replace(tzinfo=dt.UTC), steady_seconds())
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
            self._clock_offset(),
            next_attempt=self._next_attempt if self._next_attempt and self._next_attempt > self.clock() else None,
        )

    def _clock_offset(self) -> dt.timedelta | None:
        if self._server_anchor is None:
            return None
        server, at = self._server_anchor
        return clock_offset(self.clock(), server + dt.timedelta(seconds=steady_seconds() - at))

    def clock_reading(self) -> ClockReading:
        """Both clocks now (no I/O: the window asks before every intake, on its own thread)."""
        offset = self._clock_offset()
        reading = ClockReading(self.clock().replace(microsecond=0), offset)
        if not reading.far_off:
            self._clock_accepted_by = ""  # set right meanwhile: the next far-off clock asks again
            return reading
        return ClockReading(reading.device_time, offset, self._clock_accepted_by)

    def choose_far_clock(self, clerk: str, go_on: bool) -> ClockReading:
        """The clerk's answer to the far-off clock prompt: 仍要受理 (`go_on`) is kept and every
        case taken while the clock stays far off records it; 返回 withdraws it."""
        self._clock_accepted_by = clerk if go_on else ""
        reading = self.clock_reading()
        if go_on and reading.offset is not None:
            log.warning("clock %+d s off the back office: intake chosen anyway by %s", reading.offset_s or 0, clerk)
        return reading

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
