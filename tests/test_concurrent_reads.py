"""A request's independent reads at once, each on its own connection (core.concurrent_reads):
the same results as one after the other, and never a read that misses uncommitted rows."""

import contextvars
import functools
import threading

import pytest
from django.db import connection, transaction

from claims.models import Claim, Topic
from claims.search import prepare_search, search_everything
from core import routers
from core.concurrent_reads import THREADS, read_concurrently
from tests import factories

request_name = contextvars.ContextVar("request_name", default=None)


def where_it_ran():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return threading.get_ident(), cursor.fetchone()[0], request_name.get()


@pytest.mark.django_db(transaction=True)
def test_reads_run_at_once_on_their_own_connections_with_the_requests_context():
    request_name.set("search")
    first, *others = read_concurrently([where_it_ran, where_it_ran, where_it_ran])
    assert first[0] == threading.get_ident()
    threads, backends, names = zip(first, *others, strict=True)
    assert len(set(threads)) == 3 and len(set(backends)) == 3  # one connection each
    assert set(names) == {"search"}


@pytest.mark.django_db(transaction=True)
def test_a_search_finds_the_same_at_once_as_one_kind_after_the_other():
    article = factories.make_article(title="NATO summit", body="NATO said it. NATO again.")
    quote = factories.make_quote(article, "NATO said it", speaker=factories.make_person())
    for number in range(23):
        factories.make_claim(statement=f"NATO claim {number}.", evidence=[quote])

    def found(kind, page_number=1):
        groups = search_everything(prepare_search("NATO"), kind=kind, page_number=page_number)
        return [(g.kind, g.count, [row.pk for row in g.page or []]) for g in groups]

    at_once = [found("all"), found("claims", 2), found("articles")]
    with transaction.atomic():  # inside a transaction, one after the other on its connection
        assert [found("all"), found("claims", 2), found("articles")] == at_once
    newest = list(Claim.objects.order_by("-pk").values_list("pk", flat=True)[:5])
    assert at_once[0][0] == ("claims", 23, newest)


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_reads_see_its_rows_on_its_connection():
    with transaction.atomic():
        factories.make_claim(statement="Written, not yet committed.")
        runs = read_concurrently([where_it_ran, where_it_ran])
        counts = read_concurrently([Claim.objects.count] * 2)
    assert {run[:2] for run in runs} == {where_it_ran()[:2]}
    assert counts == [1, 1]


@pytest.mark.django_db(transaction=True)
def test_a_failed_read_fails_the_request_after_the_others_finished():
    finished = []

    def slow_read():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(0.2)")
        finished.append(True)

    def failed_read():
        raise ValueError("refused")

    def quick_read():
        return None

    # A failure in the request's thread, or in the pool's while another read there goes on.
    for reads in ([failed_read, slow_read], [quick_read, failed_read, slow_read]):
        finished.clear()
        with pytest.raises(ValueError, match="refused"):
            read_concurrently(reads)
        assert finished == [True]


@pytest.mark.django_db(transaction=True)
def test_with_every_thread_busy_reads_run_in_the_requests_thread():
    """Other requests' searches hold the pool: this one's reads don't wait for them."""
    started, release = threading.Semaphore(0), threading.Event()

    def held():
        started.release()
        release.wait(5)

    other_search = threading.Thread(target=read_concurrently, args=([held] * (THREADS + 1),))
    other_search.start()
    try:
        assert all(started.acquire(timeout=5) for _ in range(THREADS + 1))
        runs = read_concurrently([where_it_ran, where_it_ran, where_it_ran])
    finally:
        release.set()
        other_search.join()
    assert {run[0] for run in runs} == {threading.get_ident()}


@pytest.mark.django_db(transaction=True)
def test_the_reads_of_a_request_share_its_replica(monkeypatch):
    """Chosen before they start: each thread choosing its own could read replicas at different
    lag (a search for a "quoted phrase" reads nothing before its kinds)."""
    replicas = [f"replica_{number}" for number in range(1, 9)]
    monkeypatch.setattr(routers, "replicas", lambda: replicas)
    monkeypatch.setattr(routers, "reachable", lambda alias: True)
    monkeypatch.setattr(routers, "_down_until", {})
    read_alias = functools.partial(routers.PrimaryReplicaRouter().db_for_read, Topic)

    def analysts_request():
        routers._pinned.set(False)  # as PinToPrimaryMiddleware decides for an anonymous GET
        return read_concurrently([read_alias] * 3)

    for _ in range(10):
        aliases = contextvars.copy_context().run(analysts_request)
        assert len(set(aliases)) == 1 and aliases[0] in replicas
