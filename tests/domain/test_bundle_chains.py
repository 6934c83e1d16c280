"""Every 一件事 chain of the sample catalog makes sense (issue 21, point 7).

Checked mechanically for every bundle and every combination of its situation answers: no
member asks the applicant for what another member of the chain produces (an earlier member's
result is handed on; a later member's cannot be asked before it exists), every member serves
the chain's applicant, and only the subject document of the organisation type the chain sets
up is asked (a kindergarten, a 民办非企业单位, is never asked for a 营业执照).
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from client.domain.catalog import (
    ORGANISATION_TYPES,
    SUBJECT_DOCUMENTS,
    Bundle,
    Catalog,
    catalog_from_dict,
    check_bundle,
    check_catalog,
    load_sample_catalog,
)

CATALOG = load_sample_catalog()
BUNDLES = CATALOG.bundles


def _answer_sets(catalog: Catalog, bundle: Bundle):
    """Every combination of the members' situation answers (each member's own questions)."""
    situations = [s for code in bundle.matters for s in catalog.get(code).situations]
    by_code = {s.code: s for s in situations}  # members asking the same code get the same answer
    choices = [[(code, o.code) for o in s.options] for code, s in by_code.items()]
    for combo in itertools.product(*choices):
        yield dict(combo)


def _produced(catalog: Catalog, bundle: Bundle) -> dict[str, str]:
    """Share key or name of each member's result -> the member's name."""
    out: dict[str, str] = {}
    for code in bundle.matters:
        matter = catalog.get(code)
        out |= {key: matter.name for key in matter.result_as}
        if matter.result_name:
            out[matter.result_name] = matter.name
    return out


@pytest.mark.parametrize("bundle", BUNDLES, ids=[b.name for b in BUNDLES])
def test_no_member_asks_the_applicant_for_what_the_chain_produces(bundle):
    produced = _produced(CATALOG, bundle)
    asked_at_all = 0
    for answers in _answer_sets(CATALOG, bundle):
        for row in bundle.materials_for(CATALOG, answers):
            asked_at_all += 1
            assert row.spec.share_key not in produced, (bundle.name, row.spec.name, produced.get(row.spec.share_key))
            assert row.spec.name not in produced, (bundle.name, row.spec.name, produced.get(row.spec.name))
    assert asked_at_all > 0


@pytest.mark.parametrize("bundle", BUNDLES, ids=[b.name for b in BUNDLES])
def test_every_member_serves_the_chains_applicant_and_asks_only_its_subject_document(bundle):
    assert bundle.organisation is not None  # every shipped chain says whom it is for (None: not reviewed)
    target, own = ORGANISATION_TYPES[bundle.organisation]
    foreign = set(SUBJECT_DOCUMENTS) - {own}
    for code in bundle.matters:
        matter = CATALOG.get(code)
        assert target in matter.targets, (bundle.name, matter.name, matter.targets)
        assert not foreign & {s.share_key for s in matter.materials}, (bundle.name, matter.name)
        assert not {SUBJECT_DOCUMENTS[k] for k in foreign} & {s.name for s in matter.materials}, matter.name
    assert check_bundle(CATALOG, bundle) == ()


def test_the_sample_catalog_is_sound_as_a_whole():
    assert check_catalog(CATALOG) == ()


def test_a_catalog_made_before_the_review_still_publishes():
    """A chain that states no organisation type was never reviewed: publication does not judge it."""
    data = CATALOG.to_dict()
    for raw in data["bundles"]:
        raw.pop("organisation")
    for raw in data["matters"]:
        raw.pop("result_as")
    old = catalog_from_dict(data)
    assert all(b.organisation is None for b in old.bundles)
    assert check_catalog(old) == ()
    # Reviewed now, its chains would be reported.
    assert check_bundle(old, replace(old.bundle("370702-YJS-05"), organisation="企业"))


def test_the_kindergarten_chain_asks_no_business_licence_and_hands_its_certificates_on():
    kindergarten = CATALOG.bundle("370702-YJS-02")
    assert kindergarten.organisation == "民办非企业单位"
    asked = {row.spec.name for row in kindergarten.materials_for(CATALOG)}
    assert not any("营业执照" in name for name in asked)
    # 民非登记 needs the 办学许可证 the first member issues; the canteen and the fire check need
    # the 登记证书 民非登记 issues: none of them is asked of the applicant.
    assert kindergarten.supplied_by_chain(CATALOG, "370702-QR-0033") == {"BXXK"}
    assert {"MFZS", "ZTZG"} <= kindergarten.supplied_by_chain(CATALOG, "370702-XK-0016")
    assert "业务主管单位批准文件（民办学校办学许可证）" not in asked


def test_the_check_finds_the_chain_as_it_was_before_the_review():
    """The old kindergarten chain: the canteen licence asked a 营业执照, and the registration asked
    the applicant for the approval the first member issues."""
    food = CATALOG.get("370702-XK-0002")
    registration = CATALOG.get("370702-QR-0033")
    old_food = replace(
        food,
        materials=tuple(
            replace(s, name="营业执照", shared_as="YYZZ") if s.shared_as == "ZTZG" else s for s in food.materials
        ),
    )
    old_registration = replace(
        registration,
        materials=tuple(
            replace(s, name="民办学校办学许可证", shared_as="") if s.shared_as == "BXXK" else s
            for s in registration.materials
        ),
        result_as=(),
    )
    kindergarten = CATALOG.bundle("370702-YJS-02")
    first = CATALOG.get(kindergarten.matters[0])
    old = Catalog(
        CATALOG.version,
        CATALOG.office_name,
        CATALOG.region_code,
        tuple(
            old_food if m.code == food.code else old_registration if m.code == registration.code else m
            for m in CATALOG.matters
        ),
        (kindergarten,),
    )
    problems = check_bundle(old, kindergarten)
    assert any("要求营业执照" in p and "民办非企业单位" in p for p in problems), problems
    assert any(f"而它由同链的“{first.name}”出具" in p for p in problems), problems
    # A member asking for what a later member issues is caught too.
    reordered = replace(kindergarten, matters=(registration.code, first.code) + kindergarten.matters[2:])
    problems = check_bundle(CATALOG, reordered)
    assert any("而它由其后的" in p for p in problems), problems
