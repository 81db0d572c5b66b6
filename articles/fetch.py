"""Retrieve a web page for the archive, with the limits a server fetching URLs that people type
must keep (the same as the Wayback Machine's Save Page Now keeps, roughly):

- http and https only;
- every address the host name resolves to must be a public one: private, loopback, link-local,
  multicast, reserved and unspecified addresses are refused (loopback only while the
  CAPTURE_ALLOW_LOOPBACK setting is on, for tests that serve a page on 127.0.0.1);
- the connection goes to an address that was checked, and the address actually connected to is
  checked again, so a name that resolves differently a moment later (DNS rebinding) gets nowhere;
- redirects are followed by hand, at most MAX_REDIRECTS, each target checked the same way;
- connect and read timeouts, and an overall deadline; at most MAX_CAPTURE_BYTES of body;
- only HTML and plain-text responses.

Anything else raises CaptureRefused with the reason; nothing is stored by this module.
"""

import datetime
import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from django.conf import settings

from articles.extraction import (
    HTML_TYPES,
    MAX_CAPTURE_BYTES,
    TEXT_TYPES,
    CaptureRefused,
    media_type,
)
from articles.models import Capture

MAX_REDIRECTS = 5
CONNECT_TIMEOUT = 10  # seconds
READ_TIMEOUT = 20  # seconds without a byte
DEADLINE = 60  # seconds for the whole retrieval, redirects included
CHUNK = 64 * 1024
REDIRECTS = {301, 302, 303, 307, 308}
USER_AGENT = "newsarchive/0.1 (web archive of policy reporting)"


@dataclass
class Retrieved:
    raw: bytes
    request_url: str
    final_url: str
    status: int
    headers: list  # [(name, value)] as received
    content_type: str
    retrieved_at: datetime.datetime

    def as_capture(self):
        """What capture_archive() takes of a retrieval: its bytes and provenance."""
        return {
            "origin": Capture.Origin.URL,
            "raw": self.raw,
            "url": self.request_url,
            "final_url": self.final_url,
            "retrieved_at": self.retrieved_at,
            "http_status": self.status,
            "http_headers": [list(pair) for pair in self.headers],
            "content_type": self.content_type,
        }


def fetch(url):
    """Retrieve `url` within the limits above; a Retrieved, or CaptureRefused with the reason."""
    deadline = time.monotonic() + DEADLINE
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        response, connection = _request(current, deadline)
        try:
            if response.status in REDIRECTS and response.getheader("Location"):
                current = urljoin(current, response.getheader("Location"))
                continue
            return _accept(url, current, response, deadline)
        finally:
            connection.close()
    raise CaptureRefused(f"{url} redirects more than {MAX_REDIRECTS} times; the archive stops.")


def _request(url, deadline):
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"}:
        raise CaptureRefused(f"{url}: only http and https addresses can be captured.")
    if not parts.hostname:
        raise CaptureRefused(f"{url}: the address names no host.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise CaptureRefused(f"{url}: the port is not a number from 0 to 65535.") from None
    address = _checked_address(parts.hostname, port)
    connection_class = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(parts.hostname, port, address=address)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        connection.request(
            "GET",
            path,
            headers={
                "User-Agent": USER_AGENT,
                "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9",
                "Accept-Encoding": "identity",
            },
        )
        response = connection.getresponse()
    except CaptureRefused:
        connection.close()
        raise
    except (OSError, http.client.HTTPException) as error:
        connection.close()
        raise CaptureRefused(f"{url}: could not retrieve it ({_reason(error)}).") from None
    if time.monotonic() > deadline:
        connection.close()
        raise CaptureRefused(f"{url}: the retrieval took longer than {DEADLINE} s.")
    return response, connection


def _accept(request_url, url, response, deadline):
    if not 200 <= response.status < 300:
        raise CaptureRefused(f"{url}: the server answered {response.status} {response.reason}.")
    declared = response.getheader("Content-Type", "")
    kind, _ = media_type(declared)
    if kind not in HTML_TYPES | TEXT_TYPES:
        raise CaptureRefused(
            f"{url} is {kind or 'of no declared type'}; the archive takes only HTML pages and "
            "plain text."
        )
    encoding = response.getheader("Content-Encoding", "identity").strip().lower()
    if encoding not in {"", "identity"}:
        raise CaptureRefused(f"{url}: the server sent it {encoding}-encoded, though asked not to.")
    length = response.getheader("Content-Length", "")
    if length.isdigit() and int(length) > MAX_CAPTURE_BYTES:
        raise _too_large(url)
    body = bytearray()
    try:
        while chunk := response.read(CHUNK):
            body += chunk
            if len(body) > MAX_CAPTURE_BYTES:
                raise _too_large(url)
            if time.monotonic() > deadline:
                raise CaptureRefused(f"{url}: the retrieval took longer than {DEADLINE} s.")
    except (OSError, http.client.HTTPException) as error:
        raise CaptureRefused(f"{url}: the connection failed mid-way ({_reason(error)}).") from None
    return Retrieved(
        raw=bytes(body),
        request_url=request_url,
        final_url=url,
        status=response.status,
        headers=list(response.getheaders()),
        content_type=declared,
        retrieved_at=datetime.datetime.now(datetime.UTC),
    )


def _too_large(url):
    return CaptureRefused(
        f"{url} is larger than the {MAX_CAPTURE_BYTES // 1024 // 1024} MB the archive takes."
    )


def _reason(error):
    if isinstance(error, TimeoutError | socket.timeout):
        return "timed out"
    return str(error) or type(error).__name__


def refused_address(address):
    """Why the archive won't connect to this IP address, or "" when it may."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "" if settings.CAPTURE_ALLOW_LOOPBACK else "a loopback address"
    for refused, name in [
        (ip.is_link_local, "a link-local address"),
        (ip.is_multicast, "a multicast address"),
        (ip.is_reserved, "a reserved address"),
        (ip.is_unspecified, "an unspecified address"),
        (ip.is_private, "a private address"),
        (not ip.is_global, "not a public address"),
    ]:
        if refused:
            return name
    return ""


def _checked_address(host, port):
    """One address of the host to connect to; refused if any address it resolves to is."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise CaptureRefused(f"{host}: the name does not resolve ({error}).") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    for address in addresses:
        if reason := refused_address(address):
            raise CaptureRefused(f"{host} resolves to {address}, {reason}: the archive refuses it.")
    return addresses[0]


def _connect(address, port, host):
    sock = socket.create_connection((address, port), timeout=CONNECT_TIMEOUT)
    sock.settimeout(READ_TIMEOUT)
    connected = sock.getpeername()[0]
    if reason := refused_address(connected):
        sock.close()
        raise CaptureRefused(f"{host}: connected to {connected}, {reason}: the archive refuses it.")
    return sock


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, never resolving the name again."""

    def __init__(self, host, port, *, address):
        super().__init__(host, port, timeout=READ_TIMEOUT)
        self.address = address

    def connect(self):
        self.sock = _connect(self.address, self.port, self.host)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """As _PinnedHTTPConnection, with TLS verified for the host name."""

    def __init__(self, host, port, *, address):
        super().__init__(host, port, timeout=READ_TIMEOUT, context=ssl.create_default_context())
        self.address = address

    def connect(self):
        sock = _connect(self.address, self.port, self.host)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)
