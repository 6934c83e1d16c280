"""What the back office publishes takes effect at the counter after the next sync."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from client.domain.catalog import load_sample_catalog
from client.domain.identity import Applicant
from client.services.errors import ServiceError
from client.services.intake import IntakeDraft, MaterialInput
from sync.server import admin, publishing


@pytest.fixture
def clerk(enrolled_runtime, live_server):
    return enrolled_runtime.services.auth.login(live_server.clerk, live_server.password)


@pytest.mark.own_back_office  # publications reach every org unit
def test_a_published_catalog_is_searched_after_sync(enrolled_runtime, live_server):
    services = enrolled_runtime.services
    sample = load_sample_catalog()
    first = sample.matters[0]
    renamed = dataclasses.replace(first, name="个体工商户设立登记（试点新流程）", aliases=(*first.aliases, "个体试点"))
    newer = dataclasses.replace(sample, version="2026.12-1", matters=(renamed, *sample.matters[1:]))
    publishing.publish_catalog(live_server.db_url, newer.to_dict(), by="admin")
    assert not services.intake.search("试点新流程")
    assert services.sync.sync_now().error == ""
    hits = services.intake.search("试点新流程")
    assert hits and hits[0].name == "个体工商户设立登记（试点新流程）"
    assert services.intake.catalog().version == "2026.12-1"


@pytest.mark.own_back_office
def test_a_published_calendar_moves_the_promised_date(enrolled_runtime, live_server):
    services = enrolled_runtime.services
    matter = services.intake.matter("370702-XK-0001")  # 3 working days
    draft = IntakeDraft(
        Applicant("李建国", "身份证", "34052419800101001X"),
        matter.code,
        tuple(MaterialInput(m.code, True) for m in matter.materials),
    )
    before = services.intake.preview(draft).promised_by
    # The back office declares the next three weekdays holidays.
    day, holidays = dt.date.today(), []
    while len(holidays) < 3:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            holidays.append(day.isoformat())
    years = sorted({int(h[:4]) for h in holidays})
    publishing.publish_calendar(
        live_server.db_url, {"years": years, "holidays": holidays, "workdays": []}, version="test", by="admin"
    )
    assert services.sync.sync_now().error == ""
    after = services.intake.preview(draft).promised_by
    assert after > before


def test_a_revoked_device_refuses_new_intake(enrolled_runtime, live_server, clerk):
    services = enrolled_runtime.services
    admin.revoke_device(live_server.db_url, enrolled_runtime.enrolment.identity().device_code, reason="设备丢失")
    status = services.sync.sync_now()
    assert status.revoked and status.label == "本设备已停用"
    matter = services.intake.matter("370702-XK-0001")
    draft = IntakeDraft(
        Applicant("李建国", "身份证", "34052419800101001X"),
        matter.code,
        tuple(MaterialInput(m.code, True) for m in matter.materials),
    )
    with pytest.raises(ServiceError, match="本设备已被后台停用"):
        services.intake.submit(draft, clerk)


@pytest.mark.own_back_office
def test_published_template_wording_is_printed_on_the_next_notice(enrolled_runtime, live_server, clerk):
    import pdfplumber

    services = enrolled_runtime.services
    update = {
        "office": {"review_body": "潍坊市人民政府"},
        "kinds": {"refusal": {"text": {"elsewhere": "本事项请向{competent_office}申请（新版措辞）。"}}},
    }
    publishing.publish_template(
        live_server.db_url, "refusal", "2026-2", json.dumps(update, ensure_ascii=False), by="admin"
    )
    assert services.sync.sync_now().error == ""
    draft = IntakeDraft(
        Applicant("李建国", "身份证", "34052419800101001X"),
        "370702-XK-0001",
        (),
        refusal="not_competent",
        competent_office="潍坊市市场监督管理局",
    )
    result = services.intake.submit(draft, clerk)
    with pdfplumber.open(result.notice_pdf) as pdf:
        text = pdf.pages[0].extract_text().replace("\n", "")
    assert "本事项请向潍坊市市场监督管理局申请（新版措辞）" in text and "潍坊市人民政府" in text
