"""Time appearance proposals against a large archive (issue #22: a capture's proposals under 2 s
at 100,000 claims).

    .venv/bin/python bench/appearance_proposals.py [--claims 100000] [--runs 5] [--reuse]

It builds (or with --reuse keeps) a synthetic archive of --claims claims in its own embedded
PostgreSQL, var/bench/<claims>/postgres (as bench/scale.py does: `manage.py generate_corpus`),
then times, --runs times each, with a seed capture's text (--capture, one of fixtures/captures/):

1. the first pass, when no claim has its short vector yet (ClaimVector): propose_appearances(text)
   embeds every claim's statement and stores the vectors; the vectors are deleted before each run
   (--first-runs times);
2. with the vectors stored: archiving the capture (capture_archive, which proposes inside its
   transaction), propose_appearances_for(article) on its article, and propose_appearances(text)
   alone;
3. the same propose_appearances_for in a fresh process (the model's loading included), and that
   process from start to exit.

Every capture is rolled back, so the archive stays synthetic (generate_corpus may replace it). It
prints the median, min and max of the runs, the SQL queries of one run and the peak resident
memory of the process (sampled; a process's memory seldom shrinks, so the fresh process's figure
is the one of a process that only proposes). --profile adds cProfile's view of one warm
propose_appearances_for. Run one benchmark at a time: the timings are CPU-bound.
"""

import argparse
import contextlib
import cProfile
import json
import os
import pstats
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import scale_corpus
from scale_load import PeakMemory

from newsarchive.database import embedded_database_url, stop_embedded_server

DEFAULT_CAPTURE = scale_corpus.CAPTURES / "000_dfad5ec920a8eb82.txt"  # the longest seed capture


@dataclass
class Row:
    label: str
    seconds: list
    queries: int | None = None
    rss_mb: float | None = None

    def line(self):
        median, low, high = statistics.median(self.seconds), min(self.seconds), max(self.seconds)
        queries = "" if self.queries is None else str(self.queries)
        rss = "" if self.rss_mb is None else f"{self.rss_mb:,.0f}"
        return f"| {self.label} | {median:.2f} | {low:.2f} | {high:.2f} | {queries} | {rss} |"


class QueryCount:
    """Counts the queries Django runs (connection.execute_wrapper), without keeping their SQL:
    the first pass's insert of every vector would be costly to keep."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def main():
    options = parse_arguments()
    if options.fresh_process:
        # A child of this script: the archive's server is running, DATABASE_URL says where.
        print(json.dumps(fresh_process(options.capture)))
        return
    with synthetic_archive(options):
        run(options)


@contextlib.contextmanager
def synthetic_archive(options):
    """Serve this process an archive of options.claims claims (built unless options.reuse finds
    it built), in its own embedded PostgreSQL, stopped on leaving."""
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
        yield
    finally:
        stop_embedded_server(data_dir)


def parse_arguments():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--claims", type=int, default=100_000, help="corpus size")
    parser.add_argument("--seed", type=int, default=1, help="the corpus's seed")
    parser.add_argument("--reuse", action="store_true", help="keep a corpus built earlier")
    parser.add_argument("--runs", type=int, default=5, help="runs of each warm measurement")
    parser.add_argument("--first-runs", type=int, default=3, help="runs of the first pass")
    parser.add_argument("--capture", type=Path, default=DEFAULT_CAPTURE, help="a text capture")
    parser.add_argument("--profile", action="store_true", help="profile one warm pass")
    parser.add_argument("--fresh-process", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


def run(options):
    import django

    django.setup()
    from claims.appearance_proposals import propose_appearances, propose_appearances_for
    from claims.models import Claim, ClaimVector

    raw = options.capture.read_bytes()
    print(
        f"{Claim.objects.count():,} claims, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.2f} before, capture {options.capture.name} ({len(raw):,} bytes), "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        flush=True,
    )
    rows = []
    with rolled_back(), proposals_not_wanted():
        text = archived(raw, options.capture).latest_capture.text
    rows.append(
        measure(
            "first pass, no vectors yet: propose_appearances(text)",
            lambda: propose_appearances(text),
            options.first_runs,
            before=lambda: ClaimVector.objects.all().delete(),
        )
    )
    if options.profile:
        ClaimVector.objects.all().delete()
        profile("the first pass", lambda: propose_appearances(text))
    rows.append(
        measure(
            "archiving the capture, its proposals included",
            lambda: _capture(raw, options.capture),
            options.runs,
        )
    )
    with rolled_back(), proposals_not_wanted():
        article = archived(raw, options.capture)
        rows.append(
            measure(
                "propose_appearances_for(article), its first proposals",
                lambda: _first_proposals(article),
                options.runs,
            )
        )
        rows.append(
            measure("propose_appearances(text)", lambda: propose_appearances(text), options.runs)
        )
        if options.profile:
            profile("propose_appearances_for(article)", lambda: _first_proposals(article))
        proposed = propose_appearances_for(article)
        new_claims = sum(1 for proposal in proposed if proposal.claim_id is None)
        print(
            f"The capture: {len(proposed) - new_claims} appearance proposals and {new_claims} "
            "new-claim candidates.",
            flush=True,
        )
        rows.append(
            measure(
                f"propose_appearances_for(article) again, {len(proposed)} waiting replaced",
                lambda: propose_appearances_for(article),
                options.runs,
            )
        )
    rows += measure_fresh_processes(options)
    print("\n| measured | median s | min s | max s | queries | peak RSS MB |\n" + "|---" * 6 + "|")
    for row in rows:
        print(row.line())
    print(f"Load average after: {os.getloadavg()[0]:.2f} (other processes share the CPUs).")


def measure(label, action, runs, *, before=lambda: None):
    """Time `action` `runs` times (`before` runs untimed before each), counting its queries and
    sampling this process's resident memory meanwhile."""
    from django.db import connection

    seconds = []
    with PeakMemory(lambda: [psutil.Process()]) as memory:
        for _ in range(runs):
            before()
            queries = QueryCount()
            with connection.execute_wrapper(queries):
                started = time.perf_counter()
                action()
                seconds.append(time.perf_counter() - started)
        row = Row(label, seconds, queries.count, memory.peak_mb())
    print(row.line(), flush=True)
    return row


