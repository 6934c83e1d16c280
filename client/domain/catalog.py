"""The matter catalog (实施清单): what can be applied for and which materials it needs.

Plain frozen data parsed from JSON so that the client, the server and tests share it.
Every element of the national 办事指南 schema the counter needs is carried here:
situations (情形) decide which conditional materials apply, bundles (一件事) join
several matters and ask shared materials once, and the catalog version is what a
case records so that a case in progress keeps the rules it was taken under.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from importlib import resources
from typing import TYPE_CHECKING

from .legal_framing import FramingTable, MatterFraming, builtin_framings, frame, framings_from_dict

if TYPE_CHECKING:
    from .search import CatalogIndex

LEVELS = ("county", "town", "village")
LEVEL_NAMES = {"county": "县级", "town": "乡镇（街道）级", "village": "村（社区）级"}
NECESSITIES = ("required", "conditional", "optional")
HANDLINGS = ("immediate", "promised")
UNITS = ("WD", "ND")


@dataclass(frozen=True)
class MaterialSpec:
    """One 申请材料 row of a guide."""

    code: str
    name: str
    necessity: str = "required"  # required / conditional / optional
    form: str = "original"  # original / copy
    copies: int = 1
    tolerable: bool = False  # 容缺 allowed
    medium: str = "paper"  # paper / electronic / either
    source: str = "申请人自备"  # 来源渠道: 申请人自备 / 政府部门核发 / 其他
    elicense: str = ""  # e-licence type that replaces it (免提交), "" when none
    pledgeable: bool = False  # a 告知承诺 can stand in for it
    standard: str = ""  # 受理标准
    blank_form: str = ""  # 空白表格 (file name in the hall's form folder)
    sample: str = ""  # 示例样表
    basis: str = ""  # 依据
    shared_as: str = ""  # identity across matters: a bundle asks it once

    @property
    def share_key(self) -> str:
        return self.shared_as or self.name


@dataclass(frozen=True)
class SituationOption:
    code: str
    label: str
    adds: tuple[str, ...] = ()  # material codes this answer makes required
    removes: tuple[str, ...] = ()  # material codes this answer makes unnecessary


@dataclass(frozen=True)
class Situation:
    """A 情形 question; the first option is the default answer."""

    code: str
    question: str
    options: tuple[SituationOption, ...]

    def option(self, code: str | None) -> SituationOption:
        for opt in self.options:
            if opt.code == code:
                return opt
        return self.options[0]


@dataclass(frozen=True)
class Fee:
    name: str
    standard: str
    basis: str = ""
    waivable: bool = False


@dataclass(frozen=True)
class Matter:
    code: str  # 实施编码
    base_code: str  # 基本编码
    name: str
    kind: str  # 行政许可 / 公共服务 / 行政确认 ...
    department: str  # 承办科室, as the public guide names it
    handling: str  # immediate (即办件) / promised (承诺件)
    legal_limit: int
    legal_unit: str  # WD / ND
    promised_limit: int
    promised_unit: str
    level: str  # county / town / village: 行使层级
    keywords: tuple[str, ...]
    materials: tuple[MaterialSpec, ...]
    result_name: str = ""
    body: str = ""  # 实施主体
    body_code: str = ""  # 实施主体编码 (统一社会信用代码)
    entrusted: str = ""  # 委托部门
    basis: str = ""  # 设定依据
    targets: tuple[str, ...] = ("自然人",)  # 服务对象
    conditions: str = ""  # 受理条件
    visits: int = 1  # 到办事现场次数
    visit_reason: str = ""  # required when visits > 0
    fees: tuple[Fee, ...] = ()  # empty: 不收费
    where: tuple[str, ...] = ()  # levels where it can be taken in; empty = its own level
    region_code: str = ""  # implementing body's region; "" = the catalog's
    address: str = ""
    hours: str = ""
    phone: str = ""
    online: bool = False  # 是否网办
    mail_result: bool = False  # 是否支持物流快递
    pledge: bool = False  # 告知承诺制 available
    special_procedures: str = ""  # 特别程序 (time not counted)
    situations: tuple[Situation, ...] = ()
    aliases: tuple[str, ...] = ()  # colloquial phrases (口语化)
    version: int = 1  # 事项版本
    # The 承办科室's stable code: what the back office routes a case by. A catalog made
    # before codes existed gets one derived from the department's name.
    department_code: str = ""
    # The law its notices cite when not the first of `basis` (client.domain.legal_framing).
    legal_basis: str = ""
    # 联合办理/集中办理: a licence's §42 default limit is then 45 + 15 working days, not 20 + 10.
    joint_handling: bool = False
    # Share keys of what its result stands for as a material of another matter (营业执照 → YYZZ
    # and ZTZG, any subject document): a later member of a 一件事 gets it from this one.
    result_as: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        code = str(self.department_code or "").strip().upper() or department_code_for(self.department)
        object.__setattr__(self, "department_code", code)

    def required_materials(self) -> tuple[MaterialSpec, ...]:
        return tuple(m for m in self.materials if m.necessity == "required")

    def taken_at(self) -> tuple[str, ...]:
        return self.where or (self.level,)

    def material(self, code: str) -> MaterialSpec:
        for spec in self.materials:
            if spec.code == code:
                return spec
        raise KeyError(code)

    def materials_for(self, answers: Mapping[str, str] | None = None) -> tuple[MaterialSpec, ...]:
        """The materials this applicant must bring, necessity resolved by the situation answers.

        Required materials stay unless an answer removes them; conditional ones apply only
        when an answer adds them (and then count as required); optional ones are kept as
        optional. Unknown answers fall back to each question's default option.
        """
        answers = answers or {}
        added: set[str] = set()
        removed: set[str] = set()
        for situation in self.situations:
            opt = situation.option(answers.get(situation.code))
            added.update(opt.adds)
            removed.update(opt.removes)
        out = []
        for spec in self.materials:
            if spec.code in removed:
                continue
            if spec.necessity == "conditional":
                if spec.code in added:
                    out.append(_with_necessity(spec, "required"))
            else:
                out.append(spec)
        return tuple(out)


DEPARTMENT_CODE_LENGTH = 32
DEPARTMENT_CODE = re.compile(rf"^[A-Z0-9_-]{{1,{DEPARTMENT_CODE_LENGTH}}}$")  # what the back office accepts


@functools.lru_cache(maxsize=4096)  # a catalog names a handful of departments over many matters
def department_code_for(name: str) -> str:
    """A department's code derived from its name: the pinyin initials, upper case
    (社会事务科 → SHSWK), Latin letters and digits kept, punctuation dropped.

    The shipped catalog spells each code out, equal to this, so a catalog published before
    codes existed routes to the same departments as one that carries them.
    """
    from pypinyin import lazy_pinyin  # only a catalog without codes needs it

    # pypinyin's stub types the errors callback as returning one str; a list is documented and handled.
    syllables = lazy_pinyin(name.strip(), errors=_one_per_char)  # type: ignore[arg-type]
    code = "".join(s[0].upper() for s in syllables if s and s[0].isascii() and s[0].isalnum())
    return code[:DEPARTMENT_CODE_LENGTH] or "DEPT"


def _one_per_char(chars: str) -> list[str]:
    """Characters without pinyin (Latin letters, digits, brackets) stay one syllable each."""
    return list(chars)


def _with_necessity(spec: MaterialSpec, necessity: str) -> MaterialSpec:
    return MaterialSpec(**{**_as_dict(spec), "necessity": necessity})


@dataclass(frozen=True)
class BundleMaterial:
    """A material of a bundle: asked once, used by every member matter listed."""

    spec: MaterialSpec
    used_by: tuple[str, ...]  # matter codes


@dataclass(frozen=True)
class Bundle:
    """一件事: several matters taken in together; shared materials are submitted once."""

    code: str
    name: str
    matters: tuple[str, ...]  # member matter codes, in working order
    level: str = "county"
    where: tuple[str, ...] = ()
    description: str = ""
    promised_limit: int = 0
    promised_unit: str = "WD"
    keywords: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    situations: tuple[Situation, ...] = ()  # asked once, answers handed to every member
    # Who the chain is for: "" a person, else the organisation type it sets up (个体工商户,
    # 企业, 民办非企业单位): every member must serve it and ask its own subject document only.
    # None: not stated (a catalog made before chains were reviewed): check_catalog leaves it be.
    organisation: str | None = None

    def taken_at(self) -> tuple[str, ...]:
        return self.where or (self.level,)

    def supplied_by_chain(self, catalog: Catalog, matter_code: str) -> frozenset[str]:
        """Share keys an earlier member's result provides to `matter_code`: never asked of the applicant."""
        out: set[str] = set()
        for code in self.matters:
            if code == matter_code:
                break
            out.update(catalog.get(code).result_as)
        return frozenset(out)

    def member_materials(
        self, catalog: Catalog, matter_code: str, answers: Mapping[str, str] | None = None
    ) -> tuple[MaterialSpec, ...]:
        """A member's checklist within the chain: what earlier members produce is left out."""
        supplied = self.supplied_by_chain(catalog, matter_code)
        return tuple(s for s in catalog.get(matter_code).materials_for(answers) if s.share_key not in supplied)

    def materials_for(self, catalog: Catalog, answers: Mapping[str, str] | None = None) -> tuple[BundleMaterial, ...]:
        merged: dict[str, tuple[MaterialSpec, list[str]]] = {}
        for code in self.matters:
            for spec in self.member_materials(catalog, code, answers):
                key = spec.share_key
                if key in merged:
                    first, users = merged[key]
                    users.append(code)
                    if first.necessity != "required" and spec.necessity == "required":
                        merged[key] = (spec, users)
                    elif spec.copies > first.copies:
                        merged[key] = (_with_copies(first, spec.copies), users)
                else:
                    merged[key] = (spec, [code])
        return tuple(BundleMaterial(spec, tuple(users)) for spec, users in merged.values())


