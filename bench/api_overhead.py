"""Measure what a framework adds to a page of 100 claims from the JSON API.

    .venv/bin/python bench/api_overhead.py [--claims 3000] [--runs 3] [--rounds 50]

It starts a temporary embedded PostgreSQL (deleted afterwards), fills it with a synthetic archive
(claims.corpus, as `manage.py generate_corpus` makes it), then requests the same page of
/api/claims/ from three implementations, in-process through Django's test client: the
hand-written view the API had before issue #11, the API on Django REST framework that replaced
it (claims/api.py, with django-filter's DjangoFilterBackend), and the same endpoint on
django-ninja. Each run asks them in interleaved rounds; the script prints the median and p90 per
request of wall time and of this process's CPU time, and the CPU each adds to the hand-written
view, run by run. All three build the same rows (claims.exports.claim_row) from the same
ClaimFilter, and their bodies are checked to agree before they are timed.
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

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import JsonResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import path  # noqa: E402
from django.utils.http import urlencode  # noqa: E402
from ninja import NinjaAPI, Query, Schema  # noqa: E402
from pydantic import Field  # noqa: E402

from claims.corpus import generate  # noqa: E402
from claims.exports import claim_row  # noqa: E402
from claims.filters import PAGE_SIZES, ClaimFilter, error_messages  # noqa: E402
from claims.models import Claim  # noqa: E402
from core.pages import NoSuchPage, page_of  # noqa: E402
from newsarchive.urls import urlpatterns as site_urlpatterns  # noqa: E402

PAGE_SIZE = 25


def page_body(request, page, number, rows):
    """The API's list body: counts, absolute links to the pages around, the rows."""

    def link(target):
        query = [(k, v) for k, values in request.GET.lists() if k != "page" for v in values]
        return request.build_absolute_uri(f"{request.path}?{urlencode([*query, ('page', target)])}")

    return {
        "count": page.paginator.count,
        "page": number,
        "pages": page.paginator.num_pages,
        "next": link(page.next_page_number()) if page.has_next() else None,
        "previous": link(page.previous_page_number()) if page.has_previous() else None,
        "results": rows,
    }


def claim_rows(request, page):
    return [claim_row(claim, request.build_absolute_uri) for claim in page.object_list]


# Before issue #11: a plain Django view (claims/api.py as it was).
def handwritten_claims(request):
    filterset = ClaimFilter(request.GET, queryset=Claim.objects.all())
    if not filterset.is_valid():
        return JsonResponse({"errors": error_messages(filterset.form)}, status=400)
    cleaned = filterset.form.cleaned_data
    number = int(cleaned.get("page") or 1)
    try:
        page = page_of(filterset.qs.for_export(), number, cleaned.get("per_page") or PAGE_SIZE)
    except NoSuchPage as error:
        return JsonResponse({"errors": {"page": [str(error)]}}, status=400)
    return JsonResponse(page_body(request, page, number, claim_rows(request, page)))


# django-ninja: the parameters and the body declared as pydantic schemas.
ninja_api = NinjaAPI(urls_namespace="bench-ninja", docs_url=None)


class ClaimParameters(Schema):
    q: str | None = None
    actor: list[int] = []
    topic: list[int] = []
    outlet: list[int] = []
    source: list[int] = []
    status: list[Claim.Status] = []
    period: list[str] = []
    sort: str | None = None
    per_page: int | None = Field(None, json_schema_extra={"enum": PAGE_SIZES})
    page: int = Field(1, ge=1)


class ClaimPage(Schema):
    count: int
    page: int
    pages: int
    next: str | None
    previous: str | None
    results: list[dict]


class Errors(Schema):
    errors: dict[str, list[str]]


@ninja_api.get("/claims/", response={200: ClaimPage, 400: Errors})
def ninja_claims(request, parameters: Query[ClaimParameters]):
    filterset = ClaimFilter(request.GET, queryset=Claim.objects.all())
    if not filterset.is_valid():
        return 400, {"errors": error_messages(filterset.form)}
    try:
        page = page_of(filterset.qs.for_export(), parameters.page, parameters.per_page or PAGE_SIZE)
    except NoSuchPage as error:
        return 400, {"errors": {"page": [str(error)]}}
    return page_body(request, page, parameters.page, claim_rows(request, page))


