"""A request that asks for JSON gets its errors as JSON, in the API's shapes: the API's, a
download in a JSON format (?format=json, csljson), and a client whose Accept prefers JSON. Any
other gets the site's HTML pages. (The 503s of an outage: test_outages.py.)"""

import json

import pytest
from django.urls import reverse

from claims import filters
from claims.exports import FORMATS
from core.middleware import HOLDS_NUL, REFUSED
from core.views import SERVER_ERROR, server_error
from tests import factories
from tests.failing_downloads import failing_in_the_database

REFUSED_AS_JSON = {"errors": {"__all__": [REFUSED]}}
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture
def refused_search(monkeypatch):
    """The explorer's search fails in PostgreSQL, as input it refuses."""
    factories.make_claim(statement="NATO expansion halted.")
    search_claims = filters.search_claims
    monkeypatch.setattr(
        filters, "search_claims", lambda *args: failing_in_the_database(search_claims(*args))
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("export_format", FORMATS)
def test_a_download_the_database_refuses_is_a_json_400_exactly_when_its_format_is_json(
    client, refused_search, export_format
):
    response = client.get(reverse("claims:claim_list"), {"q": "NATO", "format": export_format})
    assert response.status_code == 400
    if "json" in FORMATS[export_format].content_type:
        assert response["Content-Type"] == "application/json"
        assert response.json() == REFUSED_AS_JSON
    else:
        assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db(transaction=True)
def test_a_page_asked_for_as_json_gets_a_json_400_and_a_browser_the_html_page(
    client, refused_search
):
    url = reverse("claims:claim_list")
    response = client.get(url, {"q": "NATO"}, headers={"Accept": "application/json"})
    assert (response.status_code, response.json()) == (400, REFUSED_AS_JSON)
    for accept in [BROWSER, "*/*"]:
        response = client.get(url, {"q": "NATO"}, headers={"Accept": accept})
        assert response.status_code == 400
        assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path, parameters",
    [
        ("/api/claims/", {}),
        ("/api/openapi.json", {}),
        ("/claims/", {"format": "json"}),
        ("/claims/", {"format": "csljson"}),
    ],
)
def test_a_nul_character_in_an_address_asking_for_json_is_a_json_400(client, path, parameters):
    response = client.get(path, {**parameters, "q": "a\x00b"})
    assert response.status_code == 400
    assert response.json() == {"errors": {"__all__": [HOLDS_NUL]}}


@pytest.mark.django_db
def test_a_nul_character_in_a_page_s_address_is_the_html_400(client):
    response = client.get("/claims/", {"q": "a\x00b"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert HOLDS_NUL in response.text


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path, parameters",
    [
        ("/claims/", {"format": "json", "period": "not-a-period"}),
        ("/search/", {"format": "json", "q": "NATO", "type": "no-such-kind"}),
        ("/people/{pk}/{slug}/quotes/", {"format": "csljson", "q": "a" * 3000}),
    ],
)
def test_parameters_a_json_download_s_form_refuses_are_a_json_400_naming_them(
    client, path, parameters
):
    person = factories.make_person()
    path = path.format(pk=person.pk, slug=person.slug)
    response = client.get(path, parameters)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    errors = response.json()["errors"]
    assert errors and all(isinstance(messages, list) for messages in errors.values())


@pytest.mark.django_db
def test_parameters_a_page_s_form_refuses_are_the_html_400(client):
    response = client.get("/claims/", {"period": "not-a-period"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


def test_a_server_error_on_a_request_asking_for_json_is_a_json_500(rf):
    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        response = server_error(rf.get("/api/claims/"))
    assert response.status_code == 500
    assert json.loads(response.content) == {"detail": SERVER_ERROR}
    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        response = server_error(rf.get("/claims/", headers={"Accept": BROWSER}))
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
