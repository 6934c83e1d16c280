"""Everyday words at the counter find the matter they mean first (issue #21, point 6)."""

from __future__ import annotations

import dataclasses

import pytest

from client.domain.catalog import catalog_from_dict, load_sample_catalog
from client.domain.search import CatalogIndex, Scope, builtin_synonyms

COUNTY = Scope("county", "370702")

# Phrase → the matter it must find first (names of the sample catalog).
EVERYDAY = {
    "婚姻登记": "内地居民结婚登记",
    "婚姻": "内地居民结婚登记",
    "结婚": "内地居民结婚登记",
    "开小卖部": "个体工商户设立登记",
    "我想开个小卖部": "个体工商户设立登记",
    "开药店": "个体工商户设立登记",  # the sample catalog has no 药品零售经营许可; the licence comes first where it has
    "退休认证": "城乡居民养老保险待遇资格认证",
    "社保认证": "城乡居民养老保险待遇资格认证",
    "结婚证丢了": "补领结婚证",
    "离婚": "内地居民离婚登记",
    "上户口": "出生登记（新生儿落户）",
    "开超市": "个体工商户设立登记",
    "医保": "城乡居民基本医疗保险参保登记",
    "失业金": "失业登记",
    "盖房子": "乡村建设规划许可证核发（农村村民住宅）",
    "刻章": "公章刻制备案",
    "身份证丢了": "居民身份证补领",
    "办老年证": "老年人优待证办理",
    "打疫苗": "预防接种证办理",
    "领养老金": "城乡居民养老保险待遇资格认证",
}


@pytest.fixture(scope="module")
def index():
    return CatalogIndex(load_sample_catalog())


@pytest.mark.parametrize(("phrase", "matter"), EVERYDAY.items())
def test_phrase_finds_its_matter_first(index, phrase, matter):
    hits = index.search(phrase, COUNTY, bundles=False)
    assert hits, f"{phrase} found nothing"
    assert hits[0].item.name == matter, [h.item.name for h in hits[:3]]


def test_marriage_phrase_lists_the_marriage_matters_in_order(index):
    names = [h.item.name for h in index.search("婚姻登记", COUNTY, bundles=False)[:3]]
    assert names == ["内地居民结婚登记", "内地居民离婚登记", "补领结婚证"]
    assert index.search("婚姻登记", COUNTY)[0].why == "常用说法：婚姻登记"


def test_every_builtin_phrase_names_a_matter_of_the_sample_catalog(index):
    """A phrase whose terms all miss is dead data: the shipped file must fit the shipped catalog."""
    for phrase in builtin_synonyms():
        assert index.search(phrase, None, bundles=False), phrase


def test_a_published_catalog_adds_phrases_by_code_and_replaces_builtin_ones():
    sample = load_sample_catalog()
    published = dataclasses.replace(sample, synonyms={"开药店": ("370702-GG-0025",), "办红本": ("补领结婚证",)})
    back = catalog_from_dict(published.to_dict())  # what the window receives
    assert list(back.synonyms["办红本"]) == ["补领结婚证"]
    index = CatalogIndex(back)
    assert index.search("办红本", COUNTY, bundles=False)[0].item.name == "补领结婚证"
    assert index.search("开药店", COUNTY, bundles=False)[0].item.code == "370702-GG-0025"
    assert CatalogIndex(sample).search("办红本", COUNTY, bundles=False) == ()


def test_malformed_published_phrases_are_ignored():
    raw = load_sample_catalog().to_dict() | {"synonyms": {"x": ["结婚登记"], "开药房": [], "办红本": "补领结婚证"}}
    index = CatalogIndex(catalog_from_dict(raw))
    assert index.search("开药房", COUNTY, bundles=False) == ()  # replaced by nothing
    assert index.search("办红本", COUNTY, bundles=False) == ()  # not a list: left out


@pytest.mark.own_back_office  # publications reach every org unit
def test_the_back_office_publishes_phrases_with_the_catalog(enrolled_runtime, live_server):
    """`onewindow-server catalog-publish` carries a "synonyms" field; the window searches with it after sync."""
    from sync.server import publishing

    services = enrolled_runtime.services
    sample = load_sample_catalog()
    newer = dataclasses.replace(sample, version="2026.12-syn", synonyms={"办红本": ["补领结婚证", "结婚登记"]})
    publishing.publish_catalog(live_server.db_url, newer.to_dict(), by="admin")
    assert not services.intake.search("办红本")
    assert services.sync.sync_now().error == ""
    assert [m.name for m in services.intake.search("办红本")[:2]] == ["补领结婚证", "内地居民结婚登记"]
