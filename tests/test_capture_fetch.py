"""Capture by URL: the server retrieves pages only within its limits, and says why it refuses."""

import datetime
import ipaddress
import socket
import ssl
import time

import pytest

from articles import fetch as fetch_module
from articles.capture import Archived, capture_archive
from articles.extraction import MAX_CAPTURE_BYTES, CaptureRefused
from articles.fetch import fetch, refused_address
from articles.models import Article, Capture
from core.versions import word_diff
from tests.capture_pages import (
    PARAGRAPHS,
    article_page,
    make_certificate,
    response_head,
    serve_site,
    trickled,
)

HTML = ("Content-Type", "text/html; charset=utf-8")
# How late a retrieval may end after its deadline: scheduling on a busy machine, never a wait.
MARGIN = 1.5


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


def redirect_chain(site, redirects):
    """/hop/0 redirecting `redirects` times to a page."""
    for hop in range(redirects):
        site.redirect(f"/hop/{hop}", f"/hop/{hop + 1}")
    site.page(f"/hop/{redirects}", article_page())
    return site.url("/hop/0")


def test_exactly_max_redirects_are_followed(local_site, loopback_allowed):
    url = redirect_chain(local_site, fetch_module.MAX_REDIRECTS)
    retrieved = fetch(url)
    assert retrieved.final_url == local_site.url(f"/hop/{fetch_module.MAX_REDIRECTS}")
    assert retrieved.request_url == url


def test_one_redirect_more_than_max_redirects_is_refused(local_site, loopback_allowed):
    url = redirect_chain(local_site, fetch_module.MAX_REDIRECTS + 1)
    with pytest.raises(CaptureRefused, match="redirects more than 5 times"):
        fetch(url)
    assert len(local_site.requests) == fetch_module.MAX_REDIRECTS + 1  # the page never asked for


def test_an_oversized_response_is_refused(local_site, loopback_allowed):
    local_site.page("/big", b"<html><body>" + b"x" * MAX_CAPTURE_BYTES + b"</body></html>")
    with pytest.raises(CaptureRefused, match="larger than the 10 MB"):
        fetch(local_site.url("/big"))


def test_an_oversized_response_without_a_length_is_refused_while_reading(
    local_site, loopback_allowed, monkeypatch
):
    monkeypatch.setattr(fetch_module, "MAX_CAPTURE_BYTES", 100)
    local_site.raw_page("/endless", [response_head(HTML), b"<p>more</p>" * 1000])
    with pytest.raises(CaptureRefused, match="larger than"):
        fetch(local_site.url("/endless"))


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
     ("100.64.0.1", "not a public address"),
     ("169.254.169.254", "a link-local address"), ("0.0.0.0", "an unspecified address"),
     ("240.0.0.1", "a reserved address"), ("ff02::1", "a multicast address")],
)  # fmt: skip
def test_which_addresses_are_refused(address, refused, settings):
    settings.CAPTURE_ALLOW_LOOPBACK = False
    assert refused_address(address) == refused


def teredo(client):
    """The Teredo address of `client` behind Microsoft's old server, its bits inverted as
    RFC 4380 has them."""
    server = int(ipaddress.IPv4Address("65.54.227.120"))
    obscured = ~int(ipaddress.IPv4Address(client)) & 0xFFFFFFFF
    return str(ipaddress.IPv6Address((0x20010000 << 96) | (server << 64) | (0x8000_63BF << 32)
                                     | obscured))  # fmt: skip


REFUSED_IPV4 = {"127.0.0.1": "a loopback address", "169.254.169.254": "a link-local address",
                "10.0.0.1": "a private address"}  # fmt: skip
CARRIERS = {
    "an IPv4-mapped address": lambda ipv4: f"::ffff:{ipv4}",
    "a 6to4 address": lambda ipv4: str(ipaddress.IPv6Address(
        (0x2002 << 112) | (int(ipaddress.IPv4Address(ipv4)) << 80))),
    "a NAT64 address": lambda ipv4: f"64:ff9b::{ipv4}",
}  # fmt: skip


