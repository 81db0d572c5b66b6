"""The JSON API's lists: search and filters narrow them, bad values and pages past the end are
400s with the reason, never the unfiltered archive."""

from urllib.request import Request, urlopen

import pytest
from django.db.models import QuerySet
from django.test import Client
from django.urls import reverse

from articles.models import Article
from claims.filters import PAGE_SIZES, SORTS
from claims.models import Claim
from tests import factories

pytestmark = pytest.mark.django_db


def ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_a_search_narrows_the_quotes(client, archive):
    other = factories.make_quote(archive["article"], "according to a report by Politico")
    url = reverse("api:quotes")
    assert ids(client.get(url)) == [archive["quote"].pk, other.pk]
    assert ids(client.get(url, {"q": "quick deal"})) == [archive["quote"].pk]
    assert ids(client.get(url, {"q": "Politico"})) == [other.pk]
    assert ids(client.get(url, {"q": "submarine"})) == []


def test_a_search_narrows_the_articles(client, archive):
    other = factories.make_article(title="Sanctions", body="Sanctions on Russian oil.")
    url = reverse("api:articles")
    assert ids(client.get(url)) == [archive["article"].pk, other.pk]
    assert ids(client.get(url, {"q": "oil"})) == [other.pk]
    assert ids(client.get(url, {"q": "Politico"})) == [archive["article"].pk]


def test_filters_narrow_quotes_by_speaker_and_articles_by_outlet(client, archive):
    factories.make_quote(archive["article"], "according to a report by Politico")
    factories.make_article(body="Another text.")
    speaker = {"speaker": archive["person"].pk}
    assert ids(client.get(reverse("api:quotes"), speaker)) == [archive["quote"].pk]
    outlet = {"outlet": archive["outlet"].pk}
    assert ids(client.get(reverse("api:articles"), outlet)) == [archive["article"].pk]


@pytest.mark.parametrize(
    ("name", "parameters", "field"),
    [
        ("api:quotes", {"speaker": "abc"}, "speaker"),
        ("api:quotes", {"speaker": "999999"}, "speaker"),
        ("api:quotes", {"per_page": "7"}, "per_page"),
        ("api:quotes", {"page": "0"}, "page"),
        ("api:quotes", {"q": "x" * 201}, "q"),
        ("api:articles", {"outlet": "abc"}, "outlet"),
        ("api:articles", {"outlet": "999999"}, "outlet"),
        ("api:articles", {"page": "two"}, "page"),
        ("api:claims", {"topic": "abc"}, "topic"),
        ("api:claims", {"period": "24"}, "period"),
    ],
)
def test_a_bad_filter_is_a_400_naming_the_parameter(client, archive, name, parameters, field):
    response = client.get(reverse(name), parameters)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


@pytest.mark.parametrize("name", ["api:claims", "api:quotes", "api:articles"])
def test_a_page_past_the_end_is_a_400_not_the_last_page(client, archive, name):
    response = client.get(reverse(name), {"page": 2})
    assert response.status_code == 400
    assert response.json() == {
        "errors": {"page": ["There is no page 2: these results have 1 page."]}
    }


def test_pages_link_to_each_other_keeping_the_filters(client, db):
    for number in range(3):
        factories.make_claim(statement=f"Claim {number}")
    first = client.get(reverse("api:claims"), {"per_page": 10, "status": "reported"}).json()
    assert (first["count"], first["page"], first["pages"]) == (3, 1, 1)
    assert (first["next"], first["previous"]) == (None, None)
    for number in range(10):
        factories.make_claim(statement=f"More {number}")
    second = client.get(reverse("api:claims"), {"per_page": 10, "page": 2}).json()
    assert (second["count"], second["page"], second["pages"], second["next"]) == (13, 2, 2, None)
    assert second["previous"] == "http://testserver/api/claims/?per_page=10&page=1"
    assert len(second["results"]) == 3


def test_page_links_keep_every_other_parameter_and_value(client, db):
    for number in range(12):
        factories.make_claim(statement=f"Claim {number}", status="disputed")
    url = reverse("api:claims")
    second = client.get(
        url, {"status": ["reported", "disputed"], "per_page": 10, "page": 2, "sort": "oldest"}
    ).json()
    assert second["previous"] == (
        "http://testserver/api/claims/?status=reported&status=disputed&per_page=10&sort=oldest"
        "&page=1"
    )
    first = client.get(second["previous"]).json()
    assert first["next"] == (
        "http://testserver/api/claims/?status=reported&status=disputed&per_page=10&sort=oldest"
        "&page=2"
    )
    assert [row["statement"] for row in first["results"]][:2] == ["Claim 0", "Claim 1"]


