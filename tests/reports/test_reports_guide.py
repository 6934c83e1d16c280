"""办事指南 for a matter or a bundle: the guide elements, the materials for the answers, the QR code."""

from __future__ import annotations

import io

import pdfplumber
import pytest
import qrcode

from client.domain.catalog import load_sample_catalog
from reports.guide import Guide, GuideError, GuideMaterial, GuideMatter, guide_for, guide_text, render_guide_pdf

CATALOG = load_sample_catalog()
FOOD = "370702-XK-0002"
RESTAURANT = "370702-YJS-01"


def _flat(text: str) -> str:
    return text.replace("\n", "").replace(" ", "")


def test_matter_guide_carries_every_element_the_stand_shows():
    guide = guide_for(CATALOG, FOOD)
    m = guide.matters[0]
    assert (guide.name, guide.office_name, guide.catalog_version) == (
        "食品经营许可",
        "潍坊市潍城区行政审批服务局",
        CATALOG.version,
    )
    assert (m.body_text, m.handling_text) == ("潍坊市潍城区行政审批服务局（社会事务科）", "承诺件")
    assert (m.legal_text, m.promised_text) == ("20个工作日", "10个工作日")
    assert m.visits_text == "1次（核验申请人身份及材料原件）"
    assert m.fees_text == "不收费"
    text = guide_text(guide)
    for line in (
        "法定时限：20个工作日",
        "承诺时限：10个工作日",
        "咨询电话：0536-12345",
        "办理地点：潍坊市潍城区政务服务中心",
        "办理时间：周一至周五",
    ):
        assert line in text


def test_natural_day_limits_immediate_handling_and_fees_are_spelled_out():
    divorce = guide_for(CATALOG, "370702-QR-0023").matters[0]
    assert divorce.legal_text == "30个自然日"
    seal = guide_for(CATALOG, "370702-GG-0008").matters[0]
    assert seal.handling_text == "即办件" and seal.promised_text.startswith("即办")
    id_card = guide_for(CATALOG, "370702-GG-0025").matters[0]
    assert id_card.fees_text.startswith("居民身份证工本费：补领20元/证")


def test_agent_answer_adds_the_power_of_attorney_and_the_default_leaves_it_out():
    own = [m.name for m in guide_for(CATALOG, FOOD).materials]
    agent = guide_for(CATALOG, FOOD, {"S01": "agent"})
    assert "委托代理人身份证明" not in own
    assert [m.name for m in agent.materials] == [*own, "委托代理人身份证明"]
    assert [(a.code, a.label) for a in agent.answers] == [("S01", "委托代理人办理")]


def test_material_rows_say_form_copies_medium_and_easements():
    rows = {m.name: m for m in guide_for(CATALOG, FOOD).materials}
    id_card = rows["申请人身份证"]
    assert (id_card.form_text, id_card.medium_text) == ("原件1份", "纸质")
    assert id_card.easements == ("可免提交（居民身份证电子证照）",)
    layout = rows["与食品经营相适应的主要设备设施布局、操作流程等文件"]
    assert layout.easements == ("可容缺", "可告知承诺")
    subject = rows["营业执照或其他主体资格证明文件"]  # a kindergarten's canteen shows its 民非 certificate
    assert subject.form_text == "复印件1份"
    assert subject.standard.endswith("在有效期内，经营范围与申请事项相符")


def test_bundle_asks_shared_materials_once_and_names_the_members_using_them():
    guide = guide_for(CATALOG, RESTAURANT)
    assert guide.bundle and [m.code for m in guide.matters] == list(CATALOG.bundle(RESTAURANT).matters)
    names = [m.name for m in guide.materials]
    assert names.count("申请人身份证") == 1
    shared = next(m for m in guide.materials if m.name == "申请人身份证")
    assert shared.used_by == (1, 2, 3, 4)
    text = guide_text(guide)
    assert "【一件事】我要开餐馆" in text and "承诺办结时限（一件事）：5个工作日" in text
    assert "适用事项：个体工商户设立登记、食品经营许可、城镇污水排入排水管网许可、城市户外广告设施设置审批" in text


def test_bundle_answer_reaches_every_member():
    guide = guide_for(CATALOG, RESTAURANT, {"S01": "agent"})
    power = next(m for m in guide.materials if m.name == "委托代理人身份证明")
    assert power.used_by == (1, 2)  # the two members that ask about an agent


def test_unknown_situation_lists_the_questions_and_their_answers():
    with pytest.raises(GuideError) as err:
        guide_for(CATALOG, FOOD, {"S09": "agent"})
    assert "情形“S09”不存在" in err.value.message
    assert "S01：是否委托他人代为办理？（可选：self=本人办理；agent=委托代理人办理）" in err.value.message


def test_unknown_answer_lists_the_valid_answers():
    with pytest.raises(GuideError) as err:
        guide_for(CATALOG, FOOD, {"S01": "friend"})
    assert "没有答案“friend”" in err.value.message
    assert "self（本人办理）；agent（委托代理人办理）" in err.value.message


def test_answer_for_a_matter_without_situations_says_there_are_none():
    with pytest.raises(GuideError) as err:
        guide_for(CATALOG, "370702-GG-0008", {"S01": "agent"})
    assert "该事项没有需要选择的情形" in err.value.message


def test_unknown_code_names_the_closest_codes_and_name_matches():
    with pytest.raises(GuideError) as err:
        guide_for(CATALOG, "370702-XK-002")
    first = err.value.message.splitlines()[1].split()
    assert first == ["370702-XK-0002", "食品经营许可"]
    with pytest.raises(GuideError) as err:
        guide_for(CATALOG, "开饭店")
    assert "370702-YJS-01  【一件事】我要开餐馆" in err.value.message


