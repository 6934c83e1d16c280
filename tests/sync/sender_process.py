"""A second window process on the same store, for the two-senders test.

Runs sync rounds until its store has nothing pending, then prints JSON: the event ids
this process itself pushed and how many rounds found the outbox held by another.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from client.store.db import open_store
from client.store.outbox import StoreOutbox
from sync.api import BackOfficeApi
from sync.engine import SyncEngine


class RecordingApi(BackOfficeApi):
    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.sent: list[str] = []

    def push(self, events):
        answer = super().push(events)
        self.sent.extend(e.event_id for e in events)
        return answer


def main(store_path: str, url: str, token: str) -> int:
    store = open_store(Path(store_path), keys=None)
    outbox = StoreOutbox(store)
    api = RecordingApi(url, token, timeout=30)
    engine = SyncEngine(api, outbox, batch=5)
    busy = 0
    for _ in range(10_000):
        report = engine.sync_once()
        busy += report.busy
        if outbox.progress().events_pending == 0 and not report.busy:
            break
    print(json.dumps({"sent": api.sent, "busy": busy}))
    store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:4]))
