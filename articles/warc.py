"""WARC in and out (ISO 28500, WARC 1.1, through warcio, as Webrecorder and pywb write it).

Out (issue #24): a WARC file opens with a warcinfo record saying what wrote it; each capture
retrieved by URL is a request record (the headers as sent, when recorded) and a response record
(the status line and headers as received, the bytes as retrieved), each capture not retrieved by
URL a resource record at its page in the archive, and every capture a metadata record saying
how it was made and that the retrieval was whole. Each later retrieval that found a capture's
bytes again (Revisit) is a revisit record after it (profile identical-payload-digest: its own
status line and headers, the capture's payload digest, and WARC-Refers-To-Target-URI,
WARC-Refers-To-Date and WARC-Refers-To naming the capture's record), with its request record.
Digests are SHA-256, the capture's own hash.
In: the response records of HTML and text pages in a WARC file, with each record's target URI
and date as provenance, read as a stream within bounds (issue #21): a hostile file is refused
with a reason, never let to fill the memory.
"""

import datetime
import io
import re
import zlib
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.utils.dateparse import parse_datetime
from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BufferedReader, ChunkedDataReader, DecompressingBufferedReader
from warcio.exceptions import ArchiveLoadFailed
from warcio.limitreader import LimitReader
from warcio.statusandheaders import StatusAndHeaders, StatusAndHeadersParser
from warcio.utils import BUFF_SIZE, Digester
from warcio.warcwriter import WARCWriter

from articles.extraction import (
    HTML_TYPES,
    MAX_CAPTURE_BYTES,
    TEXT_TYPES,
    CaptureRefused,
    media_type,
)

# The body is stored decoded from its transfer coding, so these headers no longer describe it;
# they are kept under pywb's prefix for original headers, and the length is the stored one's.
REWRITTEN_HEADERS = {"transfer-encoding", "content-length", "content-encoding"}
WARC_1_1 = "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"
SOFTWARE = "newsarchive (warcio)"
# The archive stores whole bodies only: articles.fetch refuses a body shorter than its length or
# a chunked body without its last chunk, and warc_pages() a record marked WARC-Truncated.
COMPLETE = "complete: the whole body was received; an incomplete retrieval is never archived"


@dataclass
class IndexEntry:
    """Where a capture's replayable record is in a WARC file, for a CDXJ index."""

    url: str
    date: datetime.datetime
    mime: str
    status: int | None
    digest: str
    offset: int
    length: int


class _Sha256Writer(WARCWriter):
    """warcio's writer, its block and payload digests SHA-256 where warcio computes SHA-1."""

    @staticmethod
    def _create_digester():
        return Digester("sha256")


