"""How a window may reach its back office: HTTPS (plain HTTP only to this machine or in the
demo), and optionally only to one pinned certificate.

The device token travels in every request's header, so a back office reached over plain HTTP
on a network hands the token (and citizens' data) to anyone on the path. Pinning is for a
county whose back office has a certificate of its own (often self-signed or from an internal
CA): the window then trusts exactly that certificate, checked on every connection by urllib3's
`assert_fingerprint` (a public pool option), whatever CA signed it.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

_HEX64 = re.compile(r"[0-9a-f]{64}")


class TransportRefused(ValueError):
    """A back-office address or pin the window will not use; `message` is Chinese for the clerk."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_server_url(url: str, *, demo: bool = False) -> None:
    """Refuse an address the token must not be sent to."""
    parts = urlsplit(url.strip())
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname:
        if demo or is_loopback(parts.hostname):
            return
        raise TransportRefused(
            "后台服务器地址必须以 https:// 开头：用 http:// 连接本机以外的服务器，"
            "设备凭据和办件信息会以明文在网络上传输。请向管理员索取 https 地址。"
        )
    raise TransportRefused("后台服务器地址无效，应形如 https://服务器地址")


def normalize_pin(text: str) -> str:
    """A certificate's SHA-256 as 64 lower-case hex digits; colons (as `openssl x509
    -fingerprint -sha256` prints them) and spaces are forgiven."""
    pin = re.sub(r"[\s:]", "", text or "").lower()
    if pin.startswith("sha256="):
        pin = pin[len("sha256=") :]
    if not _HEX64.fullmatch(pin):
        raise TransportRefused(
            "证书指纹格式不正确：应为 64 位十六进制的 SHA-256 指纹"
            "（如 openssl x509 -noout -fingerprint -sha256 -in 证书文件 的输出）"
        )
    return pin


class PinnedAdapter(HTTPAdapter):
    """Every HTTPS connection through it must present the certificate with this SHA-256."""

    def __init__(self, pin_sha256: str, **kwargs: object):
        self.pin_sha256 = normalize_pin(pin_sha256)
        super().__init__(**kwargs)  # type: ignore[arg-type]

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: object) -> None:
        pool_kwargs["assert_fingerprint"] = self.pin_sha256
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: object):
        proxy_kwargs["assert_fingerprint"] = self.pin_sha256
        return super().proxy_manager_for(proxy, **proxy_kwargs)

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        """The pin replaces the CA check (the chain of an internal or self-signed certificate
        need not verify); the fingerprint is checked on every connection instead. Set here, not
        on the session, because requests lets REQUESTS_CA_BUNDLE override a session's verify."""
        return super().send(request, stream=stream, timeout=timeout, verify=False, cert=cert, proxies=proxies)


def pin_session(session: requests.Session, pin_sha256: str) -> requests.Session:
    """Make `session` accept only the pinned certificate for HTTPS: a certificate other than
    the pinned one is refused even if a trusted CA signed it."""
    session.mount("https://", PinnedAdapter(pin_sha256))
    return session
