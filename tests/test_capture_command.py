"""`manage.py archive`: files, folders, WARC files and URLs, each reported; one bad item never
stops the batch. And the WARC file of a capture retrieved by URL, readable by warcio."""

import datetime
import gzip
import io
import time

import pytest
from django.core.management import call_command
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from articles import fetch as fetch_module
from articles.models import Article, Capture
from tests.archive_command import run_archive
from tests.capture_pages import PARAGRAPHS, article_page, response_head, trickled

pytestmark = pytest.mark.django_db

PLAIN_TEXT = "Ministers reach a deal\n\n" + "\n\n".join(PARAGRAPHS) + "\n\nAll rights reserved.\n"


def write_warc(path, records):
    """A gzipped WARC file with a request record and a response record per (uri, date, page)."""
    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        for uri, date, content_type, body in records:
            request = writer.create_warc_record(
                uri, "request", payload=io.BytesIO(b""),
                http_headers=StatusAndHeaders(f"GET {uri} HTTP/1.1", [("Host", "x")],
                                              is_http_request=True),
            )  # fmt: skip
            writer.write_record(request)
            headers = StatusAndHeaders("200 OK", [("Content-Type", content_type),
                                                  ("Content-Length", str(len(body)))],
                                       protocol="HTTP/1.1")  # fmt: skip
            response = writer.create_warc_record(
                uri, "response", payload=io.BytesIO(body), http_headers=headers,
                warc_headers_dict={"WARC-Date": date},
            )  # fmt: skip
            writer.write_record(response)


def test_an_html_file_archives_with_its_title_text_and_date(tmp_path):
    (tmp_path / "page.html").write_bytes(article_page())
    output, failures = run_archive(tmp_path / "page.html")
    assert failures == ""
    assert "Archived 1 (0 as new versions of articles), 0 duplicate, 0 unchanged, 0 failed." in (
        output
    )
    article = Article.objects.get()
    assert article.title == "Allies argue over Ukraine aid in Brussels"
    assert article.published_display == "2 July 2024"
    capture = article.captures.get()
    assert capture.origin == Capture.Origin.FILE and capture.text == "\n\n".join(PARAGRAPHS)
    assert capture.request_url == "" and capture.retrieved_at is None  # a file says neither


def test_a_warc_file_archives_its_html_responses_with_uri_and_date_as_provenance(tmp_path):
    warc = tmp_path / "crawl.warc.gz"
    other = [PARAGRAPHS[2], PARAGRAPHS[0], "And a paragraph only this second story has in it."]
    write_warc(warc, [
        ("https://daily.example.org/a", "2024-07-02T10:15:00Z", "text/html; charset=utf-8",
         article_page(canonical=None)),
        ("https://daily.example.org/logo.png", "2024-07-02T10:15:01Z", "image/png", b"\x89PNG"),
        ("https://daily.example.org/b", "2024-07-03T08:00:00Z", "text/html",
         article_page(other, title="Second story", canonical=None)),
    ])  # fmt: skip
    output, failures = run_archive(warc)
    assert failures == "" and "Archived 2 " in output
    first, second = Capture.objects.order_by("retrieved_at")
    assert first.origin == Capture.Origin.WARC
    assert first.request_url == first.final_url == "https://daily.example.org/a"
    assert first.retrieved_at == datetime.datetime(2024, 7, 2, 10, 15, tzinfo=datetime.UTC)
    assert first.http_status == 200
    assert first.article.url == "https://daily.example.org/a"
    assert first.article.title == "Allies argue over Ukraine aid in Brussels"
    assert second.article.title == "Second story"
    assert second.text.endswith("And a paragraph only this second story has in it.")


def test_a_broken_file_in_a_folder_is_reported_while_the_others_are_archived(tmp_path):
    (tmp_path / "a-page.html").write_bytes(article_page())
    (tmp_path / "b-broken.html").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary")
    (tmp_path / "c-undecodable.txt").write_bytes("Caf\u00e9 ".encode("latin-1") * 40)
    (tmp_path / "d-empty.txt").write_bytes(b"")
    (tmp_path / "e-not-a-warc.warc").write_bytes(b"this is not a WARC file at all")
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "story.txt").write_text(PLAIN_TEXT, encoding="utf-8")
    (tmp_path / ".hidden.html").write_bytes(b"left out")
    output, failures = run_archive(tmp_path)
    assert "Archived 2 (0 as new versions of articles), 0 duplicate, 0 unchanged, 4 failed." in (
        output
    )
    assert "b-broken.html: The capture is binary data" in failures
    assert "c-undecodable.txt: The capture cannot be decoded as utf-8" in failures
    assert "d-empty.txt: The capture is empty" in failures
    assert "e-not-a-warc.warc: This is not a readable WARC file" in failures
    assert Article.objects.count() == Capture.objects.count() == 2


