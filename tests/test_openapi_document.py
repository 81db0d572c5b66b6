"""/api/openapi.json is generated once and served from memory: the same document to every
request, however many arrive at once, and a JSON error if it can't be generated.

drf-spectacular's generator changes its views' shared state as it runs, so requests generating it
at once in one process (gunicorn's gthread worker runs many threads) got 500s, in HTML, and
documents missing parts (issue #21)."""

import logging
from concurrent.futures import ThreadPoolExecutor
from urllib.error import HTTPError
from urllib.request import urlopen

import pytest
from django.urls import reverse
from drf_spectacular.views import SpectacularAPIView

from claims import api


@pytest.fixture
def not_generated_yet(monkeypatch):
    """The process as it starts, before any request has generated the document."""
    monkeypatch.setattr(api.OpenApiDocument, "documents", {})


def get(url):
    """(status, content type, body) of GET url."""
    try:
        with urlopen(url, timeout=60) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def test_fifty_concurrent_requests_for_the_document_all_get_the_same_document(
    live_server, not_generated_yet
):
    url = live_server.url + reverse("api:openapi")
    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = list(pool.map(get, [url] * 50))
    assert [status for status, _, _ in answers] == [200] * 50
    assert {content_type for _, content_type, _ in answers} == {"application/json"}
    assert len({body for _, _, body in answers}) == 1


@pytest.mark.django_db
def test_a_document_that_cannot_be_generated_is_a_json_500_logged_once_and_tried_again(
    client, not_generated_yet, monkeypatch, caplog
):
    def failing(*args, **kwargs):
        raise RuntimeError("the generator broke")

    with monkeypatch.context() as patched:
        patched.setattr(SpectacularAPIView, "get", failing)
        response = client.get(reverse("api:openapi"))
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": api.DOCUMENT_FAILED}
    logged = [record for record in caplog.records if record.name == "django.request"]
    assert len(logged) == 1 and logged[0].levelno == logging.ERROR
    assert "the generator broke" in caplog.text  # with its traceback

    response = client.get(reverse("api:openapi"))
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "newsarchive API"
