"""办事指南: what to bring for one matter or one 一件事, as text and as an A4 PDF.

Halls print guides for the stands beside their QR codes, and clerks answer "what do I
need" over the phone from the same facts. A `Guide` is plain data cut from the catalog
for one set of situation answers, so the paper never depends on how the catalog is
stored; the QR code carries the matter code for looking the guide up online.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer, Table, TableStyle

from client.domain.catalog import Bundle, Catalog, Fee, MaterialSpec, Matter, Situation
from client.domain.search import CatalogIndex
from reports import blocks
from reports.errors import ReportError
from reports.fonts import FontSet, default_font_set
from reports.sheet import TEXT_WIDTH, render_story
from reports.styles import PaperStyles, paper_styles

TITLE = "办事指南"
UNIT_NAMES = {"WD": "个工作日", "ND": "个自然日"}
HANDLING_NAMES = {"immediate": "即办件", "promised": "承诺件"}
FORM_NAMES = {"original": "原件", "copy": "复印件"}
MEDIUM_NAMES = {"paper": "纸质", "electronic": "电子", "either": "纸质或电子"}
QR_SIDE_MM = 32
NOTE = (
    "说明：标注“可容缺”的材料暂缺时可先行受理，须在约定期限内补齐；标注“可告知承诺”的材料"
    "可由申请人书面承诺代替；标注“可免提交”的材料由窗口调取电子证照，申请人无需提交。"
)


class GuideError(ReportError):
    """The guide asked for cannot be made (unknown code, invalid situation answer)."""


def limit_text(value: int, unit: str) -> str:
    return f"{value}{UNIT_NAMES.get(unit, unit)}"


@dataclass(frozen=True)
class GuideMaterial:
    """One row of the 申请材料 list, necessity already resolved by the answers."""

    name: str
    form: str  # original / copy
    copies: int
    medium: str  # paper / electronic / either
    required: bool = True
    tolerable: bool = False  # 可容缺
    pledgeable: bool = False  # 可告知承诺
    elicense: str = ""  # e-licence that replaces it (可免提交)
    standard: str = ""  # 受理标准
    used_by: tuple[int, ...] = ()  # bundle: 1-based numbers of the member matters using it

    @property
    def form_text(self) -> str:
        return f"{FORM_NAMES.get(self.form, self.form)}{self.copies}份"

    @property
    def medium_text(self) -> str:
        return MEDIUM_NAMES.get(self.medium, self.medium)

    @property
    def display_name(self) -> str:
        return self.name if self.required else f"{self.name}（非必要）"

    @property
    def easements(self) -> tuple[str, ...]:
        """可容缺 / 可告知承诺 / 可免提交, the ways the applicant may come without it."""
        out = []
        if self.tolerable:
            out.append("可容缺")
        if self.pledgeable:
            out.append("可告知承诺")
        if self.elicense:
            out.append(f"可免提交（{self.elicense}）")
        return tuple(out)


@dataclass(frozen=True)
class GuideMatter:
    """The guide elements of one matter (a bundle lists one per member)."""

    code: str
    name: str
    kind: str
    body: str  # 实施机关
    department: str  # 承办科室
    handling: str  # immediate / promised
    legal_limit: int
    legal_unit: str
    promised_limit: int
    promised_unit: str
    visits: int
    visit_reason: str = ""
    fees: tuple[str, ...] = ()  # one line per fee; empty: 不收费
    result_name: str = ""
    address: str = ""
    hours: str = ""
    phone: str = ""

    @property
    def handling_text(self) -> str:
        return HANDLING_NAMES.get(self.handling, self.handling)

    @property
    def legal_text(self) -> str:
        return limit_text(self.legal_limit, self.legal_unit)

    @property
    def promised_text(self) -> str:
        if self.handling == "immediate":
            return "即办（材料齐全当场办结）"
        return limit_text(self.promised_limit, self.promised_unit)

    @property
    def visits_text(self) -> str:
        if self.visits == 0:
            return "0次（不见面办理）"
        return f"{self.visits}次" + (f"（{self.visit_reason}）" if self.visit_reason else "")

    @property
    def fees_text(self) -> str:
        return "；".join(self.fees) if self.fees else "不收费"

    @property
    def body_text(self) -> str:
        return f"{self.body}（{self.department}）" if self.department else self.body


@dataclass(frozen=True)
class GuideAnswer:
    """A 情形 question with the answer this guide was made for and the other choices."""

    code: str
    question: str
    answer: str  # option code
    label: str  # option label
    choices: tuple[tuple[str, str], ...]  # (option code, label)


@dataclass(frozen=True)
class Guide:
    office_name: str
    code: str
    name: str
    matters: tuple[GuideMatter, ...]  # one for a matter, the members for a bundle
    materials: tuple[GuideMaterial, ...]
    answers: tuple[GuideAnswer, ...] = ()
    bundle: bool = False
    description: str = ""  # bundle: what is done together
    promised_limit: int = 0  # bundle: the joint promise
    promised_unit: str = "WD"
    catalog_version: str = ""

    @property
    def bundle_promise_text(self) -> str:
        return limit_text(self.promised_limit, self.promised_unit) if self.promised_limit else ""

    @property
    def visits(self) -> int:
        """A bundle is taken in at one window at once: the most any member needs."""
        return max((m.visits for m in self.matters), default=0)

    def shared(self, attr: str) -> str:
        """One value when every member agrees (address, hours, phone), else each member's own."""
        values = list(dict.fromkeys(getattr(m, attr) for m in self.matters if getattr(m, attr)))
        if len(values) <= 1:
            return values[0] if values else ""
        return "；".join(f"{m.name}：{getattr(m, attr)}" for m in self.matters if getattr(m, attr))


