"""Quotes record how their words reached the article: said to the outlet, quoted from another
report (the source that records it), retold in the outlet's words, or attributed differently than
in the original report, with a note saying what the original attributes."""

import csv
import io

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from articles.models import Quote
from claims.models import Source
from core.roles import EDITOR
from tests.admin_forms import change_url, save_unchanged

NOTE = 'The original report gives the words to "an adviser", not to Kevin Roberts.'


def from_report(quote, source, transmission=Quote.Transmission.QUOTED_FROM_REPORT, note=""):
    quote.transmission, quote.transmission_note = transmission, note
    quote.save()
    source.quotes.add(quote)
    return quote


@pytest.mark.django_db
def test_a_quote_attributed_differently_is_refused_without_a_note(archive):
    quote = archive["quote"]
    quote.transmission = Quote.Transmission.ATTRIBUTED_DIFFERENTLY
    with pytest.raises(ValidationError) as refused:
        quote.full_clean()
    assert refused.value.message_dict == {
        "transmission_note": ["Say what the original report attributes the words to."]
    }
    refused_by_the_database = pytest.raises(IntegrityError, match="different_attribution_has_note")
    with refused_by_the_database, transaction.atomic():
        quote.save()
    quote = Quote.objects.get(pk=quote.pk)
    quote.transmission, quote.transmission_note = Quote.Transmission.ATTRIBUTED_DIFFERENTLY, NOTE
    quote.full_clean()
    quote.save()


@pytest.mark.django_db
def test_a_new_quote_has_no_transmission_recorded(archive):
    quote = archive["quote"]
    assert (quote.transmission, quote.transmission_note) == (Quote.Transmission.UNKNOWN, "")
    assert list(quote.quoted_from.all()) == []


@pytest.mark.django_db
def test_the_quote_page_shows_how_the_words_reached_the_article_and_the_report(client, archive):
    quote = from_report(archive["quote"], archive["source"], note='Roberts "told Politico".')
    response = client.get(quote.get_absolute_url(), follow=True)
    text = response.content.decode()
    assert "How the words reached the article" in text
    assert "Quoted from another report. Roberts &quot;told Politico&quot;." in text
    source_url = archive["source"].get_absolute_url()
    assert f'<dt>Taken from</dt><dd><a href="{source_url}">Politico report' in text
    # The highlight in the text says it briefly.
    assert 'title="Quote by Kevin Roberts · quoted from another report"' in text


@pytest.mark.django_db
def test_the_quote_page_says_when_the_report_it_was_taken_from_is_not_recorded(client, archive):
    quote = archive["quote"]
    quote.transmission = Quote.Transmission.QUOTED_FROM_REPORT
    quote.save()
    response = client.get(quote.get_absolute_url(), follow=True)
    assert "the report is not recorded in the archive" in response.content.decode()


@pytest.mark.django_db
def test_a_quote_whose_transmission_is_unknown_says_so_on_its_page(client, archive):
    response = client.get(archive["quote"].get_absolute_url(), follow=True)
    text = response.content.decode()
    assert "<dt>How the words reached the article</dt><dd>Not recorded</dd>" in text
    assert "Taken from" not in text


@pytest.mark.django_db
def test_the_claims_evidence_and_the_sources_page_show_where_a_quote_was_taken_from(
    client, archive
):
    quote = from_report(
        archive["quote"], archive["source"], Quote.Transmission.ATTRIBUTED_DIFFERENTLY, NOTE
    )
    source_url = archive["source"].get_absolute_url()
    claim_page = client.get(archive["claim"].get_absolute_url()).content.decode()
    assert (
        '<span class="transmission">Attributed differently than in the original report: '
        f'<a href="{source_url}">Politico report'
    ) in claim_page
    source_page = client.get(source_url).content.decode()
    assert "Quotes taken from it" in source_page
    assert f'<a href="{quote.get_absolute_url()}">Trump considers NATO deal</a>' in source_page
    assert "attributed differently than in the original report: The original report" in (
        source_page.replace("&quot;", '"')
    )


@pytest.mark.django_db
def test_a_quotes_csv_row_carries_its_transmission_and_the_report(client, archive):
    from_report(archive["quote"], archive["source"], note='Roberts "told Politico".')
    person = archive["person"]
    url = reverse("claims:person_quotes", args=[person.pk, person.slug])
    response = client.get(url, {"format": "csv"})
    content = b"".join(response.streaming_content).decode().lstrip("\ufeff")
    (row,) = csv.DictReader(io.StringIO(content))
    assert (row["transmission"], row["transmission_note"], row["quoted_from"]) == (
        "quoted_from_report",
        'Roberts "told Politico".',
        "Politico report (date unknown)",
    )


@pytest.mark.django_db
def test_a_sources_versions_record_the_quotes_taken_from_it(client, archive):
    source = archive["source"]
    source.save()  # version 2: no quotes yet
    from_report(archive["quote"], source)
    source.save()  # version 3, recorded with the quote
    log = client.get(f"/sources/{source.pk}/v/").content.decode()
    assert "Quotes taken from it" in log
    version_2 = client.get(f"/sources/{source.pk}/v/2/").content.decode()
    assert "I would expect a very quick deal" in version_2  # in what changed since
    version_3 = client.get(f"/sources/{source.pk}/v/3/").content.decode()
    assert "Kevin Roberts: “I would expect a very quick deal to end the conflict”" in version_3


# The admin, as editors use it: outside the test transaction (see tests/README.md).


@pytest.fixture
def editor_client():
    user = User.objects.create_user("edith", password="a-long-password-1", is_staff=True)
    user.groups.add(Group.objects.get(name=EDITOR))
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db(transaction=True)
def test_an_editor_records_a_transmission_and_links_the_quote_from_its_source(
    editor_client, archive
):
    quote, source = archive["quote"], archive["source"]
    response = save_unchanged(
        editor_client, quote, transmission="attributed_differently", transmission_note=""
    )
    assert response.status_code == 200
    assert "Say what the original report attributes the words to." in response.content.decode()

    response = save_unchanged(
        editor_client, quote, transmission="attributed_differently", transmission_note=NOTE
    )
    assert response.status_code == 302
    quote.refresh_from_db()
    assert (quote.transmission, quote.transmission_note) == ("attributed_differently", NOTE)
    assert "none recorded" in editor_client.get(change_url(quote)).content.decode()

    response = save_unchanged(editor_client, source, quotes=[str(quote.pk)])
    assert response.status_code == 302
    assert list(source.quotes.all()) == [quote]
    assert "Politico report" in editor_client.get(change_url(quote)).content.decode()
    recorded = Source.history.filter(id=source.pk).latest("history_date")
    assert [row.quote_id for row in recorded.quotes.all()] == [quote.pk]


@pytest.mark.django_db(transaction=True)
def test_a_source_refuses_a_quote_that_does_not_say_it_was_taken_from_a_report(
    editor_client, archive
):
    quote, source = archive["quote"], archive["source"]
    response = save_unchanged(editor_client, source, quotes=[str(quote.pk)])
    assert response.status_code == 200
    assert "do not say they were taken from another report" in response.content.decode()
    assert list(source.quotes.all()) == []


@pytest.mark.django_db(transaction=True)
def test_a_quote_linked_from_a_source_keeps_a_transmission_from_a_report(editor_client, archive):
    quote = from_report(archive["quote"], archive["source"])
    response = save_unchanged(editor_client, quote, transmission="direct")
    assert response.status_code == 200
    assert "records this quote as taken from it" in response.content.decode()
    quote.refresh_from_db()
    assert quote.transmission == "quoted_from_report"
