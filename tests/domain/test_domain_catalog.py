"""The sample catalog and its schema: 实施清单 elements, 情形, 一件事, versions."""

from __future__ import annotations

import json

import pytest

from client.domain.catalog import Catalog, CatalogArchive, catalog_from_dict, check_catalog, load_sample_catalog


@pytest.fixture(scope="module")
def shipped_catalog() -> Catalog:
    return load_sample_catalog()


def test_shipped_catalog_is_consistent(shipped_catalog):
    assert check_catalog(shipped_catalog) == ()


def test_shipped_catalog_covers_three_levels_and_the_issue_matters(shipped_catalog):
    levels = {m.level for m in shipped_catalog.matters}
    assert len(shipped_catalog.matters) >= 40 and levels == {"county", "town", "village"}
    names = " ".join(m.name for m in shipped_catalog.matters)
    for expected in (
        "个体工商户设立登记",
        "企业设立登记",
        "公章刻制",
        "新办纳税人",
        "银行基本存款账户",
        "职工参保登记",
        "食品经营许可",
        "幼儿园设立",
        "诊所",
        "养老保险待遇资格认证",
        "结婚登记",
        "居民身份证补领",
        "公证",
        "残疾人证",
        "最低生活保障",
        "生育登记",
        "建筑工程施工许可",
    ):
        assert expected in names, expected
    assert {b.name for b in shipped_catalog.bundles} == {
        "我要开餐馆",
        "幼儿园设立一件事",
        "个体诊所设立一件事",
        "新生儿出生一件事",
        "企业开办一日办",
    }


def test_codes_the_other_tests_rely_on_are_kept(shipped_catalog):
    shop = shipped_catalog.get("370702-XK-0001")
    assert [s.code for s in shop.materials][:4] == ["M01", "M02", "M03", "M04"]
    assert shop.material("M03").tolerable and shop.material("M04").necessity == "conditional"
    assert shipped_catalog.get("370702-GG-0003").handling == "immediate"


def test_every_matter_carries_the_guide_elements(shipped_catalog):
    for m in shipped_catalog.matters:
        assert m.body and m.basis and m.conditions and m.address and m.hours, m.code
        assert m.handling in ("immediate", "promised") and m.legal_unit in ("WD", "ND")
        assert m.visits == 0 or m.visit_reason
        assert all(s.source and s.medium in ("paper", "electronic", "either") for s in m.materials)


def test_agent_situation_adds_the_power_of_attorney(shipped_catalog):
    shop = shipped_catalog.get("370702-XK-0001")
    alone = [s.code for s in shop.materials_for({"S01": "self"})]
    agent = {s.code: s for s in shop.materials_for({"S01": "agent"})}
    assert "M04" not in alone
    assert agent["M04"].necessity == "required"


def test_situation_can_remove_a_material(shipped_catalog):
    change = shipped_catalog.get("370702-XK-0020")
    assert "M04" not in [s.code for s in change.materials_for({"S02": "other"})]
    assert "M04" in [s.code for s in change.materials_for({"S02": "place"})]


def test_unknown_answer_falls_back_to_the_default_option(shipped_catalog):
    shop = shipped_catalog.get("370702-XK-0001")
    assert shop.materials_for({"S01": "nonsense"}) == shop.materials_for({})


def test_bundle_asks_shared_materials_once(shipped_catalog):
    restaurant = shipped_catalog.bundle("370702-YJS-01")
    materials = restaurant.materials_for(shipped_catalog)
    id_cards = [bm for bm in materials if bm.spec.share_key == "SFZ"]
    assert len(id_cards) == 1 and len(id_cards[0].used_by) == 4
    places = [bm for bm in materials if bm.spec.share_key == "CSZM"]
    assert len(places) == 1 and set(places[0].used_by) >= {"370702-XK-0001", "370702-XK-0018"}
    separate = sum(len(shipped_catalog.get(c).materials_for({})) for c in restaurant.matters)
    assert len(materials) < separate


def test_round_trip_through_json_keeps_everything(shipped_catalog):
    again = catalog_from_dict(json.loads(json.dumps(shipped_catalog.to_dict(), ensure_ascii=False)))
    assert again.matters == shipped_catalog.matters and again.bundles == shipped_catalog.bundles
    assert again.version == shipped_catalog.version


def test_old_flat_catalog_format_still_loads():
    old = {
        "version": "2026.11-1",
        "office_name": "x",
        "region_code": "370702000000",
        "matters": [
            {
                "code": "A",
                "base_code": "B",
                "name": "n",
                "kind": "k",
                "department": "d",
                "handling": "promised",
                "legal_limit": 20,
                "legal_unit": "WD",
                "promised_limit": 10,
                "promised_unit": "WD",
                "level": "county",
                "keywords": ["k"],
                "materials": [
                    {
                        "code": "M01",
                        "name": "身份证",
                        "necessity": "required",
                        "form": "original",
                        "copies": 1,
                        "tolerable": False,
                    }
                ],
                "result_name": "r",
            }
        ],
    }
    cat = catalog_from_dict(old)
    assert cat.get("A").materials[0].medium == "paper" and cat.bundles == ()


def test_consistency_check_names_the_problem_in_chinese(shipped_catalog):
    broken = shipped_catalog.to_dict()
    broken["matters"][0]["promised_limit"] = 99
    broken["bundles"][0]["matters"].append("NOPE")
    problems = check_catalog(catalog_from_dict(broken))
    assert any("承诺时限不得长于法定时限" in p for p in problems)
    assert any("NOPE" in p for p in problems)


def test_case_in_progress_keeps_the_version_it_was_taken_under(shipped_catalog):
    newer = shipped_catalog.to_dict()
    newer["version"] = "2027.01-1"
    newer["matters"][0]["materials"] = newer["matters"][0]["materials"][:2]
    archive = CatalogArchive((shipped_catalog,)).publish(catalog_from_dict(newer))
    assert archive.current.version == "2027.01-1"
    old = archive.matter_for_case(shipped_catalog.version, "370702-XK-0001")
    assert len(old.materials) == 4
    assert len(archive.matter_for_case("2027.01-1", "370702-XK-0001").materials) == 2
    with pytest.raises(ValueError, match="已存在"):
        archive.publish(shipped_catalog)