@pytest.mark.parametrize("form", CARRIERS)
@pytest.mark.parametrize("ipv4", REFUSED_IPV4)
def test_an_ipv6_address_carrying_a_refused_ipv4_one_is_refused(form, ipv4, settings):
    settings.CAPTURE_ALLOW_LOOPBACK = False
    address = CARRIERS[form](ipv4)
    assert refused_address(address) == f"{form} embedding {ipv4}, {REFUSED_IPV4[ipv4]}"


@pytest.mark.parametrize("form", CARRIERS)
def test_an_ipv6_address_carrying_a_public_ipv4_one_is_allowed(form, settings):
    settings.CAPTURE_ALLOW_LOOPBACK = False
    assert refused_address(CARRIERS[form]("93.184.215.14")) == ""


@pytest.mark.parametrize("ipv4", [*REFUSED_IPV4, "93.184.215.14"])
def test_deprecated_and_tunnelling_forms_are_refused_naming_the_ipv4_address(ipv4, settings):
    settings.CAPTURE_ALLOW_LOOPBACK = False
    why = REFUSED_IPV4.get(ipv4)
    assert refused_address(f"::{ipv4}") == (
        f"an IPv4-compatible address embedding {ipv4}, {why or 'a deprecated form'}"
    )
    assert refused_address(teredo(ipv4)) == (
        f"a Teredo address (server 65.54.227.120) embedding {ipv4}, "
        f"{why or 'a tunnel the archive does not use'}"
    )


def test_a_local_use_nat64_address_is_refused(settings):
    assert refused_address("64:ff9b:1::5db8:d70e") == (
        "a local-use NAT64 address (64:ff9b:1::/48), leading into its operator's network"
    )


def test_a_redirect_to_the_metadata_service_in_6to4_is_refused(local_site, loopback_allowed):
    local_site.redirect("/go", "http://[2002:a9fe:a9fe::]/latest/meta-data/")
    with pytest.raises(CaptureRefused, match=(
        r"resolves to 2002:a9fe:a9fe::, a 6to4 address embedding 169\.254\.169\.254, "
        "a link-local address: the archive refuses it"
    )):  # fmt: skip
        fetch(local_site.url("/go"))


def utf16_page():
    return article_page(canonical=None).replace(b'charset="utf-8"', b'charset="utf-16"')


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content_type", "raw"),
    [("text/html; charset=utf-16", utf16_page().decode().encode("utf-16")),
     ("text/html; charset=UTF-16BE", utf16_page().decode().encode("utf-16-be")),
     ("text/html", utf16_page().decode().encode("utf-16")),  # told by its byte order mark
     ("text/html; charset=utf-32", utf16_page().decode().encode("utf-32"))],
    ids=["utf-16 declared", "utf-16be without a byte order mark", "utf-16 with a byte order mark",
         "utf-32"],
)  # fmt: skip
def test_a_utf_16_or_utf_32_page_is_archived_with_its_text(local_site, loopback_allowed,
                                                           content_type, raw):  # fmt: skip
    local_site.page("/wide", raw, content_type=content_type)
    archived = archive_url(local_site.url("/wide"))
    assert archived.outcome == Archived.ARCHIVED
    assert archived.article.title == "Allies argue over Ukraine aid in Brussels"
    assert archived.capture.text == "\n\n".join(PARAGRAPHS)
    assert bytes(archived.capture.raw) == raw  # kept as it came


@pytest.mark.django_db
def test_binary_bytes_declared_utf_16_are_still_refused(local_site, loopback_allowed):
    local_site.page("/fake", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
                    content_type="text/html; charset=utf-16")  # fmt: skip
    with pytest.raises(CaptureRefused, match="binary"):
        archive_url(local_site.url("/fake"))
    assert not Capture.objects.exists()


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
    assert {run.kind for run in changes} == {"same", "removed", "added"}
    page = client.get(f"/articles/{first.article.pk}/captures/changes/").text
    assert "<del>Several delegations asked" in page
    assert "<ins>A decision was taken" in page


