"""Errors the API answers with an `ErrorBody` (Chinese message for the clerk)."""

from __future__ import annotations


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
