"""Issue #19 point 5: one org unit fills the disk with scans.

Against a real back office (SQLite and PostgreSQL): an org unit's scans beyond its quota
are refused with 507 while another org unit still uploads; blobs no case names and
uploads left unfinished are removed by the real `onewindow-server collect-blobs` command
while the server runs, on a folder and on a real SeaweedFS.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from sync.server.blobstore.s3 import MIB
from tests.security.test_scan_namespace import TwoOrgs, backend, sha, start_two_orgs  # noqa: F401 - fixture

QUOTA = 100_000


@pytest.fixture
def small_quota_orgs(backend, tmp_path, request) -> Iterator[TwoOrgs]:  # noqa: F811
    yield from start_two_orgs(backend, tmp_path, request, blob_quota=QUOTA)


def test_an_org_unit_cannot_fill_the_disk_beyond_its_quota(small_quota_orgs):
    orgs = small_quota_orgs
    first, second, third = bytes([1]) * 40_000, bytes([2]) * 40_000, bytes([3]) * 45_000
    assert orgs.a.put(sha(first), first, 0, len(first)).json()["complete"] is True
    half = orgs.a.put(sha(second), second[:20_000], 0, len(second))  # in progress: its bytes count
    assert half.json()["size"] == 20_000

    refused = orgs.a.put(sha(third), third, 0, len(third))
    assert refused.status_code == 507 and refused.json()["code"] == "quota_exceeded"
    assert "配额" in refused.json()["message"] or "存储空间" in refused.json()["message"]
    assert not (orgs.blob_dir / sha(third)[:2] / sha(third)).exists()
    assert orgs.a.head(sha(third)).status_code == 404

    # the same page from another org unit, and a re-sent page A already holds, still go in
    assert orgs.b.put(sha(third), third, 0, len(third)).json()["complete"] is True
    assert orgs.a.put(sha(first), first, 0, len(first)).json()["complete"] is True
    # proving a blob the server has (B's page) counts against A's quota as well
    assert orgs.a.put(sha(third), third, 0, len(third)).status_code == 507
    # A's own upload in progress may still finish: it was counted when it began
    assert orgs.a.put(sha(second), second[20_000:], 20_000, len(second)).json()["complete"] is True


def collect(db_url: str, *store: str, older_than: str = "0s", dry_run: bool = False) -> str:
    command = [sys.executable, "-m", "sync.server", "collect-blobs", "--db", db_url, *store, "--older-than", older_than]
    env = dict(os.environ, ONEWINDOW_S3_ACCESS_KEY="test-key", ONEWINDOW_S3_SECRET_KEY="test-secret")
    done = subprocess.run(
        command + (["--dry-run"] if dry_run else []), capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_collector_removes_unreferenced_blobs_and_stale_uploads_while_the_server_runs(small_quota_orgs):
    orgs = small_quota_orgs
    named, unnamed, partial = b"named page" * 1000, b"unnamed page" * 1000, b"partial page" * 1000
    for page in (named, unnamed):
        assert orgs.a.put(sha(page), page, 0, len(page)).json()["complete"] is True
    assert orgs.a.put(sha(partial), partial[:5000], 0, len(partial)).json()["size"] == 5000
    orgs.a.push_case([sha(named)])
    folder = ["--blobs", str(orgs.blob_dir)]

    assert "0 个" in collect(orgs.db_url, *folder, older_than="7d").splitlines()[0]  # within the grace period
    dry = collect(orgs.db_url, *folder, dry_run=True)
    assert f"扫描件 1 个（{len(unnamed)} 字节）" in dry and "未完成上传 1 个（5000 字节）" in dry
    assert (orgs.blob_dir / sha(unnamed)[:2] / sha(unnamed)).exists()

    done = collect(orgs.db_url, *folder)
    assert f"已清理：没有办件引用的扫描件 1 个（{len(unnamed)} 字节）" in done
    assert "已清理：长期中断的未完成上传 1 个（5000 字节）" in done
    assert not (orgs.blob_dir / sha(unnamed)[:2] / sha(unnamed)).exists()
    assert not (orgs.blob_dir / sha(partial)[:2] / f"{sha(partial)}.part").exists()
    assert (orgs.blob_dir / sha(named)[:2] / sha(named)).read_bytes() == named

    # the running server agrees: what was collected is "nothing held" and is sent again
    assert orgs.a.head(sha(unnamed)).status_code == 404
    assert orgs.a.head(sha(partial)).status_code == 404
    assert orgs.a.head(sha(named)).headers["X-Blob-Complete"] == "true"
    assert orgs.a.put(sha(unnamed), unnamed, 0, len(unnamed)).json()["complete"] is True
    # and the quota counts only what is left
    assert orgs.a.put(sha(partial), partial, 0, len(partial)).json()["complete"] is True


def test_the_collector_empties_seaweedfs_of_unreferenced_objects_and_stale_multipart_uploads(
    tmp_path, request, s3_store, seaweed
):
    [orgs] = [None]
    runs = start_two_orgs("sqlite", tmp_path, request, blob_store=s3_store)
    orgs = next(runs)
    try:
        unnamed = os.urandom(64 * 1024)
        big = os.urandom(10 * MIB)
        assert orgs.a.put(sha(unnamed), unnamed, 0, len(unnamed)).json()["complete"] is True
        cut = orgs.a.put(sha(big), big[: 6 * MIB], 0, len(big))  # a whole part kept, the upload left open
        assert cut.json()["size"] == 6 * MIB
        client, bucket = s3_store._client, s3_store.bucket
        assert client.list_multipart_uploads(Bucket=bucket).get("Uploads")

        store = ["--s3-endpoint", seaweed.endpoint, "--s3-bucket", bucket]
        done = collect(orgs.db_url, *store)
        assert f"已清理：没有办件引用的扫描件 1 个（{len(unnamed)} 字节）" in done
        assert f"已清理：长期中断的未完成上传 1 个（{6 * MIB} 字节）" in done
        assert not client.list_multipart_uploads(Bucket=bucket).get("Uploads")
        assert not client.list_objects_v2(Bucket=bucket).get("Contents")
        assert orgs.a.head(sha(unnamed)).status_code == 404
        assert orgs.a.head(sha(big)).status_code == 404
    finally:
        next(runs, None)
