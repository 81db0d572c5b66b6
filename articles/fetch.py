"""Retrieve a web page for the archive, with the limits a server fetching URLs that people type
must keep (the same as the Wayback Machine's Save Page Now keeps, roughly):

- http and https only;
- every address the host name resolves to must be a public one: private, loopback, link-local,
  multicast, reserved and unspecified addresses are refused (loopback only while the
  CAPTURE_ALLOW_LOOPBACK setting is on, for tests that serve a page on 127.0.0.1);
- the connection goes to an address that was checked, and the address actually connected to is
  checked again, so a name that resolves differently a moment later (DNS rebinding) gets nowhere;
- an address that carries an IPv4 address (IPv4-mapped, 6to4, NAT64) is judged by it, and the
  deprecated or tunnelling forms (IPv4-compatible, Teredo, local-use NAT64) are refused;
- redirects are followed by hand, at most MAX_REDIRECTS, each target checked the same way;
- connect and read timeouts, and a hard deadline for the whole retrieval, redirects included:
  every wait on a socket (connecting, the TLS handshake, sending, each read of headers or body)
  is given at most the time left, so a server trickling a byte a second is cut off on time;
- at most MAX_CAPTURE_BYTES of body, and all of it: a body shorter than its Content-Length, or a
  chunked body without its terminating chunk, is refused;
- only HTML and plain-text responses; or, for a watch reading a feed or a sitemap (issue #23),
  only RSS, Atom and XML ones; a robots.txt, whatever its type.

A watch may send the ETag and Last-Modified it kept (conditional GET): the server's 304 Not
Modified is then an answer, a Retrieved with no body, not a refusal.

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
DEADLINE = 60  # seconds for the whole retrieval, redirects included; fetch() may be given another
# Seconds a capture by URL has to arrive in when something waits for it: the admin's preview (the
# editor, and one of the few server threads) and a watch's check (a worker, which must finish its
# job within its stop grace period). `manage.py archive URL` allows the full DEADLINE.
CAPTURE_BY_URL_DEADLINE = 25
CHUNK = 64 * 1024
REDIRECTS = {301, 302, 303, 307, 308}
USER_AGENT = "newsarchive/0.1 (web archive of policy reporting)"
NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052's well-known prefix
LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215: where the IPv4 address sits varies
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # deprecated by RFC 4291
HTTP_VERSIONS = {9: "HTTP/0.9", 10: "HTTP/1.0", 11: "HTTP/1.1"}  # http.client's response.version
PAGE_ACCEPT = "text/html,application/xhtml+xml,text/plain;q=0.9"
FEED_TYPES = {"application/rss+xml", "application/atom+xml", "application/xml", "text/xml"}
FEED_ACCEPT = "application/rss+xml,application/atom+xml,application/xml,text/xml;q=0.9"
ANY_ACCEPT = "text/plain,*/*;q=0.5"
NOT_MODIFIED = 304


@dataclass
class Retrieved:
    raw: bytes
    request_url: str
    final_url: str
    protocol: str  # HTTP/1.1, as the response's status line gave it
    status: int
    reason: str  # the status line's reason phrase, as received
    headers: list  # [(name, value)] as received
    request_headers: list  # [(name, value)] as sent, Host included
    content_type: str
    retrieved_at: datetime.datetime

    @property
    def not_modified(self):
        """The server answered a conditional request 304: nothing changed, nothing came."""
        return self.status == NOT_MODIFIED

    def header(self, name):
        """The value of the response's header `name` (any case), or ""."""
        return next((value for key, value in self.headers if key.lower() == name.lower()), "")

    def as_capture(self):
        """What capture_archive() takes of a retrieval: its bytes and provenance."""
        return {
            "origin": Capture.Origin.URL,
            "raw": self.raw,
            "url": self.request_url,
            "final_url": self.final_url,
            "retrieved_at": self.retrieved_at,
            "http_protocol": self.protocol,
            "http_status": self.status,
            "http_reason": self.reason,
            "http_headers": [list(pair) for pair in self.headers],
            "http_request_headers": [list(pair) for pair in self.request_headers],
            "content_type": self.content_type,
        }


class RetrievalTooSlow(CaptureRefused):
    """The retrieval ran out of its deadline (a slow, stalling or trickling server)."""


class ErrorStatus(CaptureRefused):
    """The server answered with a status other than success (or a redirect followed)."""

    def __init__(self, message, status):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Deadline:
    """When a retrieval must have ended, and how many seconds it was given."""

    seconds: float
    ends: float

    @classmethod
    def starting_now(cls, seconds):
        return cls(seconds, time.monotonic() + seconds)

    def timeout(self, limit):
        """`limit` seconds, or the time left if shorter; TimeoutError once none is left."""
        left = self.ends - time.monotonic()
        if left <= 0:
            raise TimeoutError("the deadline passed")
        return min(limit, left)

    def passed(self):
        return time.monotonic() >= self.ends


