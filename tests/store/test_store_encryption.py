"""Encryption at rest: the database and the scanned pages are unreadable without the key."""

from __future__ import annotations

import sqlite3
import stat

import keyring
import pytest
from keyring.backends import fail
from sqlalchemy import select
from store_helpers import APPLICANT, CLERK, draft_for, intake_for

from client.app import ClientConfig, build_runtime
from client.cli import main
from client.store.db import open_store
from client.store.errors import StoreKeyMissing, StoreLocked
from client.store.keys import STORE_KEY, StoreKeys, store_keys
from client.store.models import Case
from client.store.pages import PageUnreadable
from client.store.secrets import SERVICE, KeyringUnavailable, SecretStore

SCAN = b"\x89PNG\r\n" + "身份证 王秀英 11010519491231002X 住址：山东省潍坊市".encode() * 50


@pytest.fixture
def encrypted_store(fresh_store, tmp_path):
    """An encrypted store holding one accepted case with one scanned page."""
    intake = intake_for(fresh_store)
    intake.accept(draft_for(intake, SCAN, tmp_path), CLERK)
    return fresh_store


def _store_bytes(store) -> bytes:
    return b"".join(p.read_bytes() for p in store.path.parent.glob(store.path.name + "*"))


def test_plain_sqlite3_cannot_read_the_store(encrypted_store):
    with pytest.raises(sqlite3.DatabaseError, match="not a database"):
        sqlite3.connect(encrypted_store.path).execute("SELECT * FROM cases").fetchall()


def test_the_file_holds_no_applicant_data_in_clear(encrypted_store):
    raw = _store_bytes(encrypted_store)
    assert APPLICANT.id_number.encode() not in raw
    assert APPLICANT.name.encode() not in raw
    with encrypted_store.sessions() as s:
        assert s.scalar(select(Case.applicant_id_number)) == APPLICANT.id_number


def test_a_wrong_key_is_refused_with_a_chinese_message(encrypted_store):
    encrypted_store.close()
    with pytest.raises(StoreLocked) as caught:
        open_store(encrypted_store.path, keys=StoreKeys.from_master("cd" * 32))
    assert "密钥" in caught.value.message


def test_the_plaintext_switch_cannot_open_an_encrypted_store(encrypted_store):
    encrypted_store.close()
    with pytest.raises(StoreLocked):
        open_store(encrypted_store.path, keys=None)


def test_page_files_are_sealed_and_named_by_the_plaintext_hash(encrypted_store):
    files = [p for p in encrypted_store.blob_dir.rglob("*") if p.is_file()]
    assert len(files) == 1
    assert SCAN not in files[0].read_bytes() and "王秀英".encode() not in files[0].read_bytes()
    assert encrypted_store.pages.read(files[0].name) == SCAN


def test_a_page_file_swapped_or_flipped_is_refused(encrypted_store):
    path = next(p for p in encrypted_store.blob_dir.rglob("*") if p.is_file())
    data = bytearray(path.read_bytes())
    data[-1] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(PageUnreadable):
        encrypted_store.pages.read(path.name)


def test_the_key_is_made_once_and_kept_in_the_keyring(tmp_path, memory_keyring):
    path = tmp_path / "client.sqlite"
    first = store_keys(path, plaintext=False, demo=False, secrets=SecretStore())
    stored = memory_keyring.get_password(SERVICE, STORE_KEY)
    assert len(bytes.fromhex(stored)) == 32
    assert store_keys(path, plaintext=False, demo=False, secrets=SecretStore()).db_key == first.db_key


def test_an_encrypted_store_whose_key_vanished_is_not_given_a_new_key(encrypted_store, memory_keyring):
    encrypted_store.close()
    memory_keyring.delete_password(SERVICE, STORE_KEY)
    with pytest.raises(StoreKeyMissing) as caught:
        store_keys(encrypted_store.path, plaintext=False, demo=False, secrets=SecretStore())
    assert memory_keyring.get_password(SERVICE, STORE_KEY) is None
    assert "密钥" in caught.value.message


def test_production_without_a_keyring_refuses_to_start_and_says_what_to_install(tmp_path, capsys):
    keyring.set_keyring(fail.Keyring())
    with pytest.raises(KeyringUnavailable) as caught:
        build_runtime(ClientConfig(data_dir=tmp_path, devices="none"))
    assert "gnome-keyring" in caught.value.message
    assert not (tmp_path / "client.sqlite").exists()
    assert main(["sync", "--data-dir", str(tmp_path)]) == 1
    assert "sudo apt-get install gnome-keyring" in capsys.readouterr().err


def test_the_development_switch_gives_a_plaintext_store_and_says_so(tmp_path):
    runtime = build_runtime(ClientConfig(data_dir=tmp_path, devices="none", plaintext=True))
    try:
        assert runtime.services.plaintext_store and not runtime.store.encrypted
        assert sqlite3.connect(tmp_path / "client.sqlite").execute("SELECT count(*) FROM cases").fetchone() == (0,)
    finally:
        runtime.close()


def test_demo_keeps_its_key_in_a_private_file_and_reopens(tmp_path):
    for _ in range(2):
        runtime = build_runtime(ClientConfig(data_dir=tmp_path, demo=True, devices="none"))
        assert runtime.store.encrypted and not runtime.services.plaintext_store
        runtime.close()
    key_file = tmp_path / "demo-store.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert keyring.get_password(SERVICE, STORE_KEY) is None


def test_a_plaintext_store_is_encrypted_in_place_with_its_cases_and_pages(tmp_path):
    path = tmp_path / "client.sqlite"
    dev = open_store(path, keys=None)
    intake = intake_for(dev)
    case_no = intake.accept(draft_for(intake, SCAN, tmp_path), CLERK).case_no
    dev.close()
    keys = StoreKeys.from_master("ef" * 32)
    store = open_store(path, keys=keys)
    try:
        with store.sessions() as s:
            assert s.scalar(select(Case.case_no)) == case_no
        assert APPLICANT.id_number.encode() not in _store_bytes(store)
        page = next(p for p in store.blob_dir.rglob("*") if p.is_file())
        assert SCAN not in page.read_bytes() and store.pages.read(page.name) == SCAN
    finally:
        store.close()
