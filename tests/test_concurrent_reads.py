"""A request's independent reads at once, each on its own connection (core.concurrent_reads):
the same results as one after the other, and never a read that misses uncommitted rows."""

import contextvars
import threading

import pytest
from django.db import connection, transaction

from claims.models import Claim
from claims.search import prepare_search, search_everything
from core.concurrent_reads import read_concurrently
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

    with pytest.raises(ValueError, match="refused"):
        read_concurrently([failed_read, slow_read])
    assert finished == [True]
    with pytest.raises(ValueError, match="refused"):
        read_concurrently([slow_read, failed_read])
