"""Constraints that keep the archive's records honest, held by the database where it can."""

import datetime
import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from articles.models import Article, Quote
from core.dates import DatePrecision
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_quote_whose_offsets_do_not_match_the_body_is_rejected_on_save():
    article = factories.make_article()
    with pytest.raises(ValidationError, match="not these words"):
        Quote.objects.create(
            article=article,
            text="Donald Trump",
            start_offset=0,
            end_offset=12,
            speaker_label="someone",
        )
    assert not Quote.objects.exists()


def test_a_quote_with_matching_offsets_is_saved():
    article = factories.make_article()
    quote = factories.make_quote(article, "Donald Trump")
    assert article.body[quote.start_offset : quote.end_offset] == "Donald Trump"


def test_full_clean_reports_offset_mismatch_as_a_text_error():
    article = factories.make_article()
    quote = Quote(article=article, text="Politico", start_offset=0, end_offset=8, speaker_label="x")
    with pytest.raises(ValidationError) as error:
        quote.full_clean()
    assert "text" in error.value.message_dict


def test_the_database_rejects_offsets_that_do_not_span_the_text():
    quote = factories.make_quote(factories.make_article(), "Politico")
    with pytest.raises(IntegrityError, match="quote_offsets_span_text"):
        Quote.objects.filter(pk=quote.pk).update(end_offset=quote.end_offset + 1)


def test_a_quote_needs_a_speaker_or_a_label():
    quote = factories.make_quote(factories.make_article(), "Politico")
    with pytest.raises(IntegrityError, match="quote_has_speaker_or_label"):
        Quote.objects.filter(pk=quote.pk).update(speaker=None, speaker_label="")


def test_the_same_capture_is_never_archived_twice():
    factories.make_article(raw_capture="the very same capture")
    with pytest.raises(IntegrityError, match="capture_sha256"), transaction.atomic():
        factories.make_article(raw_capture="the very same capture")
    assert Article.objects.count() == 1


def test_the_capture_hash_is_the_sha256_of_the_raw_capture():
    article = factories.make_article(raw_capture="raw text")
    assert article.captures.get().sha256 == hashlib.sha256(b"raw text").hexdigest()


def test_articles_without_url_may_coexist_but_a_url_is_unique():
    factories.make_article(url="")
    factories.make_article(url=None)
    factories.make_article(url="https://example.org/a")
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.make_article(url="https://example.org/a")
    assert Article.objects.filter(url__isnull=True).count() == 2


@pytest.mark.parametrize(
    ("date", "precision"),
    [
        (None, DatePrecision.DAY),
        (datetime.date(2024, 7, 2), DatePrecision.UNKNOWN),
        (datetime.date(2024, 7, 2), DatePrecision.MONTH),
        (datetime.date(2024, 7, 1), DatePrecision.YEAR),
    ],
)
def test_a_partial_date_must_agree_with_its_precision(date, precision):
    with pytest.raises(IntegrityError, match="published_date_precision"):
        factories.make_article(published_date=date, published_date_precision=precision)


@pytest.mark.parametrize(
    ("date", "precision", "shown"),
    [
        (None, DatePrecision.UNKNOWN, "date unknown"),
        (datetime.date(2024, 7, 2), DatePrecision.DAY, "2 July 2024"),
        (datetime.date(2024, 7, 1), DatePrecision.MONTH, "July 2024"),
        (datetime.date(2024, 1, 1), DatePrecision.YEAR, "2024"),
    ],
)
def test_a_partial_date_is_shown_to_its_precision(date, precision, shown):
    article = factories.make_article(published_date=date, published_date_precision=precision)
    assert article.published_display == shown


@pytest.mark.parametrize(
    "change",
    [
        lambda capture: setattr(capture, "text", capture.text.replace("Politico", "POLITICO")),
        lambda capture: setattr(capture, "raw", bytes(capture.raw) + b"\nAn appended line."),
    ],
)
def test_an_archived_capture_is_never_changed(change):
    capture = factories.make_article().captures.get()
    factories.make_quote(capture.article, "Politico")
    change(capture)
    with pytest.raises(ValidationError, match="can't be changed"):
        capture.save()


def test_a_quote_is_anchored_in_a_capture_of_its_own_article():
    article, other = factories.make_article(), factories.make_article()
    with pytest.raises(ValidationError, match="capture of its article"):
        factories.make_quote(article, "Politico", capture=other.captures.get())


def test_wikidata_ids_have_their_format_and_are_unique():
    factories.make_person(wikidata_id="Q22686")
    with pytest.raises(IntegrityError, match="person_wikidata_unique"), transaction.atomic():
        factories.make_person(wikidata_id="Q22686")
    with pytest.raises(IntegrityError, match="person_wikidata_id_format"), transaction.atomic():
        factories.make_person(wikidata_id="22686")
    factories.make_person(wikidata_id="")
    factories.make_person(wikidata_id="")


def test_slugs_are_made_unique():
    first = factories.make_person(name="Jens Stoltenberg")
    second = factories.make_person(name="Jens Stoltenberg")
    assert (first.slug, second.slug) == ("jens-stoltenberg", "jens-stoltenberg-2")


def test_a_supplied_title_is_shown_in_square_brackets():
    article = factories.make_article(title="Report on Trump's NATO plans", title_is_supplied=True)
    assert article.display_title == "[Report on Trump's NATO plans]"


def test_deleting_an_outlet_with_articles_is_refused():
    outlet = factories.make_outlet()
    factories.make_article(outlet=outlet)
    with pytest.raises(ProtectedError):
        outlet.delete()


def test_search_vectors_are_generated_and_ignore_accents():
    article = factories.make_article(title="Zelénskyy speaks", body="Remarks in Kyiv.")
    found = Article.objects.filter(search_vector="zelenskyy").values_list("pk", flat=True)
    assert list(found) == [article.pk]
