"""The fleet benchmark's load: simulated window devices on one asyncio loop per worker process.

Each device keeps the real window's rhythm with a random phase, so thousands of them make a
steady load rather than bursts: a pull every 30 s (following the cursor the answer gives, and
again at once while it says `more`), and every 10 minutes a case taken in with two 500 KB
pages, uploaded as the window's sync engine does (`sync/engine.py`): the blob status query,
one PUT per page, then the intake event pushed. The requests go over HTTPS through nginx on
a shared keep-alive pool (aiohttp: its C parser keeps the generator's own CPU per request
low), the certificate checked against the stack's own.

Latency is timed from the moment a request is handed to the client, so a wait for a pooled
connection counts; how late the loop started each scheduled round is kept apart (`lag`) as
the generator's own health.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import os
import random
import ssl
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from client.domain.case_numbers import mint_case_no
from client.domain.identity import id_check_char
from sync import protocol

API = protocol.API
PULL_PERIOD = 30.0  # seconds between a window's pulls
CASE_PERIOD = 600.0  # seconds between a window's cases
PAGE_BYTES = 500_000
PAGES_PER_CASE = 2
MATTER_CODE = "370702-XK-0001"  # 个体工商户设立登记, a matter of the catalog every hall gets
MAX_MORE = 10  # pulls in a row while the answer says `more`
TIMEOUT = 60.0
KINDS = ("pull", "blob_status", "blob_put", "push")


@dataclass(frozen=True)
class Device:
    """An enrolled window: what the back office gave it at enrolment."""

    device_code: str
    token: str
    region_code: str
    cursor: int = 0  # where its last pull ended: kept from one run to the next, as a window keeps it


@dataclass(frozen=True)
class Sample:
    """One request: its kind, when it was sent (seconds after the run's start), how long it
    took, and what went wrong ("" when it succeeded)."""

    kind: str
    sent: float
    latency: float
    error: str
    lag: float = 0.0  # how late the scheduled round began (only on a round's first request)


@dataclass(frozen=True)
class LoadPlan:
    """What one worker process runs: its devices, the stack's address and the time frame.

    Times are seconds after `epoch` (a wall-clock instant all workers share): traffic runs
    from 0 to `stop`; the measured window is [`measure_from`, `stop`).
    """

    api_base: str
    cert: str
    devices: tuple[Device, ...]
    epoch: float
    measure_from: float
    stop: float
    connections: int
    seed: int
    first_seq: int  # this run's first case sequence: runs on the same stack never reuse a case number
    traffic: str = "both"  # or "pulls" or "cases" alone


@dataclass(frozen=True)
class BaselinePlan:
    """A static file fetched through nginx at a fixed rate, from `epoch` for `seconds`."""

    api_base: str
    cert: str
    path: str
    rate: float
    epoch: float
    measure_from: float
    stop: float
    connections: int


@dataclass(frozen=True)
class LoadResult:
    """A worker's samples and its own CPU seconds within the measured window."""

    samples: tuple[Sample, ...]
    cpu_seconds: float
    cursors: tuple[tuple[str, int], ...] = ()  # (device code, cursor) after the run


@dataclass
class _DeviceState:
    """What a simulated window remembers between rounds (not shared with any other task)."""

    device: Device
    cursor: int
    seq: int


@dataclass
class _Recorder:
    """The samples of one worker; the loop is single-threaded, so a plain list is enough."""

    epoch: float
    samples: list[Sample] = field(default_factory=list)

    def now(self) -> float:
        return time.time() - self.epoch

    def add(self, kind: str, sent: float, error: str, lag: float = 0.0) -> None:
        self.samples.append(Sample(kind, sent, self.now() - sent, error, lag))


def run_load(plan: LoadPlan) -> LoadResult:
    """Entry point of a worker process."""
    return asyncio.run(_run_load(plan))


def run_baseline(plan: BaselinePlan) -> LoadResult:
    """Entry point of a worker process for the static-file baseline."""
    return asyncio.run(_run_baseline(plan))


def _client(api_base: str, cert: str, connections: int) -> aiohttp.ClientSession:
    """A keep-alive pool of at most `connections`; TIMEOUT bounds a request from the moment it
    waits for a connection to its answer's last byte."""
    connector = aiohttp.TCPConnector(limit=connections, ssl=ssl.create_default_context(cafile=cert))
    return aiohttp.ClientSession(base_url=api_base, connector=connector, timeout=aiohttp.ClientTimeout(total=TIMEOUT))


async def _cpu_in_window(epoch: float, start: float, stop: float, out: list[float]) -> None:
    """Record this process's CPU seconds at the window's start and end."""
    await _sleep_until(epoch, start)
    out.append(time.process_time())
    await _sleep_until(epoch, stop)
    out.append(time.process_time())


async def _run_load(plan: LoadPlan) -> LoadResult:
    rng = random.Random(plan.seed)
    rec = _Recorder(plan.epoch)
    cpu: list[float] = []
    states = [_DeviceState(device, device.cursor, plan.first_seq) for device in plan.devices]
    async with _client(plan.api_base, plan.cert, plan.connections) as client:
        tasks = [asyncio.create_task(_cpu_in_window(plan.epoch, plan.measure_from, plan.stop, cpu))]
        for state in states:
            pull_phase, case_phase = rng.uniform(0, PULL_PERIOD), rng.uniform(0, CASE_PERIOD)
            if plan.traffic != "cases":
                tasks.append(asyncio.create_task(_pulls(client, state, rec, pull_phase, plan.stop)))
            if plan.traffic != "pulls":
                tasks.append(asyncio.create_task(_cases(client, state, rec, case_phase, plan.stop)))
        await asyncio.gather(*tasks)
    cursors = tuple((s.device.device_code, s.cursor) for s in states)
    return LoadResult(tuple(rec.samples), cpu[1] - cpu[0] if len(cpu) == 2 else 0.0, cursors)


async def _run_baseline(plan: BaselinePlan) -> LoadResult:
    rec = _Recorder(plan.epoch)
    cpu: list[float] = []
    async with _client(plan.api_base, plan.cert, plan.connections) as client:
        tasks = [asyncio.create_task(_cpu_in_window(plan.epoch, plan.measure_from, plan.stop, cpu))]
        n = 0
        while (at := n / plan.rate) < plan.stop:
            lag = await _sleep_until(plan.epoch, at)
            tasks.append(asyncio.create_task(_static(client, plan.path, rec, lag)))
            n += 1
        await asyncio.gather(*tasks)
    return LoadResult(tuple(rec.samples), cpu[1] - cpu[0] if len(cpu) == 2 else 0.0)


async def _sleep_until(epoch: float, at: float) -> float:
    """Sleep until `at` seconds after `epoch`; return how late the loop woke us. A round
    that is due already (the previous one took longer than the period) returns 0: that
    delay is the stack's, and shows in the previous round's latency."""
    delay = epoch + at - time.time()
    if delay <= 0:
        return 0.0
    await asyncio.sleep(delay)
    return max(0.0, time.time() - epoch - at)


def _headers(state: _DeviceState) -> dict[str, str]:
    return {"Authorization": f"Bearer {state.device.token}"}


async def _pulls(client: aiohttp.ClientSession, state: _DeviceState, rec: _Recorder, phase: float, stop: float) -> None:
    at = phase
    while at < stop:
        lag = await _sleep_until(rec.epoch, at)
        for _ in range(MAX_MORE):
            more = await _pull(client, state, rec, lag)
            lag = 0.0
            if not more:
                break
        at += PULL_PERIOD


async def _pull(client: aiohttp.ClientSession, state: _DeviceState, rec: _Recorder, lag: float) -> bool:
    sent = rec.now()
    try:
        async with client.get(f"{API}/changes", params={"cursor": state.cursor}, headers=_headers(state)) as resp:
            content = await resp.read()
        if resp.status != 200:
            rec.add("pull", sent, f"HTTP {resp.status}", lag)
            return False
        body = protocol.PullResponse.model_validate_json(content)
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        rec.add("pull", sent, type(exc).__name__, lag)
        return False
    rec.add("pull", sent, "", lag)
    state.cursor = body.cursor
    return body.more


async def _cases(client: aiohttp.ClientSession, state: _DeviceState, rec: _Recorder, phase: float, stop: float) -> None:
    at = phase
    while at < stop:
        lag = await _sleep_until(rec.epoch, at)
        await _case(client, state, rec, lag)
        at += CASE_PERIOD


async def _case(client: aiohttp.ClientSession, state: _DeviceState, rec: _Recorder, lag: float) -> None:
    """One case as the window's sync round sends it: status query, the pages, the event.
    A failed step ends the round, as on a real window (it retries on its next round)."""
    pages = [os.urandom(PAGE_BYTES) for _ in range(PAGES_PER_CASE)]
    digests = [hashlib.sha256(page).hexdigest() for page in pages]
    if not await _blob_status(client, state, rec, digests, lag):
        return
    for digest, page in zip(digests, pages):
        if not await _blob_put(client, state, rec, digest, page):
            return
    await _push(client, state, rec, digests)


async def _blob_status(
    client: aiohttp.ClientSession, state: _DeviceState, rec: _Recorder, digests: list[str], lag: float
) -> bool:
    sent = rec.now()
    try:
        async with client.post(f"{API}/blobs/status", json={"sha256": digests}, headers=_headers(state)) as resp:
            content = await resp.read()
        error = "" if resp.status == 200 else f"HTTP {resp.status}"
        if not error:
            protocol.BlobStatusList.model_validate_json(content)
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        error = type(exc).__name__
    rec.add("blob_status", sent, error, lag)
    return not error


async def _blob_put(
    client: aiohttp.ClientSession, state: _DeviceState, rec: _Recorder, digest: str, page: bytes
) -> bool:
    sent = rec.now()
    headers = {**_headers(state), "X-Blob-Length": str(len(page)), "Content-Type": "application/octet-stream"}
    try:
        async with client.put(f"{API}/blobs/{digest}", params={"offset": 0}, data=page, headers=headers) as resp:
            content = await resp.read()
        error = "" if resp.status == 200 else f"HTTP {resp.status}"
        if not error and not protocol.BlobStatus.model_validate_json(content).complete:
            error = "incomplete"
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        error = type(exc).__name__
    rec.add("blob_put", sent, error)
    return not error


async def _push(client: aiohttp.ClientSession, state: _DeviceState, rec: _Recorder, digests: list[str]) -> None:
    state.seq += 1
    case_no = mint_case_no(state.device.region_code, dt.date.today(), state.device.device_code, state.seq)
    event = _intake_event(str(uuid.uuid4()), case_no, digests, state.seq)
    sent = rec.now()
    try:
        async with client.post(f"{API}/events", json={"events": [event]}, headers=_headers(state)) as resp:
            content = await resp.read()
        error = "" if resp.status == 200 else f"HTTP {resp.status}"
        if not error:
            [result] = protocol.PushResponse.model_validate_json(content).results
            if result.status != "acked":
                error = f"{result.status}:{result.code}"
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        error = type(exc).__name__
    rec.add("push", sent, error)


async def _static(client: aiohttp.ClientSession, path: str, rec: _Recorder, lag: float) -> None:
    sent = rec.now()
    try:
        async with client.get(path) as resp:
            await resp.read()
        error = "" if resp.status == 200 else f"HTTP {resp.status}"
    except (aiohttp.ClientError, TimeoutError) as exc:
        error = type(exc).__name__
    rec.add("static", sent, error, lag)


def _intake_event(case_id: str, case_no: str, digests: list[str], seq: int) -> dict:
    """A 受理 event as the window sends it (the shape of tests/server/server_helpers.py's
    make_event and accepted_payload): one applicant, the ID card scanned as two pages."""
    first17 = f"37070219850312{random.randrange(1000):03d}"
    now = dt.datetime.now(protocol.CST)
    return {
        "event_id": str(uuid.uuid4()),
        "device_seq": seq,
        "case_id": case_id,
        "type": protocol.CASE_ACCEPTED,
        "payload": {
            "case_no": case_no,
            "matter_code": MATTER_CODE,
            "matter_name": "个体工商户设立登记",
            "catalog_version": "2026.11-1",
            "applicant": {"name": "王小二", "id_number": first17 + id_check_char(first17)},
            "materials": [
                {"code": "M01", "name": "申请人身份证", "blobs": digests},
                {"code": "M02", "name": "个体工商户登记（备案）申请书"},
            ],
            "received_at": now.isoformat(),
            "promised_by": (now.date() + dt.timedelta(days=5)).isoformat(),
            "clerk": "clerk01",
        },
        "device_time": now.isoformat(),
    }


def static_file(folder: Path, name: str, size: int) -> Path:
    """The baseline's file, written where nginx serves it from."""
    path = folder / name
    path.write_bytes(os.urandom(size))
    path.chmod(0o644)
    return path
