"""好差评 (国办发〔2019〕51号): five levels, the last two are 差评; the counter's indicators,
the fixed reasons an applicant may pick for a 差评, and the channels a rating comes by."""

from __future__ import annotations

LEVELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
INDICATORS = ("整体满意度", "服务效率", "服务水平", "服务态度")
OVERALL = INDICATORS[0]

# A fixed list, the same on the pad and on the online page, so 差评 can be counted by cause.
# Codes are stored; the labels are what the applicant reads.
BAD_REASONS = {
    "slow": "办理时间长、效率低",
    "runs": "多次跑腿、来回折腾",
    "unclear": "材料要求讲不清、一次性告知不到位",
    "attitude": "服务态度不好",
    "waiting": "排队等候时间长",
    "rules": "办事规定不合理",
    "system": "系统故障、网办不顺畅",
    "other": "其他",
}

# Where a rating was given: the pad at the window (窗口评价器; the clerk's keyboard stands in
# for it in demo and training) or the public page behind the notice's QR code (扫码评价).
CHANNELS = {"pad": "窗口评价器", "keyboard": "窗口评价器", "web": "扫码评价"}


def is_bad(level: int) -> bool:
    """差评: a named person must call back (谁办理谁负责)."""
    return level <= 2


def label(level: int) -> str:
    return LEVELS[level]


def reason_label(code: str) -> str:
    """The reason as the applicant read it; an unknown code (a newer window's) shown as is."""
    return BAD_REASONS.get(code, code)
