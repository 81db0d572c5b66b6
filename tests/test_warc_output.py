"""The WARC file of a capture, as archives write them (issue #24): a warcinfo record, then the
request as sent and the response as received (its status line and headers), a metadata record
saying the retrieval was whole, each with SHA-256 digests that warcio checks."""

import base64
import io
import subprocess
import sys
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

from articles.models import Capture
from tests.archive_command import run_archive
from tests.capture_pages import article_page, response_head
from tests.factories import make_article

pytestmark = pytest.mark.django_db

WARCIO = Path(sys.executable).with_name("warcio")


def records_of(warc_bytes):
    """The file's records as warcio reads them, each with its `content` read on the way."""
    records = []
    for record in ArchiveIterator(io.BytesIO(warc_bytes), check_digests=True):
        record.content = record.content_stream().read()
        records.append(record)
    return records


def download(client, capture):
    response = client.get(f"/articles/{capture.article_id}/captures/{capture.pk}.warc.gz")
    assert response.status_code == 200
    return response.content


def sha256_hex(digest):
    algorithm, value = digest.split(":")
    assert algorithm == "sha256"
    return base64.b32decode(value).hex()


@pytest.fixture
def captured(local_site, loopback_allowed):
    """A page served with an unusual reason phrase and a chunked body, archived by URL."""
    body = article_page(canonical=None)
    chunked = f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"
    local_site.raw_page(
        "/news?id=7",
        [
            response_head(
                ("Content-Type", "text/html; charset=utf-8"),
                ("Transfer-Encoding", "chunked"),
                ("X-Served-By", "cache-7"),
                status="200 Fine Thanks",
            )
            + chunked
        ],
    )
    run_archive(local_site.url("/news?id=7"))
    return Capture.objects.get()


def test_warcio_reads_warcinfo_response_request_and_metadata_in_order(client, captured):
    records = records_of(download(client, captured))
    assert [record.rec_type for record in records] == [
        "warcinfo", "response", "request", "metadata"
    ]  # fmt: skip
    assert all(record.rec_headers.protocol == "WARC/1.1" for record in records)
    warcinfo = records[0].content.decode()
    assert "format: WARC File Format 1.1" in warcinfo and "software: newsarchive" in warcinfo
    response, request, metadata = records[1:]
    response_id = response.rec_headers.get_header("WARC-Record-ID")
    assert request.rec_headers.get_header("WARC-Concurrent-To") == response_id
    assert metadata.rec_headers.get_header("WARC-Concurrent-To") == response_id
    for record in records[1:]:
        assert record.rec_headers.get_header("WARC-Date") == response.rec_headers.get_header(
            "WARC-Date"
        )


def test_the_response_keeps_the_status_line_and_headers_as_received(client, captured):
    response = records_of(download(client, captured))[1]
    assert response.http_headers.protocol == "HTTP/1.1"
    assert response.http_headers.statusline == "200 Fine Thanks"
    assert response.http_headers.get_header("X-Served-By") == "cache-7"
    # The body is stored de-chunked; the header that described the coding is kept renamed.
    assert response.http_headers.get_header("Transfer-Encoding") is None
    assert response.http_headers.get_header("X-Archive-Orig-Transfer-Encoding") == "chunked"
    assert response.content == bytes(captured.raw)


def test_the_request_is_as_sent(client, captured, local_site):
    request = records_of(download(client, captured))[2]
    assert request.rec_headers.get_header("WARC-Target-URI") == local_site.url("/news?id=7")
    assert request.http_headers.protocol == "GET"
    assert request.http_headers.statusline == "/news?id=7 HTTP/1.1"
    sent = local_site.request_headers[-1]
    assert dict(request.http_headers.headers) == sent
    assert sent["Host"] == f"127.0.0.1:{local_site.port}"


def test_the_metadata_record_says_the_retrieval_was_complete_and_how_the_body_is_stored(
    client, captured
):
    metadata = records_of(download(client, captured))[3]
    assert metadata.rec_headers.get_header("Content-Type") == "application/warc-fields"
    fields = metadata.content.decode()
    assert "retrieval: complete" in fields
    assert "X-Archive-Orig-Transfer-Encoding" in fields
    assert f"sha256: {captured.sha256}" in fields
    assert captured.get_absolute_url() in fields  # archived-as: its page in the archive
    assert "not-recorded" not in fields


def test_digests_are_sha256_and_the_payloads_is_the_captures_own(client, captured):
    records = records_of(download(client, captured))
    response = records[1]
    assert sha256_hex(response.rec_headers.get_header("WARC-Payload-Digest")) == captured.sha256
    for record in records:
        assert record.rec_headers.get_header("WARC-Block-Digest").startswith("sha256:")
        assert record.digest_checker.passed is not False, record.digest_checker.problems


def test_warcio_check_finds_every_digest_valid(client, captured, tmp_path):
    (tmp_path / "capture.warc.gz").write_bytes(download(client, captured))
    check = subprocess.run(
        [WARCIO, "check", "-v", tmp_path / "capture.warc.gz"], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count("digest pass") >= 4, check.stdout


def test_a_capture_made_before_the_exchange_was_recorded_says_what_is_missing(client):
    article = make_article(title="Older capture")
    capture = article.captures.get()
    # As captures retrieved before issue #24 were stored: no protocol, reason or request.
    Capture.objects.filter(pk=capture.pk).update(
        http_status=200,
        http_headers=[["Content-Type", "text/plain"]],
        request_url="https://example.org/old",
        final_url="https://example.org/old",
    )
    records = records_of(download(client, Capture.objects.get(pk=capture.pk)))
    assert [record.rec_type for record in records] == ["warcinfo", "response", "metadata"]
    assert records[1].http_headers.statusline == "200"
    fields = records[2].content.decode()
    assert "the status line's reason phrase" in fields
    assert "the request (no request record is written)" in fields


def test_a_record_marked_truncated_is_not_archived(tmp_path, client, captured):
    """The same response, marked as cut short by the crawler that wrote it."""
    path = tmp_path / "truncated.warc.gz"
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for record in ArchiveIterator(io.BytesIO(download(client, captured))):
            if record.rec_type == "response":
                record.rec_headers.add_header("WARC-Truncated", "length")
                writer.write_record(record)
    output, failures = run_archive(path)
    assert "Archived 0 " in output and "1 failed" in output
    assert "WARC-Truncated: length" in failures and "incomplete" in failures
