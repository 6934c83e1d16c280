"""A throw-away PostgreSQL cluster on a loopback port for the test session.

initdb refuses to run as root, so as root the cluster runs as the `postgres` system
user (created by Debian's postgresql package).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Cluster:
    root: Path
    bin_dir: Path
    port: int
    as_postgres: bool

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/onewindow_test"

    def _run(self, *args: str) -> None:
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        self._run(
            "pg_ctl",
            "-D",
            str(self.root / "data"),
            "-w",
            "-l",
            str(self.root / "pg.log"),
            "-o",
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        )

    def restart(self) -> None:
        """Stop at once, as a crash would (every connection dropped), and start again."""
        self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "stop")
        self.start()

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "stop")
        except Exception:
            pass
        shutil.rmtree(self.root, ignore_errors=True)


def start_cluster() -> Cluster | None:
    """Start a cluster, or return None (with the reason printed) when PostgreSQL is absent."""
    bin_dir = _bin_dir()
    if bin_dir is None:
        print("tests: PostgreSQL binaries not found; PostgreSQL tests will be skipped")
        return None
    as_postgres = os.geteuid() == 0
    root = Path(tempfile.mkdtemp(prefix="onewindow-pg-", dir="/tmp"))
    if as_postgres:
        shutil.chown(root, "postgres", "postgres")
    cluster = Cluster(root, bin_dir, _free_port(), as_postgres)
    try:
        cluster._run("initdb", "-D", str(root / "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        cluster.start()
        cluster._run("createdb", "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres", "onewindow_test")
    except (subprocess.SubprocessError, OSError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        print(f"tests: could not start PostgreSQL ({exc}): {detail.decode(errors='replace')[-500:]}")
        cluster.stop()
        return None
    return cluster
