"""Capture by URL: the server retrieves pages only within its limits, and says why it refuses."""

import socket

import pytest

from articles import fetch as fetch_module
from articles.capture import Archived, capture_archive
from articles.extraction import MAX_CAPTURE_BYTES, CaptureRefused
from articles.fetch import fetch, refused_address
from articles.models import Article, Capture
from core.versions import word_diff
from tests.capture_pages import PARAGRAPHS, article_page


def archive_url(url):
    retrieved = fetch(url)
    return capture_archive(
        raw=retrieved.raw,
        origin=Capture.Origin.URL,
        url=retrieved.request_url,
        final_url=retrieved.final_url,
        retrieved_at=retrieved.retrieved_at,
        http_status=retrieved.status,
        http_headers=retrieved.headers,
        content_type=retrieved.content_type,
    )


@pytest.mark.django_db
def test_a_page_on_127_0_0_1_is_captured_with_the_loopback_setting_on(local_site, loopback_allowed):
    local_site.page("/news/allies-argue", article_page(canonical=None))
    archived = archive_url(local_site.url("/news/allies-argue"))
    assert archived.outcome == Archived.ARCHIVED
    capture = archived.capture
    assert bytes(capture.raw) == article_page(canonical=None)
    assert capture.http_status == 200
    assert ["Content-Type", "text/html; charset=utf-8"] in capture.http_headers
    assert capture.request_url == capture.final_url == local_site.url("/news/allies-argue")
    assert capture.retrieved_at is not None
    assert archived.article.url == local_site.url("/news/allies-argue")  # where it was retrieved


def test_the_same_page_is_refused_with_the_loopback_setting_off(local_site, settings):
    settings.CAPTURE_ALLOW_LOOPBACK = False
    local_site.page("/news", article_page())
    with pytest.raises(CaptureRefused, match=r"127\.0\.0\.1, a loopback address"):
        fetch(local_site.url("/news"))
    assert local_site.requests == []  # refused before connecting


@pytest.mark.parametrize(
    "target",
    ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.7/", "http://[fe80::1]/",
     "http://224.0.0.1/", "http://0.0.0.0/", "http://192.168.1.1/", "http://240.0.0.1/"],
)  # fmt: skip
def test_a_redirect_to_a_refused_address_is_refused(local_site, loopback_allowed, target):
    local_site.redirect("/go", target)
    with pytest.raises(CaptureRefused, match="the archive refuses it"):
        fetch(local_site.url("/go"))


def test_redirects_are_followed_at_most_five_times(local_site, loopback_allowed):
    for hop in range(7):
        local_site.redirect(f"/hop/{hop}", f"/hop/{hop + 1}")
    local_site.page("/hop/7", article_page())
    with pytest.raises(CaptureRefused, match="redirects more than 5 times"):
        fetch(local_site.url("/hop/0"))
    local_site.redirect("/hop/1", "/hop/7")  # now 0 → 1 → 7
    retrieved = fetch(local_site.url("/hop/0"))
    assert retrieved.final_url == local_site.url("/hop/7")
    assert retrieved.request_url == local_site.url("/hop/0")


def test_an_oversized_response_is_refused(local_site, loopback_allowed):
    local_site.page("/big", b"<html><body>" + b"x" * MAX_CAPTURE_BYTES + b"</body></html>")
    with pytest.raises(CaptureRefused, match="larger than the 10 MB"):
        fetch(local_site.url("/big"))


def test_an_oversized_response_without_a_length_is_refused_while_reading(monkeypatch):
    monkeypatch.setattr(fetch_module, "MAX_CAPTURE_BYTES", 10)

    class Endless:
        status = 200

        def getheader(self, name, default=""):
            return {"Content-Type": "text/html"}.get(name, default)

        def read(self, size):
            return b"<p>more</p>"

    with pytest.raises(CaptureRefused, match="larger than"):
        fetch_module._accept("http://a.example/", "http://a.example/", Endless(), float("inf"))


