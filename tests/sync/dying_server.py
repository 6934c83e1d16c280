"""The back office in a process of its own that is killed (SIGKILL) at one named step of a
scan's upload, as a power cut or the OOM killer would: no `finally`, no flush, no answer.

The child runs the real command line (`onewindow-server serve`); before that it wraps, in
its own interpreter only, the function of `sync.server.blobs` / `sync.server.runner` where
the step happens, so production code carries no test hook. The wrapper fires only for the
blob named on the command line, prints `dying at <step>` and kills its own process.

    python -m tests.sync.dying_server STEP SHA256 serve --db URL --blobs DIR --port N

The steps, in the order one PUT /api/v1/blobs/{sha} goes through them (`blobs.begin_put`,
the folder store's `LocalBlobStore.open_upload` and `LocalUpload.write/finish/promote`,
`blobs._finish`), are `STEPS`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

# Each step: what the server has done when it dies there.
STEPS: dict[str, str] = {
    "put_begun": "PUT accepted and the blob's lock taken; nothing opened on disk",
    "part_opened": "the `.part` file opened for appending; no byte of this body in it",
    "first_piece": "the first piece of the body handed to the file",
    "mid_body": "half the body handed to the file, the rest still to come",
    "last_piece": "every byte handed to the file, which is not yet made durable (no fsync)",
    "durable_unverified": "the file closed and fsynced whole; its hash not yet compared",
    "verified_unrenamed": "the hash matched; `.part` not yet renamed to the final name",
    "renamed_unmarked": "renamed to the final name; the database row not yet marked complete",
    "marking_uncommitted": "inside the transaction marking it complete and recounting its cases",
    "complete_unanswered": "marked complete and committed; the answer not yet sent",
    "answered": "`complete` answered; dies as the next request arrives",
}


def _die(step: str) -> None:
    os.write(2, f"dying at {step}\n".encode())
    os.kill(os.getpid(), signal.SIGKILL)


def _arm(step: str, target: str) -> None:
    """Wrap the one function where `step` happens, for the blob `target` only."""
    from sync.server import blobs, runner
    from sync.server.blobstore.local import LocalBlobStore, LocalUpload

    if step == "put_begun":
        begin_put = blobs.begin_put

        def dying_begin_put(ctx, sha256, offset, total, *uploader):
            if sha256.lower() == target:
                _die(step)
            return begin_put(ctx, sha256, offset, total, *uploader)

        blobs.begin_put = dying_begin_put
    elif step == "part_opened":
        open_upload = LocalBlobStore.open_upload

        def dying_open_upload(self, sha256, total, fresh=False):
            upload = open_upload(self, sha256, total, fresh)
            if sha256 == target:
                _die(step)
            return upload

        LocalBlobStore.open_upload = dying_open_upload
    elif step in ("first_piece", "mid_body", "last_piece"):
        _arm_pieces(step, target)
    elif step == "durable_unverified":
        finish = LocalUpload.finish

        def dying_finish_upload(self):
            digest = finish(self)
            if self.sha256 == target:
                _die(step)
            return digest

        LocalUpload.finish = dying_finish_upload
    elif step in ("verified_unrenamed", "renamed_unmarked"):
        promote = LocalUpload.promote

        def dying_promote(self):
            if self.sha256 == target and step == "verified_unrenamed":
                _die(step)
            promote(self)
            if self.sha256 == target:
                _die(step)

        LocalUpload.promote = dying_promote
    elif step == "marking_uncommitted":
        waiting_for = blobs.cases_waiting_for

        def dying_cases_waiting_for(session, sha256):
            cases = waiting_for(session, sha256)
            if sha256 == target:
                _die(step)
            return cases

        blobs.cases_waiting_for = dying_cases_waiting_for
    elif step == "complete_unanswered":
        finish = blobs.BlobWriter.finish

        def dying_finish(self):
            status = finish(self)
            if self.sha == target and status.complete:
                _die(step)
            return status

        blobs.BlobWriter.finish = dying_finish
    elif step == "answered":
        create_app = runner.create_app
        runner.create_app = lambda db_url, blob_dir, *options: _DyingAfterAnswer(
            create_app(db_url, blob_dir, *options), target
        )
    else:
        raise SystemExit(f"unknown step {step!r}; one of {', '.join(STEPS)}")


def _arm_pieces(step: str, target: str) -> None:
    """Count the bytes each upload of `target` hands to its file, from where it resumed."""
    from sync.server.blobstore.local import LocalBlobStore, LocalUpload

    open_upload, write = LocalBlobStore.open_upload, LocalUpload.write

    def counting_open_upload(self, sha256, total, fresh=False):
        upload = open_upload(self, sha256, total, fresh)
        upload._dying_total = total
        return upload

    def dying_write(self, data):
        start = self.size
        write(self, data)
        if self.sha256 != target:
            return
        done, total = self.size, self._dying_total
        if (
            (step == "first_piece" and start == self.held)
            or (step == "mid_body" and total // 2 <= done < total)
            or (step == "last_piece" and done == total)
        ):
            _die(step)

    LocalBlobStore.open_upload, LocalUpload.write = counting_open_upload, dying_write


class _DyingAfterAnswer:
    """The ASGI app, dying at the first request that arrives after the answer to a PUT of
    `target` that said complete went out whole."""

    def __init__(self, app, target: str):
        self.app, self.target, self.answered = app, target, False

    def __getattr__(self, name: str):
        return getattr(self.app, name)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if self.answered:
            _die("answered")
        ours = scope["method"] == "PUT" and scope["path"].endswith(self.target)
        status = 0

        async def watching_send(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)
            if ours and status == 200 and message["type"] == "http.response.body" and not message.get("more_body"):
                self.answered = True

        return await self.app(scope, receive, watching_send if ours else send)


@dataclass
class DyingServer:
    """The parent's handle on the child."""

    process: subprocess.Popen
    url: str
    log_path: Path

    def wait_dead(self, timeout: float = 60.0) -> str:
        """Wait for the kill; the step the child said it died at."""
        self.process.wait(timeout)
        said = [line for line in self.log_path.read_text(errors="replace").splitlines() if line.startswith("dying at")]
        return said[-1].removeprefix("dying at ").strip() if said else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


def _die_with_parent() -> None:
    """In the child, before exec: killed too if the test process dies, so a server whose
    step never came does not hold its port and a core for ever."""
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


def start_dying(
    step: str,
    target: str,
    db_url: str,
    blob_dir: Path,
    port: int,
    log_path: Path,
    *,
    timeout: float = 60.0,
) -> DyingServer:
    """Start the child and wait until it answers on `port`."""
    if step not in STEPS:
        raise ValueError(step)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.sync.dying_server", step, target]
            + ["serve", "--host", "127.0.0.1", "--port", str(port), "--db", db_url, "--blobs", str(blob_dir)],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=Path(__file__).resolve().parents[2],
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
    server = DyingServer(process, f"http://127.0.0.1:{port}", log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dying back office exited early ({process.returncode}); see {log_path}")
        try:
            if requests.get(f"{server.url}/api/v1/health", timeout=1).ok:
                return server
        except requests.RequestException:
            pass
        time.sleep(0.05)
    server.stop()
    raise RuntimeError(f"dying back office did not answer within {timeout:.0f}s; see {log_path}")


def main(argv: list[str]) -> int:
    step, target, *serve = argv
    _arm(step, target.lower())
    from sync.server.cli import main as server_main

    return server_main(serve)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
