"""Matter search per keystroke on a ≈ 23,000-matter county catalog, against bare SQLite FTS5.

Both sides index the same strings (name, full pinyin, initials, colloquial phrases) and
answer the same keystroke prefixes in the same run. The baseline is one FTS5 trigram
MATCH (a LIKE prefix scan for queries under three characters, which trigram cannot
match) returning 20 rowids — no ranking by level, no colloquial handling, no scope.
Budget (CONTRIBUTING.md, performance budgets): p95 under 5 ms a keystroke, pinyin initials included.
Run (from the project root): .venv/bin/python -m bench.catalog_search [rounds]
"""

from __future__ import annotations

import sqlite3
import statistics
import sys
import time

from client.domain.catalog_generator import generate_county_catalog
from client.domain.search import CatalogIndex, Scope, normalise, pinyin_keys

# What clerks type, keystroke by keystroke (Chinese arrives a word at a time from the IME).
TYPED = (
    "gtgsh",
    "getihu",
    "spjyxk",
    "zuidishenghuo",
    "zdshbz",
    "ylrz",
    "jhsy",
    "370481-V0012",
    "gongre",
    "hz",
    "cjrz",
    "xxsq",
)
WORDS = (
    ("个体", "个体工商户", "个体工商户设立"),
    ("最低", "最低生活", "最低生活保障"),
    ("办低保",),
    ("身份证", "身份证丢了"),
    ("开饭店",),
    ("养老", "养老保险"),
    ("不动产", "不动产转移登记"),
    ("残疾", "残疾人证"),
    ("供热", "供热经营许可"),
)


def keystrokes() -> list[str]:
    out = []
    for word in TYPED:
        out.extend(word[:i] for i in range(1, len(word) + 1))
    for steps in WORDS:
        out.extend(steps)
    return out


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def build_fts(catalog) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE m USING fts5(name, pinyin, initials, aliases, code, tokenize='trigram')")
    rows = []
    for i, matter in enumerate(catalog.matters):
        full, initials = pinyin_keys(matter.name)
        rows.append((i, matter.name, full, initials, " ".join(matter.aliases), matter.code.lower()))
    db.executemany("INSERT INTO m (rowid, name, pinyin, initials, aliases, code) VALUES (?,?,?,?,?,?)", rows)
    db.commit()
    return db


def fts_query(db: sqlite3.Connection, text: str) -> list:
    q = normalise(text)
    if len(q) >= 3:
        return db.execute(
            "SELECT rowid FROM m WHERE m MATCH ? ORDER BY rank LIMIT 20", ('"' + q.replace('"', '""') + '"',)
        ).fetchall()
    like = q + "%"
    return db.execute(
        "SELECT rowid FROM m WHERE name LIKE ? OR pinyin LIKE ? OR initials LIKE ? LIMIT 20", (like, like, like)
    ).fetchall()


def timed(fn, queries: list[str], rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        for q in queries:
            start = time.perf_counter_ns()
            fn(q)
            samples.append((time.perf_counter_ns() - start) / 1e6)
    return samples


def main(rounds: int = 20) -> None:
    start = time.perf_counter()
    catalog = generate_county_catalog()
    generated = time.perf_counter() - start
    start = time.perf_counter()
    index = CatalogIndex(catalog)
    built = time.perf_counter() - start
    start = time.perf_counter()
    db = build_fts(catalog)
    fts_built = time.perf_counter() - start
    queries = keystrokes()
    print(
        f"catalog: {len(catalog.matters)} matters (generated in {generated:.2f} s); "
        f"{len(queries)} keystrokes × {rounds} rounds"
    )
    print(f"build: our index {built * 1000:.0f} ms, FTS5 table {fts_built * 1000:.0f} ms")
    county, village = Scope.for_region(catalog.region_code), Scope.for_region("370481005003")
    runs = {
        "FTS5 trigram (baseline)": lambda q: fts_query(db, q),
        "search, whole catalog": lambda q: index.search(q),
        "search, county hall scope": lambda q: index.search(q, county),
        "search, village scope": lambda q: index.search(q, village),
    }
    for fn in runs.values():  # warm caches equally
        timed(fn, queries, 1)
    results = {name: timed(fn, queries, rounds) for name, fn in runs.items()}
    base95 = percentile(results["FTS5 trigram (baseline)"], 95)
    print(f"{'':28s} {'p50 ms':>8s} {'p95 ms':>8s} {'max ms':>8s} {'p95 / FTS5':>10s}")
    for name, samples in results.items():
        p95 = percentile(samples, 95)
        print(f"{name:28s} {statistics.median(samples):8.3f} {p95:8.3f} {max(samples):8.3f} {p95 / base95:10.2f}")
    worst = max(percentile(s, 95) for n, s in results.items() if n.startswith("search"))
    print(f"budget p95 < 5 ms per keystroke: {'met' if worst < 5 else 'MISSED'} (worst p95 {worst:.3f} ms)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
