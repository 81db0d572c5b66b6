"""A page retrieved again with the same bytes (issue #24): the archive keeps the bytes once and
records the retrieval (Revisit: when, from where, the HTTP exchange), writes it as a WARC revisit
record, and shows it on the article's page and on a page of its own, a memento of its address."""

import datetime
import io

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from articles import capture as capture_module
from articles.capture import Archived, capture_archive
from articles.extraction import extract
from articles.fetch import fetch
from articles.models import Article, Capture, Revisit
from tests import factories
from tests.archive_command import run_archive
from tests.capture_pages import article_page

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
LATER = datetime.timedelta(days=2)


def retrieve(url, **fields):
    """Retrieve `url` and archive what came, as the admin and `manage.py archive` do."""
    return capture_archive(**{**fetch(url).as_capture(), **fields})


@pytest.fixture
def page(local_site, loopback_allowed):
    local_site.page("/news/deal", article_page(canonical=None), headers=[("X-Served-By", "a")])
    return local_site.url("/news/deal")


def test_a_page_retrieved_again_with_the_same_bytes_is_recorded_as_a_revisit(page):
    first = retrieve(page)
    again = retrieve(page)
    assert again.outcome == Archived.DUPLICATE and not again.stored
    assert str(again).endswith("recorded as retrieved again")
    assert Capture.objects.count() == 1
    revisit = Revisit.objects.get()
    assert again.revisit == revisit and revisit.capture == first.capture
    assert (revisit.origin, revisit.request_url, revisit.final_url) == ("url", page, page)
    assert revisit.retrieved_at > first.capture.retrieved_at
    assert (revisit.http_protocol, revisit.http_status, revisit.http_reason) == (
        "HTTP/1.0", 200, "OK",
    )  # fmt: skip
    assert ["X-Served-By", "a"] in revisit.http_headers
    assert revisit.http_request_headers[0][0] == "Host"


def test_a_revisit_from_another_address_keeps_where_it_was_asked_and_where_it_landed(
    page, local_site
):
    first = retrieve(page)
    local_site.redirect("/short", "/news/deal")
    again = retrieve(local_site.url("/short"))
    assert again.capture == first.capture
    revisit = again.revisit
    assert (revisit.request_url, revisit.final_url) == (local_site.url("/short"), page)
    assert revisit.original_url == local_site.url("/short")


def test_the_archive_command_records_a_page_retrieved_again(page):
    run_archive(page)
    output, failures = run_archive(page)
    assert failures == "" and "recorded as retrieved again" in output
    assert Revisit.objects.count() == 1


@pytest.mark.parametrize("origin", [Capture.Origin.FILE, Capture.Origin.PASTE])
def test_a_file_uploaded_or_text_pasted_twice_is_no_retrieval(origin):
    # Even with the address and time an editor gave: no HTTP exchange, nothing to record.
    fields = {"url": "https://daily.example.org/a", "retrieved_at": datetime.datetime.now(UTC)}
    capture_archive(raw=article_page(), origin=origin, **fields)
    again = capture_archive(raw=article_page(), origin=origin, **fields)
    assert again.outcome == Archived.DUPLICATE and again.revisit is None
    assert str(again).endswith("nothing stored")
    assert not Revisit.objects.exists()


def test_a_page_retrieved_after_it_was_uploaded_is_a_revisit_of_the_upload(page):
    uploaded = capture_archive(raw=article_page(canonical=None), origin=Capture.Origin.FILE)
    assert retrieve(page).revisit.capture == uploaded.capture


def warc_of(*responses):
    """A WARC file of responses of (url, date, body)."""
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True)
    for url, date, body in responses:
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        writer.write_record(
            writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                      http_headers=headers,
                                      warc_headers_dict={"WARC-Date": date})
        )  # fmt: skip
    return out.getvalue()


def test_a_warc_file_read_twice_records_each_retrieval_once(tmp_path):
    url = "https://daily.example.org/news/deal"
    body = article_page(canonical=None)
    path = tmp_path / "crawl.warc.gz"
    path.write_bytes(warc_of((url, "2024-07-02T12:00:00Z", body),
                             (url, "2024-07-05T08:30:00Z", body)))  # fmt: skip
    run_archive(path)
    output, failures = run_archive(path)
    assert failures == "" and "2 duplicate" in output
    capture, revisit = Capture.objects.get(), Revisit.objects.get()
    assert capture.retrieved_at == datetime.datetime(2024, 7, 2, 12, 0, tzinfo=UTC)
    assert revisit.retrieved_at == datetime.datetime(2024, 7, 5, 8, 30, tzinfo=UTC)
    assert revisit.origin == Capture.Origin.WARC


def test_a_capture_read_back_from_its_own_warc_file_is_no_revisit(client, page, tmp_path):
    capture = retrieve(page).capture  # retrieved_at has microseconds; WARC-Date has seconds
    response = client.get(f"/articles/{capture.article_id}/captures/{capture.pk}.warc.gz")
    (tmp_path / "download.warc.gz").write_bytes(response.content)
    output, failures = run_archive(tmp_path / "download.warc.gz")
    assert "1 duplicate" in output and "nothing stored" in output and failures == ""
    assert not Revisit.objects.exists()


