"""Drafts through the service on a real encrypted store and a live back office: a clerk's
intake in progress is theirs alone, sealed on disk, listed across shifts, and gone with the
transaction that records its case (a late save cannot bring it back)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image

from client.domain.identity import Applicant
from client.services.drafts import DraftService, IntakeSnapshot, MaterialSnapshot
from client.services.errors import ServiceError
from client.services.intake import IntakeDraft, MaterialInput
from client.store.models import Case

ID_NUMBER = "34052419800101001X"
NAME = "草稿测试人"
MATTER = "370702-XK-0001"  # 个体工商户设立登记


@pytest.fixture
def counter(enrolled_runtime, live_server):
    services = enrolled_runtime.services
    return services, services.auth.login(live_server.clerk, live_server.password)


def _page(tmp_path, name="id.jpg"):
    img = Image.new("RGB", (600, 400), "white")
    img.paste((20, 60, 160), (50, 50, 550, 200))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    path = tmp_path / name
    path.write_bytes(buf.getvalue())
    return path


def _snapshot(page=None, **kw):
    materials = (
        MaterialSnapshot("M01", "received", pages=(page,) if page else ()),
        MaterialSnapshot("M03", "defective", "缺少产权人签字"),
    )
    values = dict(id_number=ID_NUMBER, name=NAME, phone="13800000000", matter_code=MATTER, materials=materials)
    values.update(kw)
    return IntakeSnapshot(**values)


def test_a_snapshot_reads_back_whole_and_skips_what_it_does_not_know(tmp_path, counter):
    services, _clerk = counter
    page = services.intake.import_page(_page(tmp_path))
    snap = _snapshot(page, answers=(("S01", "agent"),), agent_open=True, agent_relation="entrusted", proxy=True)
    assert IntakeSnapshot.from_json(snap.to_json()) == snap
    # A newer release may add fields: an older one still reads the draft.
    raw = snap.to_json()[:-1] + ', "added_later": 1}'
    assert IntakeSnapshot.from_json(raw) == snap
    assert IntakeSnapshot().empty and IntakeSnapshot(agent_relation="entrusted").empty
    assert (
        not IntakeSnapshot(name=" 张").empty
        and not IntakeSnapshot(materials=(MaterialSnapshot("M01", "received"),)).empty
    )


def test_a_draft_is_the_clerks_own_and_sealed_on_disk(tmp_path, counter, enrolled_runtime, live_server):
    services, clerk = counter
    drafts = services.drafts
    page = services.intake.import_page(_page(tmp_path))
    draft_id = drafts.new_id()
    assert drafts.save(draft_id, clerk, _snapshot(page))

    [summary] = drafts.drafts(clerk)
    assert (summary.id, summary.applicant, summary.matter, summary.pages, summary.stale) == (
        draft_id,
        NAME,
        "个体工商户设立登记",
        1,
        False,
    )
    assert drafts.load(draft_id, clerk) == _snapshot(page)
    # The pages a draft refers to are known, so no cleanup may take them; they still read back.
    assert page.sha256 in drafts.kept_pages()
    assert enrolled_runtime.store.pages.read(page.sha256) == _page(tmp_path).read_bytes()

    # Another clerk (a supervisor too) neither sees nor opens nor overwrites it.
    supervisor = services.auth.login(live_server.hall.supervisor, live_server.password)
    assert drafts.drafts(supervisor) == ()
    with pytest.raises(ServiceError) as opened:
        drafts.load(draft_id, supervisor)
    assert "未找到这份草稿" in opened.value.message
    with pytest.raises(ServiceError):
        drafts.save(draft_id, supervisor, _snapshot(name="别人"))
    assert drafts.load(draft_id, clerk).name == NAME

    # The applicant's name is nowhere in the files on disk: the store is SQLCipher.
    data_dir = enrolled_runtime.store.path.parent
    for path in data_dir.glob("client.sqlite*"):
        assert NAME.encode() not in path.read_bytes(), path.name


def test_a_draft_goes_with_the_transaction_that_records_its_case(counter, enrolled_runtime):
    services, clerk = counter
    drafts = services.drafts
    draft_id = drafts.new_id()
    drafts.save(draft_id, clerk, _snapshot())
    matter = services.intake.matter(MATTER)
    case = IntakeDraft(
        Applicant(NAME, "身份证", ID_NUMBER),
        MATTER,
        tuple(MaterialInput(spec.code, True) for spec in matter.materials),
        phone="13800000000",
    )
    result = services.intake.submit(case, clerk, within=drafts.closing(draft_id))
    assert drafts.drafts(clerk) == ()
    with enrolled_runtime.store.sessions() as s:
        assert s.get(Case, result.case_id) is not None
    # A save that was on its way when F9 was pressed does not bring the draft back.
    assert drafts.save(draft_id, clerk, _snapshot(name=NAME + "改")) is False
    assert drafts.drafts(clerk) == ()


def test_a_failed_submit_leaves_the_draft_in_place(counter):
    services, clerk = counter
    drafts = services.drafts
    draft_id = drafts.new_id()
    drafts.save(draft_id, clerk, _snapshot())
    matter = services.intake.matter(MATTER)
    case = IntakeDraft(
        Applicant(NAME, "身份证", ID_NUMBER), MATTER, tuple(MaterialInput(s.code, True) for s in matter.materials)
    )

    def fails_late(session, *case_info):
        drafts.closing(draft_id)(session, *case_info)  # the draft's delete is in the transaction…
        raise OSError("disk full")  # …which then fails: nothing is recorded

    with pytest.raises((OSError, ServiceError)):
        services.intake.submit(case, clerk, within=fails_late)
    assert [d.id for d in drafts.drafts(clerk)] == [draft_id]
    drafts.reopen(draft_id)  # what the intake screen does when F9 fails
    assert drafts.save(draft_id, clerk, _snapshot(name="改后"))
    assert drafts.load(draft_id, clerk).name == "改后"


def test_drafts_from_before_the_shift_are_listed_not_removed(counter, enrolled_runtime):
    services, clerk = counter
    shift = services.shifts.open(clerk, "3")
    catalog = lambda: services.intake.catalog()  # noqa: E731 - the service's own catalog
    yesterday = DraftService(enrolled_runtime.store, catalog, clock=lambda: shift.opened_at - dt.timedelta(hours=20))
    old = yesterday.new_id()
    yesterday.save(old, clerk, _snapshot(name="昨天的申请人"))
    today = DraftService(enrolled_runtime.store, catalog, clock=lambda: shift.opened_at + dt.timedelta(minutes=5))
    new = today.new_id()
    today.save(new, clerk, _snapshot())

    listed = services.drafts.drafts(clerk, shift.opened_at)
    assert [(d.id, d.applicant, d.stale) for d in listed] == [(new, NAME, False), (old, "昨天的申请人", True)]
    # Listing, a new shift or a restart removes nothing: only the clerk does.
    services.shifts.open(clerk, "3")
    assert {d.id for d in services.drafts.drafts(clerk)} == {old, new}
    services.drafts.discard(old, clerk)
    assert [d.id for d in services.drafts.drafts(clerk)] == [new]
