"""HTTP client of the back office, one method per endpoint of `sync.protocol`.

Network failures become `ServerUnreachable` and HTTP errors `ServerError` with the
server's Chinese message, so callers never see a raw requests exception.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator

import requests

from . import protocol as p
from .transport import TransportRefused, check_server_url, pin_session

log = logging.getLogger(__name__)


class ServerUnreachable(Exception):
    message = "无法连接后台服务器，办件已保存在本机，网络恢复后将自动报送"


class ServerError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(f"HTTP {status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


class _Pieces:
    """An iterable body of known length: requests then sends a Content-Length and each
    piece with one sendall, instead of chunked encoding or 8 KB reads."""

    def __init__(self, pieces: Iterable[bytes], length: int):
        self.pieces, self.length = pieces, length

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.pieces)

    def __len__(self) -> int:
        return self.length


class BackOfficeApi:
    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        timeout: float | tuple[float, float] = 10.0,  # requests' (connect, read) pair is allowed
        session: requests.Session | None = None,
        *,
        pin_sha256: str = "",  # the back office's certificate, when the window pins it
        demo: bool = False,  # the demo may use plain HTTP to any host; otherwise loopback only
    ):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.http = session or requests.Session()
        # Checked once here, refused at every request: the token must not cross a network in clear.
        try:
            check_server_url(self.base_url, demo=demo)
            self.refused = ""
        except TransportRefused as exc:
            self.refused = exc.message
        if pin_sha256:
            pin_session(self.http, pin_sha256)

    def _request(self, method: str, path: str, **kw) -> requests.Response:
        if self.refused:
            raise ServerError(0, "insecure_transport", self.refused)
        headers = kw.pop("headers", {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            resp = self.http.request(method, self.base_url + p.API + path, headers=headers, timeout=self.timeout, **kw)
        except requests.RequestException as exc:
            log.info("%s %s failed: %s", method, path, exc)
            raise ServerUnreachable(str(exc)) from exc
        if resp.status_code >= 400 and not (method == "HEAD" and resp.status_code == 404):
            try:
                body = p.ErrorBody.model_validate(resp.json().get("detail", resp.json()))
                code, message = body.code, body.message
            except Exception:  # a proxy's HTML page or an empty body
                code, message = "http_error", f"后台服务器返回错误（{resp.status_code}）"
            raise ServerError(resp.status_code, code, message)
        return resp

    def health(self) -> dict:
        return self._request("GET", "/health").json()

    def enrol(self, code: str, device_name: str) -> p.EnrolResponse:
        body = p.EnrolRequest(code=code, device_name=device_name).model_dump()
        return p.EnrolResponse.model_validate(self._request("POST", "/enrol", json=body).json())

    def login(self, username: str, password: str) -> p.LoginResponse:
        body = p.LoginRequest(username=username, password=password).model_dump()
        return p.LoginResponse.model_validate(self._request("POST", "/login", json=body).json())

    def device_wiped(self) -> p.WipedResponse:
        """Tell the back office this window erased itself (taken from a revoked device too)."""
        return p.WipedResponse.model_validate(self._request("POST", "/device/wiped").json())

    def push(self, events: list[p.Event]) -> p.PushResponse:
        body = p.PushRequest(events=events).model_dump(mode="json")
        return p.PushResponse.model_validate(self._request("POST", "/events", json=body).json())

    def pull(self, cursor: int) -> p.PullResponse:
        resp = self._request("GET", "/changes", params={"cursor": cursor})
        return p.PullResponse.model_validate(resp.json())

    def restore(self, after: str = "", limit: int = 100) -> p.RestoreResponse:
        resp = self._request("GET", "/cases/restore", params={"after": after, "limit": limit})
        return p.RestoreResponse.model_validate(resp.json())

    def blob_statuses(self, shas: list[str]) -> dict[str, p.BlobStatus]:
        """What the server holds of each blob, in one round trip (HEAD for each against a
        back office too old to answer it)."""
        try:
            resp = self._request("POST", "/blobs/status", json={"sha256": shas})
        except ServerError as exc:
            if exc.status not in (404, 405):
                raise
            return {sha: p.BlobStatus(sha256=sha, size=self.blob_held(sha), complete=False) for sha in shas}
        return {b.sha256: b for b in p.BlobStatusList.model_validate(resp.json()).blobs}

    def blob_held(self, sha256: str) -> int:
        resp = self._request("HEAD", f"/blobs/{sha256}")
        return 0 if resp.status_code == 404 else int(resp.headers.get("X-Blob-Size", "0"))

    def blob_put(self, sha256: str, offset: int, body: bytes | Iterable[bytes], total: int) -> p.BlobStatus:
        """Send the blob's bytes from `offset` to its end: the whole rest as bytes, or pieces
        that are read while sending (with a Content-Length, so the server streams them)."""
        data = body if isinstance(body, bytes) else _Pieces(body, total - offset)
        resp = self._request(
            "PUT",
            f"/blobs/{sha256}",
            params={"offset": offset},
            data=data,
            headers={"X-Blob-Length": str(total), "Content-Type": "application/octet-stream"},
        )
        return p.BlobStatus.model_validate(resp.json())

    def outreach_runs(self, run_date) -> p.OutreachRunList:
        resp = self._request("GET", "/outreach/runs", params={"date": run_date.isoformat()})
        return p.OutreachRunList.model_validate(resp.json())

    def outreach_run(self, run_id: str) -> p.OutreachRunData:
        return p.OutreachRunData.model_validate(self._request("GET", f"/outreach/runs/{run_id}").json())

    def catalog(self) -> dict:
        return self._request("GET", "/catalog").json()

    def take_ticket(
        self, category: str = "A", *, green_channel: bool = False, id_number: str | None = None
    ) -> p.QueueTicket:
        body = p.TicketRequest(category=category, green_channel=green_channel, id_number=id_number).model_dump()
        return p.QueueTicket.model_validate(self._request("POST", "/queue/tickets", json=body).json())

    def check_in_booking(self, window: str, *, id_number: str = "", code: str = "") -> p.QueueTicket:
        body = p.CheckInRequest(window=window, id_number=id_number or None, code=code or None).model_dump()
        return p.QueueTicket.model_validate(self._request("POST", "/queue/check-in", json=body).json())

    def call_next(self, window: str, categories: list[str] | None = None) -> p.CallResponse:
        body = p.CallRequest(window=window, categories=categories or []).model_dump()
        return p.CallResponse.model_validate(self._request("POST", "/queue/call", json=body).json())

    def queue_status(self, window: str) -> p.QueueStatus:
        resp = self._request("GET", "/queue/status", params={"window": window})
        return p.QueueStatus.model_validate(resp.json())

    def ticket_link(self, ticket_id: int) -> p.TicketLink:
        body = p.TicketLinkRequest(ticket_id=ticket_id).model_dump()
        return p.TicketLink.model_validate(self._request("POST", "/queue/links", json=body).json())

    def ticket_action(self, ticket_id: int, action: str, body: p.TicketAction) -> p.QueueTicket:
        resp = self._request("POST", f"/queue/tickets/{ticket_id}/{action}", json=body.model_dump())
        return p.QueueTicket.model_validate(resp.json())
