"""Issue #19 point 10, scans at rest on the back office.

A folder store is as safe as the disk under it: the real `onewindow-server serve` refuses
to serve windows over the network from a folder store until the operator declares how the
disk is encrypted, and says in its banner what protects the scans. The files it writes are
for its own account only (another local user reads none of them).
"""

from __future__ import annotations

import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import requests

from sync import protocol
from tests.security.test_scan_namespace import sha, start_two_orgs
from tests.support.back_office import sqlite_url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(tmp_path: Path, *extra: str, env: dict | None = None) -> subprocess.Popen:
    command = [sys.executable, "-m", "sync.server", "serve", "--db", sqlite_url(tmp_path / "db")]
    command += ["--blobs", str(tmp_path / "blobs"), *extra]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)


def test_a_folder_store_serving_the_network_refuses_an_undeclared_disk(tmp_path):
    for where in (["--host", "0.0.0.0"], ["--host", "127.0.0.1", "--forwarded-allow-ips", "127.0.0.1"]):
        process = serve(tmp_path, *where, "--port", str(free_port()))
        try:
            output, _ = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise AssertionError("the server started on an undeclared disk") from None
        assert process.returncode == 1, output
        assert "未声明磁盘加密方式" in output and "--blobs-at-rest" in output
        assert "一窗通后台服务" not in output  # refused before anything listens


def test_a_declared_disk_is_named_in_the_banner_and_the_server_serves(tmp_path):
    port = free_port()
    process = serve(
        tmp_path, "--host", "127.0.0.1", "--port", str(port), "--forwarded-allow-ips", "127.0.0.1",
        "--blobs-at-rest", "luks",
    )  # fmt: skip
    try:
        for _ in range(300):
            try:
                if requests.get(f"http://127.0.0.1:{port}{protocol.API}/health", timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        else:
            raise AssertionError("the server did not start")
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert "扫描件静态加密：LUKS/dm-crypt 全盘加密（运维人员声明）" in output


def test_scan_files_and_folders_are_the_servers_own(tmp_path, request):
    runs = start_two_orgs("sqlite", tmp_path, request)
    orgs = next(runs)
    try:
        whole, cut = b"a whole page" * 500, b"a cut page" * 500
        assert orgs.a.put(sha(whole), whole, 0, len(whole)).json()["complete"] is True
        assert orgs.a.put(sha(cut), cut[:100], 0, len(cut)).json()["size"] == 100
        written = [
            orgs.blob_dir,
            orgs.blob_dir / sha(whole)[:2],
            orgs.blob_dir / sha(whole)[:2] / sha(whole),
            orgs.blob_dir / sha(cut)[:2] / f"{sha(cut)}.part",
        ]
        for path in written:
            mode = stat.S_IMODE(path.stat().st_mode)
            assert mode & 0o077 == 0, f"{path.name}: {oct(mode)}"
    finally:
        next(runs, None)
