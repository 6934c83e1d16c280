"""What is in force on this machine: the catalog, the working-day calendar and the
notice templates, from the back office when it has published them.

Read from the store once and again after every sync round, never per keystroke: the
matter search runs on the Tk thread and must not touch the disk.

Catalog precedence: the back office's published catalog, else one imported with
`onewindow catalog import`, else the sample shipped with the program.

The office's own details (phone, address, progress-query address, review body, court)
have one source, the `office` section of the notice templates: the built-in set, then
the local settings file `office.toml` in the data folder (for a machine that has not
synced yet), then what the back office published, each laid over the one before.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path

from client.domain.catalog import Catalog, catalog_from_dict, check_catalog, load_sample_catalog
from client.domain.deadlines import WorkCalendar, add_limit, calendar_from_dict
from client.store.files import write_whole
from client.store.outbox import StoreOutbox
from reports.templates import NoticeTemplates, OfficeTemplate, default_templates, merge_templates

from .calendar import CalendarService
from .errors import ServiceError

log = logging.getLogger(__name__)

CATALOG_FILE = Path("catalog") / "catalog.json"
OFFICE_FILE = "office.toml"  # in the data folder; see docs/office-details.md
OFFICE_KEYS = tuple(f.name for f in fields(OfficeTemplate))


@dataclass(frozen=True)
class LocalOffice:
    """The office section read from `office.toml`; `problem` says in Chinese why it was not used."""

    office: dict[str, str]
    problem: str = ""


def read_office_file(path: Path) -> LocalOffice:
    """The `[office]` table of the settings file; a missing file is no problem, a bad one is reported."""
    try:
        raw = tomllib.loads(Path(path).read_text("utf-8"))
    except FileNotFoundError:
        return LocalOffice({})
    except UnicodeDecodeError:
        return LocalOffice({}, f"办公信息文件不是 UTF-8 编码：{path}，已忽略")
    except tomllib.TOMLDecodeError as exc:
        return LocalOffice({}, f"办公信息文件格式错误：{path}（{exc}），已忽略")
    except OSError as exc:
        return LocalOffice({}, f"办公信息文件无法读取：{path}（{exc.strerror or exc}），已忽略")
    table = raw.get("office")
    if not isinstance(table, dict):
        return LocalOffice({}, f"办公信息文件缺少 [office] 一节：{path}，已忽略")
    unknown = sorted(set(table) - set(OFFICE_KEYS))
    if unknown:
        return LocalOffice(
            {}, f"办公信息文件含未知项 {'、'.join(unknown)}（可用：{'、'.join(OFFICE_KEYS)}）：{path}，已忽略"
        )
    if not all(isinstance(v, str) for v in table.values()):
        return LocalOffice({}, f"办公信息文件的各项应为带引号的文字：{path}，已忽略")
    return LocalOffice({k: v.strip() for k, v in table.items()})


def read_catalog_file(file: Path) -> tuple[Catalog | None, tuple[str, ...]]:
    """Parse and check a catalog file; returns (catalog or None, problems in Chinese)."""
    try:
        raw = json.loads(Path(file).read_text("utf-8"))
    except FileNotFoundError:
        return None, (f"文件不存在：{file}",)
    except UnicodeDecodeError:
        return None, (f"文件不是 UTF-8 编码的文本：{file}",)
    except json.JSONDecodeError as exc:
        return None, (f"JSON 格式错误：第{exc.lineno}行第{exc.colno}列（{exc.msg}）",)
    if not isinstance(raw, dict):
        return None, ("事项清单应为 JSON 对象（含 version、office_name、region_code、matters 等字段）",)
    try:
        catalog = catalog_from_dict(raw)
    except KeyError as exc:
        return None, (f"缺少必填字段：{exc.args[0]}",)
    except (TypeError, ValueError, AttributeError) as exc:
        return None, (f"字段内容不正确：{exc}",)
    problems = list(check_catalog(catalog))
    if not catalog.matters:
        problems.insert(0, "事项清单中没有任何事项")
    return catalog, tuple(problems)


class ImportedCatalog:
    """A catalog an office imported from a file, kept in the data folder."""

    def __init__(self, data_dir: Path):
        self.path = Path(data_dir) / CATALOG_FILE

    def current(self) -> Catalog:
        if not self.path.exists():
            return load_sample_catalog()
        catalog, problems = read_catalog_file(self.path)
        if catalog is None:
            raise ServiceError(f"本机导入的事项清单已损坏：{self.path}（{problems[0]}），请重新导入")
        return catalog

    def install(self, catalog: Catalog) -> Path:
        current = self.current()
        if current.version == catalog.version and current.to_dict() != catalog.to_dict():
            raise ServiceError(
                f"本机已有版本号为 {catalog.version} 的事项清单，内容与导入文件不同。"
                "办件按版本号记录所依据的清单，新清单须使用新的版本号"
            )
        write_whole(self.path, json.dumps(catalog.to_dict(), ensure_ascii=False, indent=1).encode("utf-8"))
        return self.path


class Published:
    def __init__(
        self,
        outbox: StoreOutbox,
        calendars: CalendarService,
        imported: ImportedCatalog,
        office_file: Path | None = None,
    ):
        self.outbox, self.calendars, self.imported = outbox, calendars, imported
        # Read once at start, like the rest of the configuration; a restart picks up an edit.
        self.local_office = read_office_file(office_file) if office_file is not None else LocalOffice({})
        if self.local_office.problem:
            log.warning("office settings file not used: %s", self.local_office.problem)
        self._lock = threading.Lock()
        self._catalog: Catalog = load_sample_catalog()
        self._calendar: WorkCalendar = calendars.current()
        self._templates: NoticeTemplates = default_templates()
        self.refresh()

    def catalog(self) -> Catalog:
        return self._catalog

    def calendar(self) -> WorkCalendar:
        return self._calendar

    def templates(self) -> NoticeTemplates:
        return self._templates

    def refresh(self) -> None:
        """Re-read what the back office sent; a malformed publication is logged and skipped."""
        down = self.outbox.downlink()
        catalog = self._catalog
        body = self.outbox.catalog()
        try:
            catalog = catalog_from_dict(body) if body else self.imported.current()
        except (ServiceError, KeyError, TypeError, ValueError) as exc:
            log.warning("catalog not replaced: %s", exc)
        calendar = self.calendars.current()
        if down.calendar:
            try:
                calendar = calendar.merged(calendar_from_dict(down.calendar))
            except ValueError as exc:
                log.warning("published calendar ignored: %s", exc)
        templates = default_templates()
        if self.local_office.office:
            templates = merge_templates(templates, {"office": self.local_office.office})
        for name, data in sorted(down.templates.items()):
            try:
                templates = merge_templates(templates, json.loads(data.get("body") or "{}"))
            except Exception as exc:  # a bad template must never stop the counter
                log.warning("published template %s ignored: %s", name, exc)
        with self._lock:
            if catalog.version != self._catalog.version:
                log.info("catalog in force: %s (%d matters)", catalog.version, len(catalog.matters))
            self._catalog, self._calendar, self._templates = catalog, calendar, templates


DEFAULT_OFFLINE_LOGIN_DAYS = 10  # a week offline plus slack for clock changes, unless the back office says otherwise


@dataclass(frozen=True)
class Readiness:
    """Can this station keep working offline on what it has? Warnings are Chinese, for the
    status bar and the home banner; none means the catalog and calendar are fit for use."""

    warnings: tuple[str, ...]
    confirmed_at: dt.datetime | None  # last time the back office confirmed what is in force
    offline_login_days: int

    @property
    def ok(self) -> bool:
        return not self.warnings

    @property
    def short(self) -> str:
        return "" if self.ok else f"注意：{len(self.warnings)}项离线数据需更新"


class ReadinessService:
    """Checks what a station works on offline against the limits the back office published:
    the catalog's and calendar's max age (days since the last completed sync) and whether the
    calendar covers every deadline the station could promise from today."""

    def __init__(self, outbox: StoreOutbox, published: Published, clock: Callable[[], dt.datetime] = dt.datetime.now):
        self.outbox, self.published, self.clock = outbox, published, clock

    def offline_login_days(self) -> int:
        policy = self.outbox.downlink().policy or {}
        try:
            return max(1, int(policy.get("offline_login_days") or DEFAULT_OFFLINE_LOGIN_DAYS))
        except (TypeError, ValueError):
            return DEFAULT_OFFLINE_LOGIN_DAYS

    def check(self) -> Readiness:
        now = self.clock()
        down = self.outbox.downlink()
        try:
            confirmed = dt.datetime.fromisoformat(down.confirmed_at) if down.confirmed_at else None
        except ValueError:
            confirmed = None
        warnings = []
        for what, data in (("事项清单", down.catalog_version), ("工作日历", down.calendar)):
            max_age = (data or {}).get("max_age_days")
            if not max_age:
                continue
            if confirmed is None:
                warnings.append(f"{what}尚未与后台核对，请联网同步")
            elif now - confirmed > dt.timedelta(days=int(max_age)):
                days = (now - confirmed).days
                warnings.append(
                    f"{what}已{days}天未与后台核对（后台规定不超过{max_age}天），可能已过期，请尽快联网同步"
                )
        if self.published.local_office.problem:
            warnings.append(self.published.local_office.problem)
        gap = self._uncovered_year(now.date())
        if gap is not None:
            warnings.append(
                f"工作日历未包含{gap}年的放假安排，跨入该年的承诺办结日期按法定节假日从早推算，请联网同步日历"
            )
        return Readiness(tuple(warnings), confirmed, self.offline_login_days())

    def _uncovered_year(self, today: dt.date) -> int | None:
        """The first year the coming deadlines reach that the calendar does not know, or None."""
        calendar = self.published.calendar()
        longest: dict[str, int] = {}
        for matter in self.published.catalog().matters:
            for limit, unit in ((matter.promised_limit, matter.promised_unit), (matter.legal_limit, matter.legal_unit)):
                if limit and unit in ("WD", "ND"):
                    longest[unit] = max(longest.get(unit, 0), int(limit))
        furthest = today
        for unit, limit in longest.items():
            furthest = max(furthest, add_limit(today, limit, unit, calendar).due)
        return next((year for year in range(today.year, furthest.year + 1) if year not in calendar.known_years), None)