def fetch(
    url,
    *,
    deadline=None,
    feed=False,
    any_type=False,
    etag="",
    last_modified="",
    before_redirect=None,
):
    """Retrieve `url` within the limits above, in at most `deadline` seconds (DEADLINE unless
    given); a Retrieved, or CaptureRefused with the reason. `feed`: an RSS or Atom feed or a
    sitemap, for a watch to read, instead of a page. `any_type`: whatever type it is served as
    (a robots.txt, read as text whatever it says it is). `etag` and `last_modified`: those of
    the last retrieval, sent as If-None-Match and If-Modified-Since; a 304 is then returned.
    `before_redirect`: called with each redirect's target before it is requested (a watch checks
    the robots.txt of its site and waits for its turn there); it may raise to stop."""
    deadline = Deadline.starting_now(DEADLINE if deadline is None else deadline)
    headers = {
        "User-Agent": USER_AGENT,
        "Accept": ANY_ACCEPT if any_type else FEED_ACCEPT if feed else PAGE_ACCEPT,
        "Accept-Encoding": "identity",
    }
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    current = url
    for hop in range(MAX_REDIRECTS + 1):
        if hop and before_redirect:
            before_redirect(current)
        response, connection = _request(current, deadline, headers)
        try:
            if response.status in REDIRECTS and response.getheader("Location"):
                current = urljoin(current, response.getheader("Location"))
                continue
            if response.status == NOT_MODIFIED and (etag or last_modified):
                return _retrieved(url, current, response, connection.sent_headers, b"")
            types = None if any_type else FEED_TYPES if feed else HTML_TYPES | TEXT_TYPES
            return _accept(url, current, response, deadline, connection.sent_headers, types)
        finally:
            connection.close()
    raise CaptureRefused(f"{url} redirects more than {MAX_REDIRECTS} times; the archive stops.")


def _request(url, deadline, headers):
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
    connection = connection_class(parts.hostname, port, address=address, deadline=deadline)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
    except CaptureRefused:
        connection.close()
        raise
    except (OSError, http.client.HTTPException) as error:
        connection.close()
        raise _failed(url, error, deadline, "could not retrieve it") from None
    return response, connection


def _accept(request_url, url, response, deadline, request_headers, types):
    """The response's body, if its status is a success and its type one of `types` (None: any)."""
    if not 200 <= response.status < 300:
        raise ErrorStatus(
            f"{url}: the server answered {response.status} {response.reason}.", response.status
        )
    declared = response.getheader("Content-Type", "")
    kind, _ = media_type(declared)
    if types is not None and kind not in types:
        raise CaptureRefused(
            f"{url} is {kind or 'of no declared type'}; the archive takes only "
            + (
                "RSS or Atom feeds and XML sitemaps here."
                if types == FEED_TYPES
                else "HTML pages and plain text."
            )
        )
    encoding = response.getheader("Content-Encoding", "identity").strip().lower()
    if encoding not in {"", "identity"}:
        raise CaptureRefused(f"{url}: the server sent it {encoding}-encoded, though asked not to.")
    expected = response.length  # the Content-Length; None if chunked or ended by closing
    if expected is not None and expected > MAX_CAPTURE_BYTES:
        raise _too_large(url)
    body = bytearray()
    try:
        while chunk := response.read(CHUNK):
            body += chunk
            if len(body) > MAX_CAPTURE_BYTES:
                raise _too_large(url)
    except http.client.IncompleteRead:
        # Only a chunked body raises it: http.client returns a short plain one as if whole.
        raise CaptureRefused(
            f"{url}: the chunked body broke off before its terminating chunk: the page is "
            "incomplete; nothing was stored."
        ) from None
    except (OSError, http.client.HTTPException) as error:
        raise _failed(url, error, deadline, "the connection failed mid-way") from None
    if expected is not None and len(body) < expected:
        raise CaptureRefused(
            f"{url}: the server closed the connection after {len(body):,} of {expected:,} "
            "bytes: the page is incomplete; nothing was stored."
        )
    return _retrieved(request_url, url, response, request_headers, bytes(body))


def _retrieved(request_url, url, response, request_headers, body):
    return Retrieved(
        raw=body,
        request_url=request_url,
        final_url=url,
        protocol=HTTP_VERSIONS.get(response.version, "HTTP/1.1"),
        status=response.status,
        reason=response.reason,
        headers=list(response.getheaders()),
        request_headers=request_headers,
        content_type=response.getheader("Content-Type", ""),
        retrieved_at=datetime.datetime.now(datetime.UTC),
    )


def _too_large(url):
    return CaptureRefused(
        f"{url} is larger than the {MAX_CAPTURE_BYTES // 1024 // 1024} MB the archive takes."
    )


def _failed(url, error, deadline, what):
    if deadline.passed():
        return RetrievalTooSlow(
            f"{url}: the retrieval took longer than the {deadline.seconds:g} s the archive "
            "allows for one; nothing was stored."
        )
    return CaptureRefused(f"{url}: {what} ({_reason(error)}).")


