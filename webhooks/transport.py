"""POST a webhook to a partner's server, and never to ours.

The host is resolved once, every address it resolves to is checked (no loopback, private,
link-local, shared, multicast or reserved address; ``WEBHOOKS_ALLOW_LOCAL`` allows loopback
and plain http for the tests and ``./dev run``), and the connection goes to the address that
was checked, with the host name kept for TLS and the Host header: a DNS answer that changes
between the check and the connection cannot point the request elsewhere. Redirects are not
followed."""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from django.conf import settings
from django.utils.translation import gettext as _


class Refused(Exception):
    """The URL may not be called: the message says why, for the partner."""


@dataclass
class Result:
    status_code: int | None
    duration_ms: int
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return settings.WEBHOOKS_ALLOW_LOCAL
    return ip.is_global and not ip.is_multicast


def check_url(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, the address to connect to), or ``Refused`` saying why."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise Refused(_("Give a full https:// address."))
    if parts.scheme == "http" and not settings.WEBHOOKS_ALLOW_LOCAL:
        raise Refused(_("Webhooks go to https:// addresses only."))
    if parts.username or parts.password:
        raise Refused(_("Leave user names and passwords out of the address: the signature proves who sends."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise Refused(_("The port of this address is not valid.")) from error
    try:
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise Refused(_("%(host)s cannot be found.") % {"host": parts.hostname}) from error
    addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
    if not addresses or not all(_allowed(address) for address in addresses):
        raise Refused(_("%(host)s is not a public address: webhooks go to servers on the internet.")
                      % {"host": parts.hostname})  # fmt: skip
    return parts.scheme, parts.hostname, port, addresses[0]


def post(url: str, body: bytes, headers: dict[str, str]) -> Result:
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        scheme, host, port, address = check_url(url)
    except Refused as refused:
        return Result(None, took(), str(refused))
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    timeout = urllib3.Timeout(total=settings.WEBHOOK_TIMEOUT_SECONDS)
    pool: urllib3.HTTPConnectionPool
    if scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            address, port, server_hostname=host, assert_hostname=host, cert_reqs="CERT_REQUIRED", timeout=timeout,
            retries=False, maxsize=1,
        )  # fmt: skip
    else:
        pool = urllib3.HTTPConnectionPool(address, port, timeout=timeout, retries=False, maxsize=1)
    default_port = 443 if scheme == "https" else 80
    host_header = host if port == default_port else f"{host}:{port}"
    try:
        response = pool.urlopen(
            "POST", path, body=body, headers={**headers, "Host": host_header}, redirect=False,
            preload_content=False, assert_same_host=False,
        )  # fmt: skip
        response.read(4096, decode_content=False)  # what a receiver says is not kept
        response.release_conn()
        return Result(response.status, took())
    except urllib3.exceptions.HTTPError as error:
        return Result(None, took(), f"{type(error).__name__}: {error}"[:300])
    finally:
        pool.close()
