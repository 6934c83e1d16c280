"""The committed OpenAPI spec (docs/openapi.json) is exactly what the server serves."""

from __future__ import annotations

import json
from pathlib import Path

from sync.server.spec import spec_text

SPEC = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_committed_spec_equals_the_served_one(fresh_server):
    served = fresh_server.client.get("/openapi.json")
    assert served.status_code == 200
    assert spec_text(served.json()) == SPEC.read_text(encoding="utf-8"), (
        "docs/openapi.json is stale: run `onewindow-server openapi --out docs/openapi.json`"
    )


def test_spec_declares_bearer_auth_and_the_raw_blob_upload():
    spec = json.loads(SPEC.read_text(encoding="utf-8"))
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    put = spec["paths"]["/api/v1/blobs/{sha256}"]["put"]
    assert "application/octet-stream" in put["requestBody"]["content"]
