"""The fleet benchmark (issue #18, point 6): thousands of simulated windows against the local
stack (scripts/stack.py: nginx with TLS -> app processes -> PostgreSQL and SeaweedFS) with 1, 2
and 4 app processes, against nginx serving a static file as the baseline in the same run.

Each simulated window is a real device, enrolled through the API with its own enrolment code
and token. Windows sit in halls of 134 (one county hall's count, `--hall-size`), each hall an
org unit, so a pull carries what a hall's windows see rather than the whole city's feed. Per
window, with a random phase so the load is steady: a pull every 30 s, and every 10 minutes a
case with two 500 KB pages (blob status, two PUTs, the intake event). Time is not compressed:
3,000 windows make ~100 pulls/s and ~5 cases/s (20 requests/s, 5 MB/s of scans).

One stack, restarted with each app count: PostgreSQL and SeaweedFS keep their data, the
windows keep their tokens and cursors. For each app count: the baseline (the same client
fetching a static file through nginx at the fleet's request rate), then the fleet (a warm-up,
then the measured window). Printed per request kind: p50/p95/p99 latency, errors (any non-2xx,
a refused event, an exception), requests per second achieved against intended, and CPU
seconds per request of each part of the stack, read from /proc.

nginx's per-client rate limit is raised for the run (`--api-rate`): every simulated window
comes from 127.0.0.1, while a real hall's limit applies per NAT address. The load generator
shares the machine's cores with the stack; its own CPU is printed.

Run (from the project root):
    .venv/bin/python -m bench.fleet [--devices 3000] [--seconds 120] [--apps 1,2,4]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import shutil
import signal
import ssl
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import TypeVar

import aiohttp

_REPO = Path(__file__).resolve().parents[1]
if str(_REPO) not in sys.path:
    sys.path.insert(0, str(_REPO))


from bench import fleet_cpu, fleet_load, fleet_report, fleet_storage  # noqa: E402
from bench.fleet_load import BaselinePlan, Device, LoadPlan, LoadResult, Sample  # noqa: E402
from scripts.stack import StackInfo, StackPorts, down, up  # noqa: E402
from sync import protocol  # noqa: E402
from sync.server import admin, demo, departments  # noqa: E402
from sync.server.db import make_engine  # noqa: E402

STATIC_NAME = "bench-static.bin"
ENROL_CONCURRENCY = 32
P = TypeVar("P")


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    # Started in the background, SIGINT may be ignored; both signals must stop the stack.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _stop_on_term)
    print("command: " + " ".join(["bench/fleet.py", *(sys.argv[1:] if argv is None else argv)]))
    apps_counts = [int(n) for n in args.apps.split(",")]
    root = Path(tempfile.mkdtemp(prefix="onewindow-fleet-", dir="/tmp"))
    root.chmod(0o755)  # as root, PostgreSQL runs as `postgres`, which must enter the folder
    ports = StackPorts.free(max(apps_counts))
    pulls, cases = args.traffic in ("both", "pulls"), args.traffic in ("both", "cases")
    intended = {
        "pull": pulls * args.devices / fleet_load.PULL_PERIOD,
        "blob_status": cases * args.devices / fleet_load.CASE_PERIOD,
        "blob_put": cases * fleet_load.PAGES_PER_CASE * args.devices / fleet_load.CASE_PERIOD,
        "push": cases * args.devices / fleet_load.CASE_PERIOD,
    }
    rate = sum(intended.values())
    print(f"fleet: {args.devices} windows in halls of {args.hall_size}; per window a pull every 30 s and a case")
    print(f"  with two 500 KB pages every 10 minutes (intended {rate:.1f} requests/s); warm-up {args.warmup:.0f} s,")
    print(
        f"  measured {args.seconds:.0f} s per app count; {args.workers} generator process(es), {args.connections} keep-alive"
    )
    print(f"  HTTPS connections to nginx. nginx's per-address API rate limit raised to {args.api_rate} r/s for the run")
    print("  (all windows come from 127.0.0.1; a real hall's limit is per NAT address).")
    print("  Caveat: the load generator shares this machine's cores with the stack; its CPU is shown.")
    if args.traffic != "both":
        print(f"  This run sends only the {args.traffic} (--traffic {args.traffic}).")
    runs = []
    devices: list[Device] = []
    stored: list[fleet_storage.Stored] = []
    try:
        for index, apps in enumerate(apps_counts):
            started = time.monotonic()
            down(root)
            info = up(apps, root, ports, api_rate=args.api_rate)
            print(f"\nstack with {apps} app process(es) up in {time.monotonic() - started:.0f} s", flush=True)
            if not devices:
                devices = _enrol_fleet(info, args.devices, args.hall_size)
                fleet_load.static_file(root / "nginx", STATIC_NAME, args.static_bytes)
                stored.append(fleet_storage.read_stored(info))
            runs.append(_run(info, devices, index, args, intended))
            devices = _with_cursors(devices, runs[-1][1])
            for line in fleet_report.run_table(runs[-1][0]):
                print(line)
            print(flush=True)
        stored.append(fleet_storage.read_stored(info))
    finally:
        down(root)
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    print()
    for line in fleet_report.summary_table([run for run, _ in runs]):
        print(line)
    if len(stored) == 2:
        fleet_storage.print_growth(*stored)
    return 0


def _stop_on_term(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Simulated window devices against the local stack")
    parser.add_argument("--devices", type=int, default=3000, help="simulated windows (default 3000)")
    parser.add_argument("--seconds", type=float, default=120.0, help="measured window per app count (default 120)")
    parser.add_argument("--warmup", type=float, default=30.0, help="traffic before the measured window (default 30)")
    parser.add_argument("--apps", default="1,2,4", help="app process counts, comma-separated (default 1,2,4)")
    parser.add_argument("--hall-size", type=int, default=134, help="windows per hall (org unit), default 134")
    parser.add_argument("--workers", type=int, default=1, help="load generator processes (default 1)")
    parser.add_argument("--connections", type=int, default=256, help="keep-alive connections in all (default 256)")
    parser.add_argument("--baseline-seconds", type=float, default=30.0, help="measured static baseline (default 30)")
    parser.add_argument("--static-bytes", type=int, default=2048, help="size of the baseline's static file")
    parser.add_argument("--api-rate", type=int, default=100_000, help="nginx's per-address API rate for the run")
    parser.add_argument(
        "--traffic",
        choices=("both", "pulls", "cases"),
        default="both",
        help="both (default), or only the pulls or only the cases: to tell each kind's CPU apart",
    )
    parser.add_argument("--keep", action="store_true", help="keep the stack's folder (logs) afterwards")
    args = parser.parse_args(argv)
    if args.devices < 1 or args.workers < 1 or args.connections < args.workers:
        parser.error("--devices, --workers and --connections must be positive (at least one connection a worker)")
    if args.connections > 500:
        parser.error("nginx allows 512 connections per client address (deploy/nginx/routes.conf)")
    return args


def _enrol_fleet(info: StackInfo, count: int, hall_size: int) -> list[Device]:
    """Halls as org units (with the catalog's departments, as a real hall), one enrolment code
    per window, each window enrolled through the API. Not measured."""
    started = time.monotonic()
    demo.ensure_demo(info.postgres_url)
    engine = make_engine(info.postgres_url)
    try:
        codes: list[str] = []
        for hall in range(math.ceil(count / hall_size)):
            org = f"9F{hall:04d}"
            admin.create_org_unit(engine, org, f"压测大厅{hall + 1:02d}", demo.DEMO_REGION_CODE, level="county")
            departments.departments_from_catalog(engine, org)
            windows = min(hall_size, count - hall * hall_size)
            codes.extend(admin.issue_enrol_code(engine, org) for _ in range(windows))
    finally:
        engine.dispose()
    devices = asyncio.run(_enrol_all(info, codes))
    print(
        f"enrolled {len(devices)} windows in {math.ceil(count / hall_size)} halls in {time.monotonic() - started:.0f} s"
    )
    return devices


async def _enrol_all(info: StackInfo, codes: list[str]) -> list[Device]:
    gate = asyncio.Semaphore(ENROL_CONCURRENCY)
    connector = aiohttp.TCPConnector(limit=ENROL_CONCURRENCY, ssl=ssl.create_default_context(cafile=str(info.cert)))
    async with aiohttp.ClientSession(base_url=info.api_base, connector=connector, raise_for_status=True) as client:

        async def enrol(n: int, code: str) -> Device:
            async with (
                gate,
                client.post(f"{protocol.API}/enrol", json={"code": code, "device_name": f"压测窗口{n + 1}"}) as resp,
            ):
                content = await resp.read()
            body = protocol.EnrolResponse.model_validate_json(content)
            return Device(body.device_code, body.token, body.org_unit.region_code)

        return list(await asyncio.gather(*(enrol(n, code) for n, code in enumerate(codes))))


def _run(
    info: StackInfo, devices: list[Device], index: int, args: argparse.Namespace, intended: dict[str, float]
) -> tuple[fleet_report.RunFigures, list[LoadResult]]:
    components = fleet_cpu.stack_components(info.root)
    rate = sum(intended.values())
    share = args.connections // args.workers

    def baseline(epoch: float) -> list[BaselinePlan]:
        return [
            BaselinePlan(
                info.api_base,
                str(info.cert),
                f"/{STATIC_NAME}",
                rate / args.workers,
                epoch,
                5.0,
                5.0 + args.baseline_seconds,
                share,
            )
            for w in range(args.workers)
        ]

    base_results, base_cpu = _phase(fleet_load.run_baseline, baseline, components, 5.0, 5.0 + args.baseline_seconds)
    base_samples = _window(base_results, 5.0, 5.0 + args.baseline_seconds)
    base_figures = fleet_report.kind_figures("static", base_samples, args.baseline_seconds, rate)

    stop = args.warmup + args.seconds

    def fleet(epoch: float) -> list[LoadPlan]:
        return [
            LoadPlan(
                info.api_base,
                str(info.cert),
                tuple(devices[w :: args.workers]),
                epoch,
                args.warmup,
                stop,
                share,
                seed=1000 * index + w,
                first_seq=100 * index,
                traffic=args.traffic,
            )
            for w in range(args.workers)
        ]

    results, cpu = _phase(fleet_load.run_load, fleet, components, args.warmup, stop)
    samples = _window(results, args.warmup, stop)
    kinds, total = fleet_report.fleet_kinds(samples, args.seconds, intended)
    lags = sorted(s.lag for s in samples if s.kind in ("pull", "blob_status"))
    puts = sum(1 for s in samples if s.kind == "blob_put" and not s.error)
    figures = fleet_report.RunFigures(
        apps=info.apps,
        devices=len(devices),
        seconds=args.seconds,
        kinds=kinds,
        total=total,
        baseline=base_figures,
        lag_p99=fleet_report.percentile(lags, 0.99),
        cpu=fleet_report.group_apps(cpu),
        generator_cpu=sum(r.cpu_seconds for r in results),
        baseline_cpu=fleet_report.group_apps(base_cpu),
        baseline_generator_cpu=sum(r.cpu_seconds for r in base_results),
        uploaded_mb=puts * fleet_load.PAGE_BYTES / 1e6,
    )
    return figures, results


def _phase(
    entry: Callable[[P], LoadResult],
    plans: Callable[[float], list[P]],
    components: dict[str, int],
    measure_from: float,
    stop: float,
) -> tuple[list[LoadResult], fleet_cpu.CpuReading]:
    """Run the workers and read the stack's CPU at the measured window's edges."""
    epoch = time.time() + 2.0  # time for the workers to start
    chosen = plans(epoch)
    with ProcessPoolExecutor(len(chosen), mp_context=get_context("fork")) as pool:
        futures = [pool.submit(entry, plan) for plan in chosen]
        _sleep_until(epoch + measure_from)
        before = fleet_cpu.read(components)
        _sleep_until(epoch + stop)
        after = fleet_cpu.read(components)
        results = [f.result() for f in futures]
    return results, fleet_cpu.difference(before, after)


def _sleep_until(moment: float) -> None:
    time.sleep(max(0.0, moment - time.time()))


def _window(results: list[LoadResult], start: float, stop: float) -> list[Sample]:
    return [s for r in results for s in r.samples if start <= s.sent < stop]


def _with_cursors(devices: list[Device], results: list[LoadResult]) -> list[Device]:
    cursors = {code: cursor for r in results for code, cursor in r.cursors}
    return [Device(d.device_code, d.token, d.region_code, cursors.get(d.device_code, d.cursor)) for d in devices]


if __name__ == "__main__":
    sys.exit(main())
