"""What every route depends on: the server context and the calling device.

Shared by the routers of `app` and of the feature modules (queue), so each can
declare `ctx: Ctx, dev: Dev` without importing the app.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from . import auth
from .auth import DeviceIdentity
from .context import ServerContext


def _context(request: Request) -> ServerContext:
    return request.app.state.ctx


_bearer = HTTPBearer(auto_error=False, description="设备令牌（注册时获得）")


def _authorization(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)] = None,
) -> str | None:
    return f"{credentials.scheme} {credentials.credentials}" if credentials else None


def _device(request: Request, authorization: Annotated[str | None, Depends(_authorization)]) -> DeviceIdentity:
    """Every route but enrol and health needs an enrolled, unrevoked device."""
    return auth.authenticate(request.app.state.ctx.sessions, authorization)


Ctx = Annotated[ServerContext, Depends(_context)]
Dev = Annotated[DeviceIdentity, Depends(_device)]
# The device's credentials unchecked, for a route that checks them in its own transaction
# (`auth.identify`): the pull.
Authorization = Annotated[str | None, Depends(_authorization)]
