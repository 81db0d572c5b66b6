"""WACZ 1.1.1 exports (issue #24) of an article, a search and the whole archive, tried with the
field's own clients: py-wacz's `wacz validate` and pywb replaying the WACZ through its own
index, each run as a separate program as a person would run it."""

import datetime
import io
import json
import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path

import pytest
import surt
from django.core.management import CommandError, call_command
from django.utils.http import http_date
from warcio.archiveiterator import ArchiveIterator

from articles.models import Article, Capture, Revisit
from tests.archive_command import run_archive
from tests.capture_pages import article_page
from tests.servers import free_port, wait_for_page

pytestmark = pytest.mark.django_db

BIN = Path(sys.executable).parent
BASE_URL = "https://archive.example.org"


def validate(path):
    """py-wacz's verdict on the file."""
    check = subprocess.run(
        [BIN / "wacz", "validate", "-f", str(path)], capture_output=True, text=True, timeout=120
    )
    return check.returncode, check.stdout + check.stderr


def export(path, *articles):
    arguments = [f"--article={pk}" for pk in articles]
    call_command(
        "export_wacz", str(path), f"--base-url={BASE_URL}", *arguments, stdout=io.StringIO()
    )
    return path


@pytest.fixture
def retrieved(local_site, loopback_allowed):
    """The seed archive and a capture retrieved by URL, so that the WACZ holds both kinds."""
    local_site.page("/news/deal", article_page(canonical=None))
    run_archive(local_site.url("/news/deal"))
    return Capture.objects.get(origin=Capture.Origin.URL)


@pytest.fixture
def revisited(retrieved):
    """The page retrieved again a day after `retrieved`, its bytes the same: a revisit."""
    Capture.objects.filter(pk=retrieved.pk).update(
        retrieved_at=retrieved.retrieved_at - datetime.timedelta(days=1)
    )
    retrieved.refresh_from_db()
    run_archive(retrieved.final_url)
    return Revisit.objects.get(capture=retrieved)


def members(path):
    with zipfile.ZipFile(path) as wacz:
        return {info.filename: (info, wacz.read(info)) for info in wacz.infolist()}


def test_the_whole_archive_exports_as_a_wacz_file_py_wacz_validates(seed, retrieved, tmp_path):
    path = export(tmp_path / "archive.wacz")
    returncode, output = validate(path)
    assert returncode == 0, output
    assert "Validation succeeded, the passed WACZ is valid" in output
    files = members(path)
    assert set(files) == {
        "archive/data.warc.gz", "indexes/index.cdx", "pages/pages.jsonl", "datapackage.json",
        "datapackage-digest.json",
    }  # fmt: skip
    # The WARC file is stored uncompressed in the ZIP, so that readers can seek to a record.
    assert files["archive/data.warc.gz"][0].compress_type == zipfile.ZIP_STORED
    package = json.loads(files["datapackage.json"][1])
    assert package["wacz_version"] == "1.1.1" and package["profile"] == "data-package"
    pages = [json.loads(line) for line in files["pages/pages.jsonl"][1].splitlines()]
    assert pages[0]["format"] == "json-pages-1.0"
    assert len(pages) - 1 == Capture.objects.count() == 6


def test_each_capture_is_a_record_in_the_warc_file_with_valid_digests(seed, retrieved, tmp_path):
    files = members(export(tmp_path / "archive.wacz"))
    records = []
    for record in ArchiveIterator(io.BytesIO(files["archive/data.warc.gz"][1]), check_digests=True):
        records.append((record.rec_type, record.rec_headers.get_header("WARC-Target-URI")))
        record.content_stream().read()
        assert record.digest_checker.passed is not False, record.digest_checker.problems
    assert records[0][0] == "warcinfo"
    assert records.count(("response", retrieved.final_url)) == 1
    assert records.count(("request", retrieved.final_url)) == 1
    # Seed captures were not retrieved by URL: each is a resource at its page in the archive.
    for capture in Capture.objects.filter(origin=Capture.Origin.SEED):
        page = f"{BASE_URL}{capture.get_absolute_url()}"
        assert ("resource", page) in records and ("metadata", page) in records


