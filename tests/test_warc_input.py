"""WARC files read as a stream within bounds (issue #21): a gzip bomb, a huge record or a file of
many records never fills the memory; a malformed record is refused with a reason a person
understands, and the records after it are still read when the file can be; a file that can't be
read further is refused with where it broke. And the WARC file of a capture says when its page
was retrieved."""

import contextlib
import datetime
import gzip
import io
import random
import tracemalloc
import uuid
import zlib

import pytest
from warcio.archiveiterator import ArchiveIterator

from articles import warc
from articles.capture import capture_archive
from articles.extraction import CaptureRefused
from articles.models import Capture
from articles.warc import warc_pages
from tests.archive_command import run_archive
from tests.capture_pages import article_page

MB = 1024 * 1024
HTML = "text/html; charset=utf-8"


def http_response(body, *, status="200 OK", content_type=HTML, headers=()):
    lines = [f"HTTP/1.1 {status}", f"Content-Type: {content_type}", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def warc_head(uri, block_length, *, date="2024-07-02T10:15:00Z", length=None, omit=()):
    """A response record's WARC headers; `length` a Content-Length other than the block's,
    `omit` the names of headers to leave out."""
    headers = {
        "WARC-Type": "response",
        "WARC-Record-ID": f"<urn:uuid:{uuid.uuid4()}>",
        "WARC-Target-URI": uri,
        "WARC-Date": date,
        "Content-Type": "application/http; msgtype=response",
        "Content-Length": str(block_length if length is None else length),
    }
    lines = ["WARC/1.0", *(f"{name}: {value}" for name, value in headers.items()
                           if name not in omit)]  # fmt: skip
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def record(uri, body=None, *, block=None, date="2024-07-02T10:15:00Z", length=None, omit=(),
           **http):  # fmt: skip
    """A response record of `body` (an article page by default) or of the raw `block`."""
    if block is None:
        block = http_response(article_page(canonical=None) if body is None else body, **http)
    return warc_head(uri, len(block), date=date, length=length, omit=omit) + block + b"\r\n\r\n"


def gzipped(*records):
    """A WARC file as crawlers write it: each record a gzip member of its own."""
    return b"".join(gzip.compress(each) for each in records)


def read(data):
    """(where, reason refused or None) of each page in the WARC file `data`, bytes or a file."""
    stream = io.BytesIO(data) if isinstance(data, bytes) else data
    pages = list(warc_pages(stream))
    assert all(isinstance(page.raw, bytes) for page in pages)
    assert all(page.raw for page in pages if not page.refused)
    return [(page.where, str(page.refused) if page.refused else None) for page in pages]


def refusal(data):
    with pytest.raises(CaptureRefused) as refused:
        read(data)
    return str(refused.value)


def write_bomb(path, size, *, content_type=HTML, headers=(), before=b"", then=b""):
    """A gzipped WARC file with a record of `size` bytes of zeros, written in 1 MB steps so that
    the test itself never holds them, between the records `before` and `then`."""
    block = http_response(b"", content_type=content_type, headers=headers)
    compressor = zlib.compressobj(1, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # gzip, quickly
    with path.open("wb") as file:
        file.write(before)
        file.write(compressor.compress(warc_head("https://bomb.example/", len(block) + size)))
        file.write(compressor.compress(block))
        for _ in range(size // MB):
            file.write(compressor.compress(bytes(MB)))
        file.write(compressor.compress(b"\r\n\r\n") + compressor.flush())
        file.write(then)


def zeros_gzipped(size):
    """`size` bytes of zeros gzipped, in 1 MB steps."""
    compressor = zlib.compressobj(1, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return b"".join(compressor.compress(bytes(MB)) for _ in range(size // MB)) + compressor.flush()


def read_measuring_memory(path):
    """What read() gives for the file at `path`, or its refusal, and the most memory Python held
    for it at any moment while reading."""
    tracemalloc.start()
    try:
        with path.open("rb") as stream:
            try:
                pages = read(stream)
            except CaptureRefused as refused:
                pages = str(refused)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return pages, peak


# Bounded memory


def test_a_gzip_bomb_page_is_refused_as_too_large_in_bounded_memory(tmp_path):
    # 200 MB of zeros in under 1 MB of gzip: read whole, it took twice its size in memory.
    bomb = tmp_path / "bomb.warc.gz"
    write_bomb(bomb, 200 * MB, then=gzipped(record("https://daily.example.org/a")))
    assert bomb.stat().st_size < 2 * MB
    pages, peak = read_measuring_memory(bomb)
    assert pages == [
        ("https://bomb.example/", "The page is too large: more than the 10 MB the archive takes "
         "(it was read no further)."),
        ("https://daily.example.org/a", None),
    ]  # fmt: skip
    assert peak < 80 * MB


def test_a_bomb_in_a_chunked_gzip_encoded_body_is_refused_in_bounded_memory(tmp_path):
    # One chunk of gzip that inflates to 200 MB: warcio's own reader inflates a chunk at once.
    body = zeros_gzipped(200 * MB)
    chunked = f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"
    encodings = ["Transfer-Encoding: chunked", "Content-Encoding: gzip"]
    bomb = tmp_path / "bomb.warc.gz"
    bomb.write_bytes(gzipped(record("https://bomb.example/", chunked, headers=encodings)))
    pages, peak = read_measuring_memory(bomb)
    assert pages == [("https://bomb.example/", "The page is too large: more than the 10 MB the "
                      "archive takes (it was read no further).")]  # fmt: skip
    assert peak < 80 * MB


def test_a_huge_record_of_no_page_is_read_through_in_bounded_memory(tmp_path):
    huge = tmp_path / "video.warc.gz"
    write_bomb(huge, 200 * MB, content_type="video/mp4",
               then=gzipped(record("https://daily.example.org/a")))  # fmt: skip
    pages, peak = read_measuring_memory(huge)
    assert pages == [("https://daily.example.org/a", None)]
    assert peak < 40 * MB


def test_an_endless_warc_header_line_is_refused_in_bounded_memory(tmp_path):
    compressor = zlib.compressobj(1, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    endless = tmp_path / "endless.warc.gz"
    with endless.open("wb") as file:
        file.write(compressor.compress(b"WARC/1.0\r\nX-Padding: "))
        for _ in range(200):
            file.write(compressor.compress(b"x" * MB))
        file.write(compressor.flush())
    refused, peak = read_measuring_memory(endless)
    assert refused == f"This is not a readable WARC file: {LONG_HEADERS} (at its first record)."
    assert peak < 40 * MB


def test_a_record_running_on_in_its_gzip_member_is_refused_in_bounded_memory(tmp_path):
    # Past blank lines, which are no data, come 200 MB of zeros, which are.
    compressor = zlib.compressobj(1, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = http_response(article_page(canonical=None))
    running_on = tmp_path / "running-on.warc.gz"
    with running_on.open("wb") as file:
        file.write(compressor.compress(warc_head("https://daily.example.org/a", len(block))))
        file.write(compressor.compress(block + b"\r\n" * 20_000))
        for _ in range(200):
            file.write(compressor.compress(bytes(MB)))
        file.write(compressor.flush())
        file.write(gzipped(record("https://daily.example.org/b")))
    pages, peak = read_measuring_memory(running_on)
    assert pages == [
        ("https://daily.example.org/a", f"The record runs on past the {len(block):,} bytes its "
         "Content-Length gives."),
        ("https://daily.example.org/b", None),
    ]  # fmt: skip
    assert peak < 40 * MB


# A file is measured from where it is read, also in a stream that holds something before it.
@pytest.mark.parametrize("before_it", [0, MB])
def test_a_file_inflating_as_only_a_gzip_bomb_does_is_refused_where_it_does(
    tmp_path, monkeypatch, before_it
):
    # The bound is 100 times past the first 256 MB; made 1 MB here to keep the test quick.
    monkeypatch.setattr(warc, "INFLATION_ALLOWANCE", MB)
    bomb = tmp_path / "bomb.warc.gz"
    page = gzipped(record("https://daily.example.org/a"))
    write_bomb(bomb, 30 * MB, content_type="video/mp4", before=bytes(before_it) + page, then=page)
    pages = []
    with bomb.open("rb") as stream, pytest.raises(CaptureRefused) as refused:
        stream.seek(before_it)
        pages.extend(warc_pages(stream))
    assert [page.url for page in pages] == ["https://daily.example.org/a"]
    assert str(refused.value).startswith(
        f"The WARC file breaks at record 2 (at byte {before_it + len(page):,}): the file inflates "
        "more than 100 times, to "
    )
    assert str(refused.value).endswith(
        ", as only a gzip bomb does. The records before it were read."
    )


def test_many_small_records_are_all_read(monkeypatch):
    # Without the 256 MB allowance, real pages stay far under the bound on inflation.
    monkeypatch.setattr(warc, "INFLATION_ALLOWANCE", 0)
    pages = [record(f"https://daily.example.org/{number}") for number in range(2000)]
    requests = [
        warc_head(f"https://daily.example.org/{number}", 0).replace(b"response", b"request")
        + b"\r\n\r\n"
        for number in range(2000)
    ]
    for data in (gzipped(*pages, *requests), b"".join(pages + requests)):
        assert read(data) == [(f"https://daily.example.org/{number}", None)
                              for number in range(2000)]  # fmt: skip


def test_a_file_inflating_no_more_than_the_bound_is_read(monkeypatch):
    # Uncompressed, a file inflates exactly once.
    monkeypatch.setattr(warc, "INFLATION_ALLOWANCE", 0)
    monkeypatch.setattr(warc, "MAX_INFLATION", 1)
    assert read(record("https://daily.example.org/a")) == [("https://daily.example.org/a", None)]


# Malformed records


@pytest.mark.parametrize("length_off_by", [-50, 50, 100_000])
def test_a_record_whose_length_lies_is_refused_and_the_next_read(length_off_by):
    block = http_response(article_page(canonical=None))
    lying = record("https://daily.example.org/a", block=block, length=len(block) + length_off_by)
    data = gzipped(lying, record("https://daily.example.org/b"))
    [(where, reason), next_page] = read(data)
    assert where == "https://daily.example.org/a"
    assert reason.startswith("The record ")
    assert f"{len(block) + length_off_by:,}" in reason and "its Content-Length gives" in reason
    assert next_page == ("https://daily.example.org/b", None)


@pytest.mark.parametrize("length_off_by", [-50, 50, 100_000])
def test_an_uncompressed_file_is_refused_past_a_record_whose_length_lies(length_off_by):
    # Records are found by their lengths alone there: past a wrong one, none can be.
    first = record("https://daily.example.org/a")
    block = http_response(article_page(canonical=None))
    lying = record("https://daily.example.org/b", block=block, length=len(block) + length_off_by)
    data = first + lying + record("https://daily.example.org/c")
    pages = []
    with pytest.raises(CaptureRefused) as refused:
        pages.extend(warc_pages(io.BytesIO(data)))
    assert [page.url for page in pages] == ["https://daily.example.org/a"]
    assert str(refused.value).startswith(
        f"The WARC file breaks at record 2 (at byte {len(first):,}): the record "
    )
    assert "its Content-Length gives" in str(refused.value)
    assert str(refused.value).endswith("The records before it were read.")


def test_a_refused_record_whose_length_lies_keeps_its_url_or_is_told_by_its_place():
    block = http_response(article_page(canonical=None))
    first = gzipped(record("https://daily.example.org/a", block=block, length=len(block) - 50))
    second = record("https://daily.example.org/x", block=block, length=len(block) - 50,
                    omit={"WARC-Target-URI"})  # fmt: skip
    pages = list(warc_pages(io.BytesIO(first + gzipped(second))))
    assert [(page.where, page.url) for page in pages] == [
        ("https://daily.example.org/a", "https://daily.example.org/a"),
        (f"record 2 (at byte {len(first):,})", ""),
    ]
    assert all(page.refused for page in pages)


MALFORMED = {
    "no target URI": (
        record("https://daily.example.org/x", omit={"WARC-Target-URI"}),
        "The response record has no WARC-Target-URI header: where its page came from is unknown.",
    ),
    "no Content-Length": (
        record("https://daily.example.org/x", omit={"Content-Length"}),
        "The record has no Content-Length header, so where it ends is unknown.",
    ),
    "a Content-Length that is no number": (
        record("https://daily.example.org/x", length="lots"),
        "The record's Content-Length, 'lots', is not a number of bytes.",
    ),
    "no WARC-Date": (
        record("https://daily.example.org/x", omit={"WARC-Date"}),
        "The record has no WARC-Date: when the page was retrieved is unknown.",
    ),
    "a WARC-Date that is no date": (
        record("https://daily.example.org/x", date="2024-13-45T10:15:00Z"),
        "The record's WARC-Date, '2024-13-45T10:15:00Z', is not a date and time: when the page "
        "was retrieved is unknown.",
    ),
    "no HTTP status line": (
        record("https://daily.example.org/x", block=b"<html><p>A page, not a response</p>"),
        "The record does not hold an HTTP response: it begins '<html><p>A page, not a "
        "response</p>', not with a status line such as 'HTTP/1.1 200 OK'.",
    ),
    "an HTTP status that is no number": (
        record("https://daily.example.org/x", status="OK"),
        "The record does not hold an HTTP response: it begins 'HTTP/1.1 OK', not with a status "
        "line such as 'HTTP/1.1 200 OK'.",
    ),
    "endless HTTP headers": (
        record("https://daily.example.org/x", headers=["X-Padding: " + "x" * 70_000]),
        "The record's HTTP headers are longer than the 64 KB a response's headers can be.",
    ),
    "a page over the limit": (
        record("https://daily.example.org/x", b"<p>" + b"words " * 2_000_000),
        "The page is too large: more than the 10 MB the archive takes (it was read no further).",
    ),
    "an HTTP status of three letters": (
        record("https://daily.example.org/x", status="abc OK"),
        "The record does not hold an HTTP response: it begins 'HTTP/1.1 abc OK', not with a "
        "status line such as 'HTTP/1.1 200 OK'.",
    ),
    "a 300 status": (
        record("https://daily.example.org/x", status="300 Multiple Choices"),
        "The record's HTTP status is 300 Multiple Choices, not a 2xx success: it holds no page as "
        "it was published.",
    ),
    # Values quoted in a reason are cut short.
    "a long line that is no status line": (
        record("https://daily.example.org/x", block=b"<p>" + b"y" * 200 + b"</p>"),
        f"The record does not hold an HTTP response: it begins '<p>{'y' * 97}', not with a status "
        "line such as 'HTTP/1.1 200 OK'.",
    ),
    "a long HTTP status": (
        record("https://daily.example.org/x", status="404 " + "Not Found " * 10),
        "The record's HTTP status is 404 Not Found Not Found Not Found Not Found Not Found Not "
        "Fo, not a 2xx success: it holds no page as it was published.",
    ),
    "a long WARC-Date that is no date": (
        record("https://daily.example.org/x", date="when " * 12),
        f"The record's WARC-Date, {'when ' * 8!r}, is not a date and time: when the page was "
        "retrieved is unknown.",
    ),
    "a long Content-Length that is no number": (
        record("https://daily.example.org/x", length="many " * 12),
        f"The record's Content-Length, {'many ' * 8!r}, is not a number of bytes.",
    ),
}


@pytest.mark.parametrize("malformed", MALFORMED, ids=str)
def test_a_malformed_record_is_refused_with_a_reason_and_the_next_read(malformed):
    bad, reason = MALFORMED[malformed]
    pages = read(gzipped(bad, record("https://daily.example.org/a")))
    assert [refused for _, refused in pages] == [reason, None]
    assert pages[1][0] == "https://daily.example.org/a"


def gzipped_in(size, data):
    """`data` gzipped in exactly `size` bytes: stored, not compressed, under a name as long as
    makes up the size."""

    def stored(name):
        with io.BytesIO() as buffer:
            with gzip.GzipFile(name, "wb", compresslevel=0, fileobj=buffer, mtime=0) as file:
                file.write(data)
            return buffer.getvalue()

    return stored("n" * (size - len(stored("")) - 1))  # and the NUL ending the name


def test_a_page_of_the_limit_is_read_and_one_stored_in_a_byte_more_refused():
    limit = warc.MAX_CAPTURE_BYTES
    at_limit = b"<p>" + b"w" * (limit - 3)
    # Stored gzipped in a byte more than the limit, though it decodes to less.
    encoded = gzipped_in(limit + 1, b"<p>" + random.Random(21).randbytes(limit - 2_000))
    assert len(encoded) == limit + 1
    data = gzipped(
        record("https://daily.example.org/a", at_limit),
        record("https://daily.example.org/b", encoded, headers=["Content-Encoding: gzip"]),
    )
    [page, too_large] = warc_pages(io.BytesIO(data))
    assert page.refused is None and page.raw == at_limit
    assert str(too_large.refused) == MALFORMED["a page over the limit"][1]


def test_a_warc_date_without_a_time_zone_is_utc():
    data = gzipped(
        record("https://daily.example.org/a", date="2024-07-02T10:15:00"),
        record("https://daily.example.org/b", date="2024-07-02T10:15:00Z"),
    )
    utc = datetime.datetime(2024, 7, 2, 10, 15, tzinfo=datetime.UTC)
    assert [page.retrieved_at for page in warc_pages(io.BytesIO(data))] == [utc, utc]


def padded(total, uri):
    """A record whose WARC headers, with the blank line ending them, are `total` bytes long."""
    block = http_response(article_page(canonical=None))
    head = warc_head(uri, len(block))
    padding = b"\r\nX-Padding: " + b"x" * (total - len(head) - len("X-Padding: \r\n"))
    return head.replace(b"\r\n", padding + b"\r\n", 1) + block + b"\r\n\r\n"


def test_64_kb_of_warc_headers_and_blank_lines_between_records_are_read_and_a_byte_more_not():
    # Uncompressed, the blank lines ending a record count with the next one's headers.
    first, second = "https://daily.example.org/a", "https://daily.example.org/b"
    both = [(first, None), (second, None)]
    assert read(padded(64 * 1024, first) + padded(64 * 1024 - 4, second)) == both
    assert read(gzipped(padded(64 * 1024, first), padded(64 * 1024, second))) == both
    assert refusal(padded(64 * 1024 + 1, first)) == (
        f"This is not a readable WARC file: {LONG_HEADERS} (at its first record)."
    )
    assert refusal(padded(64 * 1024, first) + padded(64 * 1024 - 3, second)).endswith(
        f": {LONG_HEADERS}. The records before it were read."
    )


def test_a_refused_record_without_a_target_uri_is_told_by_its_place_in_the_file():
    first = gzipped(record("https://daily.example.org/a"))
    data = first + gzipped(record("https://daily.example.org/x", omit={"WARC-Target-URI"}))
    assert [where for where, _ in read(data)] == [
        "https://daily.example.org/a",
        f"record 2 (at byte {len(first):,})",
    ]


LONG_HEADERS = (
    "more than 64 KB of WARC headers and blank lines come between two records, where real files "
    "have a few hundred bytes"
)
LONG_HEADER = b"\r\nX-Padding: " + b"x" * 70_000 + b"\r\n\r\n"
FILE_BREAKS = {
    "a cut gzip member": (
        lambda first, bad: first + gzipped(bad)[:150],
        "the file is cut short inside the record",
    ),
    "a gzip member failing its check": (
        lambda first, bad: first + gzipped(bad)[:-8] + bytes(4) + gzipped(bad)[-4:],
        "the gzip data is corrupt",
    ),
    "no WARC record": (
        lambda first, bad: first + gzipped(b"GET / HTTP/1.1\r\nHost: example.org\r\n\r\n"),
        "there is no WARC/1.x header line where the record should begin",
    ),
    "endless WARC headers": (
        lambda first, bad: first + gzipped(bad.replace(b"\r\n\r\n", LONG_HEADER, 1)),
        LONG_HEADERS,
    ),
    "a record beginning with a line over 64 KB": (
        lambda first, bad: first + gzipped(b"x" * 70_000 + b"\r\n" + bad),
        LONG_HEADERS,
    ),
    "a record beginning with a blank line": (
        lambda first, bad: first + gzipped(b"\r\n" + bad),
        "there is no WARC/1.x header line where the record should begin",
    ),
    "a file gzipped as a whole": (
        lambda first, bad: first + gzip.compress(bad + bad),
        "the file is gzipped as a whole, where a WARC file has each record gzipped on its own "
        "('warcio recompress' rewrites it so)",
    ),
}


@pytest.mark.parametrize("breaks", FILE_BREAKS, ids=str)
def test_a_file_that_cant_be_read_further_is_refused_with_where_it_broke(breaks):
    make, reason = FILE_BREAKS[breaks]
    first = gzipped(record("https://daily.example.org/a"))
    data = make(first, record("https://daily.example.org/b", b"<p>" + b"words " * 3000))
    pages = []
    with pytest.raises(CaptureRefused) as refused:
        pages.extend(warc_pages(io.BytesIO(data)))
    assert [page.url for page in pages] == ["https://daily.example.org/a"]
    assert str(refused.value) == (
        f"The WARC file breaks at record 2 (at byte {len(first):,}): {reason}. "
        "The records before it were read."
    )


def test_a_file_that_is_no_warc_is_refused_as_such():
    no_record = (
        "This is not a readable WARC file: there is no WARC/1.x header line where the record "
        "should begin (at its first record)."
    )
    assert refusal(b"") == "This is not a readable WARC file: it holds no records."
    assert refusal(b"this is not a WARC file at all\n") == no_record
    assert refusal(gzip.compress(b"<html>a page</html>\n")) == no_record


def test_a_run_of_blank_lines_between_records_is_refused_before_it_takes_long():
    # Read line by line, 32 MB of them (34 KB gzipped) once took 14 seconds.
    data = record("https://daily.example.org/a") + b"\r\n" * 40_000
    assert refusal(data + record("https://daily.example.org/b")) == (
        f"This is not a readable WARC file: {LONG_HEADERS} (at its first record)."
    )


def test_a_file_of_one_record_cut_short_is_refused_as_such():
    data = gzipped(record("https://daily.example.org/a"))
    assert refusal(data[: len(data) // 2]) == (
        "This is not a readable WARC file: the file is cut short inside the record (at its first "
        "record)."
    )


def test_every_cut_or_damaged_file_is_read_or_refused_with_a_reason_never_an_error():
    # A raw exception (AttributeError, zlib.error) once reached the person archiving.
    files = [
        gzipped(record("https://daily.example.org/a"), record("https://daily.example.org/b")),
        record("https://daily.example.org/a") + record("https://daily.example.org/b"),
    ]
    randomly = random.Random(21)
    for data in files:
        cuts = [data[:end] for end in range(0, len(data), 7)]
        damaged = [bytearray(data) for _ in range(300)]
        for copy in damaged:
            copy[randomly.randrange(len(copy))] = randomly.randrange(256)
        for variant in cuts + list(map(bytes, damaged)):
            with contextlib.suppress(CaptureRefused):
                read(variant)


def test_a_chunked_gzip_encoded_page_is_read_decoded():
    html = article_page(canonical=None)
    encoded = gzip.compress(html)
    chunked = b"".join(
        f"{len(encoded[at : at + 100]):x}\r\n".encode() + encoded[at : at + 100] + b"\r\n"
        for at in range(0, len(encoded), 100)
    )
    headers = ["Transfer-Encoding: chunked", "Content-Encoding: gzip"]
    data = gzipped(record("https://daily.example.org/a", chunked + b"0\r\n\r\n", headers=headers))
    [page] = warc_pages(io.BytesIO(data))
    assert page.refused is None and page.raw == html
    assert ("Content-Encoding", "gzip") in page.http_headers


# Through `manage.py archive`, and back out


@pytest.mark.django_db
def test_records_of_error_responses_are_refused_each_with_its_status(tmp_path):
    crawl = tmp_path / "crawl.warc.gz"
    crawl.write_bytes(gzipped(
        record("https://daily.example.org/gone", status="404 Not Found"),
        record("https://daily.example.org/a"),
        record("https://daily.example.org/broken", status="500 Internal Server Error"),
    ))  # fmt: skip
    output, failures = run_archive(crawl)
    assert "Archived 1 " in output and "2 failed" in output
    assert f"{crawl} https://daily.example.org/gone: The record's HTTP status is 404 Not " in (
        failures
    )
    assert f"{crawl} https://daily.example.org/broken: The record's HTTP status is 500 " in (
        failures
    )
    assert Capture.objects.get().request_url == "https://daily.example.org/a"


@pytest.mark.django_db
def test_a_malformed_record_is_reported_and_the_files_other_pages_archived(tmp_path):
    block = http_response(article_page(canonical=None))
    crawl = tmp_path / "crawl.warc.gz"
    crawl.write_bytes(gzipped(
        record("https://daily.example.org/a", block=block, length=len(block) + 50),
        record("https://daily.example.org/b", article_page(title="Another", canonical=None)),
    ))  # fmt: skip
    third = gzipped(
        record("https://daily.example.org/c", article_page(title="Third", canonical=None))
    )
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(third + gzipped(record("https://daily.example.org/d"))[:150])
    output, failures = run_archive(crawl, cut)
    assert "Archived 2 " in output and "2 failed" in output
    assert failures.splitlines()[1:] == [
        # The line breaks that close a record are read as the rest of its block.
        f"  {crawl} https://daily.example.org/a: The record ends 46 bytes short of the "
        f"{len(block) + 50:,} its Content-Length gives.",
        f"  {cut}: The WARC file breaks at record 2 (at byte {len(third):,}): the file is cut "
        "short inside the record. The records before it were read.",
    ]
    assert sorted(Capture.objects.values_list("request_url", flat=True)) == [
        "https://daily.example.org/b",
        "https://daily.example.org/c",
    ]


@pytest.mark.django_db
def test_a_captures_warc_file_is_dated_when_it_was_retrieved_not_when_stored(client):
    retrieved = datetime.datetime(2024, 7, 2, 10, 15, 30, tzinfo=datetime.UTC)
    html = article_page(canonical=None)
    capture = capture_archive(
        raw=html, origin=Capture.Origin.URL, url="https://daily.example.org/a",
        final_url="https://daily.example.org/a", retrieved_at=retrieved, http_status=200,
        http_headers=[("Content-Type", HTML)], content_type=HTML,
    ).capture  # fmt: skip
    assert capture.archived_at - retrieved > datetime.timedelta(days=1)
    response = client.get(f"/articles/{capture.article_id}/captures/{capture.pk}.warc.gz")
    [exported] = [
        record
        for record in ArchiveIterator(io.BytesIO(response.content))
        if record.rec_type == "response"
    ]
    assert exported.rec_headers.get_header("WARC-Date") == "2024-07-02T10:15:30Z"
    [read_back] = warc_pages(io.BytesIO(response.content))
    assert read_back.retrieved_at == retrieved and read_back.raw == html


@pytest.mark.django_db
def test_a_captures_warc_file_renames_the_headers_its_decoded_body_no_longer_fits(client):
    html = article_page(canonical=None)
    received = [("Content-Type", HTML), ("Content-Encoding", "gzip"),
                ("Transfer-Encoding", "chunked"), ("Content-Length", "123")]  # fmt: skip
    capture = capture_archive(
        raw=html, origin=Capture.Origin.URL, url="https://daily.example.org/a",
        final_url="https://daily.example.org/a/", http_status=200, http_headers=received,
        content_type=HTML, retrieved_at=datetime.datetime(2024, 7, 2, 10, 15, tzinfo=datetime.UTC),
    ).capture  # fmt: skip
    response = client.get(f"/articles/{capture.article_id}/captures/{capture.pk}.warc.gz")
    assert response.content.startswith(b"\x1f\x8b")  # gzipped
    [exported] = [
        record
        for record in ArchiveIterator(io.BytesIO(response.content))
        if record.rec_type == "response"
    ]
    assert exported.rec_headers.get_header("WARC-Target-URI") == "https://daily.example.org/a/"
    # Named as the standard spells them, and no others.
    assert sorted(name for name, _ in exported.rec_headers.headers) == [
        "Content-Length", "Content-Type", "WARC-Block-Digest", "WARC-Date", "WARC-Payload-Digest",
        "WARC-Record-ID", "WARC-Target-URI", "WARC-Type",
    ]  # fmt: skip
    assert exported.rec_headers.get_header("WARC-Date") == "2024-07-02T10:15:00Z"
    assert exported.http_headers.headers == [
        ("Content-Type", HTML),
        ("X-Archive-Orig-Content-Encoding", "gzip"),
        ("X-Archive-Orig-Transfer-Encoding", "chunked"),
        ("X-Archive-Orig-Content-Length", "123"),
        ("Content-Length", str(len(html))),
    ]