@pytest.mark.django_db
def test_a_body_shorter_than_its_content_length_is_refused(local_site, loopback_allowed):
    """The server promises 5,000,000 bytes, sends a whole-looking page and hangs up."""
    page = article_page(canonical=None)
    local_site.raw_page("/cut", [response_head(HTML, ("Content-Length", "5000000")) + page])
    with pytest.raises(CaptureRefused) as refused:
        archive_url(local_site.url("/cut"))
    assert str(refused.value) == (
        f"{local_site.url('/cut')}: the server closed the connection after {len(page):,} of "
        "5,000,000 bytes: the page is incomplete; nothing was stored."
    )
    assert not Capture.objects.exists() and not Article.objects.exists()


def chunked(*pieces, last_chunk=True):
    """A chunked body of one chunk per piece, with its terminating chunk or without."""
    body = b"".join(f"{len(piece):x}\r\n".encode() + piece + b"\r\n" for piece in pieces)
    return body + b"0\r\n\r\n" if last_chunk else body


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [chunked(article_page(canonical=None), last_chunk=False),
     b"10000\r\n" + article_page(canonical=None)],
    ids=["without its terminating chunk", "cut inside a chunk"],
)  # fmt: skip
def test_a_chunked_body_cut_short_is_refused(local_site, loopback_allowed, body):
    head = response_head(HTML, ("Transfer-Encoding", "chunked"))
    local_site.raw_page("/cut", [head + body])
    with pytest.raises(CaptureRefused, match=(
        "the chunked body broke off before its terminating chunk: the page is incomplete; "
        "nothing was stored"
    )):  # fmt: skip
        archive_url(local_site.url("/cut"))
    assert not Capture.objects.exists() and not Article.objects.exists()


def test_a_whole_chunked_body_is_retrieved(local_site, loopback_allowed):
    page = article_page()
    head = response_head(HTML, ("Transfer-Encoding", "chunked"))
    local_site.raw_page("/whole", [head + chunked(page[:100], page[100:])])
    assert fetch(local_site.url("/whole")).raw == page


def test_bytes_after_the_content_length_are_not_taken(local_site, loopback_allowed):
    """http.client stops at the declared length; what follows never reaches the archive."""
    page = article_page()
    head = response_head(HTML, ("Content-Length", str(len(page))))
    local_site.raw_page("/longer", [head + page + b"<p>Smuggled in after the end.</p>" * 50])
    assert fetch(local_site.url("/longer")).raw == page


@pytest.fixture
def short_deadline(monkeypatch):
    """The retrieval's deadline cut to 2 s, so the tests of slow servers take seconds."""
    monkeypatch.setattr(fetch_module, "DEADLINE", 2)
    return 2


def assert_given_up_in_time(url, deadline):
    """fetch(url) refused on time; the reason names the address it was waiting for."""
    started = time.monotonic()
    with pytest.raises(CaptureRefused) as refused:
        fetch(url)
    assert time.monotonic() - started < deadline + MARGIN
    assert str(refused.value).endswith(
        f": the retrieval took longer than the {deadline} s the archive allows for one; "
        "nothing was stored."
    )


def test_a_body_trickled_a_byte_a_second_is_given_up_at_the_deadline(
    local_site, loopback_allowed, short_deadline
):
    page = article_page()
    head = response_head(HTML, ("Content-Length", str(len(page))))
    local_site.raw_page("/trickle", trickled(head + page[:-15], page[-15:]), pause=1)
    assert_given_up_in_time(local_site.url("/trickle"), short_deadline)


def test_headers_trickled_a_byte_a_second_are_given_up_at_the_deadline(
    local_site, loopback_allowed, short_deadline
):
    page = article_page()
    # The head without its blank line, a header trickled, the blank line and the page.
    head = response_head(HTML, ("Content-Length", str(len(page))))[:-2] + b"X-Padding: "
    local_site.raw_page("/trickle", trickled(head, b"a" * 15, b"\r\n\r\n" + page), pause=1)
    assert_given_up_in_time(local_site.url("/trickle"), short_deadline)


def test_a_tls_handshake_never_answered_is_given_up_at_the_deadline(loopback_allowed,
                                                                     short_deadline):  # fmt: skip
    # A listening socket that never accepts: the connection is made, the handshake never ends.
    with socket.create_server(("127.0.0.1", 0)) as listener:
        url = f"https://127.0.0.1:{listener.getsockname()[1]}/"
        assert_given_up_in_time(url, short_deadline)


