"""Matter search: name, code, pinyin, initials, colloquial phrases, ranking and scope."""

from __future__ import annotations

import pytest

from client.domain.catalog import Bundle, load_sample_catalog
from client.domain.search import CatalogIndex, Scope, strip_filler


@pytest.fixture(scope="module")
def sample_index() -> CatalogIndex:
    return CatalogIndex(load_sample_catalog())


def names(hits):
    return [h.item.name for h in hits]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("个体", "个体工商户设立登记"),
        ("食品经营", "食品经营许可"),
        ("gtgshsl", "个体工商户设立登记"),
        ("getihugongshanghu", "个体工商户设立登记"),
        ("spjyxk", "食品经营许可"),
        ("370702-XK-0017", "建筑工程施工许可证核发"),
        ("000130004000", "残疾人证新办"),
        ("办低保", "最低生活保障申请"),
        ("身份证丢了", "居民身份证补领"),
        ("我的身份证丢了怎么办", "居民身份证补领"),
        ("领结婚证", "内地居民结婚登记"),
    ],
)
def test_first_hit(sample_index, query, expected):
    assert names(sample_index.search(query))[0] == expected


def test_colloquial_restaurant_finds_the_licence_and_the_bundle(sample_index):
    hits = sample_index.search("开饭店", limit=6)
    assert isinstance(hits[0].item, Bundle) and hits[0].item.name == "我要开餐馆"
    assert "食品经营许可" in names(hits)


def test_exact_name_beats_prefix_beats_substring(sample_index):
    assert sample_index.search("食品经营许可")[0].score > sample_index.search("食品经营")[0].score
    found = names(sample_index.search("出生"))
    assert found.index("出生医学证明首次签发") < found.index("公证（亲属关系、出生、学历等证明）")


def test_matters_only_when_bundles_are_not_wanted(sample_index):
    assert all(not h.is_bundle for h in sample_index.search("开饭店", bundles=False))


def test_village_device_sees_only_what_a_village_takes_in(sample_index):
    village = Scope.for_region("370702001001")
    assert village.level == "village"
    found = sample_index.search("", village, limit=100)
    assert found and all("village" in h.item.taken_at() for h in found)
    assert "企业设立登记" not in names(sample_index.search("企业设立", village))
    assert names(sample_index.search("养老认证", village))[0] == "城乡居民养老保险待遇资格认证"


def test_own_level_ranks_first(sample_index):
    town = Scope.for_region("370702001000")
    hits = sample_index.search("", town, limit=5)
    assert all(h.item.level == "town" for h in hits)


def test_nothing_found_is_an_empty_tuple(sample_index):
    assert sample_index.search("飞机驾驶执照") == ()


def test_filler_words_are_stripped():
    assert strip_filler("我要办低保") == "低保"
    assert strip_filler("开公司需要什么材料") == "开公司"
