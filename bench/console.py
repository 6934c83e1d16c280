"""The approver's inbox page at a city's volume, against the bare SQL query of the same rows.

A throw-away PostgreSQL (tests.support.postgres, as the tests start it) is migrated to head and
filled in SQL with N cases (1,000,000 by default) over 4 org units of 12 departments each; one
case in five awaits a decision (submitted, in review, supplement asked, suspended), with due
dates around today, the rest are finished. The back office runs on a thread of this process;
a signed-in HTTP client asks for the inbox page (GET /console/inbox): the whole request,
session check, scope, rows, matters list and the rendered page.

Baseline, measured in the same run: for each page, the bare SQL an analyst would write for the
same rows: one SELECT of the page's columns with the scope as `department_id IN (…)`, the
filters, ORDER BY and LIMIT, sent over a plain psycopg connection.

Pages: an approver in two departments (first page, a deep page 3,000 rows in through the
keyset cursor, or 3/4 in on a small run), a search by part of a name, a search by case number, the 红牌 filter) and a
supervisor who sees all 12 departments of the org unit (first page).
Budget (issue 17, point 3): p95 under 300 ms, and within 3× the bare query's p95.
Run (from the project root): nice .venv/bin/python -m bench.console [--cases N] [--rounds R]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
from sqlalchemy import text

from sync.server import admin, departments
from sync.server.db import AWAITING_DECISION, make_engine
from sync.server.deadlines import china_date
from sync.server.runner import start_in_thread
from tests.console.site import form_token
from tests.support.postgres import start_cluster

BUDGET_MS = 300.0
BUDGET_RATIO = 3.0
ORGS = 4
DEPARTMENTS = 12  # per org unit
PASSWORD = "bench-123456"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ("伟", "芳", "秀英", "建国", "小明", "桂兰", "志强", "海燕", "德华", "丽", "春梅", "国庆", "玉珍", "文博")
COLUMNS = (
    "case_no, matter_name, applicant_name, applicant_id_number, received_at, due, status, complete, supplement, payload"
)
OPEN = ", ".join(f"'{state}'" for state in AWAITING_DECISION)


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def fill(engine, cases: int) -> tuple[list[int], str]:
    """Org units, departments and `cases` cases, made in SQL; the department ids, the first org."""
    orgs = [f"B{n:02d}" for n in range(ORGS)]
    for org in orgs:
        admin.create_org_unit(engine, org, f"基准测试政务服务中心{org}", "370702000000")
        for d in range(DEPARTMENTS):
            departments.add_department(engine, org, f"K{d:02d}", f"第{d + 1}科")
    dept_ids = [row.id for row in departments.list_departments(engine) if row.org_code in orgs]
    dept_orgs = {row.id: row.org_code for row in departments.list_departments(engine)}
    today = china_date(dt.datetime.now(dt.UTC))
    surnames = "ARRAY[" + ",".join(f"'{c}'" for c in SURNAMES) + "]"
    given = "ARRAY[" + ",".join(f"'{g}'" for g in GIVEN) + "]"
    ids = "ARRAY[" + ",".join(str(i) for i in dept_ids) + "]"
    orgs_of = "ARRAY[" + ",".join(f"'{dept_orgs[i]}'" for i in dept_ids) + "]"
    # The payload as SQLAlchemy writes it (json.dumps: ", " and ": ", ASCII escapes).
    payload = (
        '(\'{"materials": [{"code": "ID", "name": "\\u8eab\\u4efd\\u8bc1", "status": "\''
        " || CASE WHEN i % 17 = 0 THEN 'tolerated' ELSE 'received' END || '\"}], "
        '"outcome": "accept", "supplement_by": "\' || to_char(CAST(:today AS date) + (i % 9 - 4), \'YYYY-MM-DD\') || \'"}\')::json'
    )
    statement = text(
        f"""
        INSERT INTO cases (id, case_no, org_code, matter_code, matter_name, applicant_name, applicant_id_type,
            applicant_id_number, applicant_kind, status, complete, received_at, due, payload, blobs_expected,
            e_licence, department_id, created_at, updated_at)
        SELECT md5(i::text),
            '370702000000' || to_char(DATE '2024-01-01' + (i % 900), 'YYYYMMDD')
                || 'B' || lpad((i / 10000)::text, 3, '0') || lpad((i % 10000)::text, 4, '0'),
            ({orgs_of})[1 + i % {len(dept_ids)}],
            'M' || (i % {len(dept_ids)}) || '-' || (i / 7 % 6),
            '第' || (i % {len(dept_ids)} + 1) || '科的第' || (i / 7 % 6 + 1) || '号审批事项',
            ({surnames})[1 + (i * 7) % {len(SURNAMES)}] || ({given})[1 + (i * 13) % {len(GIVEN)}],
            '身份证',
            '370702' || (1950 + i % 50) || lpad((1 + i % 12)::text, 2, '0') || lpad((1 + i % 28)::text, 2, '0')
                || lpad((i % 10000)::text, 4, '0'),
            'person',
            CASE WHEN i % 5 = 0 THEN (ARRAY[{OPEN}])[1 + (i / 5) % 4] ELSE 'delivered' END,
            i % 23 <> 0,
            TIMESTAMP '2024-01-01 01:00' + make_interval(days => i % 900, mins => i % 600),
            CASE WHEN i % 5 = 0 THEN CAST(:today AS date) + ((i * 31) % 45 - 8) ELSE DATE '2024-02-01' + (i % 900) END,
            {payload},
            '[]'::json,
            false,
            ({ids})[1 + i % {len(dept_ids)}],
            TIMESTAMP '2024-01-01 01:00', TIMESTAMP '2024-01-01 01:00'
        FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) AS i
        """
    )
    chunk = 100_000
    started = time.perf_counter()
    for first in range(1, cases + 1, chunk):
        last = min(cases, first + chunk - 1)
        with engine.begin() as conn:
            conn.execute(statement, {"first": first, "last": last, "today": today})
        print(f"  {last:>9,} cases  {time.perf_counter() - started:6.0f} s", flush=True)
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE cases"))
    return dept_ids, orgs[0]


def sign_in(url: str, engine, org: str, role: str, codes: list[str]) -> httpx.Client:
    username = f"bench-{role}"
    admin.add_user(engine, org, username, "基准测试", role, PASSWORD)
    if codes:
        departments.set_staff_departments(engine, username, add=codes)
    client = httpx.Client(base_url=url, timeout=60)
    token = form_token(client)
    answer = client.post("/console/login", data={"csrf_token": token, "username": username, "password": PASSWORD})
    assert answer.status_code == 303, answer.text
    return client


@dataclass(frozen=True)
class Case_:
    name: str
    params: dict[str, str]
    bare: str  # the WHERE/ORDER of the bare query (after the scope)


def timed(call: Callable[[], object], rounds: int) -> list[float]:
    for _ in range(3):  # warm: plans cached, pages in shared buffers
        call()
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    cluster = start_cluster()
    if cluster is None:
        print("PostgreSQL could not be started (see above)")
        return 2
    server = None
    try:
        engine = make_engine(cluster.url)
        print(f"filling PostgreSQL with {args.cases:,} cases …", flush=True)
        dept_ids, org = fill(engine, args.cases)
        with tempfile.TemporaryDirectory(prefix="ow-bench-console-") as blobs:
            server = start_in_thread(cluster.url, Path(blobs))
            return report(engine, cluster.url, server.url, dept_ids, org, args.rounds)
    finally:
        if server is not None:
            server.stop()
        cluster.stop()


def report(engine, db_url: str, url: str, dept_ids: list[int], org: str, rounds: int) -> int:
    mine = dept_ids[:2]  # the approver's: the first org unit's K00 and K01
    approver = sign_in(url, engine, org, "approver", ["K00", "K01"])
    supervisor = sign_in(url, engine, org, "supervisor", [])
    today = china_date(dt.datetime.now(dt.UTC))
    bare = psycopg.connect(db_url.replace("postgresql+psycopg", "postgresql"))
    scope = f"department_id IN ({', '.join(map(str, mine))}) AND status IN ({OPEN})"
    with bare.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM cases WHERE {scope}")
        theirs = cur.fetchone()[0]
        deep = min(3000, theirs * 3 // 4)  # rows before the deep page
        cur.execute(
            f"SELECT due, case_no FROM cases WHERE {scope} AND due IS NOT NULL ORDER BY due, case_no OFFSET {deep} LIMIT 1"
        )
        deep_due, deep_no = cur.fetchone()
        cur.execute(
            f"SELECT case_no, applicant_name FROM cases WHERE {scope} ORDER BY case_no OFFSET {theirs // 2} LIMIT 1"
        )
        some_no, some_name = cur.fetchone()
    print(f"approver: 2 departments, {theirs:,} cases awaiting a decision; supervisor: {DEPARTMENTS} departments")
    name_part = some_name[1:]
    pages = [
        Case_("approver, first page", {}, f"{scope} ORDER BY due, case_no"),
        Case_(
            f"approver, deep page ({deep:,} in)",
            {"after": f"{deep_due.isoformat()}~{deep_no}"},
            f"{scope} AND (due, case_no) > ('{deep_due.isoformat()}', '{deep_no}') ORDER BY due, case_no",
        ),
        Case_(
            f"approver, search name “{name_part}”",
            {"q": name_part},
            f"{scope} AND applicant_name LIKE '%{name_part}%' ORDER BY due, case_no",
        ),
        Case_(
            "approver, search case number",
            {"q": some_no},
            f"{scope} AND case_no = '{some_no}' ORDER BY due, case_no",
        ),
        Case_(
            "approver, 红牌 filter",
            {"colour": "red"},
            f"{scope} AND status <> 'suspended' AND due < '{today.isoformat()}' ORDER BY due, case_no",
        ),
    ]
    results = []
    for case in pages:
        results.append(measure(approver, bare, case, rounds))
    all_scope = f"department_id IN ({', '.join(map(str, dept_ids[:DEPARTMENTS]))}) AND status IN ({OPEN})"
    results.append(
        measure(
            supervisor,
            bare,
            Case_("supervisor, first page (12 departments)", {}, f"{all_scope} ORDER BY due, case_no"),
            rounds,
        )
    )
    bare.close()

    def home() -> None:
        assert approver.get("/console/").status_code == 200

    floor = timed(home, rounds)
    print()
    print(f"{'page':<40} {'page p50':>9} {'page p95':>9} {'bare p50':>9} {'bare p95':>9} {'ratio p95':>9}")
    over = False
    for name, page_ms, bare_ms in results:
        ratio = percentile(page_ms, 95) / max(percentile(bare_ms, 95), 0.001)
        over = over or percentile(page_ms, 95) > BUDGET_MS or ratio > BUDGET_RATIO
        print(
            f"{name:<40} {statistics.median(page_ms):8.1f}ms {percentile(page_ms, 95):8.1f}ms "
            f"{statistics.median(bare_ms):8.1f}ms {percentile(bare_ms, 95):8.1f}ms {ratio:8.1f}×"
        )
    worst = max(percentile(p, 95) for _, p, _ in results)
    floor_p95 = percentile(floor, 95)
    print(
        f"\nfloor: the signed-in 工作台 (GET /console/, no case read) p50 {statistics.median(floor):.1f} ms, "
        f"p95 {floor_p95:.1f} ms"
    )
    for name, page_ms, bare_ms in results:
        extra = percentile(page_ms, 95) - floor_p95
        print(
            f"  {name:<40} above the floor {extra:6.1f} ms = {extra / max(percentile(bare_ms, 95), 0.001):5.1f}× bare"
        )
    print(f"worst page p95 {worst:.1f} ms: {'met' if worst <= BUDGET_MS else 'MISSED'} (under {BUDGET_MS:.0f} ms)")
    print(
        "verdict:",
        "OVER BUDGET" if over else "within budget",
        f"(p95 under {BUDGET_MS:.0f} ms and {BUDGET_RATIO:.0f}× bare)",
    )
    return 1 if over else 0


def measure(client: httpx.Client, bare, case: Case_, rounds: int) -> tuple[str, list[float], list[float]]:
    def page() -> None:
        answer = client.get("/console/inbox", params=case.params)
        assert answer.status_code == 200 and "待办箱" in answer.text, answer.text[:300]

    def query() -> None:
        with bare.cursor() as cur:
            cur.execute(f"SELECT {COLUMNS} FROM cases WHERE {case.bare} LIMIT 26")
            cur.fetchall()

    return case.name, timed(page, rounds), timed(query, rounds)


if __name__ == "__main__":
    sys.exit(main())
