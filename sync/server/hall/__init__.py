"""The hall's calling display (叫号显示屏): a page for the big screen, fed by server-sent events.

A sub-application mounted at /hall, outside the API's schema: the page at
`/hall/<org>/display` (a display key per hall, see `keys`), its event stream, the chime
and any clips the hall recorded. See docs/hall-display.md.
"""

from __future__ import annotations

from fastapi import FastAPI

from ..context import ServerContext
from .feed import HallLimits
from .keys import UnknownHall, set_display_key
from .pages import PREFIX, build, voice_dir_from_env

__all__ = ["PREFIX", "HallLimits", "UnknownHall", "install", "set_display_key"]


def install(app: FastAPI, ctx: ServerContext | None, limits: HallLimits | None = None) -> None:
    app.mount(PREFIX, build(ctx, limits or HallLimits(), voice_dir_from_env()), name="hall")
