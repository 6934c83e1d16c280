"""The working-day calendar in force on this machine: built-in data plus back-office updates.

Kept in the store's settings table (no schema change): an administrator installs a year's
holidays and 调休 days; they replace the built-in data of those years only. What the back
office publishes is merged by year in the sync settings (client.store.outbox) and laid over
this by `Published` (docs/calendar.md).
"""

from __future__ import annotations

import json

from client.domain.deadlines import WorkCalendar, calendar_from_dict, calendar_to_dict, load_builtin_calendar
from client.store.db import Store
from client.store.settings import get_setting, put_setting

from .errors import ServiceError

SETTING_KEY = "calendar.override"


class CalendarService:
    def __init__(self, store: Store):
        self.store = store

    def current(self) -> WorkCalendar:
        """Built-in calendar with the stored override applied; a bad override is ignored."""
        builtin = load_builtin_calendar()
        with self.store.sessions() as s:
            raw = get_setting(s, SETTING_KEY)
        if not raw:
            return builtin
        try:
            return builtin.merged(calendar_from_dict(json.loads(raw)))
        except ValueError:
            return builtin

    def install(self, data: dict) -> WorkCalendar:
        """Store calendar data for one or more years (merged with what is stored already)."""
        try:
            newer = calendar_from_dict(data)
        except ValueError as exc:
            raise ServiceError(str(exc)) from exc
        with self.store.sessions.begin() as s:
            raw = get_setting(s, SETTING_KEY)
            stored = calendar_from_dict(json.loads(raw)) if raw else WorkCalendar()
            put_setting(s, SETTING_KEY, json.dumps(calendar_to_dict(stored.merged(newer)), ensure_ascii=False))
        return self.current()
