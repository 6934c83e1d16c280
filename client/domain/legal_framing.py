"""The legal framing of a matter by its kind (事项类型): which law its notices cite, which
refusal reasons the counter offers, how its notices are worded and its legal limit.

The Administrative Licensing Law governs 行政许可 only. A 最低生活保障 (行政给付) rests on
《社会救助暂行办法》, a 居民身份证补领 (行政确认) on 《居民身份证法》: citing §32 on their notices
is wrong, and "申请事项依法不需要取得行政许可" is no reason to refuse them. So the framing is
catalog data (`data/legal_framing.json`, which a published catalog may override per kind),
and a matter may name its own basis (`Matter.legal_basis`).

§42 is the default legal limit of a licence decision: 20 working days, 10 more with the head's
approval; 45 + 15 when the catalog marks the matter as handled jointly (联合办理/集中办理).
A limit the catalog sets for the matter (a special law's) wins over the default.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING

from .deadlines import Deadline, WorkCalendar, add_limit

if TYPE_CHECKING:
    from .catalog import Matter

FALLBACK_KIND = "其他"
STAGES = ("accept", "notify", "refuse", "conclude", "decide")
NOT_COMPETENT = "not_competent"  # every kind offers it: the notice must then name the competent office


@dataclass(frozen=True)
class LegalLimit:
    """法定办结时限 and the extension the law allows (0: none)."""

    days: int
    unit: str  # WD / ND
    extension: int = 0  # working days the head may add
    basis: str = ""  # where the limit comes from, e.g. 行政许可法第四十二条第一款


@dataclass(frozen=True)
class DecisionWords:
    """The written decision of a kind: 准予行政许可决定书 for a licence, 给付决定书 for a benefit…"""

    approved_title: str
    denied_title: str
    approved: str  # what the office decides: 准予行政许可 / 给予{matter} / 准予办理
    denied: str

    def title(self, approved: bool) -> str:
        return self.approved_title if approved else self.denied_title


@dataclass(frozen=True)
class Framing:
    """One kind's framing as the data gives it; `{basis}` stands for the matter's own basis."""

    kind: str
    licensing: bool  # 行政许可法 governs: §32's deemed acceptance, §38 decisions, §42 limits
    default_basis: str
    basis: tuple[tuple[str, str], ...]  # stage -> basis template
    refusal_reasons: tuple[tuple[str, str], ...]  # key -> text, in the order offered
    wording: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()  # notice kind -> {key: text}
    legal_limit: LegalLimit | None = None  # default when the matter sets none
    joint_limit: LegalLimit | None = None  # default for joint handling
    decision: DecisionWords | None = None  # how the back office's written decision is titled

    def wording_update(self) -> dict:
        """The kind's wording as a partial template update (reports.templates.NoticeTemplates.framed)."""
        return _wording_update(self.wording)


@dataclass(frozen=True)
class FramingTable:
    version: str
    kinds: tuple[Framing, ...]

    def for_kind(self, kind: str) -> Framing:
        """The kind's framing; a kind the table lacks gets the generic fallback."""
        by_kind = {f.kind: f for f in self.kinds}
        return by_kind.get(kind) or by_kind[FALLBACK_KIND]


@dataclass(frozen=True)
class MatterFraming:
    """The framing resolved for one matter: what its notices and counter screens use."""

    kind: str
    licensing: bool
    legal_basis: str  # the matter's own basis (one law, as notices cite it)
    accept: str
    notify: str
    refuse: str
    conclude: str
    decide: str
    refusal_reasons: tuple[tuple[str, str], ...]
    wording: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]
    limit: LegalLimit  # the legal limit this matter's cases are held to

    @property
    def reasons(self) -> dict[str, str]:
        """Refusal reasons, key -> text, in the order offered."""
        return dict(self.refusal_reasons)

    @property
    def five_days_rule(self) -> bool:
        """§32's "not told within five days counts as accepted" is a licensing-law rule."""
        return self.licensing

    def wording_update(self) -> dict:
        """The wording as a partial template update (reports.templates.NoticeTemplates.framed)."""
        return _wording_update(self.wording)


def _wording_update(wording: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]) -> dict:
    return {"kinds": {kind: {"text": dict(texts)} for kind, texts in wording if texts}}


def _limit(raw: Mapping | None) -> LegalLimit | None:
    if not raw:
        return None
    return LegalLimit(int(raw["days"]), str(raw.get("unit", "WD")), int(raw.get("extension", 0)), raw.get("basis", ""))


