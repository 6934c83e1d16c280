"""`onewindow catalog import|export|search|guide`: the matter catalog at the command line.

The window takes in cases against the shipped sample catalog unless an office has
imported its own 实施清单; that file lives at <data dir>/catalog/catalog.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from client.domain.catalog import LEVELS


def register(sub) -> None:
    catalog = sub.add_parser("catalog", help="事项清单：导入、导出、查找、办事指南")
    actions = catalog.add_subparsers(dest="catalog_action", required=True)
    imp = actions.add_parser("import", help="校验并导入事项清单（JSON）")
    imp.add_argument("file", help="事项清单 JSON 文件")
    imp.set_defaults(handler=_import)
    exp = actions.add_parser("export", help="导出本机当前使用的事项清单")
    exp.add_argument("--out", help="输出文件，默认打印到屏幕")
    exp.set_defaults(handler=_export)
    search = actions.add_parser("search", help="按名称、编码、拼音或口语查找事项")
    search.add_argument("text", help="查找内容，如“开饭店”“dibao”")
    search.add_argument("--level", choices=LEVELS, help="服务层级：county 县级、town 乡镇、village 村（社区）")
    search.add_argument("--region", help="本机所在区划代码（12位）")
    search.add_argument("--limit", type=int, default=20, help="最多显示条数，默认20")
    search.set_defaults(handler=_search)
    guide = actions.add_parser("guide", help="打印事项或一件事的办事指南")
    guide.add_argument("code", help="事项实施编码或一件事编码")
    guide.add_argument(
        "--answer", action="append", default=[], metavar="KEY=VALUE", help="情形答案，如 S01=agent；可重复"
    )
    guide.add_argument("--pdf", metavar="OUT", help="生成 PDF 办事指南（含二维码）到此文件")
    guide.set_defaults(handler=_guide)
    for parser in (imp, exp, search, guide):
        parser.add_argument("--data-dir", help="数据目录，默认为用户数据目录下的 onewindow/client")


class CatalogCommandError(Exception):
    """The command cannot go on; `message` is what the clerk reads."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _imported(args: argparse.Namespace):
    from client.commands.window import data_dir
    from client.services.published import ImportedCatalog

    return ImportedCatalog(data_dir(args.data_dir))


def _current(args: argparse.Namespace):
    """The imported catalog when there is one, else the shipped sample catalog."""
    return _imported(args).current()


def _import(args: argparse.Namespace) -> int:
    from client.services.published import read_catalog_file

    catalog, problems = read_catalog_file(Path(args.file))
    if problems or catalog is None:
        print(f"事项清单校验未通过（{len(problems)}处问题），未导入：", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    target = _imported(args).install(catalog)
    print(
        f"已导入事项清单：版本 {catalog.version}，{catalog.office_name}，"
        f"{len(catalog.matters)}个事项、{len(catalog.bundles)}个一件事 → {target}"
    )
    return 0


def _export(args: argparse.Namespace) -> int:
    catalog = _current(args)
    text = json.dumps(catalog.to_dict(), ensure_ascii=False, indent=1) + "\n"
    if not args.out:
        sys.stdout.write(text)
        return 0
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, "utf-8")
    print(
        f"已导出事项清单：版本 {catalog.version}，{len(catalog.matters)}个事项、{len(catalog.bundles)}个一件事 → {out}"
    )
    return 0


def _search(args: argparse.Namespace) -> int:
    from client.domain.catalog import LEVEL_NAMES, Bundle
    from client.domain.search import CatalogIndex, Scope
    from reports.guide import limit_text

    if args.region and not (len(args.region) == 12 and args.region.isdigit()):
        raise CatalogCommandError(f"区划代码应为12位数字：{args.region}")
    scope = None
    if args.region:
        scope = Scope(args.level, args.region) if args.level else Scope.for_region(args.region)
    elif args.level:
        scope = Scope(args.level)
    hits = CatalogIndex.for_catalog(_current(args)).search(args.text, scope=scope, limit=args.limit)
    if not hits:
        print(f"没有找到与“{args.text}”相关的事项")
        return 1
    for i, hit in enumerate(hits, 1):
        item = hit.item
        level = LEVEL_NAMES.get(item.level, item.level)
        if isinstance(item, Bundle):
            handling = (
                f"承诺件（{limit_text(item.promised_limit, item.promised_unit)}）" if item.promised_limit else "承诺件"
            )
            print(f"{i:>2}. 【一件事】{item.name}  {item.code}  {level}  {handling}")
        else:
            handling = (
                "即办件"
                if item.handling == "immediate"
                else f"承诺件（{limit_text(item.promised_limit, item.promised_unit)}）"
            )
            print(f"{i:>2}. {item.name}  {item.code}  {level}  {handling}")
    return 0


def _answers(pairs: list[str]) -> dict[str, str]:
    answers = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise CatalogCommandError(f"情形答案格式应为 情形编码=答案编码（如 S01=agent）：{pair}")
        answers[key.strip()] = value.strip()
    return answers


def _guide(args: argparse.Namespace) -> int:
    from reports.guide import guide_for, guide_text, render_guide_pdf

    guide = guide_for(_current(args), args.code, _answers(args.answer))
    if not args.pdf:
        sys.stdout.write(guide_text(guide))
        return 0
    out = Path(args.pdf)
    pdf = render_guide_pdf(guide)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(pdf)
    print(f"已生成办事指南：{guide.name} → {out}（{max(1, len(pdf) // 1024)} KB）")
    return 0