class WarcFile:
    """A gzipped WARC 1.1 file written to `out` (a binary file that tells its position): the
    warcinfo record, then each capture's records as add() is given them. `index` lists each
    capture's replayable record."""

    def __init__(self, out, *, filename, description):
        self.out = out
        self.writer = _Sha256Writer(out, gzip=True, warc_version="1.1")
        self.index = []
        self._write(
            self.writer.create_warcinfo_record(
                filename,
                {
                    "software": SOFTWARE,
                    "format": "WARC File Format 1.1",
                    "conformsTo": WARC_1_1,
                    "description": description,
                },
            )
        )

    def add(self, capture, *, page_url):
        """Write the records of `capture`, whose page in the archive is `page_url` (absolute),
        then of its revisits; the index entry of the capture's replayable record."""
        when = _warc_date_text(capture.retrieved_at or capture.archived_at)
        if capture.http_status is None:
            record = self._resource(capture, page_url, when)
        else:
            record = self._response(capture, when)
        offset, length = self._write(record)
        record_id = record.rec_headers.get_header("WARC-Record-ID")
        url = record.rec_headers.get_header("WARC-Target-URI")
        self._request_of(capture, url, when, record_id)
        self._write(self._metadata(capture, url, page_url, when, record_id))
        entry = IndexEntry(
            url=url,
            date=capture.retrieved_at or capture.archived_at,
            mime=media_type(capture.content_type)[0],
            status=capture.http_status,
            digest=record.rec_headers.get_header("WARC-Payload-Digest"),
            offset=offset,
            length=length,
        )
        self.index.append(entry)
        for revisit in capture.revisits.all():
            self._add_revisit(revisit, capture, original=record)
        return entry

    def _add_revisit(self, revisit, capture, *, original):
        """A revisit record as pywb and Heritrix write one for a payload already archived; pywb
        replays it with the original's payload, found by WARC-Refers-To-Target-URI and
        WARC-Refers-To-Date and the digest, as its index says (mime warc/revisit)."""
        when = _warc_date_text(revisit.retrieved_at)
        digest = original.rec_headers.get_header("WARC-Payload-Digest")
        record = self.writer.create_revisit_record(
            revisit.final_url or revisit.request_url,
            digest,
            original.rec_headers.get_header("WARC-Target-URI"),
            original.rec_headers.get_header("WARC-Date"),
            http_headers=_response_headers(revisit, len(capture.raw)),
            warc_headers_dict={
                "WARC-Date": when,
                "WARC-Refers-To": original.rec_headers.get_header("WARC-Record-ID"),
            },
        )
        offset, length = self._write(record)
        url = record.rec_headers.get_header("WARC-Target-URI")
        self._request_of(revisit, url, when, record.rec_headers.get_header("WARC-Record-ID"))
        self.index.append(
            IndexEntry(url=url, date=revisit.retrieved_at, mime="warc/revisit", status=None,
                       digest=digest, offset=offset, length=length)
        )  # fmt: skip

    def _request_of(self, retrieval, url, when, record_id):
        """The request record of a capture's or a revisit's retrieval, when it was recorded."""
        if retrieval.http_status is not None and retrieval.http_request_headers:
            self._write(self._request(retrieval, url, when, record_id))

    def _write(self, record):
        start = self.out.tell()
        self.writer.write_record(record)
        return start, self.out.tell() - start

    def _response(self, capture, when):
        raw = bytes(capture.raw)
        return self.writer.create_warc_record(
            capture.final_url or capture.request_url,
            "response",
            payload=io.BytesIO(raw),
            http_headers=_response_headers(capture, len(raw)),
            warc_headers_dict={"WARC-Date": when},
        )

    def _request(self, capture, url, when, response_id):
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        protocol = capture.http_protocol or "HTTP/1.1"
        http_headers = StatusAndHeaders(
            f"GET {target} {protocol}",
            [tuple(pair) for pair in capture.http_request_headers],
            is_http_request=True,
        )
        return self.writer.create_warc_record(
            url,
            "request",
            payload=io.BytesIO(b""),
            http_headers=http_headers,
            warc_headers_dict={"WARC-Date": when, "WARC-Concurrent-To": response_id},
        )

    def _resource(self, capture, page_url, when):
        return self.writer.create_warc_record(
            page_url,
            "resource",
            payload=io.BytesIO(bytes(capture.raw)),
            length=len(capture.raw),
            warc_content_type=capture.content_type or "application/octet-stream",
            warc_headers_dict={"WARC-Date": when},
        )

    def _metadata(self, capture, url, page_url, when, record_id):
        fields = {
            "origin": capture.get_origin_display(),
            "archived-as": page_url,
            "retrieval": COMPLETE if capture.http_status is not None else "",
            "requested-url": capture.request_url if capture.request_url != url else "",
            "body": _body_note(capture),
            "not-recorded": _not_recorded(capture),
            "sha256": capture.sha256,
        }
        text = "".join(f"{name}: {value}\r\n" for name, value in fields.items() if value)
        return self.writer.create_warc_record(
            url,
            "metadata",
            payload=io.BytesIO(text.encode()),
            length=len(text.encode()),
            warc_content_type="application/warc-fields",
            warc_headers_dict={"WARC-Date": when, "WARC-Concurrent-To": record_id},
        )


def _response_headers(retrieval, body_length):
    """The status line and headers of a capture's or a revisit's response as received, those of
    codings renamed (REWRITTEN_HEADERS) and the length the stored body's."""
    headers = [
        (f"X-Archive-Orig-{name}" if name.lower() in REWRITTEN_HEADERS else name, value)
        for name, value in retrieval.http_headers
    ]
    headers.append(("Content-Length", str(body_length)))
    status_line = f"{retrieval.http_status} {retrieval.http_reason}".rstrip()
    return StatusAndHeaders(status_line, headers, protocol=retrieval.http_protocol or "HTTP/1.1")