def test_a_duplicate_is_reported_not_stored(tmp_path):
    (tmp_path / "page.html").write_bytes(article_page())
    (tmp_path / "copy.html").write_bytes(article_page())
    output, failures = run_archive(tmp_path)
    assert failures == ""
    assert "Archived 1 (0 as new versions of articles), 1 duplicate" in output
    assert "duplicate  " in output and "nothing stored" in output
    assert Capture.objects.count() == 1


def test_urls_are_retrieved_and_refusals_reported(tmp_path, local_site, loopback_allowed):
    local_site.page("/news", article_page(canonical=None))
    output, failures = run_archive(local_site.url("/news"), local_site.url("/gone"),
                                   "ftp://example.org/x")  # fmt: skip
    assert "Archived 1 " in output and "2 failed" in output
    assert "/gone: " in failures and "answered 404" in failures
    assert "only http and https" in failures
    assert Capture.objects.get().origin == Capture.Origin.URL


PAGE = article_page(canonical=None)
HTML = ("Content-Type", "text/html; charset=utf-8")


@pytest.mark.parametrize(
    ("response", "reason"),
    [([response_head(HTML, ("Content-Length", "5000000")) + PAGE],
      f"the server closed the connection after {len(PAGE):,} of 5,000,000 bytes: the page is "
      "incomplete; nothing was stored."),
     ([response_head(HTML, ("Transfer-Encoding", "chunked")) + f"{len(PAGE):x}\r\n".encode()
       + PAGE + b"\r\n"],
      "the chunked body broke off before its terminating chunk: the page is incomplete; nothing "
      "was stored.")],
    ids=["a lying Content-Length", "a chunked body without its terminating chunk"],
)  # fmt: skip
def test_a_page_cut_short_is_reported_and_not_archived(local_site, loopback_allowed, response,
                                                       reason):  # fmt: skip
    local_site.raw_page("/cut", response)
    output, failures = run_archive(local_site.url("/cut"))
    assert "Archived 0 " in output and "1 failed" in output
    assert f"\n  {local_site.url('/cut')}: {reason}" in failures  # the address said once
    assert not Capture.objects.exists() and not Article.objects.exists()


@pytest.mark.parametrize(
    "response",
    [trickled(response_head(HTML, ("Content-Length", str(len(PAGE)))) + PAGE[:-15], PAGE[-15:]),
     trickled(response_head(HTML, ("Content-Length", str(len(PAGE))))[:-2] + b"X-Padding: ",
              b"a" * 15, b"\r\n\r\n" + PAGE)],
    ids=["its body", "its headers"],
)  # fmt: skip
def test_a_page_trickled_a_byte_a_second_is_given_up_at_the_deadline(
    local_site, loopback_allowed, monkeypatch, response
):
    monkeypatch.setattr(fetch_module, "DEADLINE", 2)
    local_site.raw_page("/trickle", response, pause=1)
    started = time.monotonic()
    output, failures = run_archive(local_site.url("/trickle"))
    assert "Archived 0 " in output and "1 failed" in output
    assert time.monotonic() - started < 2 + 1.5
    assert "the retrieval took longer than the 2 s the archive allows for one" in failures
    assert not Capture.objects.exists() and not Article.objects.exists()


def test_a_capture_retrieved_by_url_downloads_as_a_warc_file_warcio_reads(
    client, local_site, loopback_allowed, tmp_path
):
    local_site.page("/news", article_page(canonical=None))
    run_archive(local_site.url("/news"))
    capture = Capture.objects.get()
    page = client.get(capture.article.get_absolute_url()).text
    download = f"/articles/{capture.article.pk}/captures/{capture.pk}.warc.gz"
    assert f'href="{download}"' in page
    response = client.get(download)
    assert response["Content-Type"] == "application/warc"
    gzip.decompress(response.content)  # a gzipped file
    records = [
        (record.rec_type, record.rec_headers.get_header("WARC-Target-URI"),
         record.http_headers.get_statuscode(), record.content_stream().read())
        for record in ArchiveIterator(io.BytesIO(response.content))
        if record.rec_type == "response"
    ]  # fmt: skip
    assert records == [("response", local_site.url("/news"), "200", bytes(capture.raw))]
    # Archived back, it is the same capture.
    (tmp_path / "download.warc.gz").write_bytes(response.content)
    output, failures = run_archive(tmp_path / "download.warc.gz")
    assert "1 duplicate" in output and failures == ""


def test_a_capture_not_retrieved_by_url_has_no_warc_file(client, tmp_path):
    (tmp_path / "page.html").write_bytes(article_page())
    run_archive(tmp_path / "page.html")
    capture = Capture.objects.get()
    response = client.get(f"/articles/{capture.article.pk}/captures/{capture.pk}.warc.gz")
    assert response.status_code == 400


def test_the_outlet_given_is_found_or_added(tmp_path):
    (tmp_path / "page.html").write_bytes(article_page(site=None))
    call_command("archive", str(tmp_path), "--outlet", "Daily Example", stdout=io.StringIO(),
                 stderr=io.StringIO())  # fmt: skip
    assert Article.objects.get().outlet.name == "Daily Example"