def _with_copies(spec: MaterialSpec, copies: int) -> MaterialSpec:
    return MaterialSpec(**{**_as_dict(spec), "copies": copies})


@dataclass(frozen=True)
class Catalog:
    version: str
    office_name: str
    region_code: str
    matters: tuple[Matter, ...]
    bundles: tuple[Bundle, ...] = ()
    published: str = ""  # ISO date the version took effect
    # Kinds laid over the built-in legal framing (data/legal_framing.json's shape); {} = built-in.
    legal_framing: Mapping = field(default_factory=dict, compare=False, hash=False)
    # Everyday phrases laid over the built-in data/synonyms.json (phrase → matter names or codes).
    synonyms: Mapping = field(default_factory=dict, compare=False, hash=False)
    # Set by __post_init__.
    _by_code: dict[str, Matter | Bundle] = field(init=False, repr=False, compare=False, hash=False)
    _index: CatalogIndex | None = field(default=None, init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        # A lookup table built once; the dataclass stays frozen for callers.
        object.__setattr__(self, "_by_code", {m.code: m for m in self.matters} | {b.code: b for b in self.bundles})

    def get(self, code: str) -> Matter:
        found = self._by_code.get(code)
        if not isinstance(found, Matter):
            raise KeyError(code)
        return found

    def bundle(self, code: str) -> Bundle:
        found = self._by_code.get(code)
        if not isinstance(found, Bundle):
            raise KeyError(code)
        return found

    def framings(self) -> FramingTable:
        """The legal framing table this catalog is published with (built-in kinds, its own laid over)."""
        return _framings(json.dumps(dict(self.legal_framing), ensure_ascii=False, sort_keys=True))

    def framing(self, matter: Matter) -> MatterFraming:
        """The matter's legal framing: notice wording, legal basis, refusal reasons, legal limit."""
        return frame(matter, self.framings())

    def search(self, text: str, limit: int = 20) -> tuple[Matter, ...]:
        """Ranked matter search (name, code, pinyin, initials, colloquial phrases)."""
        from .search import CatalogIndex

        return tuple(
            hit.item for hit in CatalogIndex.for_catalog(self).search(text, limit=limit) if isinstance(hit.item, Matter)
        )

    def to_dict(self) -> dict:
        return (
            {
                "version": self.version,
                "published": self.published,
                "office_name": self.office_name,
                "region_code": self.region_code,
                "matters": [matter_to_dict(m) for m in self.matters],
                "bundles": [_as_dict(b) for b in self.bundles],
            }
            | ({"legal_framing": dict(self.legal_framing)} if self.legal_framing else {})
            | ({"synonyms": dict(self.synonyms)} if self.synonyms else {})
        )


@functools.lru_cache(maxsize=8)  # a catalog's table is parsed once per distinct publication
def _framings(raw: str) -> FramingTable:
    data = json.loads(raw)
    base = builtin_framings()
    return framings_from_dict(data, base) if data else base


def _as_dict(obj) -> dict:
    """Dataclass → JSON-ready dict, tuples as lists, recursively."""
    out = {}
    for f in fields(obj):
        if f.name.startswith("_"):
            continue
        value = getattr(obj, f.name)
        if isinstance(value, tuple):
            value = [_as_dict(v) if hasattr(v, "__dataclass_fields__") else v for v in value]
        out[f.name] = value
    return out


def matter_to_dict(matter: Matter) -> dict:
    return _as_dict(matter)


def _situations(raw: Iterable[dict]) -> tuple[Situation, ...]:
    return tuple(
        Situation(
            s["code"],
            s["question"],
            tuple(
                SituationOption(o["code"], o["label"], tuple(o.get("adds", ())), tuple(o.get("removes", ())))
                for o in s["options"]
            ),
        )
        for s in raw
    )


_TUPLE_FIELDS = ("keywords", "targets", "where", "aliases", "matters", "result_as")


def matter_from_dict(raw: dict) -> Matter:
    known = {f.name for f in fields(Matter)}
    data = {k: v for k, v in raw.items() if k in known}
    for key in _TUPLE_FIELDS:
        if key in data:
            data[key] = tuple(data[key])
    data["materials"] = tuple(
        MaterialSpec(**{k: v for k, v in s.items() if k in _SPEC_FIELDS}) for s in raw["materials"]
    )
    data["fees"] = tuple(Fee(**f) for f in raw.get("fees", ()))
    data["situations"] = _situations(raw.get("situations", ()))
    data.setdefault("keywords", ())
    return Matter(**data)


_SPEC_FIELDS = frozenset(f.name for f in fields(MaterialSpec))


def bundle_from_dict(raw: dict) -> Bundle:
    known = {f.name for f in fields(Bundle)}
    data = {k: v for k, v in raw.items() if k in known}
    for key in _TUPLE_FIELDS:
        if key in data:
            data[key] = tuple(data[key])
    data["situations"] = _situations(raw.get("situations", ()))
    return Bundle(**data)


def catalog_from_dict(data: dict) -> Catalog:
    return Catalog(
        data["version"],
        data["office_name"],
        data["region_code"],
        tuple(matter_from_dict(raw) for raw in data["matters"]),
        tuple(bundle_from_dict(raw) for raw in data.get("bundles", ())),
        data.get("published", ""),
        dict(data.get("legal_framing") or {}),
        dict(data.get("synonyms") or {}),  # checked where it is used (client.domain.search)
    )


def check_catalog(catalog: Catalog) -> tuple[str, ...]:
    """Internal consistency problems of a catalog (empty when it is sound), in Chinese."""
    problems = []
    seen: set[str] = set()
    for m in catalog.matters:
        where = f"事项“{m.name}”（{m.code}）"
        if m.code in seen:
            problems.append(f"{where}：实施编码重复")
        seen.add(m.code)
        if m.handling not in HANDLINGS:
            problems.append(f"{where}：办件类型应为即办件或承诺件")
        if m.legal_unit not in UNITS or m.promised_unit not in UNITS:
            problems.append(f"{where}：时限单位应为工作日（WD）或自然日（ND）")
        if m.handling == "promised" and not 0 < m.promised_limit:
            problems.append(f"{where}：承诺件须有承诺办结时限")
        if m.handling == "promised" and m.legal_unit == m.promised_unit and m.promised_limit > m.legal_limit:
            problems.append(f"{where}：承诺时限不得长于法定时限")
        if m.level not in LEVELS or any(lv not in LEVELS for lv in m.taken_at()):
            problems.append(f"{where}：服务层级应为县级、乡镇级或村级")
        if m.visits > 0 and not m.visit_reason:
            problems.append(f"{where}：到现场次数不为0时须说明到现场原因")
        codes = [s.code for s in m.materials]
        if len(codes) != len(set(codes)):
            problems.append(f"{where}：材料编码重复")
        for s in m.materials:
            if s.necessity not in NECESSITIES:
                problems.append(f"{where}：材料“{s.name}”必要性取值错误")
        referenced = {c for sit in m.situations for o in sit.options for c in o.adds + o.removes}
        for code in sorted(referenced - set(codes)):
            problems.append(f"{where}：情形引用了不存在的材料 {code}")
    named: dict[str, str] = {}
    for m in catalog.matters:  # the back office keeps one department per code
        if not DEPARTMENT_CODE.match(m.department_code):
            problems.append(
                f"事项“{m.name}”（{m.code}）：科室编码应为1到{DEPARTMENT_CODE_LENGTH}位大写字母、数字、下划线或短横线"
            )
        first = named.setdefault(m.department_code, m.department)
        if first != m.department:
            problems.append(f"科室编码 {m.department_code} 同时用于“{first}”和“{m.department}”")
    try:
        catalog.framings()
    except ValueError as exc:
        problems.append(str(exc))
    for b in catalog.bundles:
        absent = [code for code in b.matters if code not in seen]
        problems.extend(f"一件事“{b.name}”：成员事项 {code} 不在目录中" for code in absent)
        if not absent and b.organisation is not None:
            problems.extend(check_bundle(catalog, b))
    return tuple(problems)


# What identifies each organisation type a chain may set up: the 服务对象 its members must
# serve and the share key of its own subject document (主体资格证明). ZTZG stands for any of them.
ORGANISATION_TYPES: Mapping[str, tuple[str, str]] = {
    "": ("自然人", ""),
    "个体工商户": ("自然人", "YYZZ"),
    "企业": ("法人", "YYZZ"),
    "民办非企业单位": ("法人", "MFZS"),
}
SUBJECT_DOCUMENTS = {"YYZZ": "营业执照", "MFZS": "民办非企业单位登记证书"}


def check_bundle(catalog: Catalog, bundle: Bundle) -> tuple[str, ...]:
    """A chain's inputs against its outputs (Chinese problems, empty when it makes sense).

    No member asks the applicant for a result another member produces: an earlier member's
    result is handed on (Bundle.member_materials), a later member's would be asked before it
    exists. Every member serves the chain's applicant and asks only the subject document of
    the organisation type the chain sets up (no 营业执照 from a kindergarten).
    """
    where = f"一件事“{bundle.name}”"
    organisation = bundle.organisation or ""
    if organisation not in ORGANISATION_TYPES:
        return (f"{where}：主体类型“{organisation}”未知",)
    target, own_document = ORGANISATION_TYPES[organisation]
    foreign = {key for key in SUBJECT_DOCUMENTS if key != own_document}
    members = [catalog.get(code) for code in bundle.matters]
    results = {key: m for m in members for key in m.result_as} | {m.result_name: m for m in members if m.result_name}
    problems = []
    for position, matter in enumerate(members):
        if target not in matter.targets:
            problems.append(f"{where}：成员事项“{matter.name}”的服务对象不含{target}")
        supplied = bundle.supplied_by_chain(catalog, matter.code)
        for spec in matter.materials:
            if spec.share_key in foreign:
                problems.append(
                    f"{where}：“{matter.name}”要求{SUBJECT_DOCUMENTS[spec.share_key]}，与主体类型“{organisation or '个人'}”不符"
                )
            producer = results.get(spec.share_key) or results.get(spec.name)
            if producer is None or producer is matter or spec.share_key in supplied:
                continue
            later = members.index(producer) >= position
            problems.append(
                f"{where}：“{matter.name}”向申请人索要“{spec.name}”，而它由"
                f"{'其后' if later else '同链'}的“{producer.name}”出具"
            )
    return tuple(problems)


@functools.lru_cache(maxsize=1)  # shipped data, immutable: parse it once
def load_sample_catalog() -> Catalog:
    """The catalog shipped with the program (demo mode and a fresh back office)."""
    text = resources.files("client.domain").joinpath("data/sample_catalog.json").read_text("utf-8")
    return catalog_from_dict(json.loads(text))


@dataclass(frozen=True)
class CatalogArchive:
    """Every catalog version this installation has seen, so a case keeps its version.

    A case records `catalog_version` at intake; supplements and the back office look the
    matter up in that version, never in whatever is current.
    """

    versions: tuple[Catalog, ...]

    @property
    def current(self) -> Catalog:
        return self.versions[-1]

    def at(self, version: str) -> Catalog:
        for cat in self.versions:
            if cat.version == version:
                return cat
        raise KeyError(version)

    def matter_for_case(self, version: str, code: str) -> Matter:
        return self.at(version).get(code)

    def publish(self, catalog: Catalog) -> CatalogArchive:
        if any(c.version == catalog.version for c in self.versions):
            raise ValueError(f"目录版本 {catalog.version} 已存在，新版本须使用新的版本号")
        return CatalogArchive(self.versions + (catalog,))
