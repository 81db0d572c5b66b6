"""WARC in and out (ISO 28500, through warcio, as Webrecorder and pywb write it).

Out: a capture retrieved by URL becomes a WARC file of one response record, its HTTP status and
headers as received and its bytes as retrieved. In: the response records of HTML and text pages
in a WARC file, with each record's target URI and date as provenance.
"""

import io
from dataclasses import dataclass

from django.utils.dateparse import parse_datetime
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from articles.extraction import HTML_TYPES, TEXT_TYPES, CaptureRefused, media_type

# The body is stored decoded from its transfer coding, so these headers no longer describe it;
# they are kept under pywb's prefix for original headers, and the length is the stored one's.
REWRITTEN_HEADERS = {"transfer-encoding", "content-length", "content-encoding"}


def capture_warc(capture):
    """The capture as the bytes of a gzipped WARC file."""
    raw = bytes(capture.raw)
    headers = [
        (f"X-Archive-Orig-{name}" if name.lower() in REWRITTEN_HEADERS else name, value)
        for name, value in capture.http_headers
    ]
    headers.append(("Content-Length", str(len(raw))))
    http_headers = StatusAndHeaders(f"{capture.http_status}", headers, protocol="HTTP/1.1")
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    when = capture.retrieved_at or capture.archived_at
    record = writer.create_warc_record(
        capture.final_url or capture.request_url,
        "response",
        payload=io.BytesIO(raw),
        http_headers=http_headers,
        warc_headers_dict={
            "WARC-Date": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "WARC-Payload-Digest": f"sha256:{capture.sha256}",
        },
    )
    writer.write_record(record)
    return buffer.getvalue()


@dataclass
class WarcPage:
    """A page read from a response record, or the reason it can't be archived."""

    where: str  # the target URI, or the record's place in the file
    raw: bytes = b""
    url: str = ""
    retrieved_at: object = None
    http_status: int | None = None
    http_headers: list = None
    content_type: str = ""
    refused: CaptureRefused | None = None


def warc_pages(stream):
    """The HTML and text pages in a WARC file's response records, in file order. Records of other
    kinds (requests, metadata, images, scripts) are skipped; a file that is no WARC raises
    CaptureRefused."""
    records = 0
    try:
        for record in ArchiveIterator(stream):
            if record.format != "warc":  # warcio reads what it can't parse as an old ARC file
                raise CaptureRefused("This is not a readable WARC file (no WARC/1.x records).")
            records += 1
            if record.rec_type != "response" or record.http_headers is None:
                continue
            url = record.rec_headers.get_header("WARC-Target-URI") or ""
            content_type = record.http_headers.get_header("Content-Type") or ""
            if media_type(content_type)[0] not in HTML_TYPES | TEXT_TYPES:
                continue
            page = WarcPage(where=url or "a response record without a target URI", url=url)
            status = record.http_headers.get_statuscode()
            page.http_status = int(status) if status and status.isdigit() else None
            page.http_headers = list(record.http_headers.headers)
            page.content_type = content_type
            page.retrieved_at = parse_datetime(record.rec_headers.get_header("WARC-Date") or "")
            page.raw = record.content_stream().read()
            if page.http_status is None or not 200 <= page.http_status < 300:
                page.refused = CaptureRefused(f"the record's HTTP status is {status}, not 2xx")
            yield page
    except ArchiveLoadFailed as error:
        raise CaptureRefused(f"This is not a readable WARC file ({error}).") from None
    if not records:
        raise CaptureRefused("This is not a readable WARC file: it holds no records.")
