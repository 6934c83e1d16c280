"""Form posts read with a bound: an urlencoded body of at most `max_form_bytes`, fields as text.

The console's forms are small; reading one with a limit (declared length first, then the
bytes as they arrive) keeps a huge or endless body from filling the server's memory.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request

from .errors import ConsoleError

_MAX_FIELDS = 50
TOO_LARGE = "提交的内容过多，请检查后重新提交"


async def read_form(request: Request, limit: int) -> dict[str, str]:
    """The first value of each field of an `application/x-www-form-urlencoded` post (the body
    of any other kind is left unread)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ConsoleError(413, TOO_LARGE)
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        return {}  # not one of our forms: no fields, so no form token, and the CSRF check refuses it
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise ConsoleError(413, TOO_LARGE)
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=_MAX_FIELDS)
    except (UnicodeDecodeError, ValueError):
        raise ConsoleError(400, "提交的内容含有无法识别的字符，请检查后重新提交") from None
    fields: dict[str, str] = {}
    for name, value in pairs:
        fields.setdefault(name, value)
    return fields
