"""Errors the reports package raises: `.message` is what the clerk reads."""

from __future__ import annotations


class ReportError(Exception):
    """Base error: str() is precise English for logs, `.message` Chinese for the clerk."""

    def __init__(self, detail: str, message: str) -> None:
        super().__init__(detail)
        self.message = message


class FontMissing(ReportError):
    """No usable TrueType CJK font is installed, so no notice can be printed."""
