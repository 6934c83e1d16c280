"""What the fleet benchmark leaves in the stack: PostgreSQL's growth and WAL per case, and
SeaweedFS's bytes on disk per scan byte, read before the first run and after the last one."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text

from scripts.stack import StackInfo
from sync.server.db import make_engine


@dataclass(frozen=True)
class Stored:
    """What the stack holds at one moment: cases, scans, PostgreSQL's bytes by table, SeaweedFS's folder."""

    cases: int
    blobs: int
    blob_bytes: int
    database_bytes: int
    tables: dict[str, int]
    wal_position: int  # bytes of WAL written since the cluster began
    seaweed_bytes: int
    seaweed_data_bytes: int  # the volumes' .dat files; the rest is indexes and the filer's names


def read_stored(info: StackInfo) -> Stored:
    engine = make_engine(info.postgres_url)
    try:
        with engine.connect() as conn:
            cases = conn.execute(text("SELECT count(*) FROM cases")).scalar_one()
            blobs, blob_bytes = conn.execute(text("SELECT count(*), coalesce(sum(size), 0) FROM blobs")).one()
            database = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
            sizes = conn.execute(text("SELECT relname, pg_total_relation_size(relid) FROM pg_stat_user_tables"))
            tables = {str(name): int(size) for name, size in sizes}
            high, low = conn.execute(text("SELECT pg_current_wal_lsn()::text")).scalar_one().split("/")
    finally:
        engine.dispose()
    files = [(p.suffix, p.stat().st_size) for p in (info.root / "seaweed").rglob("*") if p.is_file()]
    seaweed, data = sum(size for _, size in files), sum(size for suffix, size in files if suffix == ".dat")
    wal = (int(high, 16) << 32) + int(low, 16)
    return Stored(cases, blobs, int(blob_bytes), database, tables, wal, seaweed, data)


def print_growth(before: Stored, after: Stored) -> None:
    """PostgreSQL's and SeaweedFS's growth per case over the whole run (every app count)."""
    cases = after.cases - before.cases
    if cases <= 0:
        return
    grown = {name: after.tables[name] - before.tables.get(name, 0) for name in after.tables}
    top = sorted(grown.items(), key=lambda item: -item[1])[:6]
    scan_bytes = after.blob_bytes - before.blob_bytes
    seaweed = after.seaweed_bytes - before.seaweed_bytes
    print(f"storage over the whole run: {cases} cases, {after.blobs - before.blobs} scans of {scan_bytes / 1e6:.0f} MB")
    print(
        f"  PostgreSQL grew {(after.database_bytes - before.database_bytes) / 1e6:.1f} MB: "
        f"{(after.database_bytes - before.database_bytes) / cases / 1024:.1f} KiB per case (tables and indexes, no WAL)"
    )
    print("  by table (KiB per case): " + ", ".join(f"{name} {size / cases / 1024:.2f}" for name, size in top))
    wal = after.wal_position - before.wal_position
    print(
        f"  PostgreSQL wrote {wal / 1e6:.1f} MB of WAL: {wal / cases / 1024:.1f} KiB per case (what a WAL archive keeps)"
    )
    if scan_bytes:
        print(
            f"  SeaweedFS's folder grew {seaweed / 1e6:.0f} MB: {seaweed / scan_bytes:.3f} bytes on disk per scan byte;"
        )
        scans = after.blobs - before.blobs
        other = seaweed - (after.seaweed_data_bytes - before.seaweed_data_bytes)
        print(f"  besides the volumes' data, {other / max(scans, 1):.0f} bytes per scan (indexes, the filer's names)")
