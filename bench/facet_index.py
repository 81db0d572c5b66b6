"""Benchmark the facet index and the explorer on an existing archive (issue #12).

    EMBEDDED_POSTGRES_DIR=var/bench-postgres .venv/bin/python bench/facet_index.py [--runs 20]

The archive is one made by `manage.py generate_corpus --claims 1000000` (and migrated); this
only reads it. It prints the index's build time and size, then p50 and p95 of in-process
requests (Django's test client, index warm) to the unfiltered explorer, a frequent topic, a
topic + actor + status + year combination, and a search, with each one's query count; and how
long the index takes to follow an editor's save and a bulk change.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")

from newsarchive import database


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    embedded_data_dir = database.start_embedded_server_unless_configured()
    try:
        import django

        django.setup()
        _measure_build()
        _measure_updates(max(2, runs // 2 * 2))
        for label, url in _views():
            _measure_view(label, url, runs)
    finally:
        if embedded_data_dir is not None:
            database.stop_embedded_server(embedded_data_dir)


def _measure_build():
    from django.db import DEFAULT_DB_ALIAS

    from claims import facet_index

    started = time.perf_counter()
    index = facet_index.current_index(DEFAULT_DB_ALIAS)
    seconds = time.perf_counter() - started
    held = [*vars(index).values(), *index.newest]
    held += [array for relation in index.relations.values() for array in vars(relation).values()]
    megabytes = sum(array.nbytes for array in held if hasattr(array, "nbytes")) / 1e6
    print(f"{index.size} claims: index built in {seconds:.1f} s, {megabytes:.0f} MB of arrays")


def _measure_updates(runs):
    """The time to bring the index up to date after an editor's save (one claim's status and
    topics) and after a bulk action on 1,000 claims; the claims are put back after."""
    from django.db import DEFAULT_DB_ALIAS, transaction

    from claims import facet_index
    from claims.models import Claim

    claims = list(Claim.objects.order_by("pk").values_list("pk", "status")[:1000])
    other_status = {
        status: next(s for s in facet_index.STATUSES if s != status)
        for status in facet_index.STATUSES
    }
    for label, changed in [("one claim", claims[:1]), ("1,000 claims", claims)]:
        timings = []
        for run in range(runs):
            with transaction.atomic():
                for pk, status in changed:
                    new_status = other_status[status] if run % 2 == 0 else status
                    Claim.objects.filter(pk=pk).update(status=new_status)
            started = time.perf_counter()
            facet_index.current_index(DEFAULT_DB_ALIAS)
            timings.append((time.perf_counter() - started) * 1000)
        print(
            f"index updated after a change to {label:14} p50 {statistics.median(timings):7.1f} ms"
        )


def _views():
    """(label, URL) of each view measured, with a frequent topic, actor and source picked."""
    from django.db.models import Count

    from articles.models import Person
    from claims.models import Topic

    topic = Topic.objects.annotate(n=Count("claims")).order_by("-n").first()
    actor = Person.objects.annotate(n=Count("claims")).order_by("-n").first()
    combination = f"?topic={topic.pk}&actor={actor.pk}&status=reported&period=2024"
    return [
        ("unfiltered explorer", "/claims/"),
        (f"topic page ({topic.name})", topic.get_absolute_url()),
        ("topic+actor+status+year", f"/claims/{combination}"),
        ("search (NATO)", "/claims/?q=NATO"),
    ]


def _measure_view(label, url, runs):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    # One of the development ALLOWED_HOSTS; and rendered each time, not from the page cache.
    client = Client(SERVER_NAME="localhost", HTTP_CACHE_CONTROL="no-cache")
    assert client.get(url).status_code == 200  # warms the index and the caches
    timings = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content[:500]
    timings.sort()
    p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
    print(
        f"{label:40} p50 {statistics.median(timings):7.1f} ms  p95 {p95:7.1f} ms"
        f"  {len(queries)} queries"
    )


if __name__ == "__main__":
    main()
