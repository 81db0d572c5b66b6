"""The corrections of issue 15's audit of the seed captures against the fixture: each one holds in
the built fixture, as the captures support it."""

import csv
import io
import json

from django.urls import reverse

from claims.models import Claim, Source

RALLY = "[Campaign rally in Philadelphia] (22 June 2024)"


def streamed(response):
    return b"".join(response.streaming_content).decode("utf-8").removeprefix("\ufeff")


def test_source_titles_the_archive_wrote_are_shown_in_brackets_wherever_they_show(client, seed):
    rally = Source.objects.get(title="Campaign rally in Philadelphia")
    assert rally.title_is_supplied
    assert str(rally) == RALLY
    claim = Claim.objects.get(source=rally)
    assert RALLY in client.get(claim.get_absolute_url()).text
    source_page = client.get(rally.get_absolute_url()).text
    assert f"<h1>{RALLY}</h1>" in source_page
    assert f"“{RALLY}.”" in source_page  # its citations, in the Cite box
    assert RALLY in client.get(reverse("claims:claim_list"), {"source": rally.pk}).text
    rows = json.loads(streamed(client.get(reverse("claims:claim_list"), {"format": "json"})))
    assert next(row for row in rows if row["id"] == claim.pk)["source"]["label"] == RALLY
    rows = csv.DictReader(io.StringIO(streamed(client.get("/claims/", {"format": "csv"}))))
    assert next(row for row in rows if row["id"] == str(claim.pk))["source"] == RALLY


def test_a_source_named_by_its_publisher_or_with_its_own_title_has_no_brackets(seed):
    politico = Source.objects.get(publisher="Politico")
    assert (politico.title, str(politico)) == ("", "Politico news report (2 July 2024)")
    assert str(Source(publisher="Politico", title="Trump's plan for NATO")).startswith(
        "Trump's plan for NATO ("
    )