def _reason(error):
    if isinstance(error, TimeoutError | socket.timeout):
        return "timed out"
    return str(error) or type(error).__name__


def refused_address(address):
    """Why the archive won't connect to this IP address, or "" when it may."""
    ip = ipaddress.ip_address(address)
    if ip.version == 6 and (carried := _ipv4_carried(ip)):
        form, ipv4, refused_outright = carried
        if reason := refused_address(ipv4):
            return f"{form} embedding {ipv4}, {reason}"
        return f"{form} embedding {ipv4}, {refused_outright}" if refused_outright else ""
    if ip in LOCAL_NAT64:
        return "a local-use NAT64 address (64:ff9b:1::/48), leading into its operator's network"
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


def _ipv4_carried(ip):
    """(form, the IPv4 address, why the form itself is refused or "") for an IPv6 address that
    leads to an IPv4 one; None for any other. Python calls some of these global (6to4), others
    reserved, whatever IPv4 address they lead to: each is judged by that address instead."""
    if ip.ipv4_mapped:
        return "an IPv4-mapped address", ip.ipv4_mapped, ""
    if ip.sixtofour:
        return "a 6to4 address", ip.sixtofour, ""
    if ip in NAT64:
        return "a NAT64 address", _last_32_bits(ip), ""
    if ip in IPV4_COMPATIBLE and int(ip) > 1:  # :: and ::1 are IPv6's own
        return "an IPv4-compatible address", _last_32_bits(ip), "a deprecated form"
    if ip.teredo:
        server, client = ip.teredo
        return f"a Teredo address (server {server})", client, "a tunnel the archive does not use"
    return None


def _last_32_bits(ip):
    return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)


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


def _connect(address, port, host, deadline):
    sock = socket.create_connection((address, port), timeout=deadline.timeout(CONNECT_TIMEOUT))
    connected = sock.getpeername()[0]
    if reason := refused_address(connected):
        sock.close()
        raise CaptureRefused(f"{host}: connected to {connected}, {reason}: the archive refuses it.")
    boxed = _TimeBoxedSocket(fileno=sock.detach())
    boxed.deadline = deadline
    return boxed


class _TimeBoxed:
    """A socket whose every wait ends by the retrieval's deadline: each operation's timeout is
    READ_TIMEOUT or the time left, whichever is shorter. http.client reads headers and body
    through makefile(), which calls recv_into(), so no read escapes it."""

    deadline = None

    def _box(self):
        self.settimeout(self.deadline.timeout(READ_TIMEOUT))


class _TimeBoxedSocket(_TimeBoxed, socket.socket):
    def recv(self, *args):
        self._box()
        return super().recv(*args)

    def recv_into(self, *args):
        self._box()
        return super().recv_into(*args)

    def send(self, *args):
        self._box()
        return super().send(*args)

    def sendall(self, *args):
        self._box()
        return super().sendall(*args)


class _TimeBoxedSSLSocket(_TimeBoxed, ssl.SSLSocket):
    """As _TimeBoxedSocket over TLS, where recv(), recv_into() and sendall() come down to
    read() and send()."""

    def do_handshake(self, *args):
        self._box()
        return super().do_handshake(*args)

    def read(self, *args):
        self._box()
        return super().read(*args)

    def send(self, *args):
        self._box()
        return super().send(*args)


class _RecordingHeaders:
    """Keeps the request's headers as sent, those http.client adds (Host) included, for the
    WARC request record (issue #24)."""

    def putrequest(self, *args, **kwargs):
        self.sent_headers = []
        super().putrequest(*args, **kwargs)

    def putheader(self, header, *values):
        # http.client gives Host as bytes, and folds several values onto continuation lines.
        value = "\r\n\t".join(
            value.decode("latin-1") if isinstance(value, bytes) else str(value) for value in values
        )
        self.sent_headers.append((header, value))
        super().putheader(header, *values)


class _PinnedHTTPConnection(_RecordingHeaders, http.client.HTTPConnection):
    """Connects to the address that was checked, never resolving the name again."""

    def __init__(self, host, port, *, address, deadline):
        super().__init__(host, port)  # connect() times its own socket (Deadline)
        self.address = address
        self.deadline = deadline

    def connect(self):
        self.sock = _connect(self.address, self.port, self.host, self.deadline)


class _PinnedHTTPSConnection(_RecordingHeaders, http.client.HTTPSConnection):
    """As _PinnedHTTPConnection, with TLS verified for the host name."""

    def __init__(self, host, port, *, address, deadline):
        context = ssl.create_default_context()
        context.sslsocket_class = _TimeBoxedSSLSocket
        super().__init__(host, port, context=context)
        self.address = address
        self.deadline = deadline

    def connect(self):
        sock = _connect(self.address, self.port, self.host, self.deadline)
        self.sock = self._context.wrap_socket(
            sock, server_hostname=self.host, do_handshake_on_connect=False
        )
        self.sock.deadline = self.deadline
        self.sock.do_handshake()
