"""`onewindow catalog import|export|search|guide` against a data folder of its own."""

from __future__ import annotations

import io
import json

import pdfplumber
import pytest

from client.cli import main
from client.domain.catalog import load_sample_catalog


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def data(tmp_path):
    return ["--data-dir", str(tmp_path / "data")]


@pytest.fixture
def newer_catalog(tmp_path):
    """The sample catalog re-published as the office's own version with one matter renamed."""
    body = load_sample_catalog().to_dict()
    body["version"] = "2027.01-1"
    body["office_name"] = "潍坊市潍城区政务服务中心"
    body["matters"][1]["name"] = "食品经营许可（含小餐饮）"
    path = tmp_path / "office.json"
    path.write_text(json.dumps(body, ensure_ascii=False), "utf-8")
    return path


def test_export_without_an_import_gives_the_shipped_catalog(capsys, data):
    code, out, _ = _run(capsys, "catalog", "export", *data)
    assert code == 0
    assert json.loads(out) == load_sample_catalog().to_dict()


def test_import_stores_the_catalog_and_search_export_and_guide_use_it(capsys, data, newer_catalog, tmp_path):
    code, out, _ = _run(capsys, "catalog", "import", str(newer_catalog), *data)
    assert code == 0
    assert "版本 2027.01-1" in out and "50个事项、5个一件事" in out
    stored = tmp_path / "data" / "catalog" / "catalog.json"
    assert json.loads(stored.read_text("utf-8"))["version"] == "2027.01-1"
    code, out, _ = _run(capsys, "catalog", "search", "食品经营", *data)
    assert code == 0 and "食品经营许可（含小餐饮）  370702-XK-0002" in out
    code, out, _ = _run(capsys, "catalog", "guide", "370702-XK-0002", *data)
    assert out.startswith("潍坊市潍城区政务服务中心\n") and "（事项清单版本 2027.01-1）" in out
    exported = tmp_path / "out" / "catalog.json"
    code, out, _ = _run(capsys, "catalog", "export", "--out", str(exported), *data)
    assert code == 0 and str(exported) in out
    assert json.loads(exported.read_text("utf-8"))["matters"][1]["name"] == "食品经营许可（含小餐饮）"


def test_invalid_catalog_lists_every_problem_in_chinese_and_is_not_stored(capsys, data, tmp_path):
    body = load_sample_catalog().to_dict()
    body["version"] = "bad-1"
    body["matters"][0]["handling"] = "someday"
    body["matters"][1]["legal_unit"] = "YEARS"
    body["bundles"][0]["matters"].append("370702-XK-9999")
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(body, ensure_ascii=False), "utf-8")
    code, _, err = _run(capsys, "catalog", "import", str(path), *data)
    assert code == 1
    assert "校验未通过（3处问题）" in err
    assert "事项“个体工商户设立登记”（370702-XK-0001）：办件类型应为即办件或承诺件" in err
    assert "事项“食品经营许可”（370702-XK-0002）：时限单位应为工作日（WD）或自然日（ND）" in err
    assert "一件事“我要开餐馆”：成员事项 370702-XK-9999 不在目录中" in err
    assert not (tmp_path / "data" / "catalog" / "catalog.json").exists()


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "JSON 格式错误：第1行第2列"),
        ('{"version": "1", "office_name": "x", "matters": []}', "缺少必填字段：region_code"),
        (
            '{"version": "1", "office_name": "x", "region_code": "370702000000", "matters": []}',
            "事项清单中没有任何事项",
        ),
        ("[1, 2]", "事项清单应为 JSON 对象"),
    ],
)
def test_malformed_files_are_refused_with_the_reason(capsys, data, tmp_path, content, message):
    path = tmp_path / "x.json"
    path.write_text(content, "utf-8")
    code, _, err = _run(capsys, "catalog", "import", str(path), *data)
    assert code == 1 and message in err


def test_missing_file_is_named(capsys, data, tmp_path):
    code, _, err = _run(capsys, "catalog", "import", str(tmp_path / "nowhere.json"), *data)
    assert code == 1 and "文件不存在" in err