def _body_note(capture):
    renamed = [name for name, _ in capture.http_headers if name.lower() in REWRITTEN_HEADERS]
    if not renamed:
        return ""
    return (
        "stored decoded from its transfer and content codings; the headers that described them "
        f"are kept as X-Archive-Orig-{', X-Archive-Orig-'.join(renamed)}"
    )


def _not_recorded(capture):
    """What the archive did not record of an HTTP exchange (captures made before issue #24)."""
    if capture.http_status is None:
        return ""
    missing = []
    if not capture.http_protocol:
        missing.append("the status line's protocol (HTTP/1.1 is written)")
    if not capture.http_reason:
        missing.append("the status line's reason phrase")
    if not capture.http_request_headers:
        missing.append("the request (no request record is written)")
    return "; ".join(missing)


def _warc_date_text(when):
    return when.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def capture_warc(capture, *, page_url):
    """The capture as the bytes of a gzipped WARC file."""
    buffer = io.BytesIO()
    warc = WarcFile(
        buffer,
        filename=f"article-{capture.article_id}-capture-{capture.pk}.warc.gz",
        description=f"The {capture.description}, archived as {page_url}",
    )
    warc.add(capture, page_url=page_url)
    return buffer.getvalue()


# A file is read one record at a time, so that no record, header or gzip member makes reading
# it take more memory than a page's limit and a few buffers, whatever its size; records that are
# not pages are read through, never kept.
# A record's WARC headers, and its HTTP headers, are a few hundred bytes in real files.
MAX_HEADER_BYTES = 64 * 1024
# Every record is inflated, also those skipped, to find where the next begins: that takes time
# in proportion to the file's uncompressed size, which a small file can make enormous (1 MB of
# gzip holds 1 GiB of zeros). Real WARC files inflate 2 to 10 times; a file that inflates more
# than 100 times past its first 256 MB is refused as the gzip bomb it is.
INFLATION_ALLOWANCE = 256 * 1024 * 1024
MAX_INFLATION = 100
# warcio decodes these 16 KB at a time, each block growing at most ~1,000 times; brotli has no
# such bound, so a body in it is left encoded (and refused as binary).
CONTENT_ENCODINGS = {"gzip", "deflate"}
HTTP_HEADERS = StatusAndHeadersParser([], verify=False)  # _page checks the status line
HTTP_VERSION = re.compile(r"HTTP/\d(\.\d)?")
NO_WARC_RECORD = "there is no WARC/1.x header line where the record should begin"


@dataclass
class WarcPage:
    """A page read from a response record, or the reason it can't be archived."""

    where: str  # the target URI, or the record's place in the file
    raw: bytes = b""
    url: str = ""
    retrieved_at: object = None
    http_protocol: str = ""
    http_status: int | None = None
    http_reason: str = ""
    http_headers: list = None
    content_type: str = ""
    refused: CaptureRefused | None = None

    def refuse(self, reason):
        self.refused = CaptureRefused(reason)
        return self


def warc_pages(stream):
    """The HTML and text pages in a WARC file's response records, in file order, each with the
    reason it can't be archived if it can't. Records of other kinds (requests, metadata, images,
    scripts) are skipped. A file that is no WARC, or that can't be read past a record, raises
    CaptureRefused saying where it broke, after the pages before that record."""
    records = _WarcRecords(stream)
    number = 0
    while True:
        start = records.offset
        try:
            record = next(records, None)
        except (ArchiveLoadFailed, CaptureRefused) as error:
            raise _unreadable(number + 1, start, error) from None
        if record is None:
            break
        number += 1
        try:
            # warcio reads what it can't parse as an old ARC file, and a blank line where a
            # record should begin as a record of no headers.
            if record.format != "warc" or not record.rec_headers.protocol:
                raise CaptureRefused(NO_WARC_RECORD)
            place = f"record {number} (at byte {start:,})"
            page = _page(record, place)
            problem = records.finish(record)
        except CaptureRefused as error:
            raise _unreadable(number, start, error) from None
        if problem and record.rec_type == "response":  # whatever it holds, it can't be trusted
            url = record.rec_headers.get_header("WARC-Target-URI") or ""
            page = WarcPage(where=url or place, url=url).refuse(
                f"{problem[0].upper()}{problem[1:]}."
            )
        if page:
            yield page
    if not number:
        raise CaptureRefused("This is not a readable WARC file: it holds no records.")