# --- building a guide from the catalog -------------------------------------------------


def _fee_text(fee: Fee) -> str:
    return f"{fee.name}：{fee.standard}" + ("（符合条件的可减免）" if fee.waivable else "")


def _guide_matter(m: Matter) -> GuideMatter:
    return GuideMatter(
        m.code,
        m.name,
        m.kind,
        m.body,
        m.department,
        m.handling,
        m.legal_limit,
        m.legal_unit,
        m.promised_limit,
        m.promised_unit,
        m.visits,
        m.visit_reason,
        tuple(_fee_text(f) for f in m.fees),
        m.result_name,
        m.address,
        m.hours,
        m.phone,
    )


def _guide_material(spec: MaterialSpec, used_by: tuple[int, ...] = ()) -> GuideMaterial:
    return GuideMaterial(
        spec.name,
        spec.form,
        spec.copies,
        spec.medium,
        spec.necessity == "required",
        spec.tolerable,
        spec.pledgeable,
        spec.elicense,
        spec.standard,
        used_by,
    )


def situations_of(item: Matter | Bundle, catalog: Catalog) -> tuple[Situation, ...]:
    """The questions asked for a matter, or once for a whole bundle (its own, then its members')."""
    if isinstance(item, Matter):
        return item.situations
    merged: dict[str, Situation] = {}
    for sit in (*item.situations, *(s for code in item.matters for s in catalog.get(code).situations)):
        if sit.code in merged:
            known = merged[sit.code]
            extra = tuple(o for o in sit.options if o.code not in {k.code for k in known.options})
            merged[sit.code] = Situation(known.code, known.question, known.options + extra)
        else:
            merged[sit.code] = sit
    return tuple(merged.values())


def check_answers(situations: tuple[Situation, ...], answers: Mapping[str, str]) -> None:
    """Raise GuideError naming every valid question and answer when one given is not."""
    by_code = {s.code: s for s in situations}
    for key, value in answers.items():
        if key not in by_code:
            if not situations:
                raise GuideError(f"no situation {key!r}", f"情形“{key}”不存在：该事项没有需要选择的情形")
            listed = "\n".join(
                f"  {s.code}：{s.question}（可选：" + "；".join(f"{o.code}={o.label}" for o in s.options) + "）"
                for s in situations
            )
            raise GuideError(f"no situation {key!r}", f"情形“{key}”不存在，可用的情形：\n{listed}")
        options = by_code[key].options
        if value not in {o.code for o in options}:
            listed = "；".join(f"{o.code}（{o.label}）" for o in options)
            raise GuideError(
                f"no option {value!r} for {key!r}",
                f"情形 {key}（{by_code[key].question}）没有答案“{value}”，可选：{listed}",
            )


