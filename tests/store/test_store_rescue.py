"""A damaged store at start-up: what reads is sealed in a rescue file, the damaged file is
kept aside, a fresh store lets the counter go on (issue 4, item 5; sync scenario 12)."""

from __future__ import annotations

import json
import os

import pytest
from sqlalchemy import select
from store_helpers import APPLICANT, CLERK, IDENTITY, draft_for, intake_for

from client.app import ClientConfig, build_runtime
from client.cli import main
from client.store.db import open_store, readonly_connection
from client.store.errors import StoreCorrupted, StoreRescued, StoreUnreadableRescue
from client.store.keys import StoreKeys, store_keys
from client.store.models import Case
from client.store.rescue import open_rescue, rescue_keys_for
from client.store.secrets import SecretStore
from client.store.settings import load_identity

CASES = 12
PAGE = 4096


def _fill_and_damage(store, tmp_path) -> list[str]:
    """Accept cases, close the store, overwrite bytes near the end of its file.

    The last pages hold the rows written last (case events, materials); the middle of the
    file is schema and index pages whose position moves with every new table.
    """
    intake = intake_for(store)
    numbers = [
        intake.accept(draft_for(intake, b"PNG" + bytes([i]) * 2000, tmp_path), CLERK).case_no for i in range(CASES)
    ]
    store.close()
    data_page = store.path.stat().st_size // PAGE - 2
    with open(store.path, "r+b") as fh:  # the tail of a page: where SQLite keeps its cells
        fh.seek((data_page + 1) * PAGE - 600)
        fh.write(os.urandom(600))
    return numbers


@pytest.fixture
def corrupted_store(fresh_store, tmp_path):
    """An encrypted store with accepted cases whose file has a damaged page; (path, case numbers)."""
    return fresh_store.path, _fill_and_damage(fresh_store, tmp_path)


@pytest.fixture
def corrupted_dev_store(tmp_path):
    """The plaintext development store, damaged the same way."""
    store = open_store(tmp_path / "dev" / "client.sqlite", keys=None)
    return store.path, _fill_and_damage(store, tmp_path)


def _keys(path):
    return store_keys(path, plaintext=False, demo=False, secrets=SecretStore())


def _rescue(path, plaintext: bool) -> StoreRescued:
    with pytest.raises(StoreRescued) as caught:
        build_runtime(ClientConfig(data_dir=path.parent, devices="none", plaintext=plaintext))
    return caught.value


def _case_nos(conn) -> set[str]:
    return {r[0] for r in conn.execute("SELECT case_no FROM cases")}


def test_the_damage_is_found_at_start_up(corrupted_store):
    path, _ = corrupted_store
    with pytest.raises(StoreCorrupted):
        open_store(path, keys=_keys(path))


@pytest.mark.parametrize("plaintext", [False, True], ids=["sqlcipher", "dev-plaintext"])
def test_readable_cases_are_sealed_in_a_rescue_file(corrupted_store, corrupted_dev_store, plaintext):
    path, numbers = corrupted_dev_store if plaintext else corrupted_store
    keys = None if plaintext else _keys(path)
    error = _rescue(path, plaintext)
    raw = error.rescue_file.read_bytes()
    assert error.rescue_file.parent == path.parent / "rescue"
    assert APPLICANT.id_number.encode() not in raw and numbers[0].encode() not in raw
    document = open_rescue(raw, rescue_keys_for(path, keys))
    conn = readonly_connection(error.moved_to, keys)  # the damaged file, read the plain way
    try:
        readable = _case_nos(conn)
    finally:
        conn.close()
    rescued = {c["case_no"] for c in document["tables"]["cases"]}
    assert rescued and rescued == readable and rescued <= set(numbers)
    assert {c["applicant_id_number"] for c in document["tables"]["cases"]} == {APPLICANT.id_number}
    assert len(document["tables"]["case_events"]) == len(document["unsent_outbox"]) == len(rescued)
    assert document["incomplete_tables"]  # the damaged page cost rows, and the file says which table
    assert "本机数据库已损坏" in error.message and str(error.rescue_file) in error.message
    assert "onewindow store rescue" in error.message