def test_the_index_is_keyed_as_pywb_keys_it_and_points_at_each_record(seed, retrieved, tmp_path):
    files = members(export(tmp_path / "archive.wacz"))
    warc = files["archive/data.warc.gz"][1]
    lines = files["indexes/index.cdx"][1].decode().splitlines()
    assert lines == sorted(lines) and len(lines) == Capture.objects.count()
    for line in lines:
        key, timestamp, fields = line.split(" ", 2)
        fields = json.loads(fields)
        assert key == surt.surt(fields["url"]) and len(timestamp) == 14
        start = int(fields["offset"])
        record = next(
            iter(ArchiveIterator(io.BytesIO(warc[start : start + int(fields["length"])])))
        )
        assert record.rec_headers.get_header("WARC-Target-URI") == fields["url"]
        assert record.rec_headers.get_header("WARC-Payload-Digest") == fields["digest"]


def test_an_article_downloads_as_a_wacz_file_from_its_page(client, retrieved, tmp_path):
    article = retrieved.article
    page = client.get(article.get_absolute_url()).text
    assert f'href="/articles/{article.pk}/captures.wacz"' in page
    response = client.get(f"/articles/{article.pk}/captures.wacz")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="article-{article.pk}.wacz"'
    path = tmp_path / "article.wacz"
    path.write_bytes(b"".join(response.streaming_content))
    returncode, output = validate(path)
    assert returncode == 0, output
    package = json.loads(members(path)["datapackage.json"][1])
    assert package["mainPageURL"] == retrieved.final_url


@pytest.mark.parametrize("kind", ["claims", "quotes", "articles", "all"])
def test_a_search_downloads_the_articles_behind_its_results_as_a_wacz_file(
    client, seed, tmp_path, kind
):
    if kind != "all":  # the page of every kind links to each kind's
        results = client.get("/search/", {"q": "NATO", "type": kind}).text
        assert f'href="/search/captures.wacz?q=NATO&amp;type={kind}"' in results
    response = client.get("/search/captures.wacz", {"q": "NATO", "type": kind})
    assert response.status_code == 200
    path = tmp_path / "search.wacz"
    path.write_bytes(b"".join(response.streaming_content))
    returncode, output = validate(path)
    assert returncode == 0, output
    pages = [json.loads(page) for page in members(path)["pages/pages.jsonl"][1].splitlines()[1:]]
    assert pages
    if kind == "articles":
        found = Article.objects.filter(body__icontains="NATO")
        assert {page["title"] for page in pages} == {a.display_title for a in found}


@pytest.mark.parametrize(
    "query, message",
    [
        ({}, "This search finds 0 articles"),
        ({"q": "zzzqqqxxnothing", "type": "articles"}, "This search finds 0 articles"),
        ({"q": "NATO", "type": "everything"}, "Select a valid choice"),
        ({"q": "NATO", "page": "-1"}, "greater than or equal to 1"),
        ({"q": "x" * 5000}, "at most"),
        ({"q": "NATO\x00"}, ""),
    ],
)
def test_hostile_search_parameters_are_refused_with_a_400(client, seed, query, message):
    response = client.get("/search/captures.wacz", query)
    assert response.status_code == 400
    assert message in response.text


@pytest.mark.parametrize("address", ["/articles/999/captures.wacz", "/articles/0/captures.wacz"])
def test_an_article_that_does_not_exist_has_no_wacz_file(client, seed, address):
    assert client.get(address).status_code == 404


def test_the_command_refuses_a_bad_base_url_and_unknown_articles(seed, tmp_path):
    with pytest.raises(CommandError, match="not an http"):
        call_command("export_wacz", str(tmp_path / "a.wacz"), "--base-url=javascript:alert(1)")
    with pytest.raises(CommandError, match="No article has the id 999"):
        export(tmp_path / "a.wacz", 1, 999)


