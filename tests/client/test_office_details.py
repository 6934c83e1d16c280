"""The office's phone and progress-query address come from one place: the office templates
the back office publishes, over the local office.toml of a machine that has not synced yet."""

from __future__ import annotations

import json

import pdfplumber
import pytest

from client.app import ClientConfig, build_runtime
from client.domain.identity import Applicant
from client.services.intake import IntakeDraft, MaterialInput
from client.services.published import OFFICE_FILE, read_office_file
from client.store.models import Case
from sync.server import publishing

LOCAL_PHONE = "0536-8111222"
LOCAL_URL = "https://zwfw.weicheng.example.cn/p/"
PUBLISHED_PHONE = "0536-8999000"
PUBLISHED_URL = "https://zwfw.weifang.example.cn/public/p/"
PUBLISHED_ADDRESS = "潍坊市潍城区胜利西街8号政务服务大厅二楼"


@pytest.fixture
def office_runtime(tmp_path, live_server, virtual_devices):
    """A counter machine whose data folder holds an office.toml before it first starts."""
    data_dir = tmp_path / "client"
    data_dir.mkdir()
    (data_dir / OFFICE_FILE).write_text(
        f'# 本窗口办公信息\n[office]\nphone = "{LOCAL_PHONE}"\nquery_url = "{LOCAL_URL}"\n', encoding="utf-8"
    )
    runtime = build_runtime(ClientConfig(data_dir=data_dir, demo=True), virtual=virtual_devices)
    runtime.enrolment.enrol(live_server.url, live_server.enrol_code, "测试窗口")
    yield runtime
    runtime.close()


def _accept(services, clerk):
    matter = services.intake.matter("370702-XK-0001")
    draft = IntakeDraft(
        Applicant("李建国", "身份证", "34052419800101001X"),
        matter.code,
        tuple(MaterialInput(m.code, True) for m in matter.materials),
    )
    result = services.intake.submit(draft, clerk)
    assert result.printed and result.notice_pdf is not None, result.paper_error
    return result


def _token(runtime, case_id: str) -> str:
    with runtime.store.sessions() as s:
        token = s.get(Case, case_id).public_token
    assert token and len(token) >= 22
    return token


def _notice_text(path) -> str:
    with pdfplumber.open(path) as pdf:
        return "".join((page.extract_text() or "") for page in pdf.pages).replace("\n", "")


@pytest.mark.own_back_office  # the office templates are published for every org unit
def test_published_office_details_reach_the_next_receipt_and_notice(office_runtime, live_server, virtual_devices):
    services = office_runtime.services
    clerk = services.auth.login(live_server.clerk, live_server.password)

    # Not synced with any publication yet: the local settings file is in force.
    before = _accept(services, clerk)
    receipt = virtual_devices.printer.last_receipt()
    assert f"咨询电话：{LOCAL_PHONE}" in receipt.text.replace(" ", "")
    # The case's public page: the office's address with the case's token, never its number.
    token = _token(office_runtime, before.case_id)
    assert receipt.qr_codes == (LOCAL_URL + token,) and before.case_no not in receipt.qr_codes[0]
    text = _notice_text(before.notice_pdf)
    assert LOCAL_PHONE in text and LOCAL_URL + token in text

    update = {"office": {"phone": PUBLISHED_PHONE, "query_url": PUBLISHED_URL, "address": PUBLISHED_ADDRESS}}
    publishing.publish_template(
        live_server.db_url, "office", "2026-12", json.dumps(update, ensure_ascii=False), by="admin"
    )
    assert services.sync.sync_now().error == ""

    after = _accept(services, clerk)
    receipt = virtual_devices.printer.last_receipt()
    flat = receipt.text.replace(" ", "")
    assert f"咨询电话：{PUBLISHED_PHONE}" in flat and LOCAL_PHONE not in flat
    token = _token(office_runtime, after.case_id)
    assert receipt.qr_codes == (PUBLISHED_URL + token,)
    text = _notice_text(after.notice_pdf)
    assert PUBLISHED_PHONE in text and PUBLISHED_URL + token in text
    assert LOCAL_PHONE not in text and LOCAL_URL not in text
    assert services.paperwork.templates().office.address == PUBLISHED_ADDRESS


def test_a_bad_office_file_is_named_on_the_home_banner_and_ignored(tmp_path, live_server, virtual_devices):
    data_dir = tmp_path / "client"
    data_dir.mkdir()
    (data_dir / OFFICE_FILE).write_text('[office]\nphone = "0536-1"\nfax = "0536-2"\n', encoding="utf-8")
    runtime = build_runtime(ClientConfig(data_dir=data_dir, demo=True), virtual=virtual_devices)
    try:
        readiness = runtime.services.readiness
        assert readiness is not None
        warnings = readiness.check().warnings
        assert any("办公信息文件含未知项 fax" in w for w in warnings), warnings
        builtin = runtime.services.paperwork.templates().office
        assert builtin.phone != "0536-1"  # nothing of a rejected file is used
    finally:
        runtime.close()


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("phone = 1\n", "缺少 [office] 一节"),
        ("[office\n", "格式错误"),
        ("[office]\nphone = 5368230000\n", "带引号的文字"),
    ],
)
def test_office_file_problems_are_explained_in_chinese(tmp_path, content, problem):
    path = tmp_path / OFFICE_FILE
    path.write_text(content, encoding="utf-8")
    found = read_office_file(path)
    assert found.office == {} and problem in found.problem


def test_no_office_file_is_no_problem(tmp_path):
    found = read_office_file(tmp_path / OFFICE_FILE)
    assert found.office == {} and found.problem == ""


def test_office_init_writes_a_file_the_window_reads_and_show_checks_it(tmp_path, capsys):
    from client.cli import main

    data = ["--data-dir", str(tmp_path / "data")]
    assert main(["office", "init", "--phone", LOCAL_PHONE, "--query-url", LOCAL_URL, *data]) == 0
    found = read_office_file(tmp_path / "data" / OFFICE_FILE)
    assert found.problem == "" and found.office == {"phone": LOCAL_PHONE, "query_url": LOCAL_URL}
    assert main(["office", "init", "--phone", "0536-1", *data]) == 1  # never overwritten by accident
    capsys.readouterr()
    assert main(["office", "show", *data]) == 0
    out = capsys.readouterr().out
    assert f"咨询电话：{LOCAL_PHONE}    [office.toml]" in out and "行政复议机关：" in out
    (tmp_path / "data" / OFFICE_FILE).write_text("[office]\nfax = '1'\n", encoding="utf-8")
    assert main(["office", "show", *data]) == 1
    assert "未知项 fax" in capsys.readouterr().err
