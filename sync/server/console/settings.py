"""The console's one settings class: time limits, lock-out, body bounds and cookie names.

Defaults are the security choices documented in docs/security.md; an app gets its own
instance (`app.state.console_settings`), so a test or a deployment can change one without
touching another app in the same process.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

PREFIX = "/console"


@dataclass(frozen=True)
class ConsoleSettings:
    idle_timeout: dt.timedelta = dt.timedelta(minutes=30)
    absolute_timeout: dt.timedelta = dt.timedelta(hours=12)
    # last_seen_at is written at most this often, so a busy page costs no write per request.
    touch_every: dt.timedelta = dt.timedelta(minutes=1)
    max_failures: int = 5  # wrong passwords in a row before the account is locked
    lockout: dt.timedelta = dt.timedelta(minutes=15)
    max_form_bytes: int = 8 * 1024
    max_username: int = 64  # users.username is String(64)
    max_password: int = 128
    session_cookie: str = "ow_console_session"
    signin_cookie: str = "ow_console_signin"  # the sign-in form's double-submit CSRF token
    signin_cookie_age: dt.timedelta = dt.timedelta(hours=2)

    @property
    def lockout_minutes(self) -> int:
        return int(self.lockout.total_seconds() // 60)

    @property
    def idle_minutes(self) -> int:
        return int(self.idle_timeout.total_seconds() // 60)
