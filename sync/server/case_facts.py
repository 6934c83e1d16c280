"""Two readings of a case row that the back office's modules make alike: its payload as a dict
(whatever the JSON column holds) and its state's Chinese label (a state this version does not
know shows as stored, rather than failing the page or the message that names it)."""

from __future__ import annotations

from typing import Any

from client.domain.states import LABELS, CaseState

from .db import Case


def payload_of(case: Case) -> dict[str, Any]:
    return case.payload if isinstance(case.payload, dict) else {}


def state_label(status: str) -> str:
    try:
        return LABELS[CaseState(status)]
    except ValueError:
        return status
