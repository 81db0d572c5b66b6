"""The site's icon: linked from every page, and at /favicon.ico for whatever asks there, so that no
first visit ends in a 404."""

import re

import pytest

pytestmark = pytest.mark.django_db


def linked_icon(page):
    (address,) = re.findall(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page)
    return address


def test_pages_link_an_icon_that_is_served(client):
    icon = linked_icon(client.get("/").text)
    response = client.get(icon)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in b"".join(response.streaming_content)


def test_favicon_ico_leads_to_the_same_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == linked_icon(client.get("/").text)
    assert client.get("/favicon.ico", follow=True).status_code == 200
