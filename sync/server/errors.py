"""Errors the API answers with an `ErrorBody` (Chinese message for the clerk)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


class ApiError(Exception):
    """An HTTP answer other than success; `message` is shown to the clerk."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(f"{status} {code}")
        self.status, self.code, self.message = status, code, message
        self.headers = dict(headers or {})


class Rejection(Exception):
    """A pushed event the server refuses for good; `reason` is shown to the clerk."""

    def __init__(self, code: str, reason: str):
        super().__init__(code)
        self.code, self.reason = code, reason


def error_paths(errors: Iterable[Mapping[str, Any]]) -> str:
    """What a validation error may say in the log: each field's path and error type, never
    the rejected value (pydantic's own text quotes it: an ID number, a name)."""
    return (
        "; ".join(
            f"{'.'.join(str(part) for part in error.get('loc', ())) or '.'}: {error.get('type', '?')}"
            for error in errors
        )
        or "-"
    )
