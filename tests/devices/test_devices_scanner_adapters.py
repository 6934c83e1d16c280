"""Adapters: file/folder import, and the optional SANE/UVC/TWAIN ones when not installed."""

from __future__ import annotations

import pytest
from PIL import Image

from devices import scanners
from devices.errors import DeviceNotFound
from devices.scanners import FileImport, ImportFileError, SaneScanner, ScannerUnavailable, TwainScanner, UvcCamera
from devices.virtual.scanner import VirtualScanner


@pytest.fixture
def folder_of_scans(tmp_path):
    Image.new("RGB", (827, 1169), "white").save(tmp_path / "b.png", dpi=(100, 100))
    Image.new("RGB", (850, 1100), "white").save(tmp_path / "a.jpg")
    frames = [Image.new("RGB", (400, 500), c) for c in ("white", "gray")]
    frames[0].save(tmp_path / "c.tif", save_all=True, append_images=frames[1:], dpi=(200, 200))
    (tmp_path / "notes.txt").write_text("not a page")
    return tmp_path


def test_folder_import_in_name_order_with_tiff_frames(folder_of_scans):
    pages = FileImport(str(folder_of_scans)).acquire()
    assert [p.source for p in pages] == ["a.jpg#1", "b.png#1", "c.tif#1", "c.tif#2"]
    assert [round(p.dpi) for p in pages] == [300, 100, 200, 200]  # no dpi recorded: assume 300


def test_single_file_import(folder_of_scans):
    assert FileImport(str(folder_of_scans / "b.png")).status().available


def test_broken_image_is_a_typed_error(tmp_path):
    (tmp_path / "scan.jpg").write_bytes(b"not really a jpeg")
    with pytest.raises(ImportFileError) as err:
        FileImport(str(tmp_path)).acquire()
    assert "scan.jpg" in err.value.message


def test_empty_folder(tmp_path):
    adapter = FileImport(str(tmp_path))
    assert not adapter.status().available
    with pytest.raises(DeviceNotFound):
        adapter.acquire()


@pytest.mark.parametrize("adapter, module", [(SaneScanner(), "sane"), (UvcCamera(), "cv2"), (TwainScanner(), "twain")])
def test_missing_driver_module_is_reported_not_raised(adapter, module, monkeypatch):
    monkeypatch.setattr(scanners.importlib.util, "find_spec", lambda name: None)
    status = adapter.status()
    assert not status.available and "未安装" in status.message
    with pytest.raises(ScannerUnavailable) as err:
        adapter.acquire()
    assert err.value.message.startswith(adapter.name + "不可用")


def test_virtual_scanner_unplugged():
    scanner = VirtualScanner(dpi=50)
    scanner.present = False
    assert not scanner.status().available
    with pytest.raises(DeviceNotFound) as err:
        scanner.acquire()
    assert err.value.message == "未检测到高拍仪，请检查USB连接"
