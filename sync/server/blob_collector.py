"""The collector of scans nobody needs: blobs no case names, and uploads left unfinished.

A window uploads a case's pages before or after the case itself, so a blob no case names
is removed only after a grace period; an upload is abandoned when it has been idle for the
same period. Safe beside a running server: each blob is removed under its lock (one a PUT
holds is skipped until the next run), its rows go first and its bytes after, so a window
that asks meanwhile is told "nothing held" and sends the page again, never told a blob is
complete whose bytes are gone. Both stores (`BlobStore.remove`): a folder's files and
`.part` files, an object store's objects and multipart uploads.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from .context import ServerContext
from .db import Blob, BlobOwner, CaseBlob, utcnow

log = logging.getLogger(__name__)

DEFAULT_GRACE = dt.timedelta(days=7)
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_DURATION = re.compile(r"^(\d+)([dhms])$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


@dataclass(frozen=True)
class Collected:
    """What one run removed (or, with `dry_run`, would remove)."""

    blobs: int
    blob_bytes: int
    partials: int
    partial_bytes: int
    busy: int  # held by a PUT right now: left for the next run
    dry_run: bool


def parse_duration(text: str) -> dt.timedelta:
    """`7d`, `12h`, `30m` or `0s`."""
    found = _DURATION.match((text or "").strip().lower())
    if found is None:
        raise ValueError(f"时长格式不正确：{text}（例如 7d、12h、30m）")
    return dt.timedelta(**{_UNITS[found.group(2)]: int(found.group(1))})


def _unreferenced(sha: str):  # noqa: ANN202 - a SQL condition
    return ~select(CaseBlob.sha256).where(CaseBlob.sha256 == sha).exists()


def collect_blobs(ctx: ServerContext, older_than: dt.timedelta = DEFAULT_GRACE, dry_run: bool = False) -> Collected:
    """Remove the complete blobs no case names that completed before `older_than` ago, the
    uploads idle that long, and any upload the store keeps without a row."""
    cutoff = utcnow() - older_than
    with ctx.sessions() as session:
        referenced = select(CaseBlob.sha256).where(CaseBlob.sha256 == Blob.sha256).exists()
        done = session.execute(
            select(Blob.sha256).where(
                Blob.complete, ~referenced, or_(Blob.completed_at.is_(None), Blob.completed_at < cutoff)
            )
        ).scalars()
        done_shas = list(done)
        stale_shas = list(
            session.execute(
                select(Blob.sha256).where(~Blob.complete, or_(Blob.touched_at.is_(None), Blob.touched_at < cutoff))
            ).scalars()
        )
    blobs = blob_bytes = partials = partial_bytes = busy = 0
    for sha in done_shas:
        removed = _collect(ctx, sha, dry_run, lambda s, sha=sha: _still_unreferenced(s, sha, cutoff))
        if removed is None:
            busy += 1
        elif removed >= 0:
            blobs, blob_bytes = blobs + 1, blob_bytes + removed
    for sha in stale_shas:
        removed = _collect(ctx, sha, dry_run, lambda s, sha=sha: _still_stale(s, sha, cutoff))
        if removed is None:
            busy += 1
        elif removed >= 0:
            partials, partial_bytes = partials + 1, partial_bytes + removed
    for sha in ctx.store.unfinished():  # a row always comes before the first byte: these are leftovers
        if not _SHA256.match(sha) or sha in stale_shas:
            continue
        removed = _collect(ctx, sha, dry_run, lambda s, sha=sha: s.get(Blob, sha) is None)
        if removed is None:
            busy += 1
        elif removed >= 0:
            partials, partial_bytes = partials + 1, partial_bytes + removed
    result = Collected(blobs, blob_bytes, partials, partial_bytes, busy, dry_run)
    log.info(
        "blob collector%s: %d blobs (%d bytes), %d partial uploads (%d bytes), %d busy",
        " (dry run)" if dry_run else "",
        blobs,
        blob_bytes,
        partials,
        partial_bytes,
        busy,
    )
    return result


def _still_unreferenced(session: Session, sha: str, cutoff: dt.datetime) -> bool:
    row = session.get(Blob, sha)
    if row is None or not row.complete or (row.completed_at is not None and row.completed_at >= cutoff):
        return False
    return bool(session.execute(select(_unreferenced(sha))).scalar())


def _still_stale(session: Session, sha: str, cutoff: dt.datetime) -> bool:
    row = session.get(Blob, sha)
    return row is not None and not row.complete and (row.touched_at is None or row.touched_at < cutoff)


def _collect(ctx: ServerContext, sha: str, dry_run: bool, still_due) -> int | None:  # noqa: ANN001
    """Remove one blob under its lock: the bytes removed, -1 when it is no longer due (a
    case named it, a PUT touched it), None when a PUT holds it now."""
    lock = ctx.blob_lock(sha)
    if not lock.acquire(timeout=0):
        return None
    try:
        with ctx.sessions() as session, session.begin():
            if not still_due(session):
                return -1
            if dry_run:
                held = ctx.store.held(sha)
                return held.size if held is not None else 0
            session.execute(delete(BlobOwner).where(BlobOwner.sha256 == sha))
            session.execute(delete(Blob).where(Blob.sha256 == sha))
        return ctx.store.remove(sha)  # after the rows are gone: nobody is told it is held
    finally:
        lock.release()