def _answers(situations: tuple[Situation, ...], answers: Mapping[str, str]) -> tuple[GuideAnswer, ...]:
    out = []
    for sit in situations:
        opt = sit.option(answers.get(sit.code))
        out.append(
            GuideAnswer(sit.code, sit.question, opt.code, opt.label, tuple((o.code, o.label) for o in sit.options))
        )
    return tuple(out)


def matter_guide(
    matter: Matter, answers: Mapping[str, str] | None = None, office_name: str = "", catalog_version: str = ""
) -> Guide:
    answers = dict(answers or {})
    check_answers(matter.situations, answers)
    return Guide(
        office_name,
        matter.code,
        matter.name,
        (_guide_matter(matter),),
        tuple(_guide_material(s) for s in matter.materials_for(answers)),
        _answers(matter.situations, answers),
        catalog_version=catalog_version,
    )


def bundle_guide(bundle: Bundle, catalog: Catalog, answers: Mapping[str, str] | None = None) -> Guide:
    """Shared materials appear once, with the members that use them."""
    answers = dict(answers or {})
    situations = situations_of(bundle, catalog)
    check_answers(situations, answers)
    number = {code: i for i, code in enumerate(bundle.matters, 1)}
    materials = tuple(
        _guide_material(bm.spec, tuple(number[c] for c in bm.used_by)) for bm in bundle.materials_for(catalog, answers)
    )
    return Guide(
        catalog.office_name,
        bundle.code,
        bundle.name,
        tuple(_guide_matter(catalog.get(c)) for c in bundle.matters),
        materials,
        _answers(situations, answers),
        bundle=True,
        description=bundle.description,
        promised_limit=bundle.promised_limit,
        promised_unit=bundle.promised_unit,
        catalog_version=catalog.version,
    )


def closest_items(catalog: Catalog, text: str, limit: int = 5) -> tuple[Matter | Bundle, ...]:
    """What the clerk probably meant: near-miss codes first, then search hits for the text."""
    items: dict[str, Matter | Bundle] = {**{m.code: m for m in catalog.matters}, **{b.code: b for b in catalog.bundles}}
    wanted = text.strip().upper()
    scored = sorted((-difflib.SequenceMatcher(None, wanted, code.upper()).ratio(), code) for code in items)
    found = [items[code] for neg, code in scored[:limit] if -neg >= 0.6]
    found += [hit.item for hit in CatalogIndex.for_catalog(catalog).search(text, limit=limit)]
    return tuple(dict.fromkeys(found))[:limit]


def guide_for(catalog: Catalog, code: str, answers: Mapping[str, str] | None = None) -> Guide:
    """The guide for a matter or bundle code (case-insensitive); unknown codes name the closest."""
    wanted = code.strip().lower()
    for matter in catalog.matters:
        if matter.code.lower() == wanted:
            return matter_guide(matter, answers, catalog.office_name, catalog.version)
    for bundle in catalog.bundles:
        if bundle.code.lower() == wanted:
            return bundle_guide(bundle, catalog, answers)
    near = closest_items(catalog, code)
    if near:
        listed = "\n".join(f"  {item.code}  {_label(item)}" for item in near)
        message = f"没有编码为“{code}”的事项或一件事。最接近的：\n{listed}"
    else:
        message = f"没有编码为“{code}”的事项或一件事，可用 onewindow catalog search 查找"
    raise GuideError(f"no matter or bundle {code!r}", message)


def _label(item: Matter | Bundle) -> str:
    return f"【一件事】{item.name}" if isinstance(item, Bundle) else item.name


# --- text ------------------------------------------------------------------------------


