"""CPU seconds of the stack's processes and of the whole machine, read from /proc.

A component is a process the stack started (scripts/stack.py's pids.json) together with every
process below it: PostgreSQL's backends are children of the postmaster, nginx's worker a child
of its master. A child that exits between two readings is not lost: its time moves into its
parent's cutime/cstime once the parent reaps it, and both are counted.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class _Proc:
    ppid: int
    own: int  # utime + stime, in clock ticks
    reaped: int  # cutime + cstime: children that exited and were waited for
    rss: int  # resident pages


@dataclass(frozen=True)
class CpuReading:
    """CPU seconds used so far by each component, and the machine's busy and total seconds."""

    components: dict[str, float]
    machine_busy: float
    machine_total: float
    rss_mb: dict[str, float]  # resident memory now; PostgreSQL's shared buffers count in every backend


def stack_components(root: Path) -> dict[str, int]:
    """Component name -> PID, from the stack's pids.json. The app processes are named
    `app-<port>`; they are grouped as one `apps` component by `read`'s caller if wanted."""
    return {p["name"]: int(p["pid"]) for p in json.loads((root / "pids.json").read_text(encoding="utf-8"))}


def read(components: dict[str, int]) -> CpuReading:
    """One reading of every component's CPU seconds (0 for one that is gone)."""
    procs = _all_procs()
    children: dict[int, list[int]] = {}
    for pid, proc in procs.items():
        children.setdefault(proc.ppid, []).append(pid)

    def tree(pid: int) -> list[_Proc]:
        proc = procs.get(pid)
        if proc is None:
            return []
        return [proc, *(p for child in children.get(pid, ()) for p in tree(child))]

    busy, total = _machine()
    trees = {name: tree(pid) for name, pid in components.items()}
    return CpuReading(
        {name: sum(p.own + p.reaped for p in found) / TICKS for name, found in trees.items()},
        busy,
        total,
        {name: sum(p.rss for p in found) * PAGE / 1e6 for name, found in trees.items()},
    )


def _all_procs() -> dict[int, _Proc]:
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue  # exited while we looked
        fields = stat.rsplit(")", 1)[1].split()
        # after the name, 0-based from state: ppid 1, utime 11, stime 12, cutime 13, cstime 14, rss 21
        found[int(entry.name)] = _Proc(
            int(fields[1]), int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14]), int(fields[21])
        )
    return found


def _machine() -> tuple[float, float]:
    """Busy and total CPU seconds of every core since boot (/proc/stat's first line)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values[:8])  # up to steal; guest time is already inside user
    return (total - idle) / TICKS, total / TICKS


def difference(before: CpuReading, after: CpuReading) -> CpuReading:
    """CPU seconds used between two readings."""
    return CpuReading(
        {name: after.components[name] - before.components.get(name, 0.0) for name in after.components},
        after.machine_busy - before.machine_busy,
        after.machine_total - before.machine_total,
        after.rss_mb,
    )