@pytest.fixture
def tls_site(tmp_path, monkeypatch):
    """A Site served over TLS, its certificate trusted by the archive for the test."""
    certificate = make_certificate(tmp_path)
    default_context = ssl.create_default_context
    monkeypatch.setattr(ssl, "create_default_context",
                        lambda: default_context(cafile=certificate[0]))  # fmt: skip
    with serve_site(certificate) as site:
        yield site


def test_a_page_is_retrieved_over_tls(tls_site, loopback_allowed):
    tls_site.page("/news", article_page())
    retrieved = fetch(tls_site.url("/news"))
    assert retrieved.raw == article_page() and retrieved.final_url.startswith("https://")


def test_a_body_trickled_over_tls_is_given_up_at_the_deadline(tls_site, loopback_allowed,
                                                               short_deadline):  # fmt: skip
    page = article_page()
    head = response_head(HTML, ("Content-Length", str(len(page))))
    tls_site.raw_page("/trickle", trickled(head + page[:-15], page[-15:]), pause=1)
    assert_given_up_in_time(tls_site.url("/trickle"), short_deadline)


def test_the_deadline_holds_across_redirects(local_site, loopback_allowed, short_deadline):
    url = redirect_chain(local_site, fetch_module.MAX_REDIRECTS)
    for hop in range(fetch_module.MAX_REDIRECTS):
        local_site.delays[f"/hop/{hop}"] = 0.7  # each quick, all together too slow
    assert_given_up_in_time(url, short_deadline)


def test_a_deadline_given_to_fetch_replaces_the_default(local_site, loopback_allowed):
    page = article_page()
    head = response_head(HTML, ("Content-Length", str(len(page))))
    local_site.raw_page("/trickle", trickled(head + page[:-15], page[-15:]), pause=1)
    started = time.monotonic()
    with pytest.raises(CaptureRefused, match="longer than the 1 s"):
        fetch(local_site.url("/trickle"), deadline=1)
    assert time.monotonic() - started < 1 + MARGIN


def test_a_300_multiple_choices_is_refused_like_any_status_outside_2xx(
    local_site, loopback_allowed
):
    local_site.page("/choices", article_page(), status=300)
    with pytest.raises(CaptureRefused, match="answered 300 Multiple Choices"):
        fetch(local_site.url("/choices"))


def test_a_closed_port_is_refused_with_the_reason_the_system_gives(loopback_allowed):
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]  # closed when the block ends: nothing listens there
    with pytest.raises(CaptureRefused) as refused:
        fetch(f"http://127.0.0.1:{port}/")
    assert str(refused.value) == (
        f"http://127.0.0.1:{port}/: could not retrieve it ([Errno 111] Connection refused)."
    )


def test_a_failure_without_a_message_is_named_by_its_kind(loopback_allowed, monkeypatch):
    def fail(*args, **kwargs):
        raise ConnectionAbortedError

    monkeypatch.setattr(socket, "create_connection", fail)
    with pytest.raises(CaptureRefused, match=r"could not retrieve it \(ConnectionAbortedError\)"):
        fetch("http://127.0.0.1:9/")


def test_the_ipv4_compatible_form_starts_after_ipv6s_own_loopback(settings):
    settings.CAPTURE_ALLOW_LOOPBACK = False
    assert (
        refused_address("::2") == "an IPv4-compatible address embedding 0.0.0.2, a private address"
    )


@pytest.fixture
def connected_to_loopback(monkeypatch, settings):
    """Every name resolving to a public address, every connection landing on 127.0.0.1 (and
    refused there): the (address, port) of each connection made, in order."""
    settings.CAPTURE_ALLOW_LOOPBACK = False
    answers = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", 8))]
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: answers)
    made = []

    class Connected:
        def getpeername(self):
            return ("127.0.0.1", 8)

        def close(self):
            pass

    def connect(address, *args, **kwargs):
        made.append(address)
        return Connected()

    monkeypatch.setattr(socket, "create_connection", connect)
    return made


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_a_refusal_of_the_connected_address_names_the_host(scheme, connected_to_loopback):
    with pytest.raises(CaptureRefused) as refused:
        fetch(f"{scheme}://rebinding.example/")
    assert str(refused.value) == (
        "rebinding.example: connected to 127.0.0.1, a loopback address: the archive refuses it."
    )


