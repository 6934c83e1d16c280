"""What the counter refuses, and that refusing never loses what was entered."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from client.domain.identity import Applicant
from client.services.errors import ServiceError
from client.services.intake import IntakeDraft, MaterialInput
from client.store.models import Case, OutboxEntry


@pytest.fixture
def logged_in(enrolled_runtime, live_server):
    return enrolled_runtime.services, enrolled_runtime.services.auth.login(live_server.clerk, live_server.password)


def _draft(services, id_number="34052419800101001X", ticked=True, name="李建国"):
    matter = services.intake.search("食品经营")[0]
    mats = tuple(MaterialInput(s.code, ticked and s.necessity == "required") for s in matter.materials)
    return IntakeDraft(Applicant(name, "身份证", id_number), matter.code, mats)


def test_missing_required_materials_are_named_and_nothing_is_stored(logged_in, enrolled_runtime):
    services, clerk = logged_in
    with pytest.raises(ServiceError) as err:
        services.intake.accept(_draft(services, ticked=False), clerk)
    assert "食品经营许可申请书" in err.value.message and "营业执照" in err.value.message
    with enrolled_runtime.store.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0
        assert s.scalar(select(func.count()).select_from(OutboxEntry)) == 0


def test_bad_id_number_and_missing_name_are_refused(logged_in):
    services, clerk = logged_in
    with pytest.raises(ServiceError, match="校验位错误"):
        services.intake.accept(_draft(services, id_number="340524198001010010"), clerk)
    with pytest.raises(ServiceError, match="出生日期不存在"):
        services.intake.accept(_draft(services, id_number="34052419800231001X"), clerk)
    with pytest.raises(ServiceError, match="姓名"):
        services.intake.accept(_draft(services, name="  "), clerk)


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("scan.docx", b"PK\x03\x04", "不支持的文件类型"),
        ("empty.jpg", b"", "空文件"),
    ],
)
def test_bad_scan_files_get_a_clear_message(tmp_path, logged_in, name, content, message):
    services, _ = logged_in
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ServiceError, match=message):
        services.intake.import_page(path)


def test_missing_scan_file_is_reported_not_raised_raw(tmp_path, logged_in):
    services, _ = logged_in
    with pytest.raises(ServiceError, match="无法读取文件"):
        services.intake.import_page(tmp_path / "gone.jpg")


def test_case_numbers_are_sequential_per_device_and_day(logged_in):
    services, clerk = logged_in
    first = services.intake.accept(_draft(services), clerk)
    second = services.intake.accept(_draft(services), clerk)
    assert first.case_no[:-4] == second.case_no[:-4]
    assert int(second.case_no[-4:]) == int(first.case_no[-4:]) + 1
    assert first.notice_no != second.notice_no
