"""好差评 (国办发〔2019〕51号): five levels, the last two are 差评; the counter's indicators."""

from __future__ import annotations

LEVELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
INDICATORS = ("整体满意度", "服务效率", "服务水平", "服务态度")
OVERALL = INDICATORS[0]


def is_bad(level: int) -> bool:
    """差评: a named person must call back (谁办理谁负责)."""
    return level <= 2


def label(level: int) -> str:
    return LEVELS[level]
