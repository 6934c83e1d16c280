"""Scenario 2: a 20 MB scan cut off at 60% resumes from the offset the server confirms."""

from __future__ import annotations

import hashlib

import requests

from sync import protocol
from sync.server import admin
from tests.sync.window_cases import page_bytes, queue_case

SIZE = 20 * 1024 * 1024


def test_cut_upload_resumes_and_case_completes_only_with_every_page(window, running_back_office):
    scan = page_bytes(SIZE)
    digest = hashlib.sha256(scan).hexdigest()
    queue_case(window.store, window.device_code, pages=(scan,))
    window.proxy.cut_upload_after(int(SIZE * 0.6))
    assert not window.engine.sync_once().ok

    head = requests.head(
        f"{running_back_office.url}{protocol.API}/blobs/{digest}",
        headers={"Authorization": f"Bearer {window.token}"},
        timeout=10,
    )
    held = int(head.headers["X-Blob-Size"])
    assert 0 < held < SIZE and head.headers["X-Blob-Complete"] == "false"
    assert window.outbox.progress().bytes_left == SIZE
    assert admin.list_cases(running_back_office.db_url) == ()  # the push comes after the pages

    sent_before = window.proxy.bytes_up
    report = window.engine.sync_once()
    assert report.ok and report.blobs_uploaded == 1 and report.acked == 1
    resent = window.proxy.bytes_up - sent_before
    assert resent < SIZE - held + 1024 * 1024  # only the rest, plus headers and the push
    stored = running_back_office.blob_dir / digest[:2] / digest
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == digest
    [case] = admin.list_cases(running_back_office.db_url)
    assert case.complete is True
    assert window.outbox.progress().bytes_left == 0


def test_an_older_back_office_without_the_status_query_is_asked_page_by_page(window, running_back_office):
    scans = (page_bytes(300_000, seed=7), page_bytes(200_000, seed=8))
    queue_case(window.store, window.device_code, pages=scans)
    window.proxy.reply_404("POST /api/v1/blobs/status")
    report = window.engine.sync_once()
    assert report.ok and report.blobs_uploaded == 2 and report.acked == 1
    heads = [line for line in window.proxy.requests if line.startswith(b"HEAD /api/v1/blobs/")]
    assert len(heads) == 2
    for scan in scans:
        digest = hashlib.sha256(scan).hexdigest()
        assert (running_back_office.blob_dir / digest[:2] / digest).read_bytes() == scan
    assert window.outbox.progress().bytes_left == 0
