"""The fleet benchmark's figures: latency percentiles, errors and CPU per request, as tables."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from bench.fleet_cpu import CpuReading
from bench.fleet_load import KINDS, Sample

P99_BUDGET = 0.5  # seconds
DEVICE_BUDGET = 3000
RATE_FLOOR = 0.95  # achieved/intended below this: the generator or the stack fell behind


@dataclass(frozen=True)
class KindFigures:
    """One request kind within the measured window (latencies in seconds)."""

    kind: str
    count: int
    intended_rate: float
    achieved_rate: float
    p50: float
    p95: float
    p99: float
    worst: float
    errors: tuple[tuple[str, int], ...]

    @property
    def error_count(self) -> int:
        return sum(n for _, n in self.errors)


@dataclass(frozen=True)
class RunFigures:
    """One app count's run: the fleet, the static baseline and where the CPU went."""

    apps: int
    devices: int
    seconds: float
    kinds: tuple[KindFigures, ...]
    total: KindFigures
    baseline: KindFigures
    lag_p99: float  # how late the generator began its scheduled rounds
    cpu: CpuReading  # over the fleet's measured window
    generator_cpu: float
    baseline_cpu: CpuReading
    baseline_generator_cpu: float
    uploaded_mb: float

    @property
    def stack_cpu(self) -> float:
        return sum(self.cpu.components.values())

    def served(self) -> bool:
        """Whether the stack answered what the fleet sent. The windows' random phases make the
        count in a window vary (a case every 10 minutes, seen through 2 minutes): allow 3
        standard deviations of that besides RATE_FLOOR."""
        expected = self.total.intended_rate * self.seconds
        return self.total.count >= RATE_FLOOR * expected - 3 * math.sqrt(expected)

    def within_latency_budget(self) -> bool:
        """p99 under 500 ms, no errors, and the fleet served."""
        return self.total.p99 < P99_BUDGET and self.total.error_count == 0 and self.served()

    def verdict(self) -> str:
        if not self.within_latency_budget():
            return "misses budget"
        return "meets budget" if self.devices >= DEVICE_BUDGET else "p99/errors within budget, below 3,000 devices"


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending list (0 for an empty one)."""
    if not sorted_values:
        return 0.0
    rank = min(max(1, math.ceil(len(sorted_values) * fraction)), len(sorted_values))
    return sorted_values[rank - 1]


def kind_figures(kind: str, samples: Iterable[Sample], seconds: float, intended_rate: float) -> KindFigures:
    chosen = list(samples)
    latencies = sorted(s.latency for s in chosen)
    errors = Counter(s.error for s in chosen if s.error)
    return KindFigures(
        kind,
        len(chosen),
        intended_rate,
        len(chosen) / seconds,
        percentile(latencies, 0.50),
        percentile(latencies, 0.95),
        percentile(latencies, 0.99),
        latencies[-1] if latencies else 0.0,
        tuple(sorted(errors.items())),
    )


def group_apps(cpu: CpuReading) -> CpuReading:
    """The app processes (`app-<port>`) as one component `apps`."""
    grouped: dict[str, float] = {}
    for name, seconds in cpu.components.items():
        key = "apps" if name.startswith("app-") else name
        grouped[key] = grouped.get(key, 0.0) + seconds
    rss: dict[str, float] = {}
    for name, mb in cpu.rss_mb.items():
        key = "apps" if name.startswith("app-") else name
        rss[key] = rss.get(key, 0.0) + mb
    return CpuReading(grouped, cpu.machine_busy, cpu.machine_total, rss)


def _ms(seconds: float) -> str:
    return f"{1000 * seconds:8.1f}"


def _errors(figures: KindFigures) -> str:
    return ", ".join(f"{what} x{n}" for what, n in figures.errors) or "0"


def run_table(run: RunFigures) -> list[str]:
    """The printed figures of one app count's run."""
    lines = [
        f"apps={run.apps}: {run.devices} devices, measured {run.seconds:.0f} s",
        "  kind           requests   req/s  intended   p50 ms   p95 ms   p99 ms   max ms  errors",
    ]
    for k in (*run.kinds, run.total, run.baseline):
        lines.append(
            f"  {k.kind:<13}{k.count:>9}{k.achieved_rate:>8.1f}{k.intended_rate:>10.1f}"
            f"{_ms(k.p50)} {_ms(k.p95)} {_ms(k.p99)} {_ms(k.worst)}  {_errors(k)}"
        )
    base = run.baseline
    lines.append(
        "  against the static baseline: "
        + ", ".join(f"p{q} x{_ratio(getattr(run.total, f'p{q}'), getattr(base, f'p{q}'))}" for q in (50, 95, 99))
    )
    lines.append(f"  generator: its loop woke for scheduled rounds late by p99 {1000 * run.lag_p99:.1f} ms")
    n = max(run.total.count, 1)
    nb = max(base.count, 1)
    wall = run.seconds
    lines.append("  CPU             seconds   cores  ms/request   (baseline: seconds  ms/request)")
    rows = [
        (name, run.cpu.components[name], run.baseline_cpu.components.get(name, 0.0))
        for name in sorted(run.cpu.components)
    ]
    rows.append(("stack total", run.stack_cpu, sum(run.baseline_cpu.components.values())))
    rows.append(("load generator", run.generator_cpu, run.baseline_generator_cpu))
    other = run.cpu.machine_busy - run.stack_cpu - run.generator_cpu
    other_base = run.baseline_cpu.machine_busy - sum(run.baseline_cpu.components.values()) - run.baseline_generator_cpu
    rows.append(("others on host", other, other_base))
    rows.append(("machine busy", run.cpu.machine_busy, run.baseline_cpu.machine_busy))
    for name, fleet_s, base_s in rows:
        lines.append(
            f"  {name:<15}{fleet_s:>8.1f}{fleet_s / wall:>8.2f}{1000 * fleet_s / n:>12.2f}"
            f"   ({base_s:>18.1f}{1000 * base_s / nb:>12.2f})"
        )
    lines.append(
        "  resident memory at the end (MB): " + ", ".join(f"{n} {mb:.0f}" for n, mb in sorted(run.cpu.rss_mb.items()))
    )
    if run.uploaded_mb:
        lines.append(
            f"  app CPU per uploaded MB (all app CPU / scan MB): {1000 * run.cpu.components.get('apps', 0.0) / run.uploaded_mb:.0f} ms"
        )
    return lines


