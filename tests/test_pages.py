"""Every public page renders, with a fixed number of queries, and keeps archived text inert."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from articles.highlight import Segment, body_segments
from claims.models import Annotation
from claims.views import QUOTES_ON_PERSON_PAGE
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_home_page_shows_what_the_archive_holds(client, archive, django_assert_num_queries):
    # 4 counts (articles, outlets, people, quotes); claims and claims per topic from the facet
    # index (the changes since it was read, and the claims changed: rows and links); latest
    # claims with their source, their topics; the topics.
    with django_assert_num_queries(10):
        response = client.get(reverse("home"))
    assert response.status_code == 200
    assert archive["claim"].statement in response.text
    assert "NATO expansion" in response.text


def test_the_home_page_of_an_empty_archive_renders(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "No claims yet." in response.text


# The claim explorer on topic, outlet, source and person pages runs: the facet index's changes
# and the claims they touched (rows, links: each test has just changed the archive), the names
# of the people, topics and outlets listed, the sources listed, the page of claims and its three
# prefetches (topics, actors with people, articles with outlets) = 9.
EXPLORER = 9
# A versioned record's page cites its current version: the history record of it (its date).
VERSION = 1
DETAIL_PAGES = {
    # article with outlet, its authors, quotes with speakers, its captures without their bytes
    # (and whether each was retrieved again: their revisits are one more query when one was,
    # tests/test_revisits.py), claims it reports, the claims' appearances in it with their
    # claims (words no longer there: articles.changes), the bytes of the capture shown
    "article": 7,
    # the quote's article (the redirect), then the article page, the reports the quote was
    # taken from, citing the quote's version
    "quote": 1 + 7 + 1 + VERSION,
    # claim with source, the date its current version was recorded and whether it has public
    # notes (no query of their own; its notes with their authors are one more when it has some),
    # actors with people, topics, articles with outlets, quotes with speakers, the reports they
    # were taken from; how outlets reported it: the appearances with their sources (and, when it
    # has appearances, the texts of their articles' captures; when two or more, the spelling
    # variants: tests/test_how_outlets_reported.py)
    "claim": 7,
    # outlet with the count of its articles (no query of its own), its newest articles, the
    # explorer over the claims its articles report
    "outlet": 2 + EXPLORER,
    # person with the date its current version was recorded (cited: no query of its own) and
    # whether they have quotes and articles they wrote (each read only when they have some: this
    # one has quotes, no articles; counted only when they fill their list:
    # test_the_person_page_counts_their_quotes_when_they_fill_the_list), the explorer, their quotes
    "person": 2 + EXPLORER,
    # topic with the date its current version was recorded, the explorer
    "topic": 1 + EXPLORER,
    # source with the date its current version was recorded and whether quotes were taken from
    # it (they are one more query when some were: test_a_sources_quotes_are_read_in_one_query),
    # the explorer
    "source": 1 + EXPLORER,
}


@pytest.mark.parametrize(("name", "queries"), DETAIL_PAGES.items())
def test_each_detail_page_renders_with_a_fixed_number_of_queries(
    client, archive, django_assert_num_queries, name, queries
):
    url = archive[name].get_absolute_url()
    with django_assert_num_queries(queries):
        response = client.get(url, follow=True)
    assert response.status_code == 200


@pytest.mark.parametrize("name", ["article", "outlet", "person", "claim", "topic", "source"])
def test_detail_query_counts_do_not_grow_with_related_rows(
    client, archive, django_assert_num_queries, name
):
    for _ in range(3):
        article = factories.make_article(outlet=archive["outlet"])
        quote = factories.make_quote(article, "Politico", speaker=archive["person"])
        factories.make_claim(
            actors=[archive["person"]],
            topics=[archive["topic"]],
            articles=[article],
            evidence=[quote],
            source=archive["source"],
        )
    with django_assert_num_queries(DETAIL_PAGES[name]):
        response = client.get(archive[name].get_absolute_url(), follow=True)
    assert response.status_code == 200


def test_a_claims_public_notes_are_read_in_one_query_however_many(
    client, archive, django_assert_num_queries
):
    editor = User.objects.create_user("edith", first_name="Edith", last_name="Cole")
    for text in ["Checked against the transcript.", "A second source confirms it."]:
        Annotation.objects.create(claim=archive["claim"], author=editor, text=text,
                                  visibility=Annotation.Visibility.PUBLIC)  # fmt: skip
    Annotation.objects.create(claim=archive["claim"], author=editor, text="Not for readers.")
    with django_assert_num_queries(DETAIL_PAGES["claim"] + 1):
        page = client.get(archive["claim"].get_absolute_url()).text
    assert page.count("— Edith Cole, ") == 2 and "Not for readers." not in page


def test_the_article_page_marks_and_anchors_each_quote(client, archive):
    response = client.get(archive["article"].get_absolute_url())
    quote = archive["quote"]
    assert f'<mark id="quote-{quote.pk}" class="quote-mark">' in response.text
    assert quote.text in response.text


def test_archived_text_is_never_rendered_as_markup(client, db):
    body = 'He said “<script>alert(1)</script>” and <img src=x onerror="alert(2)">.'
    article = factories.make_article(body=body, title="<b>Bold</b> title")
    factories.make_quote(article, "<script>alert(1)</script>")
    response = client.get(article.get_absolute_url())
    assert "<script>alert(1)" not in response.text
    assert "<img src=x" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert "&lt;b&gt;Bold&lt;/b&gt; title" in response.text


def test_an_unknown_id_is_a_friendly_404(client, db):
    response = client.get(reverse("claims:claim", kwargs={"pk": 999, "slug": "nothing"}))
    assert response.status_code == 404
    assert "permalinks should work forever" in response.text


def test_pages_send_the_security_headers(client, archive):
    response = client.get(archive["claim"].get_absolute_url())
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy


@pytest.mark.parametrize("name", list(DETAIL_PAGES))
def test_pages_have_no_inline_scripts_or_styles(client, archive, name):
    text = client.get(archive[name].get_absolute_url(), follow=True).text
    assert "<script>" not in text
    assert "<style" not in text
    assert " style=" not in text


def test_the_server_error_page_renders_without_a_request_context():
    from django.template.loader import render_to_string

    page = render_to_string("500.html")
    assert "Something went wrong on our side" in page


@pytest.mark.urls("tests.failing_urls")
def test_a_view_that_fails_answers_with_the_500_page(client, db):
    client.raise_request_exception = False
    response = client.get("/fail/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text


def test_overlapping_quotes_show_the_text_once_marking_the_first(client, db):
    article = factories.make_article(body="He said: no deal without guarantees for Ukraine.")
    first = factories.make_quote(article, "no deal without guarantees")
    overlapping = factories.make_quote(article, "deal without guarantees for Ukraine")
    segments = body_segments(article.body, [overlapping, first])
    assert [(segment.text, segment.quote) for segment in segments] == [
        ("He said: ", None),
        ("no deal without guarantees", first),
        (" for Ukraine.", None),
    ]
    page = client.get(article.get_absolute_url()).text
    text = page[page.index('class="article-body"') :].split("</div>")[0]
    assert text.count("without guarantees") == 1
    assert text.count("<mark") == 1


def test_quotes_side_by_side_are_each_marked(db):
    article = factories.make_article(body="“Yes.” “No.” Then silence.")
    yes, no = factories.make_quote(article, "Yes."), factories.make_quote(article, "No.")
    segments = body_segments(article.body, [no, yes])
    assert [(segment.text, segment.quote) for segment in segments] == [
        ("“", None), ("Yes.", yes), ("” “", None), ("No.", no), ("” Then silence.", None)
    ]  # fmt: skip
    assert body_segments("No quotes here.", []) == [Segment("No quotes here.")]


def test_the_person_page_counts_their_quotes_when_they_fill_the_list(
    client, archive, django_assert_num_queries
):
    person = archive["person"]
    while person.quotes.count() < QUOTES_ON_PERSON_PAGE + 1:
        article = factories.make_article(outlet=archive["outlet"])
        factories.make_quote(article, "Politico", speaker=person)
    with django_assert_num_queries(DETAIL_PAGES["person"] + 1):
        page = client.get(person.get_absolute_url(), follow=True).text
    assert f"Showing {QUOTES_ON_PERSON_PAGE} of {QUOTES_ON_PERSON_PAGE + 1} quotes." in page


def test_a_sources_quotes_are_read_in_one_query_however_many(
    client, archive, django_assert_num_queries
):
    source = archive["source"]
    for text in ["Politico", "Politico"]:
        article = factories.make_article(outlet=archive["outlet"])
        source.quotes.add(factories.make_quote(article, text, speaker=archive["person"]))
    with django_assert_num_queries(DETAIL_PAGES["source"] + 1):
        page = client.get(source.get_absolute_url()).text
    assert "Quotes taken from it" in page and page.count('<blockquote class="quote">') == 2