@pytest.mark.parametrize(
    ("content_type", "message"),
    [("image/png", "is image/png"), ("application/octet-stream", "is application/octet-stream")],
)
def test_a_binary_response_is_refused(local_site, loopback_allowed, content_type, message):
    local_site.page("/image", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", content_type=content_type)
    with pytest.raises(CaptureRefused, match=message):
        fetch(local_site.url("/image"))


@pytest.mark.django_db
def test_binary_bytes_sent_as_html_are_refused_and_nothing_stored(local_site, loopback_allowed):
    local_site.page("/fake", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(CaptureRefused, match="binary"):
        archive_url(local_site.url("/fake"))
    assert not Capture.objects.exists()


def test_a_server_that_does_not_answer_in_time_is_given_up(local_site, loopback_allowed,
                                                           monkeypatch):  # fmt: skip
    monkeypatch.setattr(fetch_module, "READ_TIMEOUT", 0.2)
    local_site.slow_page("/slow", seconds=1)
    with pytest.raises(CaptureRefused, match=r"could not retrieve it \(timed out\)"):
        fetch(local_site.url("/slow"))


def test_an_error_status_is_refused(local_site, loopback_allowed):
    with pytest.raises(CaptureRefused, match="answered 404"):
        fetch(local_site.url("/missing"))


@pytest.mark.parametrize(
    ("url", "message"),
    [("ftp://example.org/file", "only http and https"), ("file:///etc/passwd", "only http"),
     ("http:///nohost", "names no host"), ("http://example.org:99999/", "port")],
)  # fmt: skip
def test_other_schemes_and_malformed_addresses_are_refused(url, message):
    with pytest.raises(CaptureRefused, match=message):
        fetch(url)


def test_a_name_resolving_to_any_refused_address_is_refused(monkeypatch):
    """DNS that answers a public and a private address: the archive won't pick and hope."""
    answers = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, 80))
               for address in ["93.184.215.14", "10.1.2.3"]]  # fmt: skip
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: answers)
    with pytest.raises(CaptureRefused, match=r"10\.1\.2\.3, a private address"):
        fetch("http://rebinding.example/")


def test_the_connected_address_is_checked_again(monkeypatch, settings):
    """Resolution said public, but the socket ended up on loopback: refused."""
    settings.CAPTURE_ALLOW_LOOPBACK = False
    answers = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", 80))]
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: answers)

    class Connected:
        def settimeout(self, timeout):
            pass

        def getpeername(self):
            return ("127.0.0.1", 80)

        def close(self):
            pass

    monkeypatch.setattr(socket, "create_connection", lambda *args, **kwargs: Connected())
    with pytest.raises(CaptureRefused, match=r"connected to 127\.0\.0\.1, a loopback"):
        fetch("http://rebinding.example/")


@pytest.mark.parametrize(
    ("address", "refused"),
    [("93.184.215.14", ""), ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", ""),
     ("127.0.0.1", "a loopback address"), ("::1", "a loopback address"),
     ("::ffff:10.0.0.1", "a private address"), ("100.64.0.1", "not a public address"),
     ("169.254.169.254", "a link-local address"), ("0.0.0.0", "an unspecified address"),
     ("240.0.0.1", "a reserved address"), ("ff02::1", "a multicast address")],
)  # fmt: skip
def test_which_addresses_are_refused(address, refused, settings):
    settings.CAPTURE_ALLOW_LOOPBACK = False
    assert refused_address(address) == refused


@pytest.mark.django_db
def test_a_changed_page_makes_a_second_capture_and_a_diff(local_site, loopback_allowed, client):
    local_site.page("/news", article_page(canonical=None))
    first = archive_url(local_site.url("/news"))
    assert archive_url(local_site.url("/news")).outcome == Archived.DUPLICATE
    changed = [*PARAGRAPHS[:2], "A decision was taken on Tuesday night after all, officials said."]
    local_site.page("/news", article_page(changed, canonical=None))
    second = archive_url(local_site.url("/news"))
    assert second.outcome == Archived.NEW_VERSION and second.article == first.article
    assert Capture.objects.count() == 2 and Article.objects.count() == 1
    changes = word_diff(first.capture.text, second.capture.text)
    assert {kind for kind, _ in changes} == {"same", "removed", "added"}
    page = client.get(f"/articles/{first.article.pk}/captures/changes/").text
    assert "<del>Several delegations asked" in page
    assert "<ins>A decision was taken" in page
