"""Issue #19 point 10, at rest on the window: notices name the applicant and their ID number.

Another local account on the counter PC (a second clerk, a technician) tries to read the notices
a production window wrote: the files are 0600 in 0700 folders, so the read is refused (tried as
the `nobody` user when the tests run as root), and what is on disk is sealed, not a PDF: the
name and ID number appear in no file, while the window itself still shows the notice.
"""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pdfplumber
import pytest

from client import file_modes
from client.services.paperwork import OfficeInfo, Paperwork
from client.store.db import Store, open_store
from client.store.keys import StoreKeys, store_keys
from client.store.secrets import SecretStore
from tests.sync.window_cases import queue_case, valid_id

ID_NUMBER = valid_id("37070219850312001")
APPLICANT = "王小二"  # the name window_cases gives its applicant


@pytest.fixture
def private_umask() -> Iterator[None]:
    """What `onewindow` does at start (client.cli.main): files 0600, folders 0700."""
    previous = os.umask(0o022)
    file_modes.restrict_new_files()
    yield
    os.umask(previous)


@pytest.fixture
def shared_pc() -> Iterator[Path]:
    """A folder every local user may walk through, as a home directory often is: only the
    window's own modes stand between another account and its files."""
    folder = Path(tempfile.mkdtemp(prefix="onewindow-shared-pc-", dir="/tmp"))  # /tmp: every account walks it
    folder.chmod(0o755)
    yield folder
    subprocess.run(["rm", "-rf", str(folder)], check=False)


@pytest.fixture
def production_window(shared_pc, private_umask) -> Iterator[tuple[Store, StoreKeys, Path]]:
    data_dir = shared_pc / "onewindow"
    path = data_dir / "client.sqlite"
    keys = store_keys(path, plaintext=False, demo=False, secrets=SecretStore())
    assert keys is not None
    store = open_store(path, keys=keys)
    yield store, keys, data_dir
    store.close()


def _paperwork(store: Store, keys: StoreKeys, data_dir: Path) -> Paperwork:
    return Paperwork(store, None, data_dir / "notices", OfficeInfo("潍城区政务服务中心"), "A4", seal_key=keys.page_key)


def _as_nobody(*command: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", *command], capture_output=True, check=False
    )


def test_no_readable_plaintext_notice_is_left_on_disk(production_window):
    store, keys, data_dir = production_window
    case_id, case_no = queue_case(store, "A1B2", id_number=ID_NUMBER)
    paperwork = _paperwork(store, keys, data_dir)
    result = paperwork.issue(case_id)
    assert result.error == "" and result.documents, result.error

    written = sorted(p for p in (data_dir / "notices").rglob("*") if p.is_file())
    assert written and all(p.name.startswith(case_no) for p in written)
    for path in written:
        raw = path.read_bytes()
        assert not raw.startswith(b"%PDF")
        assert APPLICANT.encode("utf-8") not in raw and ID_NUMBER[:6].encode() not in raw
        assert stat.S_IMODE(path.stat().st_mode) == 0o600

    # The window itself still reads its notice: the viewer and the thumbnail go through it.
    pdf = paperwork.read_document(result.documents[0])
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        text = "".join(page.extract_text() or "" for page in doc.pages)
    assert APPLICANT in text and ID_NUMBER[-4:] in text
    assert paperwork.page_pngs(result.documents[0])[0].startswith(b"\x89PNG")


def test_every_file_and_folder_of_the_window_is_private(production_window):
    store, keys, data_dir = production_window
    case_id, _ = queue_case(store, "A1B2", pages=(b"\xff\xd8 a scan",), id_number=ID_NUMBER)
    _paperwork(store, keys, data_dir).issue(case_id)
    entries = [data_dir, *data_dir.rglob("*")]
    assert any(p.suffix == ".pdf" for p in entries) and any(p.name == "client.sqlite" for p in entries)
    loose = [
        (str(p.relative_to(data_dir)), oct(stat.S_IMODE(p.stat().st_mode))) for p in entries if p.stat().st_mode & 0o077
    ]
    assert loose == []
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o700 for p in entries if p.is_dir())

    if os.geteuid() != 0:
        pytest.skip("trying another account's read needs root (setpriv)")
    notice = next(p for p in entries if p.suffix == ".pdf")
    refused = _as_nobody("cat", str(notice))
    assert refused.returncode != 0 and b"Permission denied" in refused.stderr
    assert _as_nobody("ls", str(data_dir)).returncode != 0


def test_what_an_older_version_left_readable_is_tightened_at_start(shared_pc):
    data_dir = shared_pc / "onewindow"
    (data_dir / "notices").mkdir(parents=True, mode=0o755)
    old = data_dir / "notices" / "2026-旧受理通知书.pdf"
    old.write_bytes(b"%PDF-1.4 an old plaintext notice")
    old.chmod(0o644)
    (data_dir / "notices").chmod(0o755)
    data_dir.chmod(0o755)

    assert file_modes.tighten(data_dir) == 3
    assert stat.S_IMODE(old.stat().st_mode) == 0o600
    assert stat.S_IMODE((data_dir / "notices").stat().st_mode) == 0o700
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    if os.geteuid() == 0:
        assert _as_nobody("cat", str(old)).returncode != 0


def test_the_program_creates_its_files_private(shared_pc):
    """`onewindow` itself, as a process: the store it creates under a default umask is 0600."""
    data_dir = shared_pc / "onewindow"
    done = subprocess.run(
        [sys.executable, "-m", "client.cli", "enrol", "--server", "http://127.0.0.1:9", "--code", "ABCD2345"]
        + ["--data-dir", str(data_dir)],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "PYTHON_KEYRING_BACKEND": "tests.support.memory_keyring.TestKeyring"},
        capture_output=True,
        text=True,
        check=False,
        preexec_fn=lambda: os.umask(0o022),  # what a desktop session usually has
    )
    assert done.returncode == 1 and "无法连接后台服务器" in done.stderr  # nothing listens on port 9
    entries = [data_dir, *data_dir.rglob("*")]
    assert any(p.name == "client.sqlite" for p in entries), done.stderr
    assert [str(p) for p in entries if p.stat().st_mode & 0o077] == []