def _unreadable(number, start, error):
    reason = str(error)
    if isinstance(error, ArchiveLoadFailed):
        reason = NO_WARC_RECORD
    if number == 1:
        return CaptureRefused(f"This is not a readable WARC file: {reason} (at its first record).")
    return CaptureRefused(
        f"The WARC file breaks at record {number} (at byte {start:,}): {reason}. "
        "The records before it were read."
    )


def _page(record, place):
    """The page in a response record, read up to the capture limit; None for a record that holds
    no web page."""
    if record.rec_type != "response":
        return None
    url = record.rec_headers.get_header("WARC-Target-URI") or ""
    page = WarcPage(where=url or place, url=url)
    if not url:
        return page.refuse(
            "The response record has no WARC-Target-URI header: where its page came from is "
            "unknown."
        )
    if not url.lower().startswith(("http:", "https:")):
        return None  # dns:, whois: and the like
    headers = LimitReader(record.raw_stream, MAX_HEADER_BYTES)
    try:
        http = HTTP_HEADERS.parse(headers)
    except EOFError:
        return None  # an empty record: no response came
    if not headers.limit:
        return page.refuse(
            f"The record's HTTP headers are longer than the {MAX_HEADER_BYTES // 1024} KB a "
            "response's headers can be."
        )
    status = http.get_statuscode()
    if not http.protocol.startswith("HTTP/") or not (len(status) == 3 and status.isdigit()):
        line = f"{http.protocol} {http.statusline}".strip()[:100]
        return page.refuse(
            f"The record does not hold an HTTP response: it begins {line!r}, not with a status "
            "line such as 'HTTP/1.1 200 OK'."
        )
    page.content_type = http.get_header("Content-Type") or ""
    if media_type(page.content_type)[0] not in HTML_TYPES | TEXT_TYPES:
        return None
    # HTTP/1.1 as received; anything else there (HTTP/1.1x, …) is not recorded as a version
    page.http_protocol = http.protocol if HTTP_VERSION.fullmatch(http.protocol) else ""
    page.http_status = int(status)
    page.http_reason = http.statusline[len(status) :].strip()
    page.http_headers = list(http.headers)
    if truncated := record.rec_headers.get_header("WARC-Truncated"):
        return page.refuse(
            f"The record is marked truncated (WARC-Truncated: {truncated[:40]}): the page in it "
            "is incomplete, and the archive takes only whole pages."
        )
    date = record.rec_headers.get_header("WARC-Date") or ""
    page.retrieved_at = _warc_date(date)
    if page.retrieved_at is None:
        return page.refuse(
            f"The record's WARC-Date, {date[:40]!r}, is not a date and time: when the page was "
            "retrieved is unknown."
            if date
            else "The record has no WARC-Date: when the page was retrieved is unknown."
        )
    if not 200 <= page.http_status < 300:
        return page.refuse(
            f"The record's HTTP status is {http.statusline[:60]}, not a 2xx success: it holds "
            "no page as it was published."
        )
    raw = _body(record.raw_stream, http)
    if raw is None:
        return page.refuse(
            f"The page is too large: more than the {MAX_CAPTURE_BYTES // 1024 // 1024} MB the "
            "archive takes (it was read no further)."
        )
    page.raw = raw
    return page


def _warc_date(value):
    try:
        when = parse_datetime(value)
    except ValueError:  # well formed but no date, such as month 13
        return None
    if when and when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)  # WARC dates are UTC
    return when


def _body(stream, http):
    """The HTTP body after its headers, decoded from its transfer and content codings, or None
    when it is over the capture limit, as stored or as decoded: at most the limit and a byte is
    read of either."""
    stored = LimitReader(stream, MAX_CAPTURE_BYTES + 1)
    body = stored
    if (http.get_header("Transfer-Encoding") or "").lower() == "chunked":
        # Only de-chunked here: warcio's ChunkedDataReader would inflate a whole chunk at once.
        body = ChunkedDataReader(body)
    encoding = (http.get_header("Content-Encoding") or "").lower()
    if encoding in CONTENT_ENCODINGS:
        body = BufferedReader(body, decomp_type=encoding)
    raw = body.read(MAX_CAPTURE_BYTES + 1)
    if len(raw) > MAX_CAPTURE_BYTES or not stored.limit:
        return None
    return raw


