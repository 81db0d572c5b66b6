"""A claims CSV, whose cells PostgreSQL joins (claims.exports.CLAIM_CELLS_SQL), is byte for byte
what flattening the claims' JSON rows with the cell writer gives, as every other CSV is made."""

import datetime
import json

import pytest
from django.urls import reverse

from claims.exports import _cell, csv_row
from claims.models import Claim, ClaimActor
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
