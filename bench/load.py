"""Load the archive with many connections at once, and probe it with idle and slow clients.

    .venv/bin/python bench/load.py [--claims 100000] [--seconds 20] [--reuse]

It builds (or with --reuse keeps) a synthetic archive of --claims claims in its own embedded
PostgreSQL, var/bench/<claims>/postgres (as bench/scale.py does: `manage.py generate_corpus`),
serves it as `make run` does (`manage.py serve`, gunicorn from deploy/gunicorn.conf.py on
127.0.0.1) and, for each view and each number of connections (--connections, default 8, 32 and
200), keeps that many keep-alive connections busy for --seconds, one request after another on
each, from one asyncio client on 127.0.0.1, after one warm-up request per view. Views: the
explorer with facets (one topic and one status), a search for a word in about 5% of claims, a
claim page, and a CSV export of the claims that match a rare word. It prints requests/s, p50
and p99 of the response times, responses other than 2xx, and socket errors (refused, reset or
timed-out connections). Then it holds 100 idle and 20 slow-header clients open for
--probe-seconds while timing the explorer (bench/slow_clients.py).

The client shares the machine's CPUs with the server: run one benchmark at a time. A quick check
of the script: --claims 2000 --seconds 3 --probe-seconds 5.
"""

import argparse
import asyncio
import os
import statistics
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import scale_corpus
import slow_clients
from scale import serving

from newsarchive.database import embedded_database_url, stop_embedded_server

HOST = "127.0.0.1"
REQUEST_TIMEOUT = 60  # seconds; a request that takes longer counts as a socket error


@dataclass
class LevelResult:
    view: str
    connections: int
    milliseconds: list = field(default_factory=list)
    non_2xx: int = 0
    socket_errors: int = 0
    seconds: float = 0.0

    def row(self):
        ordered = sorted(self.milliseconds) or [float("nan")]
        p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
        return (
            f"| {self.view} | {self.connections} | {len(self.milliseconds) / self.seconds:,.1f} "
            f"| {statistics.median(ordered):,.0f} | {p99:,.0f} | {self.non_2xx} "
            f"| {self.socket_errors} |"
        )


def main():
    options = parse_arguments()
    folder = scale_corpus.ROOT / "var" / "bench" / str(options.claims)
    folder.mkdir(parents=True, exist_ok=True)
    data_dir = folder / "postgres"
    os.environ["DATABASE_URL"] = embedded_database_url(data_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "newsarchive.settings"
    try:
        marker = folder / "built.json"
        if not (options.reuse and scale_corpus.is_built(marker, options.claims, options.seed)):
            print(f"Building {options.claims} claims (seed {options.seed})…", flush=True)
            scale_corpus.build(dict(os.environ), options.claims, options.seed, marker)
        with psycopg.connect(os.environ["DATABASE_URL"]) as database:
            picks = scale_corpus.choose(database.cursor(), options.claims)
        with serving(folder / "load.log") as (port, _workers):
            run(port, picks, options)
    finally:
        stop_embedded_server(data_dir)


def parse_arguments():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--claims", type=int, default=100_000, help="corpus size (at least 100000)")
    parser.add_argument("--seed", type=int, default=1, help="the corpus's seed")
    parser.add_argument("--reuse", action="store_true", help="keep a corpus built earlier")
    parser.add_argument("--seconds", type=float, default=20, help="per view and level")
    parser.add_argument(
        "--connections", default="8,32,200", help="comma-separated levels (default 8,32,200)"
    )
    parser.add_argument("--probe-seconds", type=float, default=20, help="slow-client probe")
    return parser.parse_args()


def run(port, picks, options):
    views = {
        "explorer, topic 1 + status": "/claims/?topic=1&status=reported",
        f"search, q={picks.common_term}": f"/search/?q={picks.common_term}",
        "claim page": canonical_path(port, "/claims/1/"),
        f"CSV export, q={picks.rare_term} ({picks.rare_claims} rows)": (
            f"/claims/?q={picks.rare_term}&format=csv"
        ),
    }
    for path in views.values():
        canonical_path(port, path)  # a warm-up: each worker builds its facet index once
    levels = [int(level) for level in options.connections.split(",")]
    print(
        f"\n{options.claims:,} claims; {options.seconds:g} s per view and level; "
        + time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    )
    print("\n| view | connections | req/s | p50 ms | p99 ms | non-2xx | socket errors |")
    print("|---|---|---|---|---|---|---|")
    for view, path in views.items():
        for connections in levels:
            result = asyncio.run(load(port, view, path, connections, options.seconds))
            print(result.row(), flush=True)
    probe = slow_clients.probe(
        port, views["explorer, topic 1 + status"], seconds=options.probe_seconds
    )
    print(f"\nSlow-client probe on the explorer: {probe.summary()}")


def canonical_path(port, path):
    """Where a permalink redirects to (a claim's URL carries its slug), after one request."""
    with urllib.request.urlopen(f"http://{HOST}:{port}{path}", timeout=REQUEST_TIMEOUT) as response:
        response.read()
        return urllib.parse.urlsplit(response.url).path


async def load(port, view, path, connections, seconds):
    result = LevelResult(view, connections)
    deadline = time.monotonic() + seconds
    started = time.perf_counter()
    await asyncio.gather(*(client(port, path, deadline, result) for _ in range(connections)))
    result.seconds = time.perf_counter() - started
    return result


class ClosedBeforeResponse(ConnectionError):
    """The server closed a kept-alive connection before answering (e.g. a recycled worker)."""


async def client(port, path, deadline, result):
    """One keep-alive connection requesting `path` until the deadline, reconnecting if closed.
    Like any HTTP client, it retries a request on a new connection when a kept-alive one was
    closed before any answer; other failures count as socket errors."""
    connection, reused = None, False
    while time.monotonic() < deadline:
        try:
            if connection is None:
                connection, reused = await asyncio.open_connection(HOST, port), False
            before = time.perf_counter()
            status, keep_alive = await asyncio.wait_for(
                exchange(*connection, path), REQUEST_TIMEOUT
            )
            result.milliseconds.append((time.perf_counter() - before) * 1000)
            result.non_2xx += not 200 <= status < 300
            reused = keep_alive
            if not keep_alive:
                connection = _closed(connection)
        except ClosedBeforeResponse:
            if not reused:
                result.socket_errors += 1
            connection = _closed(connection)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
            result.socket_errors += 1
            connection = _closed(connection)
    _closed(connection)


async def exchange(reader, writer, path):
    """Send one GET and read its whole response: (status, whether the connection stays open)."""
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
    await writer.drain()
    status_line = await reader.readline()
    if not status_line:
        raise ClosedBeforeResponse
    status = int(status_line.split()[1])
    headers = {}
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip().lower()
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding") == "chunked":
        while size := int((await reader.readline()).split(b";")[0], 16):
            await reader.readexactly(size + 2)
        await reader.readline()  # the empty trailer
    else:
        await reader.read()  # the body ends when the server closes
        return status, False
    return status, headers.get("connection") != "close"


def _closed(connection):
    if connection is not None:
        connection[1].close()
    return None


if __name__ == "__main__":
    main()
