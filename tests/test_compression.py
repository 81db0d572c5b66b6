"""Text goes out gzipped to clients that accept it, with Django's BREACH mitigation; small
answers and compressed files go out as they are (core/compression.py)."""

import gzip
import os
import re
import subprocess
import sys

import pytest
from django.test import Client
from django.urls import reverse

from articles.models import Capture
from tests import factories
from tests.servers import BASE_DIR

pytestmark = pytest.mark.django_db
GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def vary(response):
    return [value.strip() for value in response.get("Vary", "").split(",")]


@pytest.mark.parametrize(
    "url, content_type",
    [
        ("/", "text/html; charset=utf-8"),
        ("/claims/", "text/html; charset=utf-8"),
        ("/api/claims/", "application/json"),
        ("/static/css/site.css", 'text/css; charset="utf-8"'),
        ("/feeds/claims/", "application/atom+xml; charset=utf-8"),
        ("/claims/?format=csv", "text/csv; charset=utf-8"),
        ("/claims/?format=json", "application/json"),
    ],
)
def test_text_is_gzipped_for_a_client_that_accepts_it(client, archive, url, content_type):
    plain = body(client.get(url))
    response = client.get(url, **GZIP)
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in vary(response)
    compressed = body(response)
    assert len(compressed) < len(plain)
    text = gzip.decompress(compressed)
    if "html" not in content_type:  # pages hold a CSRF token masked anew each time
        assert text == plain


def test_a_client_that_accepts_no_gzip_gets_plain_text_that_says_it_varies(client, archive):
    response = client.get("/claims/")
    assert "Content-Encoding" not in response
    assert "Accept-Encoding" in vary(response)
    assert response.text.startswith("<!doctype html>")


def test_small_answers_go_out_as_they_are(client):
    response = client.get(reverse("health"), **GZIP)
    assert response.status_code == 200 and len(response.content) < 200
    assert "Content-Encoding" not in response


def test_a_warc_file_is_not_gzipped_again(client):
    article = factories.make_article()
    capture = Capture.objects.get(article=article)
    Capture.objects.filter(pk=capture.pk).update(
        http_status=200, request_url="https://example.org/a", origin=Capture.Origin.URL
    )
    response = client.get(f"/articles/{article.pk}/captures/{capture.pk}.warc.gz", **GZIP)
    assert response["Content-Type"] == "application/warc"
    assert "Content-Encoding" not in response
    gzip.decompress(response.content)  # the file itself, gzipped once


def test_a_range_of_a_static_file_is_the_bytes_asked_for(client):
    response = client.get("/static/css/site.css", HTTP_RANGE="bytes=0-9", **GZIP)
    assert response.status_code == 206
    assert "Content-Encoding" not in response
    assert len(body(response)) == 10


def filename_padding(compressed):
    """The random bytes Django puts in a gzip header's file name field (FNAME, flag 0x08)."""
    assert compressed[3] & gzip.FNAME
    return len(compressed[10 : compressed.index(b"\0", 10)])


def test_a_page_with_a_form_hides_its_secrets_from_breach(client):
    login = reverse("admin:login")
    responses = [Client().get(login, **GZIP) for _ in range(8)]
    pages = [gzip.decompress(response.content).decode() for response in responses]
    tokens = {re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1] for page in pages}
    assert len(tokens) == 8  # masked anew in every response
    assert len({filename_padding(response.content) for response in responses}) > 1


def test_production_serves_static_files_gzipped_ahead_not_again(tmp_path, settings):
    static_root = tmp_path / "static"
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=BASE_DIR,
        env=os.environ
        | {
            "DJANGO_SETTINGS_MODULE": "newsarchive.settings",
            "NEWSARCHIVE_ENV": "production",
            "SECRET_KEY": "a production-like key for collectstatic, long enough to pass its check",
            "ALLOWED_HOSTS": "archive.example.org",
            "STATIC_ROOT": str(static_root),
        },
        check=True,
        capture_output=True,
    )
    (stylesheet,) = (static_root / "css").glob("site.*.css")
    settings.STATIC_ROOT, settings.WHITENOISE_USE_FINDERS = str(static_root), False
    # A client that takes gzip only: whitenoise also writes brotli files when a brotli module is
    # importable (pywb, a test dependency, brings one), and serves those to clients that take it.
    response = Client().get(f"/static/css/{stylesheet.name}", HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in vary(response)
    assert body(response) == stylesheet.with_name(f"{stylesheet.name}.gz").read_bytes()
