"""Text the databases cannot hold, refused where a request's JSON is decoded.

PostgreSQL's text and jsonb cannot hold U+0000, and neither database driver can encode a
lone UTF-16 surrogate (JSON's `"\\ud800"`), so such a string would fail deep inside a
write: a 500, or an event answered `retry` for ever. One check on the decoded request
answers 400 instead, for every route at once; the events of a push are the exception:
each event is checked on its own (`events`), so one bad event is `rejected` and the rest
of the batch goes through. Only an event id that cannot be echoed in the answer refuses
the whole push.
"""

from __future__ import annotations

import logging
import re

from fastapi import Request
from fastapi.routing import APIRoute

from sync import protocol

from .errors import ApiError

log = logging.getLogger(__name__)

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")  # json.loads joins valid pairs: what is left is lone
PUSH_PATH = f"{protocol.API}/events"  # its events' payloads are checked one by one
_JSON_KINDS = ("application/json",)


def storable(text: str) -> bool:
    return _UNSTORABLE.search(text) is None


def unstorable_at(value: object, where: str = "") -> str | None:
    """The path of the first string (a key or a value) in a decoded JSON value that the
    databases cannot hold, or None. Iterative: a deeply nested body cannot exhaust the stack."""
    stack: list[tuple[str, object]] = [(where, value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            if not storable(item):
                return path or "."
        elif isinstance(item, dict):
            for key, inner in item.items():
                if isinstance(key, str) and not storable(key):
                    return f"{path}.<key>"
                stack.append((f"{path}.{key}" if storable(str(key)) else path, inner))
        elif isinstance(item, list):
            stack.extend((f"{path}[{i}]", inner) for i, inner in enumerate(item))
    return None


def _answer_keys(body: object) -> object:
    """What of a push is checked whole: all but its events, and of each event only its id,
    which keys the event's answer. The rest of an event is checked with the event, so one
    bad event is `rejected` and the others of the batch are applied."""
    if not isinstance(body, dict) or not isinstance(body.get("events"), list):
        return body
    events = [
        {k: v for k, v in event.items() if k == "event_id"} if isinstance(event, dict) else event
        for event in body["events"]
    ]
    return {**body, "events": events}


async def refuse_unstorable_text(request: Request) -> None:
    """An app-wide dependency: 400 for a NUL or lone surrogate in the path, the query or the
    JSON body. The body was decoded by FastAPI already (Request caches it): no second parse."""
    problem = unstorable_at(dict(request.query_params), "query") or unstorable_at(request.path_params, "path")
    route = request.scope.get("route")
    if problem is None and isinstance(route, APIRoute) and route.body_field is not None and _is_json(request):
        try:
            body = await request.json()
        except ValueError:
            return  # not JSON after all: the route's own validation answers
        if route.path == PUSH_PATH:
            body = _answer_keys(body)
        problem = unstorable_at(body, "body")
    if problem is not None:
        log.info("%s %s refused: unstorable text at %s", request.method, request.url.path, problem)
        raise ApiError(400, "invalid_value", "请求中含有无法保存的字符（如空字符或不成对的代理字符），请检查后重试")


def _is_json(request: Request) -> bool:
    """What FastAPI decodes as JSON: no content type, or application/json or */*+json."""
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return not kind or kind in _JSON_KINDS or (kind.startswith("application/") and kind.endswith("+json"))
