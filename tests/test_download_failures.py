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

from claims.api import ClaimList
from claims.exports import FORMATS, INCOMPLETE
from claims.models import Claim, ClaimQuerySet
from tests import factories

for_export = ClaimQuerySet.for_export


def failing_in_the_database(self):
    """The claims of a download, with a column PostgreSQL refuses to compute (a DataError)."""
    return for_export(self).annotate(failure=RawSQL('"claims_claim"."id" / 0', []))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("export_format", FORMATS)
def test_a_query_that_fails_before_its_first_row_is_a_400_not_a_200(
    client, monkeypatch, export_format
):
    factories.make_claim()
    monkeypatch.setattr(ClaimQuerySet, "for_export", failing_in_the_database)
    response = client.get(reverse("claims:claim_list"), {"format": export_format})
    assert response.status_code == 400
    assert not response.streaming
    assert "could not use this request" in response.text


@pytest.mark.django_db(transaction=True)
def test_the_api_answers_what_the_database_refuses_with_a_json_400(client, monkeypatch):
    factories.make_claim()
    monkeypatch.setattr(ClaimList, "queryset", failing_in_the_database(Claim.objects.all()))
    response = client.get(reverse("api:claims"))
    assert response.status_code == 400
    assert response.json() == {
        "errors": {"__all__": ["The archive's database could not use this request's parameters."]}
    }


def failing_on(statement):
    """Claim.get_absolute_url, failing for the claim with this statement (every format asks
    for each row's permalink, so each fails there)."""
    get_absolute_url = Claim.get_absolute_url

    def failing(claim):
        if claim.statement == statement:
            raise RuntimeError("the database went away")
        return get_absolute_url(claim)

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
    monkeypatch.setattr(Claim, "get_absolute_url", failing_on("Second."))
    response = client.get(reverse("claims:claim_list"), {"format": export_format, "sort": "oldest"})
    assert response.status_code == 200  # the first row was on its way
    text = b"".join(response.streaming_content).decode()
    assert "First." in text or export_format in ("bibtex", "csljson")  # those have titles only
    assert text.rstrip().endswith(FORMATS[export_format].failure_mark.rstrip())
    assert INCOMPLETE in text
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
