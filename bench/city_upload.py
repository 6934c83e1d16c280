"""Scan uploads through a city's whole stack on loopback, against a bare S3 PUT.

The window's engine sends scans from an encrypted store through nginx (TLS) to an app
process, which streams them into SeaweedFS; the baseline is boto3's `put_object` of the
same bytes to the same SeaweedFS in the same run, so the ratio is what the stack costs on
top of the object store itself. The app processes' CPU seconds per uploaded MB are read
from /proc before and after.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import boto3
from botocore.config import Config

from client.store.db import open_store
from client.store.keys import StoreKeys
from client.store.outbox import StoreOutbox
from sync.api import BackOfficeApi
from sync.engine import SyncEngine
from sync.server import admin
from sync.server.blobstore.s3 import S3BlobStore
from sync.server.demo import DEMO_ORG_CODE
from tests.sync.window_cases import enrol_store, page_bytes, queue_case


def load_stack():
    """scripts/stack.py, the stack of `make stack` (the repository root is on the path)."""
    from scripts import stack

    return stack


@dataclass(frozen=True)
class UploadRun:
    megabytes: float
    bare_s: float  # best of the runs
    stack_s: float
    app_cpu_s: float  # the app processes' CPU over every stack run
    stack_mb_total: float  # MB uploaded through the stack over every run

    @property
    def ratio(self) -> float:
        return self.bare_s / self.stack_s

    @property
    def cpu_per_mb(self) -> float:
        return self.app_cpu_s / self.stack_mb_total


def _cpu_seconds(pids: list[int]) -> float:
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


class CityStack:
    """The stack started for the benchmark, on free ports under a temporary folder."""

    def __init__(self, root: Path, apps: int = 2):
        self.stack = load_stack()
        self.root = root
        self.info = self.stack.up(apps=apps, root=root, ports=self.stack.StackPorts.free(apps), api_rate=100_000)
        os.environ["REQUESTS_CA_BUNDLE"] = str(self.info.cert)  # the stack's self-signed certificate
        self.s3 = boto3.client(
            "s3",
            endpoint_url=self.info.s3_endpoint,
            aws_access_key_id=self.info.s3_access_key,
            aws_secret_access_key=self.info.s3_secret_key,
            region_name="us-east-1",
            config=Config(s3={"addressing_style": "path"}),
        )
        self.s3.create_bucket(Bucket="bench-bare")
        self.store = S3BlobStore.connect(
            self.info.s3_endpoint, self.info.s3_bucket, self.info.s3_access_key, self.info.s3_secret_key
        )

    def app_pids(self) -> list[int]:
        procs = json.loads((self.root / "pids.json").read_text(encoding="utf-8"))
        return [p["pid"] for p in procs if p["name"].startswith("app-")]

    def window(self, folder: Path):
        store = open_store(folder / "client.sqlite", keys=StoreKeys.from_master(os.urandom(32).hex()))
        code = admin.issue_enrol_code(self.info.postgres_url, DEMO_ORG_CODE)
        token, device_code = enrol_store(store, self.info.api_base, code)
        return store, device_code, SyncEngine(BackOfficeApi(self.info.api_base, token, timeout=120), StoreOutbox(store))

    def stop(self) -> None:
        self.stack.down(self.root)


def upload(city: CityStack, root: Path, mb: int, pages: int, runs: int) -> UploadRun:
    bare_s = stack_s = float("inf")
    cpu = total_mb = 0.0
    pids = city.app_pids()
    for run in range(runs):
        scans = tuple(page_bytes(mb << 20, seed=77_000 + run * 100 + page) for page in range(pages))
        start = time.perf_counter()
        for n, scan in enumerate(scans):
            city.s3.put_object(Bucket="bench-bare", Key=f"run{run}/page{n}", Body=scan)
        bare_s = min(bare_s, time.perf_counter() - start)

        store, device_code, engine = city.window(root / f"window-{pages}x{mb}-{run}")
        queue_case(store, device_code, pages=scans)
        cpu_before = _cpu_seconds(pids)
        start = time.perf_counter()
        uploaded = engine._upload_blobs()
        stack_s = min(stack_s, time.perf_counter() - start)
        cpu += _cpu_seconds(pids) - cpu_before
        total_mb += mb * pages
        assert uploaded == pages
        for scan in scans:
            held = city.store.held(hashlib.sha256(scan).hexdigest())
            assert held is not None and held.complete and held.size == len(scan)
        store.close()
    return UploadRun(mb * pages, bare_s, stack_s, cpu, total_mb)