def guide_text(guide: Guide) -> str:
    """The guide as plain text for the terminal or a phone answer."""
    lines = [guide.office_name, f"{TITLE}：{'【一件事】' if guide.bundle else ''}{guide.name}（{guide.code}）"]
    if guide.bundle:
        if guide.description:
            lines.append(f"说明：{guide.description}")
        if guide.promised_limit:
            lines.append(f"承诺办结时限（一件事）：{guide.bundle_promise_text}")
        lines.append("包含事项：")
        for i, m in enumerate(guide.matters, 1):
            lines.append(f"  {i}. {m.name}（{m.code}）")
            lines += [f"     {label}：{value}" for label, value in _matter_rows(m, brief=True)]
        lines += [f"{label}：{value}" for label, value in _place_rows(guide)]
    else:
        m = guide.matters[0]
        lines += [f"{label}：{value}" for label, value in _matter_rows(m) + _place_rows(guide)]
    if guide.answers:
        lines.append("办理情形：")
        for a in guide.answers:
            others = "；".join(f"{c}={label}" for c, label in a.choices)
            lines.append(f"  {a.code} {a.question} {a.label}（--answer {a.code}={a.answer}；可选：{others}）")
    lines.append(f"申请材料（共{len(guide.materials)}项）：")
    names = {i: m.name for i, m in enumerate(guide.matters, 1)}
    for i, mat in enumerate(guide.materials, 1):
        lines.append(f"  {i}. {mat.display_name}")
        lines.append("     " + " · ".join((mat.form_text, mat.medium_text, *mat.easements)))
        if mat.standard:
            lines.append(f"     受理标准：{mat.standard}")
        if guide.bundle and mat.used_by:
            lines.append("     适用事项：" + "、".join(names[n] for n in mat.used_by))
    if guide.catalog_version:
        lines.append(f"（事项清单版本 {guide.catalog_version}）")
    return "\n".join(lines) + "\n"


def _matter_rows(m: GuideMatter, brief: bool = False) -> list[tuple[str, str]]:
    rows = [] if brief else [("事项名称", m.name), ("事项编码", m.code), ("事项类型", m.kind)]
    rows += [
        ("实施机关", m.body_text),
        ("办件类型", m.handling_text),
        ("法定时限", m.legal_text),
        ("承诺时限", m.promised_text),
        ("到现场次数", m.visits_text),
        ("收费", m.fees_text),
    ]
    if m.result_name:
        rows.append(("办理结果", m.result_name))
    return rows


def _place_rows(guide: Guide) -> list[tuple[str, str]]:
    rows = [
        ("办理地点", guide.shared("address")),
        ("办理时间", guide.shared("hours")),
        ("咨询电话", guide.shared("phone")),
    ]
    return [(label, value) for label, value in rows if value]


# --- PDF -------------------------------------------------------------------------------


def render_guide_pdf(guide: Guide, fonts: FontSet | None = None) -> bytes:
    """A4 guide for a QR-code stand: facts beside the QR code, then the materials table."""
    fonts = fonts or default_font_set()
    st = paper_styles(fonts)
    subtitle = f"{'【一件事】' if guide.bundle else ''}{guide.name}"
    story: list[Flowable] = blocks.header(st, guide.office_name, TITLE, subtitle=subtitle)
    if guide.bundle:
        rows: list[tuple[str, ...]] = [
            ("一件事编码", guide.code, "承诺时限", guide.bundle_promise_text or "按各事项时限"),
            ("包含事项", f"{len(guide.matters)}项", "到现场次数", f"{guide.visits}次"),
        ]
        if guide.description:
            rows.append(("说明", guide.description))
    else:
        m = guide.matters[0]
        rows = [
            ("实施机关", m.body_text),
            ("事项编码", m.code, "事项类型", m.kind),
            ("办件类型", m.handling_text, "到现场次数", m.visits_text),
            ("法定时限", m.legal_text, "承诺时限", m.promised_text),
            ("收费", m.fees_text, "办理结果", m.result_name or "—"),
        ]
    story += [_beside_qr(st, [*rows, *_place_rows(guide)], guide.code), Spacer(1, 6)]
    heading = ParagraphStyle("guide_heading", parent=st.plain, keepWithNext=1)
    if guide.bundle:
        story += [st.p("包含事项：", heading), _members_table(st, guide)]
        fees = [f"{m.name}——{fee}" for m in guide.matters for fee in m.fees]
        if fees:
            story += [Spacer(1, 3), st.p("收费标准：" + "；".join(fees), st.small)]
        story.append(Spacer(1, 6))
    if guide.answers:
        story.append(st.p("办理情形：" + "；".join(f"{a.question}{a.label}" for a in guide.answers), st.plain))
    story.append(st.p(f"申请材料（共{len(guide.materials)}项，请携带）：", heading))
    story += [_materials_table(st, guide), Spacer(1, 4), st.p(NOTE, st.small)]
    if guide.catalog_version:
        story.append(st.p(f"本指南依据事项清单版本 {guide.catalog_version} 生成，以窗口最新公布为准。", st.small))
    return render_story(story, fonts, title=f"{TITLE}：{guide.name}", author=guide.office_name)


