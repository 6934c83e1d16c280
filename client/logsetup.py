"""The program's log: precise English lines in a rotating file the clerk can export.

The window shows plain Chinese; the log keeps what support needs to find the cause.
"""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"


def log_file(data_dir: Path) -> Path:
    return Path(data_dir) / "logs" / "onewindow.log"


def configure_file_log(data_dir: Path, level: int = logging.INFO) -> Path:
    """Add a rotating file handler (5 × 2 MB) to the root logger; returns the file path."""
    path = log_file(data_dir)
    root = logging.getLogger()
    for handler in root.handlers:
        if isinstance(handler, logging.handlers.RotatingFileHandler) and Path(handler.baseFilename) == path:
            return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=5, encoding="utf-8")
    except OSError as exc:  # read-only or full disk: keep running without a file log
        logging.getLogger(__name__).warning("no log file at %s: %s", path, exc)
        return path
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.setLevel(level)
    root.addHandler(handler)
    if root.level > level or root.level == logging.NOTSET:
        root.setLevel(level)
    return path
