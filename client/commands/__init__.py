"""Subcommands of `onewindow`, one module each, discovered at start-up.

A module here defines `register(subparsers)`, which adds its parser(s) and sets
`handler=<function(args) -> int>` on them. Modules only parse and call the library.
"""

from __future__ import annotations

import importlib
import pkgutil


def register_all(subparsers) -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        module.register(subparsers)