@pytest.fixture
def pywb(tmp_path):
    """A pywb of its own in a folder: (the folder, a function that adds a WACZ to a collection
    with pywb's own manager, a function that starts pywb on loopback and gives its address)."""
    folder = tmp_path / "pywb"
    folder.mkdir()
    processes = []

    def add(collection, wacz):
        for arguments in (["init", collection], ["add", "--unpack-wacz", collection, str(wacz)]):
            subprocess.run([BIN / "wb-manager", *arguments], cwd=folder, check=True, timeout=120,
                           capture_output=True)  # fmt: skip

    def start():
        port = free_port()
        process = subprocess.Popen(
            [BIN / "pywb", "--bind", "127.0.0.1", "--port", str(port)],
            cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        processes.append(process)
        wait_for_page(f"http://127.0.0.1:{port}/", process)
        return f"http://127.0.0.1:{port}"

    yield add, start
    for process in processes:
        process.terminate()
        process.communicate(timeout=30)


def replayed(address):
    with urllib.request.urlopen(address, timeout=30) as response:
        return response.status, response.read()


def test_pywb_replays_every_capture_of_the_wacz_through_its_index(seed, retrieved, tmp_path, pywb):
    add, start = pywb
    add("news", export(tmp_path / "archive.wacz"))
    server = start()
    # id_ asks pywb for the archived bytes as they are, without its rewriting.
    status, body = replayed(
        f"{server}/news/{retrieved.retrieved_at:%Y%m%d%H%M%S}id_/{retrieved.final_url}"
    )
    assert status == 200 and body == bytes(retrieved.raw)
    for capture in Capture.objects.filter(origin=Capture.Origin.SEED):
        page = f"{BASE_URL}{capture.get_absolute_url()}"
        status, body = replayed(f"{server}/news/{capture.archived_at:%Y%m%d%H%M%S}id_/{page}")
        assert status == 200 and body == bytes(capture.raw)


# A page retrieved again with the same bytes: a revisit record, indexed and replayed as pywb does.


def test_a_revisit_is_indexed_as_pywb_indexes_one_and_py_wacz_validates_it(
    seed, revisited, tmp_path
):
    path = export(tmp_path / "archive.wacz")
    returncode, output = validate(path)
    assert returncode == 0, output
    files = members(path)
    lines = files["indexes/index.cdx"][1].decode().splitlines()
    assert len(lines) == Capture.objects.count() + 1
    entries = {(line.split(" ")[1], json.loads(line.split(" ", 2)[2])["mime"]): line
               for line in lines}  # fmt: skip
    original = json.loads(entries[(timestamp(revisited.capture), "text/html")].split(" ", 2)[2])
    visit = json.loads(entries[(timestamp(revisited), "warc/revisit")].split(" ", 2)[2])
    assert visit["url"] == original["url"] == revisited.final_url
    assert visit["digest"] == original["digest"] and "status" not in visit
    warc = files["archive/data.warc.gz"][1]
    start = int(visit["offset"])
    record = next(iter(ArchiveIterator(io.BytesIO(warc[start : start + int(visit["length"])]))))
    assert record.rec_type == "revisit"
    # A revisit is no new page: pages.jsonl lists each capture once.
    assert len(files["pages/pages.jsonl"][1].splitlines()) - 1 == Capture.objects.count()


def timestamp(memento):
    return f"{memento.retrieved_at:%Y%m%d%H%M%S}"


def test_pywb_replays_the_revisit_at_its_own_time_with_the_originals_content(
    seed, revisited, tmp_path, pywb
):
    add, start = pywb
    add("news", export(tmp_path / "archive.wacz"))
    server = start()
    url = revisited.final_url
    for memento in (revisited, revisited.capture):
        address = f"{server}/news/{timestamp(memento)}id_/{url}"
        with urllib.request.urlopen(address, timeout=30) as response:
            assert response.status == 200
            assert response.read() == bytes(revisited.capture.raw)
            # pywb says which record it replayed: the one of that time.
            assert response.headers["Memento-Datetime"] == http_date(
                memento.retrieved_at.timestamp()
            )
    with urllib.request.urlopen(f"{server}/news/timemap/link/{url}", timeout=30) as response:
        timemap = response.read().decode()
    assert timestamp(revisited) in timemap and timestamp(revisited.capture) in timemap
