"""The synthetic county catalog used by the search benchmark, and search at that scale."""

from __future__ import annotations

from collections import Counter

import pytest

from client.domain.catalog_generator import generate_county_catalog
from client.domain.search import CatalogIndex, Scope


@pytest.fixture(scope="module")
def county_index() -> CatalogIndex:
    return CatalogIndex(generate_county_catalog())


def test_generated_catalog_has_the_seed_county_shape(county_index):
    catalog = county_index.catalog
    levels = Counter(m.level for m in catalog.matters)
    assert levels == {"county": 863, "town": 1898, "village": 20406}
    assert len({m.code for m in catalog.matters}) == len(catalog.matters)
    assert generate_county_catalog().matters[:50] == catalog.matters[:50]


def test_village_device_sees_only_its_own_village_services(county_index):
    village = Scope.for_region("370481005003")
    hits = county_index.search("", village, limit=100)
    assert hits and {h.item.region_code for h in hits} == {"370481005003"}
    assert len(county_index.search("最低生活保障", village)) == 1


def test_town_device_sees_its_town_and_its_villages_only(county_index):
    town = Scope.for_region("370481005000")
    hits = county_index.search("最低生活保障", town, limit=500)
    assert hits[0].item.region_code == "370481005000"
    assert all(h.item.region_code.startswith("370481005") for h in hits) and len(hits) > 1


def test_initials_find_matters_among_twenty_thousand(county_index):
    assert county_index.search("zdshbz")[0].item.name == "最低生活保障申请"
    assert county_index.search("办低保")[0].item.name == "最低生活保障申请"