def measure_fresh_processes(options):
    """Each run: a new Python process (this script, --fresh-process) that archives the capture
    (untimed) and times its first propose_appearances_for, the model's loading included."""
    command = [sys.executable, __file__, "--fresh-process", "--capture", str(options.capture)]
    first, whole, results = [], [], []
    for _ in range(options.runs):
        started = time.perf_counter()
        finished = subprocess.run(command, check=True, capture_output=True, text=True)
        whole.append(time.perf_counter() - started)
        results.append(json.loads(finished.stdout.splitlines()[-1]))
        first.append(results[-1]["seconds"])
    peak = max(result["rss_mb"] for result in results)
    rows = [
        Row(
            "fresh process: propose_appearances_for(article), model loaded",
            first,
            results[-1]["queries"],
            peak,
        ),
        Row("fresh process: start to exit (Django, capture, proposals)", whole),
    ]
    for row in rows:
        print(row.line(), flush=True)
    return rows


def fresh_process(capture):
    """{seconds, queries, rss_mb} of this process's first propose_appearances_for."""
    import django

    django.setup()
    from django.db import connection

    from claims.appearance_proposals import propose_appearances_for

    with PeakMemory(lambda: [psutil.Process()]) as memory:
        with rolled_back(), proposals_not_wanted():
            article = archived(capture.read_bytes(), capture)
            queries = QueryCount()
            with connection.execute_wrapper(queries):
                started = time.perf_counter()
                propose_appearances_for(article)
                seconds = time.perf_counter() - started
        # Sampled, as in the parent: getrusage's peak would be the parent's, kept across exec.
        return {"seconds": seconds, "queries": queries.count, "rss_mb": memory.peak_mb()}


def profile(label, action):
    profiler = cProfile.Profile()
    profiler.runcall(action)
    print(f"\ncProfile of {label}, by cumulative time:")
    pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(30)


def archived(raw, capture):
    """The article of the capture, archived as a plain-text file upload is."""
    from articles.capture import capture_archive
    from articles.models import Capture

    title = f"Benchmark capture {capture.stem}"
    return capture_archive(
        raw=raw, origin=Capture.Origin.FILE, content_type="text/plain", title=title
    ).article


def _capture(raw, capture):
    with rolled_back():
        archived(raw, capture)


def _first_proposals(article):
    from claims.appearance_proposals import propose_appearances_for

    with rolled_back():
        propose_appearances_for(article)


@contextlib.contextmanager
def rolled_back():
    """Undo everything done inside, so that the archive holds no real article (generate_corpus
    refuses to replace an archive that does)."""
    from django.db import transaction

    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@contextlib.contextmanager
def proposals_not_wanted():
    """Archive without proposing, so that the proposals are timed on their own."""
    from articles.signals import proposals_wanted
    from claims.appearance_proposals import propose_when_archived

    proposals_wanted.disconnect(propose_when_archived)
    try:
        yield
    finally:
        proposals_wanted.connect(propose_when_archived)


if __name__ == "__main__":
    main()