def test_bytes_archived_by_someone_else_while_these_were_extracted_are_revisited(
    page, local_site, monkeypatch
):
    local_site.page("/copy", article_page(canonical=None), headers=[("X-Served-By", "a")])
    other = []

    def extract_while_another_archives(raw, **fields):
        if not other:  # another archivist retrieves the same bytes elsewhere first
            other.append(None)
            other[0] = retrieve(local_site.url("/copy"))
        return extract(raw, **fields)

    retrieval = fetch(page)
    monkeypatch.setattr(capture_module, "extract", extract_while_another_archives)
    archived = capture_archive(**retrieval.as_capture())
    assert archived.outcome == Archived.DUPLICATE and archived.capture == other[0].capture
    assert archived.revisit.retrieved_at == retrieval.retrieved_at
    assert Capture.objects.count() == Article.objects.count() == Revisit.objects.count() == 1


# The WARC file of a capture holds its revisits.


def records_of(warc_bytes):
    records = []
    for record in ArchiveIterator(io.BytesIO(warc_bytes), check_digests=True):
        record.content = record.content_stream().read()
        assert record.digest_checker.passed is not False, record.digest_checker.problems
        records.append(record)
    return records


def test_the_warc_file_writes_a_revisit_record_as_warc_1_1_says(client, page):
    capture = retrieve(page).capture
    revisit = retrieve(page, retrieved_at=capture.retrieved_at + LATER).revisit
    response = client.get(f"/articles/{capture.article_id}/captures/{capture.pk}.warc.gz")
    records = records_of(response.content)
    assert [record.rec_type for record in records] == [
        "warcinfo", "response", "request", "metadata", "revisit", "request"
    ]  # fmt: skip
    original, visit, request = records[1], records[4], records[5]
    header = visit.rec_headers.get_header
    assert header("WARC-Profile") == (
        "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
    )
    assert header("WARC-Target-URI") == page
    assert header("WARC-Date") == f"{revisit.retrieved_at:%Y-%m-%dT%H:%M:%SZ}"
    assert header("WARC-Refers-To-Target-URI") == original.rec_headers.get_header("WARC-Target-URI")
    assert header("WARC-Refers-To-Date") == original.rec_headers.get_header("WARC-Date")
    assert header("WARC-Refers-To") == original.rec_headers.get_header("WARC-Record-ID")
    assert header("WARC-Payload-Digest") == original.rec_headers.get_header("WARC-Payload-Digest")
    # Its own response's status line and headers, and no payload: the original's is the same.
    assert visit.http_headers.statusline == "200 OK"
    assert visit.http_headers.get_header("X-Served-By") == "a"
    assert visit.content == b""
    assert request.rec_headers.get_header("WARC-Concurrent-To") == header("WARC-Record-ID")
    assert request.http_headers.protocol == "GET"


# The article's page, and the revisit's own.


def test_the_article_page_says_when_the_page_was_retrieved_again(client, page):
    capture = retrieve(page).capture
    revisit = retrieve(page, retrieved_at=datetime.datetime(2030, 1, 2, 3, 4, tzinfo=UTC)).revisit
    text = client.get(capture.article.get_absolute_url()).text
    assert (
        f'<a class="revisit" href="{revisit.get_absolute_url()}">Retrieved again on '
        "2 January 2030, 03:04 UTC</a>: identical"
    ) in text


def test_revisits_are_read_in_one_query_however_many(client, page, django_assert_num_queries):
    capture = retrieve(page).capture
    for days in (1, 2, 3):
        retrieve(page, retrieved_at=capture.retrieved_at + datetime.timedelta(days=days))
    # As tests/test_pages.py counts the article page, and the revisits of its capture.
    with django_assert_num_queries(7 + 1):
        client.get(capture.article.get_absolute_url())


def test_a_revisit_has_a_page_of_its_own_showing_the_capture_it_found_again(client, page):
    capture = retrieve(page).capture
    revisit = retrieve(page, retrieved_at=capture.retrieved_at + LATER).revisit
    response = client.get(revisit.get_absolute_url())
    assert response.status_code == 200
    assert response.context["shown"] == capture
    own = f"http://testserver{revisit.get_absolute_url()}"
    assert f'<link rel="canonical" href="{own}">' in response.text
    assert "identical to the capture below, byte for byte" in response.text
    assert (
        response["Memento-Datetime"] != client.get(capture.get_absolute_url())["Memento-Datetime"]
    )


def test_a_revisit_under_another_capture_or_article_is_a_404(client, page):
    capture = retrieve(page).capture
    revisit = retrieve(page, retrieved_at=capture.retrieved_at + LATER).revisit
    other = factories.make_article()
    for address in [
        f"/articles/{capture.article_id}/captures/{other.captures.get().pk}/revisits/{revisit.pk}/",
        f"/articles/{other.pk}/captures/{capture.pk}/revisits/{revisit.pk}/",
        f"/articles/{capture.article_id}/captures/{capture.pk}/revisits/{revisit.pk + 1}/",
    ]:
        assert client.get(address).status_code == 404, address


def test_a_capture_deleted_takes_its_revisits_with_it(page):
    capture = retrieve(page).capture
    retrieve(page)
    capture.article.delete()
    assert not Revisit.objects.exists()
