"""A claims CSV, whose cells PostgreSQL joins (claims.exports.CLAIM_CELLS_SQL), is byte for byte
what flattening the claims' JSON rows with the cell writer gives, as every other CSV is made."""

import datetime
import json

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse

from claims import exports
from claims.exports import _cell, csv_row
from claims.filters import ORDERINGS
from claims.models import Claim, ClaimActor, Topic
from tests import factories

pytestmark = pytest.mark.django_db


def body(response):
    return b"".join(response.streaming_content).decode("utf-8")


def flattened(rows):
    """The CSV of JSON rows, each value written by the cell writer."""
    if not rows:
        return ""
    lines = [csv_row([_cell(value) for value in row.values()]) for row in rows]
    return "\ufeff" + csv_row(list(rows[0])) + "".join(lines)


def assert_csv_flattens_json(client, **parameters):
    url = reverse("claims:claim_list")
    rows = json.loads(body(client.get(url, {**parameters, "format": "json"})))
    assert body(client.get(url, {**parameters, "format": "csv"})) == flattened(rows)
    return rows


def test_the_seed_archives_csv_flattens_its_json(client, seed):
    assert len(assert_csv_flattens_json(client)) == Claim.objects.count()
    assert_csv_flattens_json(client, topic="4", sort="oldest")


def test_awkward_cells_are_written_as_the_cell_writer_writes_them(client, db):
    early, zeit = datetime.date(2024, 1, 1), factories.make_outlet(name="Zeit")
    body_text = "“Yes, and =no,” he said. “@once” she said."
    articles = [
        factories.make_article(
            title="=Supplied, with a comma", title_is_supplied=True, body=body_text,
            outlet=zeit, published_date=early, published_date_precision="day",
        ),
        factories.make_article(
            title='A "quoted" title', outlet=factories.make_outlet(name="Ärzte Zeitung"),
            published_date=early, published_date_precision="day",
        ),
        factories.make_article(title="-minus", outlet=factories.make_outlet(name="apple")),
        factories.make_article(title="No outlet"),
        factories.make_article(title="Same outlet again", outlet=zeit),
    ]  # fmt: skip
    quotes = [
        factories.make_quote(articles[0], "Yes, and =no"),
        factories.make_quote(articles[0], "@once"),
    ]
    factories.make_claim(
        statement='=SUM(A1) said "this",\nover two lines',
        claimed_date=datetime.date(2024, 7, 1), claimed_date_precision="month",
        actors=[factories.make_person(name="@Handle"),
                (factories.make_person(name="Ann, B."), ClaimActor.Role.SUBJECT)],
        topics=[factories.make_topic(name="+Plus", wikidata_id="Q1"),
                factories.make_topic(name="Without an entity"),
                factories.make_topic(name="Ärger", wikidata_id="Q2")],
        articles=articles, evidence=quotes,
        source=factories.make_source(title="Remarks", title_is_supplied=True,
                                     date=datetime.date(2024, 2, 3), date_precision="day"),
    )  # fmt: skip
    factories.make_claim(
        statement="Nothing else known.", source=factories.make_source(kind="interview")
    )
    bare = factories.make_claim(statement="-Bare.")
    # A time to the second, which isoformat() gives without a fraction.
    Claim.objects.filter(pk=bare.pk).update(
        created_at=datetime.datetime(2026, 11, 19, 8, 30, tzinfo=datetime.UTC)
    )
    rows = assert_csv_flattens_json(client)
    assert len(rows) == 3
    assert_csv_flattens_json(client, sort="oldest")


def test_an_empty_export_is_an_empty_file_either_way(client, db):
    assert assert_csv_flattens_json(client) == []


@pytest.fixture
def small_batches(monkeypatch):
    """Batches of 7 claims, then of 10: an export of a few claims spans several."""
    monkeypatch.setattr(exports, "FIRST_CHUNK_SIZE", 7)
    monkeypatch.setattr(exports, "CLAIM_CHUNK_SIZE", 10)


def make_claims(count):
    topics = [factories.make_topic(name=name) for name in ["Budget", "Energy"]]
    people = [factories.make_person(name=name) for name in ["Ann", "Bob", "Cy"]]
    articles = [factories.make_article(title=f"Report {n}") for n in range(4)]
    for n in range(count):
        factories.make_claim(
            statement=f"Budget claim number {n}.",
            actors=people[: n % 4],
            topics=topics[: n % 3],
            articles=articles[n % 2 : n % 5],
        )


def test_a_file_of_many_batches_keeps_their_order(client, db, small_batches):
    # Each batch's query is sent while the rows of the one before are written (_read_ahead).
    make_claims(33)
    rows = assert_csv_flattens_json(client)
    newest_first = Claim.objects.order_by(*ORDERINGS["newest"]).values_list("pk", flat=True)
    assert [row["id"] for row in rows] == list(newest_first)
    assert_csv_flattens_json(client, sort="oldest", topic=str(Topic.objects.first().pk))


def test_a_search_of_many_batches_reads_its_ids_between_them(client, db, small_batches):
    # A search's ids come from a server-side cursor, which can't run in a pipeline.
    make_claims(33)
    url = reverse("claims:search")
    parameters = {"q": "budget", "type": "claims"}
    rows = json.loads(body(client.get(url, {**parameters, "format": "json"})))
    assert len(rows) == 33
    assert body(client.get(url, {**parameters, "format": "csv"})) == flattened(rows)


def test_the_first_piece_goes_out_after_a_few_rows(client, db):
    make_claims(60)
    response = client.get(reverse("claims:claim_list"), {"format": "csv"})
    first, *rest = response.streaming_content
    assert exports.FIRST_PIECE_SIZE <= len(first) < exports.PIECE_SIZE
    assert len(rest) == 1


@pytest.mark.django_db(transaction=True)
def test_a_download_cut_short_closes_its_search_cursor(small_batches, monkeypatch):
    # A client that leaves: the WSGI server closes the response while _read_ahead waits in a
    # pipeline, where psycopg closes no cursor; the search's ids cursor (WITH HOLD, on a
    # connection kept for the next requests) must still be closed, and the pipeline left.
    monkeypatch.setattr(exports, "FIRST_PIECE_SIZE", 1)
    make_claims(33)
    parameters = {"q": "budget", "type": "claims", "format": "csv"}
    environ = RequestFactory().get(reverse("claims:search"), parameters).environ
    response = WSGIHandler()(environ, lambda status, headers: None)
    next(iter(response))
    response.close()
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_cursors")
        assert cursor.fetchall() == []
