"""Bounded HTTP load for bench/scale.py: timings per request, throughput, worker memory.

The client is plain http.client on 127.0.0.1. gunicorn's sync workers close the connection after
each response; http.client then reconnects by itself, as any client would.
"""

import contextlib
import http.client
import statistics
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import psutil

HOST = "127.0.0.1"
TIMEOUT = 300  # seconds: a slow explorer page at 1M claims is a result, not an error


@dataclass
class Load:
    """How many requests a measurement may make and for how long (whichever ends first)."""

    requests: int = 200
    seconds: float = 10.0
    warmup: int = 2


@dataclass
class Timings:
    milliseconds: list = field(default_factory=list)
    wall_seconds: float = 0.0

    @property
    def p50(self):
        return statistics.median(self.milliseconds)

    @property
    def p95(self):
        ordered = sorted(self.milliseconds)
        return ordered[max(0, round(0.95 * len(ordered)) - 1)]

    @property
    def per_second(self):
        return len(self.milliseconds) / self.wall_seconds


def get(connection, path, headers=None):
    """(status, headers, body) of one GET, the body read to the end. A kept-alive connection the
    server closed while it sat idle (gunicorn's keepalive) is opened again, once."""
    headers = {"Host": f"{HOST}:{connection.port}", **(headers or {})}
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
    except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
        connection.close()
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
    return response.status, dict(response.getheaders()), response.read()


def measure(port, path, load, headers=None):
    """Timings of GET `path` (with these request headers), one request at a time on one
    connection, after a warm-up."""
    connection = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT)
    for _ in range(load.warmup):
        _checked_get(connection, path, headers)
    timings = Timings()
    started = time.perf_counter()
    while len(timings.milliseconds) < load.requests:
        before = time.perf_counter()
        _checked_get(connection, path, headers)
        timings.milliseconds.append((time.perf_counter() - before) * 1000)
        if time.perf_counter() - started > load.seconds:
            break
    timings.wall_seconds = time.perf_counter() - started
    connection.close()
    return timings


def measure_concurrently(port, path, load, clients):
    """Timings of `clients` processes requesting `path` at once (processes, not threads, so
    that the client's own GIL does not cap the rate)."""
    with ProcessPoolExecutor(clients) as pool:
        runs = list(pool.map(measure, [port] * clients, [path] * clients, [load] * clients))
    return Timings(
        [ms for run in runs for ms in run.milliseconds], max(run.wall_seconds for run in runs)
    )


def stream_csv(port, path):
    """(milliseconds to the first byte of the body, rows, seconds in all, error or None) of one
    CSV export. Rows are counted as line ends less the header (the synthetic statements have no
    newlines). A download the server cuts short (a worker timeout) is an error, not a crash."""
    connection = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT)
    started = time.perf_counter()
    connection.request("GET", path, headers={"Host": f"{HOST}:{port}"})
    response = connection.getresponse()
    first = response.read1(65536)
    first_byte_ms = (time.perf_counter() - started) * 1000
    if response.status != 200:
        raise RuntimeError(f"GET {path}: {response.status}")
    lines, error = first.count(b"\n"), None
    try:
        while chunk := response.read1(65536):
            lines += chunk.count(b"\n")
    except http.client.HTTPException as cut:
        error = f"the server closed the download after {lines - 1} rows ({cut!r})"
    seconds = time.perf_counter() - started
    connection.close()
    return first_byte_ms, lines - 1, seconds, error


def _checked_get(connection, path, headers):
    status, _, body = get(connection, path, headers)
    if status != 200:
        raise RuntimeError(f"GET {path}: {status} {body[:300]!r}")


class PeakMemory:
    """Samples the resident memory of a server's worker processes in a background thread;
    `peak_mb()` is the largest single worker's since the last `reset()`, `growth_mb()` the most
    any worker grew over its memory at that `reset()` (what a request itself holds, beside what
    the worker keeps between requests, such as its facet index)."""

    INTERVAL = 0.05  # seconds

    def __init__(self, workers):
        self.workers = workers  # a callable giving the current psutil.Process workers
        self._peak = 0
        self._at_reset = {}  # pid: rss
        self._growth = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def reset(self):
        self._at_reset = self._rss()
        self._peak = self._growth = 0

    def peak_mb(self):
        self._sample_once()
        return self._peak / 2**20

    def growth_mb(self):
        self._sample_once()
        return self._growth / 2**20

    def _sample(self):
        while not self._stop.wait(self.INTERVAL):
            self._sample_once()

    def _sample_once(self):
        for pid, rss in self._rss().items():
            self._peak = max(self._peak, rss)
            # A worker started since the reset grew from nothing.
            self._growth = max(self._growth, rss - self._at_reset.get(pid, 0))

    def _rss(self):
        sizes = {}
        for process in self.workers():
            with contextlib.suppress(psutil.NoSuchProcess):
                sizes[process.pid] = process.memory_info().rss
        return sizes