def test_codes_match_without_regard_to_case():
    assert guide_for(CATALOG, "370702-yjs-01").code == RESTAURANT


def _tables(pdf: bytes) -> list[list[tuple[str, ...]]]:
    """Ruled tables of every page with their cell text unwrapped; QR modules are skipped."""
    out = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            for table in page.extract_tables():
                rows = [tuple(_flat(c or "") for c in row) for row in table]
                if any(any(row) for row in rows):
                    out.append(rows)
    return out


def test_matter_pdf_reads_back_with_facts_and_materials(pdf_text):
    pdf = render_guide_pdf(guide_for(CATALOG, FOOD, {"S01": "agent"}))
    text = _flat(pdf_text(pdf))
    for expected in (
        "办事指南",
        "食品经营许可",
        "扫码查看办事指南",
        FOOD,
        "申请材料（共6项，请携带）",
        "办理情形：是否委托他人代为办理？委托代理人办理",
    ):
        assert expected in text, expected
    facts, materials = _tables(pdf)
    assert facts[0][:2] == ("实施机关", "潍坊市潍城区行政审批服务局（社会事务科）")
    assert ("法定时限", "20个工作日", "承诺时限", "10个工作日") in facts
    assert ("办件类型", "承诺件", "到现场次数", "1次（核验申请人身份及材料原件）") in facts
    assert ("收费", "不收费", "办理结果", "食品经营许可证") in facts
    assert facts[-1][:2] == ("咨询电话", "0536-12345")
    assert materials[0] == ("序号", "材料名称", "原件/复印件", "纸质/电子", "容缺/承诺/免提交", "受理标准")
    assert materials[1] == (
        "1",
        "申请人身份证",
        "原件1份",
        "纸质",
        "可免提交（居民身份证电子证照）",
        "在有效期内，与申请人本人一致；读卡核验后退还原件",
    )
    assert materials[4][1:5] == (
        "与食品经营相适应的主要设备设施布局、操作流程等文件",
        "原件1份",
        "纸质",
        "可容缺可告知承诺",
    )
    assert materials[6][:3] == ("6", "委托代理人身份证明", "复印件1份")
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        assert len(doc.pages) == 1  # a single matter fits the stand's one sheet
    assert b"/FontFile2" in pdf


def test_bundle_pdf_lists_members_and_which_material_serves_which(pdf_text):
    pdf = render_guide_pdf(guide_for(CATALOG, "370702-YJS-05"))
    text = _flat(pdf_text(pdf))
    for expected in (
        "【一件事】企业开办一日办",
        "包含事项",
        "收费标准：公章刻制备案——印章刻制费",
        "申请材料（共10项，请携带）",  # the 营业执照 the first member issues is not asked (issue 21, point 7)
    ):
        assert expected in text, expected
    facts, members, materials = _tables(pdf)
    assert ("一件事编码", "370702-YJS-05", "承诺时限", "1个工作日") in facts
    assert members[1] == (
        "1",
        "企业设立登记370702-XK-0007",
        "潍坊市潍城区行政审批服务局（市场准入科）",
        "承诺件",
        "法定15个工作日承诺1个工作日",
        "不收费",
    )
    assert members[2][3:] == ("即办件", "法定1个工作日即办", "收费（见下）")
    assert materials[0][2] == "适用事项"
    assert materials[1][:3] == ("1", "法定代表人身份证", "1、2、3、4")


def _qr_matrix(pdf: bytes) -> list[list[bool]]:
    """The QR symbol as drawn: filled rectangles right of the facts table, back to modules."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        page = doc.pages[0]
        rects = [r for r in page.rects if r["x0"] > page.width * 0.7 and r["top"] < page.height / 2 and r["fill"]]
    box = min(r["height"] for r in rects)
    left, top = min(r["x0"] for r in rects), min(r["top"] for r in rects)
    size = round((max(r["x1"] for r in rects) - left) / box)
    grid = [[False] * size for _ in range(size)]
    for r in rects:
        row = round((r["top"] - top) / box)
        for col in range(round((r["x0"] - left) / box), round((r["x1"] - left) / box)):
            grid[row][col] = True
    return grid


def test_qr_code_on_the_guide_is_the_matter_code():
    drawn = _qr_matrix(render_guide_pdf(guide_for(CATALOG, FOOD)))
    symbols = []
    for mask in range(8):
        ref = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0, mask_pattern=mask)
        ref.add_data(FOOD, optimize=0)
        ref.make(fit=True)
        symbols.append(ref.get_matrix())
    assert drawn in symbols


def test_hand_made_guide_renders_rare_characters(installed_fonts):
    if not installed_fonts.covers("䶮"):
        pytest.skip("no installed font has U+4DAE")
    matter = GuideMatter("X-1", "䶮字事项", "公共服务", "某局", "", "immediate", 1, "WD", 0, "WD", 0)
    guide = Guide(
        "某县政务服务中心",
        "X-1",
        "䶮字事项",
        (matter,),
        (GuideMaterial("王䶮的户口簿", "original", 1, "either", required=False),),
    )
    facts, materials = _tables(render_guide_pdf(guide, installed_fonts))
    assert ("办件类型", "即办件", "到现场次数", "0次（不见面办理）") in facts
    assert materials[1] == ("1", "王䶮的户口簿（非必要）", "原件1份", "纸质或电子", "—", "—")
