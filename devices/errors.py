"""Typed device errors: `str(err)` is precise English for the log, `.message` is for the clerk.

The UI shows `.message` as it is, so every message says what happened and what to do.
"""

from __future__ import annotations


class DeviceError(Exception):
    """Base of every device failure; never let a raw USBError reach the UI."""

    def __init__(self, detail: str, message: str = "设备通信异常，请检查连接后重试") -> None:
        super().__init__(detail)
        self.message = message


class NoBackend(DeviceError):
    """pyusb found no libusb library on this machine."""

    def __init__(self, detail: str = "no usable pyusb backend (libusb not installed)") -> None:
        super().__init__(detail, "本机缺少USB驱动库（libusb），请联系管理员安装后重启程序")


class DeviceNotFound(DeviceError):
    """The device is not plugged in, or was unplugged while in use."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(detail or f"{kind}: device not found", f"未检测到{kind}，请检查USB连接")
        self.kind = kind


class DeviceTimeout(DeviceError):
    """The device took the request but did not answer in time."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(detail or f"{kind}: timed out", f"{kind}无响应，请检查设备电源和连接后重试")
        self.kind = kind


class DevicePermissionDenied(DeviceError):
    """The OS refuses access: on Linux a udev rule is missing, on Windows WinUSB is not bound."""

    def __init__(self, kind: str, vid: int, pid: int, detail: str = "") -> None:
        self.udev_rule = (
            f'SUBSYSTEM=="usb", ATTRS{{idVendor}}=="{vid:04x}", '
            f'ATTRS{{idProduct}}=="{pid:04x}", MODE="0660", GROUP="plugdev"'
        )
        super().__init__(
            detail or f"{kind}: access denied to USB device {vid:04x}:{pid:04x}",
            f"没有访问{kind}的权限。请管理员在 /etc/udev/rules.d/ 中添加规则 "
            f"{self.udev_rule}，然后重新插拔设备（Windows 请用 Zadig 安装 WinUSB 驱动）",
        )
        self.kind = kind


class PaperOut(DeviceError):
    """The receipt printer reports paper end; nothing was sent."""

    def __init__(self, detail: str = "printer reports paper end") -> None:
        super().__init__(detail, "打印机缺纸，请装入热敏纸后重新打印")


class PrinterNotReady(DeviceError):
    """The receipt printer is offline or its cover is open; nothing was sent."""

    def __init__(self, detail: str = "printer offline or cover open") -> None:
        super().__init__(detail, "打印机未就绪，请合上纸仓盖并确认打印机已开机")


class CardReadError(DeviceError):
    """The card was found but could not be read, usually because it moved."""

    def __init__(self, detail: str = "ID card read failed") -> None:
        super().__init__(detail, "读卡失败，请将身份证拿起后重新放置")


class FrameError(DeviceError):
    """A reader frame is malformed (preamble, length or checksum)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, "身份证阅读器通信异常，请将身份证拿起后重新放置")


class FrameChecksumError(FrameError):
    """The XOR checksum of a frame does not match."""


class FrameLengthError(FrameError):
    """The LEN field of a frame does not match the bytes received."""


class SamError(DeviceError):
    """The reader's security module answered with a failure status."""

    def __init__(self, sw3: int, detail: str = "") -> None:
        super().__init__(
            detail or f"SAM status SW3=0x{sw3:02X}",
            "身份证阅读器安全模块异常，请重新插拔阅读器；仍不行请联系管理员",
        )
        self.sw3 = sw3


class UnsupportedCardType(DeviceError):
    """The text block carries a card-type flag this client cannot decode."""

    def __init__(self, flag: str) -> None:
        super().__init__(
            f"unsupported card type flag {flag!r}",
            f"此类证件（类型标识 {flag or '空'}）暂不支持自动读取，请手工录入证件信息",
        )
        self.flag = flag


class PhotoUnavailable(DeviceError):
    """No WLT photo decoder is installed, or the vendor decoder refused the blob."""

    def __init__(self, detail: str = "no WLT decoder installed") -> None:
        super().__init__(detail, "未安装身份证照片解码组件，照片暂不能显示；证件信息不受影响")


class SerialPermissionDenied(DeviceError):
    """The serial port exists but this user may not open it (Linux: not in dialout)."""

    def __init__(self, kind: str, port: str, detail: str = "") -> None:
        super().__init__(
            detail or f"{kind}: access denied to {port}",
            f"没有访问{kind}串口 {port} 的权限，请管理员将当前用户加入 dialout 组后重新登录",
        )
        self.kind = kind
        self.port = port
