"""The committed form of the OpenAPI spec (docs/openapi.json): stable bytes for review diffs."""

from __future__ import annotations

import json


def spec_text(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
