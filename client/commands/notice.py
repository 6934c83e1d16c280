"""`onewindow notice kinds|sample`: every notice kind on paper with demo data.

An office changing its wording or office names prints a sample before publishing the
templates, so a mistake shows on one test sheet rather than on an applicant's notice.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(sub) -> None:
    notice = sub.add_parser("notice", help="文书样张：检查文书模板的打印效果")
    actions = notice.add_subparsers(dest="notice_action", required=True)
    kinds = actions.add_parser("kinds", help="列出可生成样张的文书种类")
    kinds.set_defaults(handler=_kinds)
    sample = actions.add_parser("sample", help="用演示数据生成一种文书的 PDF 样张")
    sample.add_argument("kind", help="文书种类，见 onewindow notice kinds")
    sample.add_argument("--out", help="输出文件，默认 当前目录/样张-文书名称.pdf")
    sample.add_argument("--templates", metavar="FILE", help="文书模板 JSON（可只含要修改的部分），叠加在内置模板上")
    sample.set_defaults(handler=_sample)


class NoticeCommandError(Exception):
    """The sample cannot be made; `message` is what the clerk reads."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _kinds(args: argparse.Namespace) -> int:
    from reports.samples import SAMPLES, sample_kinds

    for kind in sample_kinds():
        print(f"{kind:<20} {SAMPLES[kind][0]}")
    return 0


def _templates(file: str | None):
    from reports.templates import default_templates, merge_templates

    if not file:
        return None
    try:
        update = json.loads(Path(file).read_text("utf-8"))
    except FileNotFoundError:
        raise NoticeCommandError(f"模板文件不存在：{file}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NoticeCommandError(f"模板文件不是有效的 JSON：{file}（{exc}）") from None
    if not isinstance(update, dict):
        raise NoticeCommandError(f"模板文件应为 JSON 对象：{file}")
    return merge_templates(default_templates(), update)


def _sample(args: argparse.Namespace) -> int:
    from reports.samples import SAMPLES, render_sample

    pdf = render_sample(args.kind, _templates(args.templates))
    out = Path(args.out) if args.out else Path.cwd() / f"样张-{SAMPLES[args.kind][0]}.pdf"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(pdf)
    print(f"已生成{SAMPLES[args.kind][0]}样张：{out}（{max(1, len(pdf) // 1024)} KB）")
    return 0