# The site's own URLs, the API's among them; rows link to the site's pages.
urlpatterns = [
    *site_urlpatterns,
    path("hand/claims/", handwritten_claims),
    path("ninja/", ninja_api.urls),
]
IMPLEMENTATIONS = {"hand-written": "/hand", "DRF": "/api", "ninja": "/ninja"}
QUERIES = [
    "?per_page=100",
    "?per_page=100&status=reported&status=disputed&period=2019&period=2020&period=2021"
    "&sort=oldest&page=2",
]


def timed_get(client, url):
    """(wall ms, this process's CPU ms, JSON body). The CPU time leaves out PostgreSQL and other
    processes on a shared machine: it is where a framework's overhead shows."""
    wall, cpu = time.perf_counter(), time.process_time()
    response = client.get(url)
    wall, cpu = (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    return wall, cpu, response.json()


def check_same_bodies(client, query):
    """Every implementation answers alike, apart from the prefix in its page links."""
    bodies = {}
    for name, prefix in IMPLEMENTATIONS.items():
        body = timed_get(client, f"{prefix}/claims/{query}")[2]
        links = {
            key: body[key] and body[key].replace(prefix, "", 1) for key in ("next", "previous")
        }
        bodies[name] = {**body, **links}
    assert len(bodies["DRF"]["results"]) == 100, "the page should hold 100 rows"
    assert bodies["hand-written"] == bodies["DRF"] == bodies["ninja"], "bodies differ"


def measure(client, query, rounds):
    """{implementation: [(wall ms, CPU ms)]}. Each round asks every implementation once, in a
    shuffled order, so a busy machine slows them alike."""
    timings = {name: [] for name in IMPLEMENTATIONS}
    shuffler = random.Random(0)
    for _ in range(rounds):
        order = list(IMPLEMENTATIONS.items())
        shuffler.shuffle(order)
        for name, prefix in order:
            timings[name].append(timed_get(client, f"{prefix}/claims/{query}")[:2])
    return timings


LINKS = ("next", "previous")


def query_count(query, prefix):
    with CaptureQueriesContext(connection) as queries:
        Client(HTTP_HOST="localhost").get(f"{prefix}/claims/{query}")
    return len(queries)


def report(query, runs):
    """Medians and p90s over every run's requests; the CPU each framework adds, run by run."""
    print(f"\n/api/claims/{query}")
    print(f"  {'':14} {'wall ms':>16} {'CPU ms':>16}   CPU added per run")
    print(f"  {'':14} {'median':>8}{'p90':>8} {'median':>8}{'p90':>8}")
    baselines = [statistics.median(cpu for _, cpu in run["hand-written"]) for run in runs]
    for name, prefix in IMPLEMENTATIONS.items():
        walls = [wall for run in runs for wall, _ in run[name]]
        cpus = [cpu for run in runs for _, cpu in run[name]]
        added = [
            statistics.median(c for _, c in run[name]) - b
            for run, b in zip(runs, baselines, strict=True)
        ]
        figures = f"{_median_p90(walls)} {_median_p90(cpus)}"
        extra = ", ".join(f"{value:+.1f}" for value in added)
        print(f"  {name:14} {figures}   {extra}  ({query_count(query, prefix)} queries)")


def _median_p90(values):
    return f"{statistics.median(values):8.1f}{statistics.quantiles(values, n=10)[-1]:8.1f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=50, help="requests per implementation a run")
    options = parser.parse_args()

    settings.ROOT_URLCONF = __name__
    call_command("migrate", verbosity=0)
    generate(options.claims)
    client = Client(HTTP_HOST="localhost")
    for query in QUERIES:
        check_same_bodies(client, query)
        runs = [measure(client, query, options.rounds) for _ in range(options.runs)]
        report(query, runs)


if __name__ == "__main__":
    main()
