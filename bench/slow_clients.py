"""Idle and slow clients held open against a server while normal requests are timed.

Used by bench/load.py (its slow-client probe) and by tests/test_slow_clients.py. An idle client
connects and sends nothing; a slow client sends its request head one byte a second and never
finishes it. A server that gives each connection a worker until its request is complete stalls
under a few of them; one that buffers requests (nginx) or waits for them in a poller does not.
"""

import contextlib
import http.client
import itertools
import socket
import statistics
import threading
import time
from dataclasses import dataclass, field

HOST = "127.0.0.1"
SLOW_HEAD_START = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "


@dataclass
class ProbeResult:
    idle: int
    slow: int
    milliseconds: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    idle_closed_by_server: int = 0
    slow_closed_by_server: int = 0

    @property
    def p50(self):
        return statistics.median(self.milliseconds)

    @property
    def p95(self):
        ordered = sorted(self.milliseconds)
        return ordered[max(0, round(0.95 * len(ordered)) - 1)]

    def summary(self):
        return (
            f"{self.idle} idle and {self.slow} slow-header clients held open: "
            f"{len(self.milliseconds)} normal requests, p50 {self.p50:.0f} ms, "
            f"p95 {self.p95:.0f} ms, max {max(self.milliseconds):.0f} ms, "
            f"{len(self.errors)} errors; the server closed {self.idle_closed_by_server} idle "
            f"and {self.slow_closed_by_server} slow connections"
        )


def probe(port, path="/", *, idle=100, slow=20, seconds=20.0, timeout=30.0):
    """Open `idle` idle and `slow` slow-header connections to 127.0.0.1:port, then GET `path`
    one request after another for `seconds` while they stay open; return the timings."""
    result = ProbeResult(idle=idle, slow=slow)
    idle_sockets = [socket.create_connection((HOST, port)) for _ in range(idle)]
    slow_sockets = [socket.create_connection((HOST, port)) for _ in range(slow)]
    stop = threading.Event()
    trickler = threading.Thread(target=_trickle, args=(slow_sockets, stop), daemon=True)
    trickler.start()
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            _timed_get(port, path, timeout, result)
    finally:
        stop.set()
        trickler.join()
        result.idle_closed_by_server = sum(_closed_by_peer(sock) for sock in idle_sockets)
        result.slow_closed_by_server = sum(sock.fileno() == -1 for sock in slow_sockets)
        for sock in idle_sockets + slow_sockets:
            sock.close()
    return result


def _trickle(sockets, stop):
    """Send each slow socket one more byte of its endless request head every second."""
    heads = [_slow_head() for _ in sockets]
    while not stop.wait(1.0):
        for sock, head in zip(sockets, heads, strict=True):
            if sock.fileno() == -1:
                continue
            try:
                sock.send(next(head))
            except OSError:
                sock.close()  # the server gave up on it: counted as closed by the server


def _slow_head():
    """A request head that never ends, one byte at a time: its last header line goes on."""
    for byte in SLOW_HEAD_START:
        yield bytes([byte])
    yield from itertools.repeat(b"x")


def _timed_get(port, path, timeout, result):
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    before = time.perf_counter()
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        if response.status >= 400:
            result.errors.append(f"HTTP {response.status}")
    except (OSError, http.client.HTTPException) as error:
        result.errors.append(repr(error))
    finally:
        connection.close()
    result.milliseconds.append((time.perf_counter() - before) * 1000)


def _closed_by_peer(sock):
    """Whether the server closed this connection (it reads as end of file, without blocking)."""
    sock.setblocking(False)
    with contextlib.suppress(BlockingIOError):
        return sock.recv(1) == b""
    return False
