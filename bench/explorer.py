"""Benchmark the claim explorer and search on a large synthetic archive.

    .venv/bin/python bench/explorer.py [--claims 100000] [--runs 20]

It starts a temporary embedded PostgreSQL (deleted afterwards), migrates it, fills it with
synthetic claims (actors, topics, reporting articles, sources, dates, statuses in realistic
proportions), runs ANALYZE, then requests typical explorer, search and export views through
Django's test client and prints p50 and p95 timings of each, with its query count.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from articles.models import Article, Outlet, Person  # noqa: E402
from claims.models import Claim, ClaimActor, Source, Topic  # noqa: E402

WORDS = [
    "NATO",
    "expansion",
    "Ukraine",
    "Russia",
    "sanctions",
    "tariffs",
    "defense",
    "spending",
    "guarantee",
    "treaty",
    "talks",
    "ceasefire",
    "territory",
    "aid",
    "alliance",
    "troops",
    "nuclear",
    "umbrella",
    "election",
    "summit",
    "envoy",
]


def populate(claims, seed=1):
    rng = random.Random(seed)
    outlets = Outlet.objects.bulk_create(
        Outlet(name=f"Outlet {n}", slug=f"outlet-{n}") for n in range(200)
    )
    people = Person.objects.bulk_create(
        Person(name=f"Person {n}", slug=f"person-{n}") for n in range(5000)
    )
    topics = Topic.objects.bulk_create(
        Topic(name=f"Topic {n}", slug=f"topic-{n}") for n in range(300)
    )
    sources = Source.objects.bulk_create(
        Source(publisher=f"Publisher {n % 400}", title=f"Report {n}") for n in range(20000)
    )
    articles = Article.objects.bulk_create(
        Article(
            outlet=rng.choice(outlets),
            title=f"Article {n}",
            slug=f"article-{n}",
            body=" ".join(rng.choices(WORDS, k=200)),
        )
        for n in range(max(claims // 4, 10))
    )
    statuses = ["reported"] * 6 + ["corroborated", "disputed", "denied", "retracted"]
    batch = 20000
    for start in range(0, claims, batch):
        size = min(batch, claims - start)
        made = Claim.objects.bulk_create(
            Claim(
                statement=" ".join(rng.choices(WORDS, k=14)),
                slug=f"claim-{start + n}",
                source=rng.choice(sources),
                status=rng.choice(statuses),
                claimed_date=f"{rng.randint(2015, 2025)}-{rng.randint(1, 12):02d}-01",
                claimed_date_precision="month",
            )
            for n in range(size)
        )
        ClaimActor.objects.bulk_create(
            ClaimActor(claim=claim, person=person, role="claimant")
            for claim in made
            for person in rng.sample(people, rng.randint(1, 3))
        )
        Claim.topics.through.objects.bulk_create(
            Claim.topics.through(claim=claim, topic=topic)
            for claim in made
            for topic in rng.sample(topics, rng.randint(1, 3))
        )
        Claim.articles.through.objects.bulk_create(
            Claim.articles.through(claim=claim, article=article)
            for claim in made
            for article in rng.sample(articles, rng.randint(1, 2))
        )
        print(f"  {start + size} claims", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return people, topics, outlets


def measure(client, url, runs, show_queries=False):
    timings = []
    for run in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            if response.streaming:
                for _ in response.streaming_content:
                    pass
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        if show_queries and run == 0:
            for query in queries.captured_queries:
                print(f"    {float(query['time']) * 1000:8.1f} ms  {query['sql'][:110]}")
    timings.sort()
    p95 = timings[max(0, round(0.95 * len(timings)) - 1)]
    return statistics.median(timings), p95, len(queries)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--queries", action="store_true", help="print each query's time once")
    options = parser.parse_args()

    call_command("migrate", verbosity=0)
    print(f"Populating {options.claims} claims…", flush=True)
    started = time.perf_counter()
    people, topics, outlets = populate(options.claims)
    print(f"  done in {time.perf_counter() - started:.0f} s")

    client = Client(HTTP_HOST="localhost")
    views = {
        "explorer, no filter": "/claims/",
        "explorer, one topic": f"/claims/?topic={topics[0].pk}",
        "explorer, two actors + topic + year": (
            f"/claims/?actor={people[0].pk}&actor={people[1].pk}&topic={topics[1].pk}&period=2020"
        ),
        "explorer, search": "/claims/?q=sanctions%20treaty",
        "explorer, search + status": "/claims/?q=sanctions&status=disputed",
        "search page": "/search/?q=ceasefire",
        "API, one outlet": f"/api/claims/?outlet={outlets[0].pk}",
        "CSV export, one topic": f"/claims/?topic={topics[2].pk}&format=csv",
    }
    print(f"\n{'view':40} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    for name, url in views.items():
        p50, p95, queries = measure(client, url, options.runs, options.queries)
        print(f"{name:40} {p50:8.1f} {p95:8.1f} {queries:8d}")


if __name__ == "__main__":
    main()
