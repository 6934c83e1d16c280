"""`onewindow`: the clerk's program and its administration subcommands.

The CLI only parses arguments and calls the library; each subcommand lives in its
own module under `client.commands`. With no subcommand it starts the demo.
"""

from __future__ import annotations

import argparse
import logging
import sys

from client import file_modes


def build_parser() -> argparse.ArgumentParser:
    from client.commands import register_all
    from client.domain.release import release

    parser = argparse.ArgumentParser(prog="onewindow", description="一窗通 综合窗口受理系统")
    parser.add_argument("--version", action="version", version=f"onewindow {release()}")
    parser.add_argument("-v", "--verbose", action="store_true", help="verbose log on stderr")
    register_all(parser.add_subparsers(dest="command"))
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if args.command is None:
        args = parser.parse_args(["demo", *(argv or [])])
    if argv is None:  # the program itself (not a caller embedding it): its files are private
        file_modes.restrict_new_files()  # notices, logs, the store: 0600 files in 0700 folders
    try:
        return args.handler(args)
    except Exception as exc:  # a ServiceError, the keyring, a full disk: say it plainly
        message = getattr(exc, "message", None)
        if not message:
            raise
        logging.getLogger("onewindow").warning("%s", exc)
        print(message, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
