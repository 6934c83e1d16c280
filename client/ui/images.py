"""PNG bytes from services turned into images a label can show."""

from __future__ import annotations

import io

import customtkinter as ctk
from PIL import Image


def png_image(data: bytes, max_w: int, max_h: int) -> ctk.CTkImage:
    img = Image.open(io.BytesIO(data))
    img.load()
    scale = min(max_w / img.width, max_h / img.height, 1.0)
    size = (max(1, int(img.width * scale)), max(1, int(img.height * scale)))
    return ctk.CTkImage(light_image=img, dark_image=img, size=size)
