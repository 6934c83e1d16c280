"""`onewindow notice kinds|sample`: sample notices for an office checking its templates."""

from __future__ import annotations

import io
import json

import pdfplumber
import pytest

from client.cli import main
from reports.samples import sample_kinds


def _text(path) -> str:
    with pdfplumber.open(io.BytesIO(path.read_bytes())) as doc:
        return "".join(page.extract_text() for page in doc.pages).replace("\n", "")


def test_kinds_lists_every_sample_with_its_chinese_name(capsys):
    assert main(["notice", "kinds"]) == 0
    out = capsys.readouterr().out
    assert [line.split()[0] for line in out.splitlines()] == list(sample_kinds())
    assert "refusal" in out and "不予受理通知书" in out


def test_sample_writes_the_notice_to_the_given_file(capsys, tmp_path):
    out = tmp_path / "check" / "refusal.pdf"
    assert main(["notice", "sample", "refusal", "--out", str(out)]) == 0
    assert "已生成不予受理通知书样张" in capsys.readouterr().out
    text = _text(out)
    assert "不予受理通知书" in text and "行政复议" in text


def test_sample_defaults_to_a_chinese_file_name_in_the_current_folder(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["notice", "sample", "acceptance"]) == 0
    assert "受理通知书" in _text(tmp_path / "样张-受理通知书.pdf")


def test_sample_prints_the_offices_own_template_changes(capsys, tmp_path):
    update = tmp_path / "office.json"
    update.write_text(json.dumps({"office": {"name": "寿光市行政审批服务局"}}, ensure_ascii=False), "utf-8")
    out = tmp_path / "a.pdf"
    assert main(["notice", "sample", "acceptance", "--templates", str(update), "--out", str(out)]) == 0
    assert "寿光市行政审批服务局" in _text(out)


@pytest.mark.parametrize(
    "content, message",
    [
        ('{"office": {"nam": "x"}}', "文书模板机关字段未知：nam"),
        ("{oops", "模板文件不是有效的 JSON"),
    ],
)
def test_bad_template_file_is_refused_in_chinese(capsys, tmp_path, content, message):
    update = tmp_path / "t.json"
    update.write_text(content, "utf-8")
    assert main(["notice", "sample", "acceptance", "--templates", str(update), "--out", str(tmp_path / "a.pdf")]) == 1
    assert message in capsys.readouterr().err
    assert not (tmp_path / "a.pdf").exists()


def test_unknown_kind_lists_the_kinds(capsys, tmp_path):
    assert main(["notice", "sample", "licence", "--out", str(tmp_path / "x.pdf")]) == 1
    err = capsys.readouterr().err
    assert "没有这种文书：licence" in err and "conclusion" in err