def test_the_damaged_file_is_kept_aside_and_the_next_start_is_fresh(corrupted_store):
    path, numbers = corrupted_store
    error = _rescue(path, plaintext=False)
    assert error.moved_to.exists() and error.moved_to.stat().st_size > 0
    assert str(error.moved_to) in error.message
    runtime = build_runtime(ClientConfig(data_dir=path.parent, devices="none"))
    try:
        store = runtime.store
        with store.sessions() as s:
            assert s.scalars(select(Case)).all() == []
            assert load_identity(s) == IDENTITY  # still enrolled: the counter goes on
        intake = intake_for(store, enrol=False)
        known = intake.returning_applicant(APPLICANT.id_number)  # the applicant memory came across
        assert (known.name, known.phone, known.cases) == (APPLICANT.name, "13800000000", 0)
        result = intake.accept(draft_for(intake, b"PNG-after", path.parent), CLERK)
        assert result.case_no not in numbers  # the day's sequence carried over, no repeat
    finally:
        runtime.close()


def test_unsent_events_are_in_the_rescue_file(corrupted_dev_store):
    path, _ = corrupted_dev_store
    error = _rescue(path, plaintext=True)
    document = open_rescue(error.rescue_file.read_bytes(), rescue_keys_for(path, None))
    unsent = document["unsent_outbox"]
    outbox_rows = document["tables"].get("outbox", [])
    assert len(unsent) == len([r for r in outbox_rows if r["state"] != "acked"])
    assert all(u["type"] == "case.accepted" for u in unsent if "type" in u)


def test_a_rescue_file_does_not_open_with_another_key(corrupted_store):
    path, _ = corrupted_store
    error = _rescue(path, plaintext=False)
    with pytest.raises(StoreUnreadableRescue):
        open_rescue(error.rescue_file.read_bytes(), StoreKeys.from_master("ab" * 32))


def test_store_check_reports_the_damage(corrupted_store, capsys):
    path, _ = corrupted_store
    assert main(["store", "check", "--data-dir", str(path.parent)]) == 3
    out = capsys.readouterr().out
    assert "未通过" in out and path.exists()  # check only reads


def test_store_check_passes_a_whole_store(fresh_store, tmp_path, capsys):
    intake = intake_for(fresh_store)
    intake.accept(draft_for(intake, b"PNG-whole", tmp_path), CLERK)
    assert main(["store", "check", "--data-dir", str(fresh_store.path.parent)]) == 0
    out = capsys.readouterr().out
    assert "通过" in out and "未上报后台的记录：1 条" in out and "核验 1 个文件，损坏 0 个" in out


def test_store_rescue_writes_json_for_the_administrator(corrupted_store, tmp_path, capsys):
    path, numbers = corrupted_store
    error = _rescue(path, plaintext=False)
    out_dir = tmp_path / "admin"
    assert main(["store", "rescue", str(error.rescue_file), "--data-dir", str(path.parent), "--out", str(out_dir)]) == 0
    written = json.loads((out_dir / (error.rescue_file.stem + ".json")).read_text(encoding="utf-8"))
    assert {c["case_no"] for c in written["tables"]["cases"]} <= set(numbers)
    assert "已解密" in capsys.readouterr().out


def test_a_clerks_draft_outlives_a_damaged_store(fresh_store, tmp_path):
    """Nothing a clerk typed is lost: an intake in progress is carried into the fresh store."""
    from client.domain.catalog import load_sample_catalog
    from client.services.drafts import DraftService, IntakeSnapshot, MaterialSnapshot

    catalog = load_sample_catalog()
    drafts = DraftService(fresh_store, lambda: catalog)
    page = fresh_store.pages.put(b"PNG-draft-page" * 100, "身份证.jpg")
    snapshot = IntakeSnapshot(
        id_number=APPLICANT.id_number,
        name=APPLICANT.name,
        matter_code=catalog.matters[0].code,
        materials=(MaterialSnapshot(catalog.matters[0].materials[0].code, "received", pages=(page,)),),
    )
    draft_id = drafts.new_id()
    drafts.save(draft_id, CLERK, snapshot)
    path = fresh_store.path
    _fill_and_damage(fresh_store, tmp_path)
    _rescue(path, plaintext=False)
    runtime = build_runtime(ClientConfig(data_dir=path.parent, devices="none"))
    try:
        [summary] = runtime.services.drafts.drafts(CLERK)
        assert (summary.id, summary.applicant, summary.pages) == (draft_id, APPLICANT.name, 1)
        assert runtime.services.drafts.load(draft_id, CLERK) == snapshot
        assert runtime.store.pages.read(page.sha256) == b"PNG-draft-page" * 100
    finally:
        runtime.close()
