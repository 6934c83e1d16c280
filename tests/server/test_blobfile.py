"""Appending uploads to `.part` files (sync/server/blobfile.py): direct and buffered writes
give the same bytes, whatever the piece sizes, a resume point or the file system."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from sync.server import blobfile
from sync.server.blobfile import BLOCK, STAGE, BufferedFile, DirectFile, open_append


def pieces(data: bytes, seed: int) -> list[memoryview]:
    """Cut `data` at random places, from a few bytes to several stage buffers."""
    rng, view, out, at = random.Random(seed), memoryview(data), [], 0
    while at < len(data):
        size = rng.choice([1, 7, BLOCK - 1, BLOCK, 65_537, STAGE - 3, STAGE, 3 * STAGE + 11])
        out.append(view[at : at + size])
        at += size
    return out


@pytest.fixture
def scan_bytes() -> bytes:
    return os.urandom(5 * STAGE + 12_345)


@pytest.mark.parametrize("direct", [True, False], ids=["direct", "buffered"])
def test_pieces_of_any_size_end_up_byte_for_byte(tmp_path: Path, scan_bytes: bytes, direct: bool):
    target = tmp_path / "blob.part"
    file = open_append(target, 0, direct=direct)
    for piece in pieces(scan_bytes, seed=1):
        file.write(piece)
    assert file.close() == len(scan_bytes)
    assert target.read_bytes() == scan_bytes


def test_direct_writes_are_used_where_the_file_system_takes_them(tmp_path: Path):
    file = open_append(tmp_path / "blob.part", 0)
    try:
        probe = os.open(tmp_path / "probe", os.O_WRONLY | os.O_CREAT | os.O_DIRECT)
        os.close(probe)
    except OSError:
        assert isinstance(file, BufferedFile)
    else:
        assert isinstance(file, DirectFile)
    file.close()


def test_a_resume_continues_the_file_from_an_unaligned_point(tmp_path: Path, scan_bytes: bytes):
    target = tmp_path / "blob.part"
    cut = 2 * STAGE + 1001  # where a cut connection left it: not on a block boundary
    first = open_append(target, 0)
    first.write(scan_bytes[:cut])
    assert first.close() == cut
    second = open_append(target, cut)
    assert isinstance(second, BufferedFile)  # O_DIRECT needs an aligned start
    for piece in pieces(scan_bytes[cut:], seed=2):
        second.write(piece)
    assert second.close() == len(scan_bytes)
    assert target.read_bytes() == scan_bytes


def test_an_aligned_resume_goes_direct_again(tmp_path: Path, scan_bytes: bytes):
    target = tmp_path / "blob.part"
    cut = 3 * BLOCK
    first = open_append(target, 0)
    first.write(scan_bytes[:cut])
    first.close()
    second = open_append(target, cut)
    second.write(scan_bytes[cut:])
    assert second.close() == len(scan_bytes)
    assert target.read_bytes() == scan_bytes


def test_a_file_system_refusing_o_direct_gets_buffered_writes(tmp_path: Path, scan_bytes: bytes, monkeypatch):
    """As older tmpfs and some network file systems answer EINVAL to O_DIRECT."""
    real_open = os.open

    def no_direct(path, flags, *args):
        if flags & os.O_DIRECT:
            raise OSError(22, "Invalid argument")
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", no_direct)
    file = open_append(tmp_path / "blob.part", 0)
    assert isinstance(file, BufferedFile)
    file.write(scan_bytes)
    assert file.close() == len(scan_bytes)
    assert (tmp_path / "blob.part").read_bytes() == scan_bytes


def test_without_sync_file_range_the_final_fsync_does_it_all(tmp_path: Path, scan_bytes: bytes, monkeypatch):
    monkeypatch.setattr(blobfile, "_SFR", None)
    file = open_append(tmp_path / "blob.part", 0, direct=False)
    assert not file.early
    for piece in pieces(scan_bytes, seed=3):
        file.write(piece)
    assert file.close() == len(scan_bytes)
    assert (tmp_path / "blob.part").read_bytes() == scan_bytes


def test_a_full_disk_leaves_a_clean_prefix(tmp_path: Path, scan_bytes: bytes, monkeypatch):
    """The second direct write fails as on a full disk: the file holds exactly the bytes
    before it, so the client resumes from a true offset."""
    target = tmp_path / "blob.part"
    file = open_append(target, 0)
    if not isinstance(file, DirectFile):
        pytest.skip("no O_DIRECT on this file system")
    real_pwrite, calls = os.pwrite, []

    def pwrite(fd, data, offset):
        calls.append(offset)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real_pwrite(fd, data, offset)

    monkeypatch.setattr(os, "pwrite", pwrite)
    with pytest.raises(OSError):
        file.write(scan_bytes)
    monkeypatch.setattr(os, "pwrite", real_pwrite)
    size = file.close()
    assert target.read_bytes() == scan_bytes[:size]
    assert size >= STAGE


def test_direct_writes_refused_at_write_time_go_through_the_cache(tmp_path: Path, scan_bytes: bytes, monkeypatch):
    """Some FUSE and network file systems accept O_DIRECT at open and refuse the write."""
    file = open_append(tmp_path / "blob.part", 0)
    if not isinstance(file, DirectFile):
        pytest.skip("no O_DIRECT on this file system")
    calls = []

    def refuse(fd, data, offset):
        calls.append(offset)
        raise OSError(22, "Invalid argument")

    monkeypatch.setattr(os, "pwrite", refuse)
    for piece in pieces(scan_bytes, seed=4):
        file.write(piece)
    assert file.close() == len(scan_bytes)
    assert (tmp_path / "blob.part").read_bytes() == scan_bytes
    assert len(calls) == 1  # tried once, then the cache for the rest
