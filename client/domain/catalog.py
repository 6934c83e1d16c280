"""The matter catalog (实施清单): what can be applied for and which materials it needs.

Plain frozen data parsed from JSON so that the client, the server and tests share it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True)
class MaterialSpec:
    code: str
    name: str
    necessity: str = "required"  # required / conditional / optional
    form: str = "original"  # original / copy
    copies: int = 1
    tolerable: bool = False  # 容缺 allowed


@dataclass(frozen=True)
class Matter:
    code: str  # 实施编码
    base_code: str  # 基本编码
    name: str
    kind: str  # 行政许可 / 公共服务 / 行政确认 ...
    department: str
    handling: str  # immediate (即办件) / promised (承诺件)
    legal_limit: int
    legal_unit: str  # WD / ND
    promised_limit: int
    promised_unit: str
    level: str  # county / town / village
    keywords: tuple[str, ...]
    materials: tuple[MaterialSpec, ...]
    result_name: str = ""

    def required_materials(self) -> tuple[MaterialSpec, ...]:
        return tuple(m for m in self.materials if m.necessity == "required")


@dataclass(frozen=True)
class Catalog:
    version: str
    office_name: str
    region_code: str
    matters: tuple[Matter, ...]

    def get(self, code: str) -> Matter:
        for matter in self.matters:
            if matter.code == code:
                return matter
        raise KeyError(code)

    def search(self, text: str, limit: int = 20) -> tuple[Matter, ...]:
        """Substring match on name and keywords; the full pinyin index comes later."""
        needle = text.strip().lower()
        if not needle:
            return self.matters[:limit]
        hits = [m for m in self.matters
                if needle in m.name.lower() or any(needle in k.lower() for k in m.keywords)
                or needle == m.code.lower()]
        return tuple(hits[:limit])

    def to_dict(self) -> dict:
        return {
            "version": self.version,
            "office_name": self.office_name,
            "region_code": self.region_code,
            "matters": [
                {**{k: getattr(m, k) for k in Matter.__dataclass_fields__ if k not in ("materials", "keywords")},
                 "keywords": list(m.keywords),
                 "materials": [dict(vars(s)) for s in m.materials]}
                for m in self.matters
            ],
        }


def catalog_from_dict(data: dict) -> Catalog:
    matters = tuple(
        Matter(
            **{k: v for k, v in raw.items() if k not in ("materials", "keywords")},
            keywords=tuple(raw.get("keywords", ())),
            materials=tuple(MaterialSpec(**s) for s in raw["materials"]),
        )
        for raw in data["matters"]
    )
    return Catalog(data["version"], data["office_name"], data["region_code"], matters)


def load_sample_catalog() -> Catalog:
    """The catalog shipped with the program (demo mode and a fresh back office)."""
    text = resources.files("client.domain").joinpath("data/sample_catalog.json").read_text("utf-8")
    return catalog_from_dict(json.loads(text))
