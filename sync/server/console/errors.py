"""What a console route raises instead of answering: a Chinese error page, or the sign-in page."""

from __future__ import annotations


class ConsoleError(Exception):
    """Refused: shown as an HTML page with `message`, nothing changed."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class ViewRefused(Exception):
    """A page the person may not read, or a parameter out of bounds: `message` is shown as it
    is; `detail` (codes only, no citizen's data) goes to the audit."""

    def __init__(self, status: int, message: str, detail: str = ""):
        super().__init__(detail or message)
        self.status = status
        self.message = message
        self.detail = detail


class SignInRequired(Exception):
    """No live session: go to the sign-in page; `reason` picks its message (see signin.NOTES)."""

    def __init__(self, reason: str = ""):
        super().__init__(reason)
        self.reason = reason
