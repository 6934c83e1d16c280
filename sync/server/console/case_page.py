"""The case page (GET /console/cases/{case_no}) and its scans (GET …/pages/{sha}?page=N).

The page lists every viewer page of the case: a photo is one page, a PDF as many as it has.
Photos go to the browser as they are stored; a PDF page is drawn as PNG on the server
(scan_render, bounded in size and time), so the browser never runs a foreign PDF.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass

from fastapi import APIRouter, Request
from starlette.responses import Response

from ..deps import Ctx
from .case_view import CaseView, Refused, ScanPage, open_case, scan_file
from .deps import CurrentStaff, Settings
from .errors import ConsoleError
from .pages import client_address, render_for
from .scan_render import PDF, RenderError, page_count, render_png, scan_kind
from .scan_source import scan_on_disk
from .settings import PREFIX

router = APIRouter(prefix=PREFIX, include_in_schema=False)

NOT_UPLOADED = "扫描件尚未上传完成"
# A scan is a citizen's document: never cached, never framed, never run as anything.
SCAN_HEADERS = {
    "Cache-Control": "private, no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Content-Disposition": "inline",
}


@dataclass(frozen=True)
class ViewerPage:
    """One page the viewer pages through."""

    number: int  # from 1
    material: str
    src: str  # "" while the file is not uploaded whole
    note: str  # "PDF 第 2/3 页", or why it cannot be shown


@router.get("/cases/{case_no}")
def case_page(request: Request, ctx: Ctx, settings: Settings, staff: CurrentStaff, case_no: str) -> Response:
    try:
        view = open_case(ctx.sessions, staff, case_no, ctx.current_catalog, client_address(request))
    except Refused as refused:
        raise ConsoleError(refused.status, refused.message) from None
    pages, by_file = _viewer_pages(ctx, view)
    material_pages = [
        tuple(number for file in material.pages for number in by_file.get(file, ())) for material in view.materials
    ]
    return render_for(
        request,
        settings,
        staff,
        "case.html",
        {"case": view, "pages": pages, "material_pages": material_pages, "not_uploaded": NOT_UPLOADED},
    )


@router.get("/cases/{case_no}/pages/{sha256}")
def case_scan(request: Request, ctx: Ctx, staff: CurrentStaff, case_no: str, sha256: str, page: str = "1") -> Response:
    try:
        found = scan_file(ctx.sessions, staff, case_no, sha256, client_address(request))
    except Refused as refused:
        raise ConsoleError(refused.status, refused.message) from None
    number = int(page) if page.isdigit() and len(page) < 5 else 0
    with scan_on_disk(ctx.store, found.sha256) if found.sha256 else nullcontext(None) as path:
        if path is None:
            raise ConsoleError(404, f"{NOT_UPLOADED}，请稍后刷新页面再看。")
        kind = scan_kind(path)
        if kind.as_is:
            if number != 1:
                raise ConsoleError(404, "没有这一页。")
            return Response(path.read_bytes(), media_type=kind.media_type, headers=SCAN_HEADERS)
        try:
            png = render_png(path, kind, number)
        except RenderError as error:
            raise ConsoleError(error.status, error.message) from None
    return Response(png, media_type="image/png", headers=SCAN_HEADERS)


def _viewer_pages(ctx: Ctx, view: CaseView) -> tuple[list[ViewerPage], dict[int, tuple[int, ...]]]:
    """The viewer's pages in checklist order, and which of them each stored file became."""
    pages: list[ViewerPage] = []
    by_file: dict[int, tuple[int, ...]] = {}
    for file, scan in enumerate(view.scans, start=1):
        start = len(pages) + 1
        pages.extend(_pages_of(ctx, view, scan, start))
        by_file[file] = tuple(range(start, len(pages) + 1))
    return pages, by_file


def _pages_of(ctx: Ctx, view: CaseView, scan: ScanPage, start: int) -> list[ViewerPage]:
    url = f"{PREFIX}/cases/{view.case_no}/pages/{scan.sha256}"
    if not scan.ready:
        return [ViewerPage(start, scan.material, "", NOT_UPLOADED)]
    with scan_on_disk(ctx.store, scan.sha256) as path:
        if path is None:
            return [ViewerPage(start, scan.material, "", NOT_UPLOADED)]
        kind = scan_kind(path)
        if kind.as_is:
            return [ViewerPage(start, scan.material, f"{url}?page=1", "")]
        try:
            count = page_count(path, kind)
        except RenderError as error:
            return [ViewerPage(start, scan.material, "", error.message)]
    what = "PDF" if kind.media_type == PDF else "图像文件"
    return [
        ViewerPage(start + n, scan.material, f"{url}?page={n + 1}", f"{what} 第 {n + 1}/{count} 页")
        for n in range(count)
    ]
