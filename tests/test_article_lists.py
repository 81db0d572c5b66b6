"""An outlet's and an author's articles: their pages show the newest few, and link to every one
a page at a time."""

import datetime

import pytest
from django.urls import reverse

from articles.views import ARTICLES_PER_PAGE
from claims.views import ARTICLES_ON_PAGE
from core.dates import DatePrecision
from tests import factories


def make_article_of(day, **fields):
    return factories.make_article(
        published_date=day, published_date_precision=DatePrecision.DAY, **fields
    )


@pytest.fixture
def outlet_with_many_articles(db):
    outlet = factories.make_outlet(name="The Daily Record")
    first = datetime.date(2020, 1, 1)
    for day in range(ARTICLES_ON_PAGE + 1):
        make_article_of(first + datetime.timedelta(day), outlet=outlet, title=f"Story {day}")
    return outlet


def test_the_outlet_page_shows_its_newest_articles_and_links_to_all(
    client, outlet_with_many_articles
):
    outlet = outlet_with_many_articles
    response = client.get(outlet.get_absolute_url())
    assert f"Story {ARTICLES_ON_PAGE}<" in response.text
    assert "Story 0<" not in response.text
    all_articles = reverse("articles:outlet_articles", args=[outlet.pk, outlet.slug])
    assert f'<a href="{all_articles}">all {ARTICLES_ON_PAGE + 1} archived articles</a>' in (
        response.text
    )


def test_the_outlet_page_says_nothing_more_when_it_shows_every_article(client, archive):
    response = client.get(archive["outlet"].get_absolute_url())
    assert "archived articles</a>" not in response.text


def test_an_outlets_articles_page_lists_every_article_newest_first(
    client, outlet_with_many_articles
):
    outlet = outlet_with_many_articles
    response = client.get(reverse("articles:outlet_articles", args=[outlet.pk, outlet.slug]))
    assert response.status_code == 200
    assert "Articles archived from The Daily Record" in response.text
    titles = [f"Story {day}<" for day in reversed(range(ARTICLES_ON_PAGE + 1))]
    positions = [response.text.index(title) for title in titles]
    assert positions == sorted(positions)


def test_the_person_page_shows_their_newest_articles_and_links_to_all(client, db):
    person = factories.make_person(name="Ada Writer")
    for number in range(ARTICLES_ON_PAGE + 1):
        factories.make_article(title=f"Column {number}").authors.add(person)
    response = client.get(person.get_absolute_url())
    all_articles = reverse("articles:person_articles", args=[person.pk, person.slug])
    assert f'<a href="{all_articles}">all {ARTICLES_ON_PAGE + 1} articles they wrote</a>' in (
        response.text
    )
    response = client.get(all_articles)
    assert "Articles written by Ada Writer" in response.text
    assert response.text.count("Column ") == ARTICLES_ON_PAGE + 1


def test_an_article_list_is_paged(client, db, django_assert_num_queries):
    outlet = factories.make_outlet(name="Wire")
    make_article_of(datetime.date(2000, 1, 1), outlet=outlet, title="Oldest")
    for _ in range(ARTICLES_PER_PAGE):
        make_article_of(datetime.date(2020, 1, 1), outlet=outlet)
    url = reverse("articles:outlet_articles", args=[outlet.pk, outlet.slug])
    # the outlet, the count of its articles, the page of them
    with django_assert_num_queries(3):
        response = client.get(url, {"page": 2})
    assert "Oldest" in response.text
    assert "Page 2 of 2" in response.text
    assert "Oldest" not in client.get(url).text


@pytest.mark.parametrize("page", ["3", "0", "two"])
def test_a_page_that_is_not_there_is_a_400(client, archive, page):
    outlet = archive["outlet"]
    url = reverse("articles:outlet_articles", args=[outlet.pk, outlet.slug])
    assert client.get(url, {"page": page}).status_code == 400
