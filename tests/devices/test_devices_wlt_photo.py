"""The WLT photo stays opaque; a decoder is plugged in, and its absence is a clear state."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from PIL import Image

from devices import photo
from devices.errors import PhotoUnavailable


@dataclass(frozen=True)
class FakeVendorDecoder:
    """Stands in for WltRS.dll: returns a 102×126 24-bit BMP of the vendor's exact size."""

    def decode(self, wlt: bytes) -> bytes:
        out = io.BytesIO()
        Image.new("RGB", (photo.PHOTO_WIDTH, photo.PHOTO_HEIGHT), (200, 180, 160)).save(out, "BMP")
        return out.getvalue()


def test_fake_vendor_bmp_has_the_documented_size():
    assert len(FakeVendorDecoder().decode(b"WLT")) == photo.BMP_SIZE


def test_plugged_decoder_gives_png():
    png = photo.photo_png(b"WLT" + bytes(1021), FakeVendorDecoder())
    with Image.open(io.BytesIO(png)) as image:
        assert (image.format, image.size) == ("PNG", (102, 126))


def test_no_decoder_is_a_clear_state():
    with pytest.raises(PhotoUnavailable) as err:
        photo.photo_png(bytes(1024), photo.decoder_for(None))
    assert err.value.message.startswith("未安装身份证照片解码组件")


def test_missing_vendor_library_is_not_a_crash(tmp_path):
    decoder = photo.decoder_for(str(tmp_path / "libwlt2bmp.so"))
    with pytest.raises(PhotoUnavailable):
        decoder.decode(bytes(1024))