def test_a_claim_has_its_own_url_and_an_unknown_one_is_a_404(client, archive):
    claim = archive["claim"]
    response = client.get(reverse("api:claim", args=[claim.pk]))
    assert (response.status_code, response.json()["id"]) == (200, claim.pk)
    assert response.json()["topics"] == ["NATO expansion"]
    assert client.get(reverse("api:claim", args=[999999])).status_code == 404


@pytest.mark.parametrize("name", ["api:claims", "api:quotes", "api:articles"])
def test_the_api_only_reads(client, archive, name):
    assert client.post(reverse(name)).status_code == 405


API_URLS = ["api:claims", "api:quotes", "api:articles", "api:openapi"]


@pytest.mark.parametrize("name", [*API_URLS, "api:claim"])
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options", "trace"])
def test_every_other_method_is_a_405_even_with_csrf_checks(archive, name, method):
    client = Client(enforce_csrf_checks=True)
    url = reverse(name, args=[archive["claim"].pk] if name == "api:claim" else [])
    response = getattr(client, method)(url)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert client.head(url).status_code == 200


def document_parameter(document, name, parameter):
    """The schema of one value of a parameter of the list named `name`."""
    (found,) = [
        item
        for item in document["paths"][reverse(name)]["get"]["parameters"]
        if item["name"] == parameter
    ]
    return found["schema"].get("items", found["schema"])


def test_the_documents_choices_are_the_codes(client, db):
    document = client.get(reverse("api:openapi")).json()
    assert document_parameter(document, "api:claims", "sort")["enum"] == list(SORTS)
    assert document_parameter(document, "api:claims", "status")["enum"] == Claim.Status.values
    for name in ["api:claims", "api:quotes", "api:articles"]:
        assert document_parameter(document, name, "per_page") == {
            "type": "integer",
            "enum": PAGE_SIZES,
        }


def test_a_search_ranks_the_best_match_first_then_by_id(client, db):
    article = factories.make_article(
        body="“Sanctions.” “Sanctions, sanctions and more sanctions.” “Sanctions again.”"
    )
    once = factories.make_quote(article, "Sanctions.")
    often = factories.make_quote(article, "Sanctions, sanctions and more sanctions.")
    again = factories.make_quote(article, "Sanctions again.")
    assert ids(client.get(reverse("api:quotes"), {"q": "sanctions"})) == [
        often.pk, once.pk, again.pk
    ]  # fmt: skip


def test_a_search_ranks_ids_only_then_loads_the_rows_of_the_page(
    client, db, django_assert_num_queries
):
    article = factories.make_article(body="“Sanctions first.” “Sanctions second.”")
    for text in ["Sanctions first.", "Sanctions second."]:
        factories.make_quote(article, text, speaker=factories.make_person())
    url = reverse("api:quotes")
    # Alias look-ups (people, topics, spelling variants), the count, the page's ids by rank,
    # its quotes (with speakers and articles) and the reports they were taken from.
    with django_assert_num_queries(3 + 1 + 1 + 2):
        assert len(ids(client.get(url, {"q": "sanctions", "per_page": 10}))) == 2
    # Nothing found: the count alone.
    with django_assert_num_queries(3 + 1):
        assert ids(client.get(url, {"q": "submarine"})) == []


@pytest.mark.parametrize("name", [*API_URLS, "api:claim"])
def test_head_over_http_answers_as_get_without_a_body(live_server, name):
    claim = factories.make_claim()
    url = live_server.url + reverse(name, args=[claim.pk] if name == "api:claim" else [])
    with urlopen(Request(url, method="GET")) as get, urlopen(Request(url, method="HEAD")) as head:
        assert head.status == get.status == 200
        assert head.headers["Content-Type"] == get.headers["Content-Type"]
        assert head.read() == b"" and get.read()


def test_an_api_search_row_deleted_between_its_id_and_its_row_is_left_out(client, monkeypatch):
    for n in range(3):
        factories.make_article(title=f"Budget report {n}", body="The budget is fine.")
    in_bulk = QuerySet.in_bulk

    def deleted_meanwhile(self, ids=None, **kwargs):
        Article.objects.filter(pk=ids[0]).delete()  # an editor deletes it at that moment
        return in_bulk(self, ids, **kwargs)

    monkeypatch.setattr(QuerySet, "in_bulk", deleted_meanwhile)
    client.raise_request_exception = False
    response = client.get(reverse("api:articles"), {"q": "budget"})
    assert response.status_code == 200, response.status_code
    assert len(response.json()["results"]) == 2