class _WarcReader(DecompressingBufferedReader):
    """warcio's reader of a WARC file, gzipped or not, within bounds: a run of header lines, and
    the file's inflation, and refusing corrupt gzip data where warcio would print a warning and
    read on."""

    def __init__(self, stream):
        super().__init__(stream)
        self.start = stream.tell()
        # Of the lines read between two records' blocks: the blank lines that end the one and
        # the WARC headers of the next; _WarcRecords.finish() starts the count again.
        self.header_bytes = 0

    def readline(self, length=None):
        if length is not None:  # in a record's block, which its length bounds
            return super().readline(length)
        line = super().readline(MAX_HEADER_BYTES + 1)
        self.header_bytes += len(line)
        if self.header_bytes > MAX_HEADER_BYTES:
            raise CaptureRefused(
                f"more than {MAX_HEADER_BYTES // 1024} KB of WARC headers and blank lines come "
                "between two records, where real files have a few hundred bytes"
            )
        return line

    def _init_decomp(self, decomp_type):
        super()._init_decomp(decomp_type)
        self.member_begun = False  # whether the gzip member has been given any data

    def _decompress(self, data):
        self.member_begun = True
        if not self.decompressor or not self.num_read:  # warcio tells gzip from its first block
            return super()._decompress(data)
        try:
            return self.decompressor.decompress(data)
        except zlib.error:
            raise CaptureRefused("the gzip data is corrupt") from None

    def _process_read(self, data):
        if not data and self.decompressor and self.member_begun and not self.decompressor.eof:
            raise CaptureRefused("the file is cut short inside the record")
        super()._process_read(data)
        compressed = self.stream.tell() - self.start
        if self.num_read > INFLATION_ALLOWANCE + MAX_INFLATION * compressed:
            raise CaptureRefused(
                f"the file inflates more than {MAX_INFLATION} times, to {self.num_read:,} bytes "
                f"from {compressed:,}, as only a gzip bomb does"
            )


class _WarcRecords(ArchiveIterator):
    """warcio's records of a WARC file, read through _WarcReader; finish() reads each record to
    its end, checking that it ends where its Content-Length says."""

    INC_RECORD = ""  # warcio's warning of a wrong length: finish() gives it as a reason instead

    def __init__(self, stream):
        # Each record's HTTP headers are read by _page, within bounds, for response records.
        super().__init__(stream, no_record_parse=True)
        self.reader = _WarcReader(self.fh)  # in place of warcio's, which has read nothing yet

    def finish(self, record):
        """Read the rest of `record`. The reason it is not as long as its Content-Length says, if
        it isn't; raises CaptureRefused when the file can't be read past it."""
        self.reader.header_bytes = 0
        while record.raw_stream.read(BUFF_SIZE):
            pass
        gzipped = self.reader.decompressor is not None
        followed_by_data = False
        if gzipped:
            # A record is one gzip member, ending with the two line breaks after its block.
            after = self.reader.read(BUFF_SIZE)
            if after.lstrip().startswith(b"WARC/"):
                raise CaptureRefused(
                    "the file is gzipped as a whole, where a WARC file has each record gzipped "
                    "on its own ('warcio recompress' rewrites it so)"
                )
            followed_by_data = bool(after.strip())
            while after := self.reader.read(BUFF_SIZE):
                followed_by_data = followed_by_data or bool(after.strip())
        warnings = self.err_count
        self.read_to_end()  # the blank lines after the block, which warcio checks
        followed_by_data = followed_by_data or self.err_count > warnings
        problem = _length_problem(record, followed_by_data)
        if problem and not gzipped:  # then where the next record begins is unknown
            raise CaptureRefused(problem)
        return problem


def _length_problem(record, followed_by_data):
    declared = record.rec_headers.get_header("Content-Length")
    if declared is None:
        return "the record has no Content-Length header, so where it ends is unknown"
    if not declared.strip().isdigit():
        return f"the record's Content-Length, {declared[:40]!r}, is not a number of bytes"
    if record.raw_stream.limit:
        return (
            f"the record ends {record.raw_stream.limit:,} bytes short of the {int(declared):,} "
            "its Content-Length gives"
        )
    if followed_by_data:
        return f"the record runs on past the {int(declared):,} bytes its Content-Length gives"
    return None