def _ratio(value: float, base: float) -> str:
    return f"{value / base:.1f}" if base > 0 else "-"


def summary_table(runs: list[RunFigures]) -> list[str]:
    lines = [
        "summary (all kinds of requests together; budget: 3,000 devices, p99 < 500 ms, no errors)",
        "  apps  devices   req/s  intended   p50 ms   p95 ms   p99 ms  errors  app ms/req  stack ms/req  verdict",
    ]
    for run in runs:
        t = run.total
        n = max(t.count, 1)
        lines.append(
            f"  {run.apps:>4}{run.devices:>9}{t.achieved_rate:>8.1f}{t.intended_rate:>10.1f}"
            f"{_ms(t.p50)} {_ms(t.p95)} {_ms(t.p99)}{t.error_count:>8}"
            f"{1000 * run.cpu.components.get('apps', 0.0) / n:>12.2f}{1000 * run.stack_cpu / n:>14.2f}  {run.verdict()}"
        )
    return lines


def fleet_kinds(
    samples: list[Sample], seconds: float, intended: dict[str, float]
) -> tuple[tuple[KindFigures, ...], KindFigures]:
    by_kind = tuple(
        kind_figures(kind, (s for s in samples if s.kind == kind), seconds, intended[kind]) for kind in KINDS
    )
    return by_kind, kind_figures("all", samples, seconds, sum(intended.values()))
