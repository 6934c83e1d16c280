"""Notice wording, office names and legal bodies as data the back office can update.

Offices word their notices differently and name their own review body and court, so
none of that is code: built-in defaults ship in `reports/data/notice_templates.json`
and an update pulled from the server is merged over them with `merge_templates`.
An update is checked before it is used: unknown kinds, keys or placeholders are
rejected, so a bad template fails when it arrives, not when a notice is printed.
"""

from __future__ import annotations

import copy
import functools
import json
import string
from collections.abc import Mapping
from dataclasses import dataclass, fields
from importlib import resources
from types import MappingProxyType

from reports.errors import ReportError
from reports.numbers import doc_number

# Placeholders each kind's wording may use; the notice functions supply exactly these.
PLACEHOLDERS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "receipt": frozenset(),
        "acceptance": frozenset({"received_on", "matter", "legal_basis", "decide_by", "contact", "legal_by"}),
        "correction": frozenset({"received_on", "matter", "supplement_by", "contact_person", "phone", "legal_basis"}),
        "refusal": frozenset({"received_on", "matter", "competent_office", "review_body", "court", "legal_basis"}),
        "tolerant_notice": frozenset({"received_on", "matter", "supplement_by"}),
        "tolerant_pledge": frozenset({"matter", "supplement_by"}),
        "pledge": frozenset({"matter"}),
        "service_proof": frozenset(),
        "authorization": frozenset({"matter"}),
        "conclusion": frozenset({"received_on", "matter", "concluded_on", "address", "review_body", "court"}),
    }
)


@dataclass(frozen=True)
class OfficeTemplate:
    """The issuing office as printed; `short_name` is its 机关代字 for document numbers."""

    name: str
    short_name: str
    phone: str = ""
    address: str = ""
    query_url: str = ""  # the public pages' base, <back office>/p/: a case's token is appended
    review_body: str = ""  # 行政复议机关
    court: str = ""  # 管辖法院 for 行政诉讼


@dataclass(frozen=True)
class KindTemplate:
    """Title, number code and wording of one notice kind."""

    kind: str
    title: str
    code: str  # 受 / 补 / 不受 ...: 潍城审 + 受 + 字 gives the series prefix
    seal: str = ""  # seal label; empty: the kind carries no office seal
    subtitle: str = ""
    text: tuple[tuple[str, str], ...] = ()

    def says(self, key: str, **values: str) -> str:
        """The wording `key` with its placeholders filled."""
        template = dict(self.text)[key]
        return template.format_map(values)

    @property
    def seal_label(self) -> str | None:
        return self.seal or None


@dataclass(frozen=True)
class NoticeTemplates:
    version: str
    office: OfficeTemplate
    kinds: tuple[KindTemplate, ...]

    def kind(self, name: str) -> KindTemplate:
        for k in self.kinds:
            if k.kind == name:
                return k
        raise ReportError(f"no template for notice kind {name!r}", f"缺少文书模板：{name}")

    def doc_prefix(self, kind: str) -> str:
        """The series prefix of a kind, e.g. 潍城审受字; the store keeps one counter per prefix and year."""
        code = self.kind(kind).code
        if not code:
            raise ReportError(f"notice kind {kind!r} is not numbered", f"该文书不编号：{self.kind(kind).title}")
        return f"{self.office.short_name}{code}字"

    def doc_number(self, kind: str, year: int, seq: int) -> str:
        return doc_number(self.doc_prefix(kind), year, seq)

    def query_url(self, token: str) -> str:
        """A case's public page (progress and rating): the base with the case's token, never
        its number; "" without a base or a token (a case taken before tokens)."""
        return f"{self.office.query_url}{token}" if self.office.query_url and token else ""

    def framed(self, wording: Mapping) -> NoticeTemplates:
        """These templates with a matter kind's own wording laid over them (a partial update of
        the `merge_templates` shape, from client.domain.legal_framing); {} leaves them as they are."""
        if not any((changes or {}).get("text") for changes in (wording.get("kinds") or {}).values()):
            return self
        return _framed(self, json.dumps(dict(wording), ensure_ascii=False, sort_keys=True))

    def to_dict(self) -> dict:
        office = {f.name: getattr(self.office, f.name) for f in fields(OfficeTemplate)}
        kinds = {
            k.kind: {"title": k.title, "code": k.code, "seal": k.seal, "subtitle": k.subtitle, "text": dict(k.text)}
            for k in self.kinds
        }
        return {"version": self.version, "office": office, "kinds": kinds}


