"""The approvers' command line on a temporary database."""

from __future__ import annotations

import io

import pytest

from client.domain.case_numbers import format_case_no
from sync.server import admin, cli, config


def test_decide_approve_prints_confirmation(complete_case, capsys):
    db = complete_case.device.server.db_url
    code = cli.main(
        [
            "decide",
            format_case_no(complete_case.case_no),
            "approve",
            "--db",
            db,
            "--by",
            "approver01",
            "--result-no",
            "潍城审批〔2026〕1号",
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "审批通过" in out and "营业执照" in out and "潍城审批〔2026〕1号" in out
    [row] = admin.list_cases(db)
    assert row.status == "approved" and row.decided_by == "approver01"


def test_decide_errors_go_to_stderr(complete_case, capsys):
    db = complete_case.device.server.db_url
    assert cli.main(["decide", complete_case.case_no, "deny", "--db", db]) == 1
    assert "理由" in capsys.readouterr().err
    assert cli.main(["decide", "370702000000202601019ZZZ0001", "approve", "--db", db]) == 1
    assert "没有找到办件" in capsys.readouterr().err


def test_init_demo_and_cases(tmp_path, capsys):
    db = f"sqlite:///{(tmp_path / 'cli.sqlite').as_posix()}"
    assert cli.main(["init-demo", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "设备注册码" in out and "clerk01" in out and "approver01" in out
    assert cli.main(["init-demo", "--db", db]) == 0  # idempotent
    assert cli.main(["cases", "--db", db]) == 0
    assert "共 0 件" in capsys.readouterr().out


def test_admin_commands(tmp_path, capsys, monkeypatch):
    db = f"sqlite:///{(tmp_path / 'cli.sqlite').as_posix()}"
    monkeypatch.setattr("sys.stdin", io.StringIO("Qingzhou-2026!\n" * 2))
    assert cli.main(["org-add", "370781", "青州市政务服务中心", "--region", "370781000000", "--db", db]) == 0
    assert cli.main(["user-add", "370781", "clerk09", "赵敏", "--password-stdin", "--db", db]) == 0
    assert cli.main(["enrol-code", "370781", "--db", db]) == 0
    assert "设备注册码" in capsys.readouterr().out
    assert cli.main(["user-add", "370781", "clerk09", "赵敏", "--password-stdin", "--db", db]) == 1
    assert "已存在" in capsys.readouterr().err
    assert cli.main(["revoke", "nope", "--db", db]) == 1


def test_default_locations_follow_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(config.DB_ENV, f"sqlite:///{tmp_path}/x/server.sqlite")
    monkeypatch.delenv(config.BLOBS_ENV, raising=False)
    assert config.default_db_url().endswith("/x/server.sqlite")
    assert config.default_blob_dir() == tmp_path / "x" / "blobs"
    monkeypatch.setenv(config.BLOBS_ENV, str(tmp_path / "b"))
    assert config.default_blob_dir() == tmp_path / "b"


@pytest.mark.parametrize("argv", [["--help"], ["decide", "--help"]])
def test_help(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 0
