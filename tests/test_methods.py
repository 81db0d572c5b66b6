"""Pages and feeds are read with GET and HEAD, the admin's pages, the reconciliation service and
the alerts' forms and links (core.middleware.takes_posts) also posted to; any other method
(TRACE, OPTIONS, …) is a 405 naming those in Allow, not the page (issue #26). The API answers the
same way by itself (tests/test_api.py)."""

import re

import pytest
from django.urls import URLResolver, get_resolver, resolve, reverse

OTHER_METHODS = ["options", "trace", "put", "delete"]


def page_addresses(patterns=None, prefix=""):
    """An address for every page and feed of the site (the admin's and the API's aside), with
    999 for every id and an address for every original URL: the answer comes before the view,
    whether or not such a record exists."""
    addresses = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if pattern.namespace not in ("admin", "api"):
                addresses += page_addresses(pattern.url_patterns, route)
        else:
            route = re.sub(r"<path:\w+>", "https://news.example/a", route)  # Memento's
            route = re.sub(r"<str:\w+>", "x", route)  # alerts' signed links
            addresses.append("/" + re.sub(r"<int:\w+>", "999", re.sub(r"<slug:\w+>", "x", route)))
    return addresses


def test_every_page_and_feed_is_found():
    addresses = page_addresses()
    assert {"/", "/claims/", "/claims/999/x/", "/feeds/claims/", "/favicon.ico"} <= set(addresses)
    assert not [address for address in addresses if "<" in address]


def takes_posts(address):
    return hasattr(resolve(address).func, "page_methods")


def refused_requests():
    """(address, method, Allow) for every page and every method it doesn't answer."""
    for address in page_addresses():
        posts = takes_posts(address)
        for method in OTHER_METHODS if posts else [*OTHER_METHODS, "post"]:
            yield address, method, "GET, HEAD, POST" if posts else "GET, HEAD"


@pytest.mark.parametrize(("address", "method", "allowed"), list(refused_requests()))
def test_a_page_answers_any_method_it_doesnt_take_with_a_405(client, address, method, allowed):
    response = getattr(client, method)(address)
    assert response.status_code == 405
    assert response["Allow"] == allowed
    assert response.content == b""


def test_only_the_reconciliation_service_and_the_alerts_forms_take_posts():
    assert [address for address in page_addresses() if takes_posts(address)] == [
        "/reconcile/",
        "/alerts/follow/claims/",
        "/alerts/follow/search/",
        "/alerts/follow/claims/999/",
        "/alerts/follow/articles/999/",
        "/alerts/follow/people/999/",
        "/alerts/follow/topics/999/",
        "/alerts/follow/outlets/999/",
        "/alerts/confirm/x/",
        "/alerts/unsubscribe/x/",
    ]


@pytest.mark.django_db
def test_pages_still_answer_get_and_head(client):
    assert client.get("/claims/").status_code == 200
    head = client.head("/claims/")
    assert head.status_code == 200 and head.content == b""


@pytest.mark.django_db
@pytest.mark.parametrize("method", OTHER_METHODS)
def test_the_admins_pages_answer_other_methods_with_a_405(admin_client, method):
    url = reverse("admin:claims_claim_changelist")
    response = getattr(admin_client, method)(url)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, POST"
    assert admin_client.get(url).status_code == 200


@pytest.mark.parametrize("method", OTHER_METHODS)
def test_the_sign_in_page_answers_other_methods_with_a_405(client, method):
    response = getattr(client, method)(reverse("admin:login"))
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, POST"
