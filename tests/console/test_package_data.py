"""The console's templates and stylesheet ship in the package, so a non-editable install serves them."""

from __future__ import annotations

import configparser
import fnmatch
from pathlib import Path

from sync.server.console.pages import STATIC_DIR, TEMPLATES_DIR

ROOT = Path(__file__).resolve().parents[2]
CONSOLE = STATIC_DIR.parent


def test_every_template_and_static_file_is_named_in_package_data():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg", encoding="utf-8")
    patterns = [p.strip() for p in config["options.package_data"]["sync.server.console"].split(",")]
    files = [f for folder in (TEMPLATES_DIR, STATIC_DIR) for f in folder.rglob("*") if f.is_file()]
    assert {f.name for f in files} >= {"base.html", "login.html", "home.html", "error.html", "console.css"}
    unshipped = [
        f.relative_to(CONSOLE).as_posix()
        for f in files
        if not any(fnmatch.fnmatch(f.relative_to(CONSOLE).as_posix(), p) for p in patterns)
    ]
    assert unshipped == []
