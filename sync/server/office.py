"""The notice templates in force on the back office: built in, then every published one.

Laid over each other exactly as a window does after its sync (client/services/published.py),
so a decision printed in the console and at the counter names the same office, review body
and court.
"""

from __future__ import annotations

import json
import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from reports.templates import NoticeTemplates, default_templates, merge_templates

from .db import Publication
from .publishing import KIND_TEMPLATE

log = logging.getLogger(__name__)


def current_templates(session: Session) -> NoticeTemplates:
    newest: dict[str, Publication] = {}
    for row in session.execute(
        select(Publication).where(Publication.kind == KIND_TEMPLATE).order_by(Publication.id)
    ).scalars():
        newest[row.name] = row  # later rows win, per name
    templates = default_templates()
    for name, row in sorted(newest.items()):
        try:
            templates = merge_templates(templates, json.loads((row.body or {}).get("body") or "{}"))
        except Exception as exc:  # a bad publication is skipped, as the windows skip it
            log.warning("published template %s ignored: %s", name, exc)
    return templates
