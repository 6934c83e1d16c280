"""Where page images come from: scanners (SANE, TWAIN), UVC document cameras, files.

Every adapter delivers `RawPage`s (an image and the resolution it was taken at);
`devices.scan_pages` turns them into 300 dpi JPEGs and PDFs. SANE, OpenCV and TWAIN
are optional: when the module is missing the adapter says so in `status()` and raises
`ScannerUnavailable` from `acquire()`, never ImportError.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from PIL import Image, ImageSequence, UnidentifiedImageError

from devices.errors import DeviceError, DeviceNotFound

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp")
DEFAULT_DPI = 300.0
A4_WIDTH_IN = 210 / 25.4


@dataclass(frozen=True)
class RawPage:
    """An image as the device produced it; `dpi` is what the device claims or we infer."""

    image: Image.Image
    dpi: float
    source: str = ""


@dataclass(frozen=True)
class AdapterStatus:
    available: bool
    message: str  # Chinese, for the device list


class ScannerAdapter(Protocol):
    @property
    def name(self) -> str: ...

    def status(self) -> AdapterStatus: ...

    def acquire(self) -> list[RawPage]: ...


class ScannerUnavailable(DeviceError):
    """The adapter's driver module is not installed, or it found no device."""

    def __init__(self, name: str, reason: str, detail: str = "") -> None:
        super().__init__(detail or f"{name}: {reason}", f"{name}不可用：{reason}")
        self.name = name


class ImportFileError(DeviceError):
    """A file picked for import is not a readable image."""

    def __init__(self, path: str, detail: str = "") -> None:
        super().__init__(
            detail or f"not an image: {path}",
            f"文件“{Path(path).name}”不是可识别的图片，请选择 JPG、PNG、TIFF 或 BMP 文件",
        )
        self.path = path


def _optional(module: str):
    """The module, or None when it is not installed (a broken install counts as missing)."""
    if importlib.util.find_spec(module) is None:
        return None
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


def _dpi_of(image: Image.Image, default: float = DEFAULT_DPI) -> float:
    dpi = image.info.get("dpi")
    try:
        value = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        value = 0.0
    return value if value >= 50 else default


@dataclass(frozen=True)
class FileImport:
    """Pages from image files or a folder of them (sorted by name); multi-page TIFF too."""

    path: str
    name: str = "文件导入"

    def _files(self) -> list[Path]:
        root = Path(self.path)
        if root.is_dir():
            return sorted(p for p in root.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        return [root] if root.exists() else []

    def status(self) -> AdapterStatus:
        files = self._files()
        if not files:
            return AdapterStatus(False, f"“{self.path}”中没有可导入的图片")
        return AdapterStatus(True, f"可导入 {len(files)} 个图片文件")

    def acquire(self) -> list[RawPage]:
        files = self._files()
        if not files:
            raise DeviceNotFound("导入文件夹", f"no images in {self.path}")
        pages = []
        for file in files:
            try:
                with Image.open(file) as image:
                    for number, frame in enumerate(ImageSequence.Iterator(image), 1):
                        dpi = _dpi_of(frame)
                        pages.append(RawPage(frame.convert("RGB"), dpi, f"{file.name}#{number}"))
            except (UnidentifiedImageError, OSError) as exc:
                raise ImportFileError(str(file), f"{file}: {exc}") from exc
        return pages


@dataclass(frozen=True)
class SaneScanner:
    """A flatbed or ADF scanner through python-sane (Linux); colour, 300 dpi."""

    device: str | None = None  # SANE device name; None = the first one
    use_feeder: bool = False
    name: str = "扫描仪（SANE）"

    def status(self) -> AdapterStatus:
        if _optional("sane") is None:
            return AdapterStatus(False, "未安装 python-sane（pip install python-sane，并安装 sane-utils）")
        return AdapterStatus(True, "SANE 已安装")

    def acquire(self) -> list[RawPage]:
        sane = _optional("sane")
        if sane is None:
            raise ScannerUnavailable(self.name, "未安装 python-sane")
        try:
            sane.init()
            names = [d[0] for d in sane.get_devices()]
            if not names:
                raise ScannerUnavailable(self.name, "未检测到扫描仪，请检查连接和电源")
            dev = sane.open(self.device or names[0])
            try:
                dev.mode, dev.resolution = "color", 300
                images = list(dev.multi_scan()) if self.use_feeder else [dev.scan()]
            finally:
                dev.close()
        except ScannerUnavailable:
            raise
        except Exception as exc:  # noqa: BLE001 - _sane.error and friends carry no type
            raise DeviceError(f"SANE: {exc}", "扫描仪扫描失败，请检查纸张和连接后重试") from exc
        return [RawPage(img.convert("RGB"), 300.0, f"sane#{i}") for i, img in enumerate(images, 1)]


@dataclass(frozen=True)
class UvcCamera:
    """A UVC document camera (高拍仪) through OpenCV; MJPG set before the frame size.

    A camera has no dpi: the frame is taken to span an A4 width, as these cameras are
    mounted. Many expose two cameras (document and face): `index` picks one.
    """

    index: int = 0
    width: int = 3264
    height: int = 2448
    name: str = "高拍仪（UVC）"

    def status(self) -> AdapterStatus:
        if _optional("cv2") is None:
            return AdapterStatus(False, "未安装 OpenCV（pip install opencv-python-headless）")
        return AdapterStatus(True, "OpenCV 已安装")

    def acquire(self) -> list[RawPage]:
        cv2 = _optional("cv2")
        if cv2 is None:
            raise ScannerUnavailable(self.name, "未安装 OpenCV")
        capture = cv2.VideoCapture(self.index)
        try:
            if not capture.isOpened():
                raise ScannerUnavailable(self.name, "未检测到高拍仪，请检查USB连接")
            capture.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter_fourcc(*"MJPG"))
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
            ok, frame = capture.read()
        finally:
            capture.release()
        if not ok or frame is None:
            raise DeviceError("UVC: no frame", "高拍仪未返回图像，请重新拍摄")
        image = Image.fromarray(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
        return [RawPage(image, image.width / A4_WIDTH_IN, f"uvc:{self.index}")]


@dataclass(frozen=True)
class TwainScanner:
    """A TWAIN source through pytwain (Windows only; sources are often 32-bit)."""

    name: str = "扫描仪（TWAIN）"

    def status(self) -> AdapterStatus:
        if _optional("twain") is None:
            return AdapterStatus(False, "未安装 pytwain（仅 Windows：pip install pytwain）")
        return AdapterStatus(True, "TWAIN 已安装")

    def acquire(self) -> list[RawPage]:
        twain = _optional("twain")
        if twain is None:
            raise ScannerUnavailable(self.name, "未安装 pytwain")
        import io

        try:
            manager = twain.SourceManager(0)
            source = manager.open_source()
            source.request_acquire(show_ui=False, modal_ui=False)
            handle, _ = source.xfer_image_natively()
            data = twain.dib_to_bm_file(handle)
            image = Image.open(io.BytesIO(data)).convert("RGB")
        except Exception as exc:  # noqa: BLE001 - pytwain raises its own untyped errors
            raise DeviceError(f"TWAIN: {exc}", "扫描仪扫描失败，请检查扫描仪后重试") from exc
        return [RawPage(image, _dpi_of(image), "twain#1")]


def optional_adapters() -> tuple[ScannerAdapter, ...]:
    """The driver-backed adapters, each able to say whether it can work here."""
    return (SaneScanner(), UvcCamera(), TwainScanner())
