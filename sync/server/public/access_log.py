"""Keep the public pages' tokens out of the access log.

The token in /p/<token> is the capability to read a case's progress and rate it, so a line of
uvicorn's access log must not carry it: the path is logged as /p/<token>.
"""

from __future__ import annotations

import logging

ACCESS_LOGGER = "uvicorn.access"
SHOWN = "/p/<token>"


class TokenRedactor(logging.Filter):
    """Rewrites the path argument of uvicorn's access records under /p/."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str) and args[2].startswith("/p/"):
            if not args[2].startswith("/p/static/"):
                record.args = (*args[:2], SHOWN, *args[3:])
        return True


def redact_tokens() -> None:
    """Install the filter on uvicorn's access logger once per process."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, TokenRedactor) for f in logger.filters):
        logger.addFilter(TokenRedactor())
