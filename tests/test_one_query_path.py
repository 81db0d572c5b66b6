"""One claim query path: the explorer, the JSON API, the feeds and the exports read the same
ClaimFilter, so the same parameters give the same claims, and a bad page the same 400."""

import json
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from claims.models import Claim

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"
VIEWS = [
    {},
    {"q": "NATO"},
    {"q": "Zelenskyy", "sort": "oldest"},
    {"topic": ["4", "5"], "status": "reported"},
    {"period": ["2024", "undated"], "sort": "oldest"},
    {"q": "Ukraine", "period": "2024-06"},
]


def explorer_ids(client, parameters):
    response = client.get(reverse("claims:claim_list"), {**parameters, "per_page": 100})
    assert response.status_code == 200
    return [claim.pk for claim in response.context["exploration"].page.object_list]


def api_ids(client, parameters):
    response = client.get(reverse("api:claims"), {**parameters, "per_page": 100})
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def export_ids(client, parameters):
    response = client.get(reverse("claims:claim_list"), {**parameters, "format": "json"})
    assert response.status_code == 200
    return [row["id"] for row in json.loads(b"".join(response.streaming_content))]


def feed_ids(client, parameters):
    response = client.get(reverse("claims:feed"), parameters)
    assert response.status_code == 200
    entries = ET.fromstring(response.content).findall(f"{ATOM}entry")
    links = [entry.find(f"{ATOM}link").get("href") for entry in entries]
    return [int(link.split("/claims/")[1].split("/")[0]) for link in links]


@pytest.mark.parametrize("parameters", VIEWS)
def test_explorer_api_export_and_feed_give_the_same_claims(client, seed, parameters):
    claims = explorer_ids(client, parameters)
    assert claims, "a view that matches nothing proves nothing"
    assert api_ids(client, parameters) == claims
    assert export_ids(client, parameters) == claims
    # A feed lists the same claims, newest added first: it follows a view's new claims.
    assert sorted(feed_ids(client, parameters)) == sorted(claims)


def test_the_views_in_this_test_differ(client, seed):
    assert len({tuple(explorer_ids(client, parameters)) for parameters in VIEWS}) == len(VIEWS)
    assert Claim.objects.count() > max(len(explorer_ids(client, p)) for p in VIEWS[1:])


def no_such_page(count, per_page):
    pages = max(-(-count // per_page), 1)
    return f"There is no page 9: these results have {pages} page{'s' if pages != 1 else ''}."


def test_a_page_past_the_end_is_the_same_400_everywhere(client, seed):
    message = no_such_page(Claim.objects.count(), 25)
    explorer = client.get(reverse("claims:claim_list"), {"page": "9"})
    api = client.get(reverse("api:claims"), {"page": "9", "per_page": "25"})
    assert explorer.status_code == api.status_code == 400
    assert message in explorer.text
    assert api.json() == {"errors": {"page": [message]}}


def test_search_answers_a_page_past_the_end_with_that_400_too(client, seed):
    """Search used to show its last page instead."""
    response = client.get(reverse("claims:search"), {"q": "NATO", "type": "claims", "page": "9"})
    assert response.status_code == 400
    count = len(explorer_ids(client, {"q": "NATO"}))
    assert no_such_page(count, 20) in response.text
