"""A gunicorn worker that dies mid-request (a crash, kill -9) takes its requests' connections with
it: nginx (deploy/nginx.conf, run with Debian's nginx on 127.0.0.1) tries such a GET once more,
on a new connection, and never resends a POST. The backend here is a small server that drops
the connections it is told to, without answering, as a dead worker does."""

import collections
import http.client
import socket
import socketserver
import threading

import pytest

from tests.nginx import require_nginx, running_nginx


class DroppingBackend(socketserver.ThreadingTCPServer):
    """Answers 200, except that it drops without a word the first connection for each path
    under /drop-once/ and every connection for paths under /drop-always/."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), DroppingHandler)
        self.requests = collections.Counter()  # (method, path): how many arrived

    @property
    def port(self):
        return self.server_address[1]


class DroppingHandler(socketserver.StreamRequestHandler):
    def handle(self):
        while head := self._read_head():
            method, path = head
            self.server.requests[method, path] += 1
            tries = self.server.requests[method, path]
            if path.startswith("/drop-always/") or (path.startswith("/drop-once/") and tries == 1):
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            body = f"answered on try {tries}".encode()
            self.wfile.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )

    def _read_head(self):
        """(method, path) of the next request on this connection, its body read; None at end."""
        request_line = self.rfile.readline()
        if not request_line:
            return None
        method, path, _ = request_line.decode().split(" ", 2)
        length = 0
        while (line := self.rfile.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        self.rfile.read(length)
        return method, path


@pytest.fixture
def backend():
    server = DroppingBackend()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def nginx_port(backend, tmp_path):
    require_nginx()
    with running_nginx(tmp_path, backend.port) as port:
        yield port


def request(port, method, path, body=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def test_a_get_whose_connection_is_dropped_is_tried_again_and_answered(backend, nginx_port):
    assert request(nginx_port, "GET", "/drop-once/page") == (200, "answered on try 2")
    assert backend.requests["GET", "/drop-once/page"] == 2


def test_a_post_whose_connection_is_dropped_is_never_sent_again(backend, nginx_port):
    status, _ = request(nginx_port, "POST", "/drop-once/form", body="title=Edited")
    assert status == 502
    assert backend.requests["POST", "/drop-once/form"] == 1


def test_a_get_is_tried_twice_at_most(backend, nginx_port):
    status, _ = request(nginx_port, "GET", "/drop-always/page")
    assert status == 502
    assert backend.requests["GET", "/drop-always/page"] == 2


def test_dropped_connections_one_after_another_are_each_tried_again(backend, nginx_port):
    # Without max_fails=0 the first failure would mark its entry down for 10 s, and the next
    # request whose connection drops would have nowhere left to go.
    for number in range(4):
        path = f"/drop-once/{number}"
        assert request(nginx_port, "GET", path) == (200, "answered on try 2"), path