def _framing(kind: str, raw: Mapping) -> Framing:
    basis = raw.get("basis") or {}
    missing = [stage for stage in STAGES if stage not in basis]
    if missing:
        raise ValueError(f"事项类型“{kind}”的法律依据缺少：{'、'.join(missing)}")
    reasons = tuple((str(k), str(v)) for k, v in raw.get("refusal_reasons", ()))
    if NOT_COMPETENT not in dict(reasons):
        raise ValueError(f"事项类型“{kind}”的不予受理理由须包含“不属于本机关职权范围”（{NOT_COMPETENT}）")
    wording = tuple(
        (str(notice), tuple((str(k), str(v)) for k, v in texts.items()))
        for notice, texts in (raw.get("wording") or {}).items()
    )
    return Framing(
        kind=kind,
        licensing=bool(raw.get("licensing", False)),
        default_basis=str(raw.get("default_basis", "")),
        basis=tuple((stage, str(basis[stage])) for stage in STAGES),
        refusal_reasons=reasons,
        wording=wording,
        legal_limit=_limit(raw.get("legal_limit")),
        joint_limit=_limit(raw.get("joint_limit")),
        decision=_decision(raw.get("decision")),
    )


def _decision(raw: Mapping | None) -> DecisionWords | None:
    if not raw:
        return None
    return DecisionWords(str(raw["approved_title"]), str(raw["denied_title"]), str(raw["approved"]), str(raw["denied"]))


def framings_from_dict(data: Mapping, base: FramingTable | None = None) -> FramingTable:
    """Parse a framing table; with `base`, the kinds given replace the base's, the rest stay.

    Raises ValueError (Chinese message) on a malformed kind, so a bad publication fails on arrival.
    """
    try:
        parsed = {kind: _framing(kind, raw) for kind, raw in (data.get("kinds") or {}).items()}
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        if isinstance(exc, ValueError) and exc.args and isinstance(exc.args[0], str) and "事项类型" in exc.args[0]:
            raise
        raise ValueError(f"事项类型法律框架数据格式错误：{exc!r}") from exc
    kinds = {f.kind: f for f in (base.kinds if base else ())} | parsed
    if FALLBACK_KIND not in kinds:
        raise ValueError(f"事项类型法律框架须包含通用类型“{FALLBACK_KIND}”")
    return FramingTable(str(data.get("version") or (base.version if base else "")), tuple(kinds.values()))


@functools.lru_cache(maxsize=1)  # shipped data, immutable: parse it once
def builtin_framings() -> FramingTable:
    text = resources.files("client.domain").joinpath("data/legal_framing.json").read_text("utf-8")
    return framings_from_dict(json.loads(text))


def kind_framing(kind: str, table: FramingTable | None = None) -> Framing:
    """A kind's framing (the built-in table's when none is given): what a case's paper is worded
    by when only its kind is at hand (the case's first event records it)."""
    return (table or builtin_framings()).for_kind(kind)


def matter_basis(matter: Matter, framing: Framing) -> str:
    """The law a matter's notices cite: its own override, else the first law of its 设定依据."""
    if matter.legal_basis.strip():
        return matter.legal_basis.strip()
    first = matter.basis.replace(";", "；").split("；")[0].strip().rstrip("。")
    return first or framing.default_basis


def legal_limit_of(matter: Matter, framing: Framing) -> LegalLimit:
    """The matter's legal limit: the catalog's own (a special law's) when set, else the kind's
    default (§42 for a licence: 20 + 10 working days, 45 + 15 when handled jointly)."""
    default = (framing.joint_limit if matter.joint_handling else None) or framing.legal_limit
    extension = default.extension if default else 0
    if matter.legal_limit > 0:
        basis = matter_basis(matter, framing) if not default else default.basis
        return LegalLimit(matter.legal_limit, matter.legal_unit, extension, basis)
    if default is not None:
        return default
    return LegalLimit(0, "WD")


def frame(matter: Matter, table: FramingTable | None = None) -> MatterFraming:
    """The matter's framing from `table` (the catalog's; the built-in one when None)."""
    framing = (table or builtin_framings()).for_kind(matter.kind)
    own = matter_basis(matter, framing)
    stages = {stage: text.replace("{basis}", own) for stage, text in framing.basis}
    return MatterFraming(
        kind=matter.kind,
        licensing=framing.licensing,
        legal_basis=own,
        accept=stages["accept"],
        notify=stages["notify"],
        refuse=stages["refuse"],
        conclude=stages["conclude"],
        decide=stages["decide"],
        refusal_reasons=framing.refusal_reasons,
        wording=framing.wording,
        limit=legal_limit_of(matter, framing),
    )


def legal_due(matter: Matter, start: dt.date, calendar: WorkCalendar, table: FramingTable | None = None) -> Deadline:
    """The date the law requires a decision by (法定办结期限), counted from acceptance."""
    limit = frame(matter, table).limit
    if limit.days <= 0:
        return add_limit(start, 0, "WD", calendar)
    return add_limit(start, limit.days, limit.unit, calendar)


def extended_legal_due(due: dt.date, days: int, calendar: WorkCalendar) -> dt.date:
    """The legal date after an extension of `days` working days (§42: 10, or 15 when joint)."""
    return add_limit(due, days, "WD", calendar).due