def _facts_table(st: PaperStyles, rows: list[tuple[str, ...]], width: float) -> Table:
    """Label/value grid: a two-pair row for short facts, one pair across for long ones."""
    label = 25 * mm
    value = (width - 2 * label) / 2
    data: list[list[Flowable | str]] = []
    spans = []
    for r, row in enumerate(rows):
        cells: list[Flowable | str] = [
            st.p(text, st.cell_center if i % 2 == 0 else st.cell) for i, text in enumerate(row)
        ]
        if len(row) == 2:
            cells += ["", ""]
            spans.append(("SPAN", (1, r), (3, r)))
        data.append(cells)
    table = Table(data, colWidths=[label, value, label, value])
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, blocks.LINE_GREY),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                *spans,
            ]
        )
    )
    return table


def _beside_qr(st: PaperStyles, rows: list[tuple[str, ...]], code: str) -> Table:
    qr_width = (QR_SIDE_MM + 4) * mm
    facts = _facts_table(st, rows, TEXT_WIDTH - qr_width)
    qr = [blocks.qr_code(code, QR_SIDE_MM), st.p("扫码查看办事指南", st.small_center), st.p(code, st.small_center)]
    table = Table([[facts, qr]], colWidths=[TEXT_WIDTH - qr_width, qr_width])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("LEFTPADDING", (-1, 0), (-1, 0), 4),
            ]
        )
    )
    return table


def _members_table(st: PaperStyles, guide: Guide) -> Flowable:
    rows = [
        (
            str(i),
            f"{m.name}\n{m.code}",
            m.body_text,
            m.handling_text,
            f"法定{m.legal_text}\n" + ("即办" if m.handling == "immediate" else f"承诺{m.promised_text}"),
            "收费（见下）" if m.fees else "不收费",
        )
        for i, m in enumerate(guide.matters, 1)
    ]
    return blocks.grid_table(
        st,
        ("序号", "事项名称及编码", "实施机关（科室）", "办件\n类型", "时限", "收费"),
        rows,
        TEXT_WIDTH,
        (1.2, 4.4, 4.4, 1.7, 3.0, 2.2),
        left=(1, 2, 5),
        compact=True,
    )


def _materials_table(st: PaperStyles, guide: Guide) -> Flowable:
    head = ["序号", "材料名称", "原件/\n复印件", "纸质/\n电子", "容缺/承诺/\n免提交", "受理标准"]
    ratios = [1.35, 3.6, 2.2, 1.7, 2.8, 4.5]
    if guide.bundle:
        head.insert(2, "适用\n事项")
        ratios.insert(2, 1.6)
    rows = []
    for i, m in enumerate(guide.materials, 1):
        row = [str(i), m.display_name, m.form_text, m.medium_text, "\n".join(m.easements) or "—", m.standard or "—"]
        if guide.bundle:
            row.insert(2, "、".join(str(n) for n in m.used_by))
        rows.append(tuple(row))
    return blocks.grid_table(st, head, rows, TEXT_WIDTH, ratios, left=(1, len(head) - 1), compact=True)
