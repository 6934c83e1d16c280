"""Request bodies as pieces, whichever way they are read.

Routes that stream a large body (scan uploads) take `BodyPiece`s: from the ordinary ASGI
`request.stream()`, or, when the server runs `direct_body.DirectBodyProtocol`, from a
`DirectBody` found under `scope["extensions"][DIRECT_BODY]` that receives straight into
reusable buffers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from starlette.requests import Request

DIRECT_BODY = "onewindow.direct_body"


def _keep(_future: object = None) -> None:
    """Release of a piece that owns its bytes."""


@dataclass(frozen=True)
class BodyPiece:
    """Bytes of the body in arrival order. `release` (any thread, once) gives the buffer
    back for the next read; until then the bytes must not be kept beyond the call."""

    data: bytes | memoryview
    release: Callable[..., None] = _keep


async def request_pieces(request: Request) -> AsyncIterator[BodyPiece]:
    """The ordinary ASGI path, for servers without the direct body."""
    async for chunk in request.stream():
        if chunk:
            yield BodyPiece(chunk)