def templates_from_dict(data: Mapping) -> NoticeTemplates:
    """Parse and check a complete template set (the shape of notice_templates.json)."""
    try:
        office = OfficeTemplate(**data["office"])
        kinds = []
        for name, k in data["kinds"].items():
            if name not in PLACEHOLDERS:
                raise ReportError(f"unknown notice kind {name!r}", f"文书模板种类未知：{name}")
            text = tuple((str(key), str(value)) for key, value in k.get("text", {}).items())
            for key, value in text:
                _check_placeholders(name, key, value)
            kinds.append(
                KindTemplate(name, k["title"], k.get("code", ""), k.get("seal", ""), k.get("subtitle", ""), text)
            )
    except (KeyError, TypeError) as exc:
        raise ReportError(f"malformed notice templates: {exc!r}", "文书模板格式不正确") from exc
    missing = set(PLACEHOLDERS) - {k.kind for k in kinds}
    if missing:
        raise ReportError(
            f"templates lack kinds {sorted(missing)}", f"文书模板不完整，缺少：{'、'.join(sorted(missing))}"
        )
    return NoticeTemplates(str(data.get("version", "")), office, tuple(kinds))


def merge_templates(base: NoticeTemplates, update: Mapping) -> NoticeTemplates:
    """`base` with the fields of `update` (a partial dict from the back office) laid over it.

    Only known kinds and wording keys may be changed; a key the built-in set lacks
    would never be printed, so it is an error rather than silently ignored.
    """
    merged = base.to_dict()
    if "version" in update:
        merged["version"] = update["version"]
    for key, value in (update.get("office") or {}).items():
        if key not in merged["office"]:
            raise ReportError(f"unknown office field {key!r}", f"文书模板机关字段未知：{key}")
        merged["office"][key] = value
    for name, changes in (update.get("kinds") or {}).items():
        if name not in merged["kinds"]:
            raise ReportError(f"unknown notice kind {name!r}", f"文书模板种类未知：{name}")
        target = merged["kinds"][name]
        for key, value in changes.items():
            if key == "text":
                for text_key, wording in value.items():
                    if text_key not in target["text"]:
                        raise ReportError(
                            f"unknown wording {name}.{text_key}", f"文书模板措辞项未知：{name}.{text_key}"
                        )
                    target["text"][text_key] = wording
            elif key in target:
                target[key] = value
            else:
                raise ReportError(f"unknown template field {name}.{key}", f"文书模板字段未知：{name}.{key}")
    return templates_from_dict(merged)


@functools.lru_cache(maxsize=32)  # a handful of kinds over the templates in force
def _framed(base: NoticeTemplates, wording: str) -> NoticeTemplates:
    return merge_templates(base, json.loads(wording))


@functools.lru_cache(maxsize=1)
def _builtin_dict() -> dict:
    text = resources.files("reports").joinpath("data/notice_templates.json").read_text("utf-8")
    return json.loads(text)


def builtin_templates_dict() -> dict:
    """A fresh copy of the built-in template data (for editing tools and the back office)."""
    return copy.deepcopy(_builtin_dict())


@functools.lru_cache(maxsize=1)
def default_templates() -> NoticeTemplates:
    """The built-in templates shipped with the program."""
    return templates_from_dict(_builtin_dict())


def _check_placeholders(kind: str, key: str, value: str) -> None:
    try:
        names = {field for _, field, _, _ in string.Formatter().parse(value) if field is not None}
    except ValueError as exc:
        raise ReportError(
            f"template {kind}.{key} does not parse: {exc}", f"文书模板措辞格式不正确：{kind}.{key}"
        ) from exc
    unknown = names - PLACEHOLDERS[kind]
    if unknown:
        raise ReportError(
            f"template {kind}.{key} uses unknown placeholders {sorted(unknown)}",
            f"文书模板措辞含未知占位符：{kind}.{key}（{'、'.join(sorted(unknown))}）",
        )
