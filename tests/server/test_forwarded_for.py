"""X-Forwarded-For is believed only from nginx's address (`--forwarded-allow-ips`): behind
nginx the console's audit log names the real client; without it, a header anybody can
send changes nothing."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import create_engine, select

from sync.server.db import StaffAudit
from sync.server.demo import ensure_demo
from sync.server.runner import start_in_thread
from tests.console.site import form_token
from tests.support.back_office import sqlite_url


def _audited_client_of_a_wrong_password(tmp_path, allow: str) -> tuple[str, str]:
    db_url = sqlite_url(tmp_path / allow.replace(".", "_") if allow else tmp_path / "none")
    ensure_demo(db_url)
    server = start_in_thread(db_url, tmp_path / "blobs", forwarded_allow_ips=allow)
    try:
        # The sign-in page's cookie is Secure when nginx says the browser came over TLS.
        page = httpx.get(f"{server.url}/console/login", headers={"X-Forwarded-Proto": "https"})
        secure = "secure" in page.headers.get("set-cookie", "").lower()
        with httpx.Client(base_url=server.url, headers={"X-Forwarded-For": "10.9.8.7"}) as client:
            token = form_token(client)
            answer = client.post(
                "/console/login", data={"csrf_token": token, "username": "approver01", "password": "wrong"}
            )
            assert answer.status_code in (200, 401)
    finally:
        server.stop()
    engine = create_engine(db_url)
    with engine.connect() as conn:
        client_seen = conn.execute(select(StaffAudit.client).order_by(StaffAudit.id.desc()).limit(1)).scalar_one()
    engine.dispose()
    return client_seen, "secure" if secure else "plain"


@pytest.mark.parametrize(
    ("allow", "seen", "cookie"),
    [("127.0.0.1", "10.9.8.7", "secure"), ("", "127.0.0.1", "plain")],
    ids=["from-nginx", "from-anybody"],
)
def test_forwarded_for_is_believed_only_from_the_allowed_proxy(tmp_path, allow, seen, cookie):
    assert _audited_client_of_a_wrong_password(tmp_path, allow) == (seen, cookie)
