"""Web pages for the capture tests, built here, and a web server on 127.0.0.1 to serve them."""

import contextlib
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PARAGRAPHS = [
    "NATO defence ministers met in Brussels on Tuesday to discuss the alliance's plans for the "
    "coming year, and the talks ran late into the evening as delegations argued over money.",
    "“We will not be divided on Ukraine,” said the Secretary General, who spoke to reporters "
    "after the meeting ended and answered questions about air defence and ammunition.",
    "Several delegations asked for more time to study the proposals before any vote is taken, "
    "officials said, and a decision is now expected at the summit in July.",
]


def article_page(paragraphs=PARAGRAPHS, *, title="Allies argue over Ukraine aid in Brussels",
                 date="2024-07-02", author="Jane Roe", site="The Daily Example",
                 canonical="https://daily.example.org/news/allies-argue"):  # fmt: skip
    """An HTML news page: metadata in its head, an article among navigation, a related-stories
    box and a footer."""
    meta = [
        f'<meta property="og:site_name" content="{site}">' if site else "",
        f'<meta name="author" content="{author}">' if author else "",
        f'<meta property="article:published_time" content="{date}T09:30:00Z">' if date else "",
        f'<link rel="canonical" href="{canonical}">' if canonical else "",
    ]
    body = "".join(f"<p>{paragraph}</p>\n" for paragraph in paragraphs)
    byline = f'<p class="byline">By {author}</p>' if author else ""
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{title} | {site}</title>{''.join(meta)}</head>\n<body>\n"
        '<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>\n'
        f"<header><h1>{title}</h1>{byline}</header>\n"
        f"<article>\n{body}</article>\n"
        '<aside><h2>Related stories</h2><ul><li><a href="/x">Markets fall after a long '
        "week of worrying news from everywhere</a></li></ul></aside>\n"
        "<footer><p>Subscribe to our newsletter for the day's news in your inbox.</p></footer>\n"
        "</body></html>\n"
    ).encode()


def response_head(*headers, status="200 OK"):
    """The status line and headers of a response, as bytes, for Site.raw_page."""
    lines = [f"HTTP/1.1 {status}", *(f"{name}: {value}" for name, value in headers), "", ""]
    return "\r\n".join(lines).encode()


def trickled(before, slow, after=b""):
    """Parts for Site.raw_page: `before`, then `slow` a byte at a time, then `after`. At one byte
    a second, each wait for a byte is short while the whole takes seconds."""
    return [before, *(bytes([byte]) for byte in slow), after]


class Site:
    """Routes of the local server: path -> (status, [(header, value)], body)."""

    def __init__(self, port, scheme="http"):
        self.port = port
        self.scheme = scheme
        self.routes = {}
        self.raw_routes = {}
        self.delays = {}
        self.requests = []
        self.request_headers = []  # the headers of each request, in order

    def url(self, path):
        return f"{self.scheme}://127.0.0.1:{self.port}{path}"

    def page(self, path, body, content_type="text/html; charset=utf-8", status=200, headers=()):
        self.routes[path] = (status, [("Content-Type", content_type), *headers], body)

    def slow_page(self, path, seconds):
        """A page that answers only after `seconds`."""
        self.delays[path] = seconds
        self.page(path, article_page())

    def redirect(self, path, location, status=302):
        self.routes[path] = (status, [("Location", location)], b"")

    def raw_page(self, path, parts, pause=0):
        """A response written byte for byte as given, whatever it claims: `parts` sent in order,
        `pause` seconds apart, then the connection closed. A finite list, so the server always
        stops sending: a retrieval that ignores its limits ends late, never hangs the tests."""
        self.raw_routes[path] = (parts, pause)


def _handler(site):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            site.requests.append(self.path)
            site.request_headers.append(dict(self.headers))
            time.sleep(site.delays.get(self.path, 0))
            if self.path in site.raw_routes:
                self._write_raw(*site.raw_routes[self.path])
                return
            status, headers, body = site.routes.get(self.path, (404, [], b"not here"))
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            # The archive hangs up on a response it refuses mid-way: expected, not an error.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

        def _write_raw(self, parts, pause):
            self.close_connection = True
            # The archive hangs up on a response it gives up on: expected, not an error.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError, ssl.SSLEOFError):
                for number, part in enumerate(parts):
                    time.sleep(pause if number else 0)
                    self.wfile.write(part)

        def log_message(self, *args):
            pass

    return Handler


def make_certificate(folder):
    """A self-signed certificate for 127.0.0.1 and its key, made by openssl: (cert, key) paths."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@contextlib.contextmanager
def serve_site(certificate=None):
    """A Site served on 127.0.0.1 for the duration of the block; over TLS when given a
    certificate from make_certificate()."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), None)
    if certificate:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*certificate)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    site = Site(server.server_address[1], scheme="https" if certificate else "http")
    server.RequestHandlerClass = _handler(site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