def test_same_version_with_different_content_is_refused(capsys, data, tmp_path):
    body = load_sample_catalog().to_dict()
    body["matters"][0]["name"] = "个体户登记（改）"
    path = tmp_path / "same-version.json"
    path.write_text(json.dumps(body, ensure_ascii=False), "utf-8")
    code, _, err = _run(capsys, "catalog", "import", str(path), *data)
    assert code == 1 and f"版本号为 {body['version']} 的事项清单" in err


def test_search_prints_ranked_hits_with_level_handling_and_bundles(capsys, data):
    code, out, _ = _run(capsys, "catalog", "search", "开饭店", *data)
    lines = out.splitlines()
    assert code == 0
    assert lines[0] == " 1. 【一件事】我要开餐馆  370702-YJS-01  县级  承诺件（5个工作日）"
    assert " 食品经营许可  370702-XK-0002  县级  承诺件（10个工作日）" in out
    assert "小餐饮登记  370702-XK-0050  县级  即办件" in out


def test_search_scoped_to_a_village_sees_only_what_a_village_takes_in(capsys, data):
    code, county, _ = _run(capsys, "catalog", "search", "证", "--limit", "50", *data)
    code, village, _ = _run(capsys, "catalog", "search", "证", "--limit", "50", "--level", "village", *data)
    assert "居民身份证补领" in county and "居民身份证补领" not in village
    code, out, _ = _run(capsys, "catalog", "search", "办低保", "--region", "370702001001", *data)
    assert code == 0 and "最低生活保障申请  370702-GG-0005  乡镇（街道）级" in out


def test_search_rejects_a_malformed_region_and_says_when_nothing_matches(capsys, data):
    code, _, err = _run(capsys, "catalog", "search", "低保", "--region", "3707", *data)
    assert code == 1 and "区划代码应为12位数字" in err
    code, out, _ = _run(capsys, "catalog", "search", "量子计算机", *data)
    assert code == 1 and "没有找到与“量子计算机”相关的事项" in out


def test_guide_prints_what_to_bring_for_the_answers(capsys, data):
    code, out, _ = _run(capsys, "catalog", "guide", "370702-XK-0002", "--answer", "S01=agent", *data)
    assert code == 0
    assert "办事指南：食品经营许可（370702-XK-0002）" in out
    assert "法定时限：20个工作日" in out and "承诺时限：10个工作日" in out
    assert "6. 委托代理人身份证明\n     复印件1份 · 纸质\n" in out
    assert "1. 申请人身份证\n     原件1份 · 纸质 · 可免提交（居民身份证电子证照）" in out


def test_guide_for_a_bundle_writes_a_pdf(capsys, data, tmp_path):
    out_pdf = tmp_path / "guides" / "newborn.pdf"
    code, out, _ = _run(capsys, "catalog", "guide", "370702-YJS-04", "--pdf", str(out_pdf), *data)
    assert code == 0 and "已生成办事指南：新生儿出生一件事" in out
    with pdfplumber.open(io.BytesIO(out_pdf.read_bytes())) as doc:
        text = "".join(page.extract_text() for page in doc.pages).replace("\n", "")
    assert "【一件事】新生儿出生一件事" in text and "出生医学证明首次签发" in text


def test_unknown_code_lists_the_closest_matches(capsys, data):
    code, _, err = _run(capsys, "catalog", "guide", "370702-XK-002", *data)
    assert code == 1
    assert "没有编码为“370702-XK-002”的事项或一件事。最接近的：\n  370702-XK-0002  食品经营许可" in err


@pytest.mark.parametrize(
    "answer, message",
    [
        ("S07=agent", "S01：是否委托他人代为办理？（可选：self=本人办理；agent=委托代理人办理）"),
        ("S01=friend", "可选：self（本人办理）；agent（委托代理人办理）"),
        ("S01", "情形答案格式应为 情形编码=答案编码"),
    ],
)
def test_bad_answers_list_the_valid_ones(capsys, data, answer, message):
    code, _, err = _run(capsys, "catalog", "guide", "370702-XK-0002", "--answer", answer, *data)
    assert code == 1 and message in err


def test_a_damaged_imported_catalog_is_reported_not_raised(capsys, data, tmp_path):
    stored = tmp_path / "data" / "catalog" / "catalog.json"
    stored.parent.mkdir(parents=True)
    stored.write_text("{", "utf-8")
    code, _, err = _run(capsys, "catalog", "export", *data)
    assert code == 1 and "本机导入的事项清单已损坏" in err
