"""`onewindow` subcommands: discovered, and failing with plain Chinese."""

from __future__ import annotations

import pytest

from client.cli import build_parser, main


def test_every_command_module_registers_its_subcommands():
    choices = build_parser()._subparsers._group_actions[0].choices
    assert {"demo", "run", "enrol", "sync"} <= set(choices)


def test_both_programs_print_the_installed_version(capsys):
    from importlib import metadata

    from sync.server import cli as server_cli

    installed = metadata.version("onewindow")
    for entry, name in ((main, "onewindow"), (server_cli.main, "onewindow-server")):
        with pytest.raises(SystemExit) as done:
            entry(["--version"])
        assert done.value.code == 0
        assert capsys.readouterr().out.strip() == f"{name} {installed}"


def test_sync_on_an_unenrolled_machine_says_what_to_do(tmp_path, capsys):
    assert main(["sync", "--data-dir", str(tmp_path)]) == 1
    assert "尚未登记" in capsys.readouterr().out


def test_enrol_with_a_wrong_code_is_refused_in_chinese(tmp_path, capsys, live_server):
    assert main(["enrol", "--server", live_server.url, "--code", "WRONG123", "--data-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "码不存在" in err


def test_demo_without_a_display_exits_with_the_hint(monkeypatch, capsys):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert main(["demo"]) == 2
    assert "xvfb-run make run" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["run", "--data-dir"]])
def test_bad_arguments_exit_with_usage(argv):
    with pytest.raises(SystemExit):
        main(argv)