@pytest.mark.parametrize(("scheme", "port"), [("http", 80), ("https", 443)])
def test_an_address_without_a_port_is_reached_on_its_schemes_own(
    scheme, port, connected_to_loopback
):
    with pytest.raises(CaptureRefused):
        fetch(f"{scheme}://news.example/")
    assert connected_to_loopback == [("93.184.215.14", port)]


@pytest.fixture
def connections(monkeypatch):
    """Every (address, port) the retrieval connects to, in order."""
    made, create_connection = [], socket.create_connection

    def connect(address, *args, **kwargs):
        made.append(address)
        return create_connection(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", connect)
    return made


def test_a_page_is_retrieved_from_the_address_that_was_checked(
    local_site, loopback_allowed, connections
):
    local_site.page("/news", article_page())
    fetch(local_site.url("/news"))
    assert connections == [("127.0.0.1", local_site.port)]


def test_a_page_over_tls_is_retrieved_from_the_address_that_was_checked(
    tls_site, loopback_allowed, connections
):
    tls_site.page("/news", article_page())
    fetch(tls_site.url("/news"))
    assert connections == [("127.0.0.1", tls_site.port)]


def test_a_response_of_no_declared_type_is_refused(local_site, loopback_allowed):
    page = article_page()
    local_site.raw_page("/untyped", [response_head(("Content-Length", str(len(page)))) + page])
    with pytest.raises(CaptureRefused) as refused:
        fetch(local_site.url("/untyped"))
    assert str(refused.value) == (
        f"{local_site.url('/untyped')} is of no declared type; the archive takes only HTML pages "
        "and plain text."
    )


def test_a_compressed_response_is_refused(local_site, loopback_allowed):
    page = article_page()
    head = response_head(HTML, ("Content-Encoding", " GZip "), ("Content-Length", str(len(page))))
    local_site.raw_page("/packed", [head + page])
    with pytest.raises(CaptureRefused) as refused:
        fetch(local_site.url("/packed"))
    assert str(refused.value) == (
        f"{local_site.url('/packed')}: the server sent it gzip-encoded, though asked not to."
    )


@pytest.mark.parametrize("encoding", ["identity", "IDENTITY ", ""])
def test_a_response_declared_unencoded_is_taken(local_site, loopback_allowed, encoding):
    page = article_page()
    head = response_head(HTML, ("Content-Encoding", encoding), ("Content-Length", str(len(page))))
    local_site.raw_page("/plain", [head + page])
    assert fetch(local_site.url("/plain")).raw == page


@pytest.mark.parametrize("length", [True, False], ids=["with its length", "ended by closing"])
def test_a_page_of_exactly_max_capture_bytes_is_taken_whole_read_after_read(
    local_site, loopback_allowed, monkeypatch, length
):
    page = article_page()
    monkeypatch.setattr(fetch_module, "MAX_CAPTURE_BYTES", len(page))
    monkeypatch.setattr(fetch_module, "CHUNK", 100)  # many reads for one page
    head = response_head(HTML, *([("Content-Length", str(len(page)))] if length else []))
    local_site.raw_page("/exact", [head + page])
    assert fetch(local_site.url("/exact")).raw == page


@pytest.mark.parametrize("length", [True, False], ids=["by its length", "while reading"])
def test_a_page_one_byte_over_max_capture_bytes_is_refused_naming_it(
    local_site, loopback_allowed, monkeypatch, length
):
    page = article_page()
    monkeypatch.setattr(fetch_module, "MAX_CAPTURE_BYTES", len(page) - 1)
    head = response_head(HTML, *([("Content-Length", str(len(page)))] if length else []))
    local_site.raw_page("/over", [head + page])
    with pytest.raises(CaptureRefused) as refused:
        fetch(local_site.url("/over"))
    assert str(refused.value) == (
        f"{local_site.url('/over')} is larger than the 0 MB the archive takes."
    )


def test_a_body_stalling_longer_than_the_read_timeout_is_given_up_naming_why(
    local_site, loopback_allowed, monkeypatch
):
    monkeypatch.setattr(fetch_module, "READ_TIMEOUT", 0.2)
    page = article_page()
    head = response_head(HTML, ("Content-Length", str(len(page))))
    local_site.raw_page("/stall", [head + page[:100], page[100:]], pause=1)
    with pytest.raises(CaptureRefused) as refused:
        fetch(local_site.url("/stall"))
    assert str(refused.value) == (
        f"{local_site.url('/stall')}: the connection failed mid-way (timed out)."
    )


def test_the_path_and_query_are_asked_for_and_no_path_is_asked_for_as_slash(
    local_site, loopback_allowed
):
    local_site.page("/search?q=nato&page=2", article_page())
    local_site.page("/", article_page())
    local_site.page("/?q=nato", article_page())
    for url in ["/search?q=nato&page=2", "", "?q=nato"]:
        fetch(local_site.url(url))
    assert local_site.requests == ["/search?q=nato&page=2", "/", "/?q=nato"]


def test_the_request_names_the_archive_and_asks_for_pages_uncompressed(
    local_site, loopback_allowed
):
    local_site.page("/news", article_page())
    fetch(local_site.url("/news"))
    [headers] = local_site.request_headers
    assert headers["User-Agent"] == "newsarchive/0.1 (web archive of policy reporting)"
    assert headers["Accept"] == "text/html,application/xhtml+xml,text/plain;q=0.9"
    assert headers["Accept-Encoding"] == "identity"


def test_a_success_carrying_a_location_is_taken_not_followed(local_site, loopback_allowed):
    local_site.page("/news", article_page(), headers=[("Location", "/elsewhere")])
    assert fetch(local_site.url("/news")).final_url == local_site.url("/news")
    assert local_site.requests == ["/news"]


def test_a_name_that_does_not_resolve_is_refused_saying_so(monkeypatch):
    def unknown(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", unknown)
    with pytest.raises(CaptureRefused) as refused:
        fetch("http://nowhere.example/")
    assert str(refused.value) == (
        "nowhere.example: the name does not resolve ([Errno -2] Name or service not known)."
    )


def test_a_name_with_a_label_too_long_is_refused_unresolved():
    host = "a" * 64 + ".example"
    with pytest.raises(CaptureRefused, match=f"^{host}: the name does not resolve"):
        fetch(f"http://{host}/")


def test_the_retrieval_time_is_in_utc(local_site, loopback_allowed):
    local_site.page("/news", article_page())
    before = datetime.datetime.now(datetime.UTC)
    retrieved_at = fetch(local_site.url("/news")).retrieved_at
    assert retrieved_at.utcoffset() == datetime.timedelta(0)
    assert before <= retrieved_at <= datetime.datetime.now(datetime.UTC)


@pytest.fixture
def unaccepted_port():
    """A port on 127.0.0.1 whose listener's queue is full: a connection to it is never made."""
    with socket.create_server(("127.0.0.1", 0), backlog=0) as listener:
        port = listener.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=1):  # fills the queue
            yield port


def test_a_connection_never_accepted_is_given_up_at_the_deadline(loopback_allowed, short_deadline,
                                                                  unaccepted_port):  # fmt: skip
    assert_given_up_in_time(f"http://127.0.0.1:{unaccepted_port}/", short_deadline)


def test_a_connection_not_accepted_within_the_connect_timeout_is_given_up(
    loopback_allowed, monkeypatch, unaccepted_port
):
    monkeypatch.setattr(fetch_module, "CONNECT_TIMEOUT", 0.3)
    started = time.monotonic()
    with pytest.raises(CaptureRefused, match=r"could not retrieve it \(timed out\)\.$"):
        fetch(f"http://127.0.0.1:{unaccepted_port}/")
    assert time.monotonic() - started < 0.3 + MARGIN
