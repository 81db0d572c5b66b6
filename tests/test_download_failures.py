"""A download is whole or visibly broken: a query that fails before its first row is an error
status, never a 200 and a file cut short; a failure midway ends the file so that no reader takes
it for complete, and is logged once."""

import csv
import io
import json
import logging

import pytest
from django.db.models.expressions import RawSQL
from django.urls import reverse

from claims import exports, filters, views
from claims.exports import FORMATS, INCOMPLETE
from tests import factories


def failing_in_the_database(claims):
    """The claims, filtered by a condition PostgreSQL refuses to compute (a DataError)."""
    return claims.alias(failure=RawSQL('"claims_claim"."id" / 0', [])).filter(failure=1)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("export_format", FORMATS)
def test_a_search_whose_query_fails_before_its_first_row_is_a_400_not_a_200(
    client, monkeypatch, export_format
):
    factories.make_claim(statement="NATO expansion halted.")
    search_claims = views.search_claims
    monkeypatch.setattr(
        views, "search_claims", lambda *args: failing_in_the_database(search_claims(*args))
    )
    response = client.get(
        reverse("claims:search"), {"q": "NATO", "type": "claims", "format": export_format}
    )
    assert response.status_code == 400
    assert not response.streaming
    assert "could not use this request" in response.text


@pytest.mark.django_db(transaction=True)
def test_an_explorer_download_whose_search_fails_is_a_400_not_a_200(client, monkeypatch):
    factories.make_claim(statement="NATO expansion halted.")
    search_claims = filters.search_claims
    monkeypatch.setattr(
        filters, "search_claims", lambda *args: failing_in_the_database(search_claims(*args))
    )
    response = client.get(reverse("claims:claim_list"), {"q": "NATO", "format": "json"})
    assert response.status_code == 400
    assert not response.streaming


@pytest.mark.django_db(transaction=True)
def test_the_api_answers_what_the_database_refuses_with_a_json_400(client, monkeypatch):
    factories.make_claim(statement="NATO expansion halted.")
    search_claims = filters.search_claims
    monkeypatch.setattr(
        filters, "search_claims", lambda *args: failing_in_the_database(search_claims(*args))
    )
    response = client.get(reverse("api:claims"), {"q": "NATO"})
    assert response.status_code == 400
    assert response.json() == {
        "errors": {"__all__": ["The archive's database could not use this request's parameters."]}
    }


def failing_after_the_first(read):
    """A Batches method that yields the first row, then fails (a database gone away)."""

    def failing(*args):
        for number, row in enumerate(read(*args)):
            if number:
                raise RuntimeError("the database went away")
            yield row

    return failing


def parses(export_format, text):
    if export_format in ("json", "csljson"):
        try:
            json.loads(text)
        except ValueError:
            return False
        return True
    if export_format == "csv":
        return [INCOMPLETE] not in list(csv.reader(io.StringIO(text)))
    # BibTeX: every entry is closed.
    return text.count("{") == text.count("}")


@pytest.mark.django_db
@pytest.mark.parametrize("export_format", FORMATS)
def test_a_download_that_fails_midway_ends_broken_and_is_logged_once(
    client, monkeypatch, caplog, export_format
):
    for statement in ["First.", "Second.", "Third."]:
        factories.make_claim(statement=statement)
    Batches = exports.Batches
    monkeypatch.setattr(Batches, "records", failing_after_the_first(Batches.records))
    monkeypatch.setattr(Batches, "objects", failing_after_the_first(Batches.objects))
    response = client.get(reverse("claims:claim_list"), {"format": export_format, "sort": "oldest"})
    assert response.status_code == 200  # the first row was on its way
    text = b"".join(response.streaming_content).decode()
    assert "First." in text and "Second." not in text
    assert text.rstrip().endswith(FORMATS[export_format].failure_mark.rstrip())
    assert not parses(export_format, text)
    failures = [record for record in caplog.records if record.name == "claims.exports"]
    assert len(failures) == 1 and failures[0].levelno == logging.ERROR
    assert "the database went away" in caplog.text


@pytest.mark.django_db
@pytest.mark.parametrize("export_format", FORMATS)
def test_a_whole_download_parses(client, export_format):
    for statement in ["First.", "Second.", "Third."]:
        factories.make_claim(statement=statement)
    response = client.get(reverse("claims:claim_list"), {"format": export_format})
    text = b"".join(response.streaming_content).decode()
    assert parses(export_format, text) and INCOMPLETE not in text
