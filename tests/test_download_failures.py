"""A download is whole or visibly broken: a query that fails before its first row is an error
status, never a 200 and a file cut short; a failure midway ends the file so that no reader takes
it for complete, and is logged once."""

import csv
import gzip
import io
import json
import logging
import os
import shutil
import subprocess
import sys
from http.client import IncompleteRead
from urllib.parse import urlsplit
from urllib.request import urlopen

import pytest
from django.db import connection
from django.urls import reverse

from claims import exports, filters, views
from claims.exports import FORMATS, INCOMPLETE
from core.management.commands.serve import GUNICORN_CONFIG
from tests import factories
from tests.failing_downloads import failing_after_the_first, failing_in_the_database
from tests.nginx import require_nginx, running_nginx
from tests.servers import BASE_DIR, free_port, press_ctrl_c, wait_for_page


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("export_format", FORMATS)
def test_a_search_whose_query_fails_before_its_first_row_is_a_400_not_a_200(
    client, monkeypatch, export_format
):
    factories.make_claim(statement="NATO expansion halted.")
    search_claims = views.search_claims
    monkeypatch.setattr(
        views, "search_claims", lambda *args: failing_in_the_database(search_claims(*args))
    )
    response = client.get(
        reverse("claims:search"), {"q": "NATO", "type": "claims", "format": export_format}
    )
    assert response.status_code == 400
    assert not response.streaming
    assert "could not use this request" in response.text


@pytest.mark.django_db(transaction=True)
def test_an_explorer_download_whose_search_fails_is_a_400_not_a_200(client, monkeypatch):
    factories.make_claim(statement="NATO expansion halted.")
    search_claims = filters.search_claims
    monkeypatch.setattr(
        filters, "search_claims", lambda *args: failing_in_the_database(search_claims(*args))
    )
    response = client.get(reverse("claims:claim_list"), {"q": "NATO", "format": "json"})
    assert response.status_code == 400
    assert not response.streaming


@pytest.mark.django_db(transaction=True)
def test_the_api_answers_what_the_database_refuses_with_a_json_400(client, monkeypatch):
    factories.make_claim(statement="NATO expansion halted.")
    search_claims = filters.search_claims
    monkeypatch.setattr(
        filters, "search_claims", lambda *args: failing_in_the_database(search_claims(*args))
    )
    response = client.get(reverse("api:claims"), {"q": "NATO"})
    assert response.status_code == 400
    assert response.json() == {
        "errors": {"__all__": ["The archive's database could not use this request's parameters."]}
    }


def parses(export_format, text):
    if export_format in ("json", "csljson"):
        try:
            json.loads(text)
        except ValueError:
            return False
        return True
    if export_format == "csv":
        return [INCOMPLETE] not in list(csv.reader(io.StringIO(text)))
    # BibTeX: every entry is closed.
    return text.count("{") == text.count("}")


@pytest.mark.django_db
@pytest.mark.parametrize("export_format", FORMATS)
def test_a_download_that_fails_midway_ends_broken_breaks_off_and_is_logged_once(
    client, monkeypatch, caplog, export_format
):
    for statement in ["First.", "Second.", "Third."]:
        factories.make_claim(statement=statement)
    Batches = exports.Batches
    monkeypatch.setattr(Batches, "records", failing_after_the_first(Batches.records))
    monkeypatch.setattr(Batches, "csv_records", failing_after_the_first(Batches.csv_records))
    monkeypatch.setattr(Batches, "citables", failing_after_the_first(Batches.citables))
    response = client.get(reverse("claims:claim_list"), {"format": export_format, "sort": "oldest"})
    assert response.status_code == 200  # the first row was on its way
    pieces = []
    # What makes WSGI servers drop the connection before the body's end (test below).
    with pytest.raises(ConnectionResetError):
        for piece in response.streaming_content:
            pieces.append(piece)
    text = b"".join(pieces).decode()
    # (CSL-JSON titles leave a statement's closing full stop to the style: "First".)
    assert "First" in text and "Second" not in text
    assert text.rstrip().endswith(FORMATS[export_format].failure_mark.rstrip())
    assert not parses(export_format, text)
    failures = [record for record in caplog.records if record.name == "claims.exports"]
    assert len(failures) == 1 and failures[0].levelno == logging.ERROR
    assert "the database went away" in caplog.text


@pytest.mark.django_db
def test_a_gzipped_download_that_fails_midway_breaks_off_with_its_gzip_unfinished(
    client, monkeypatch
):
    for statement in ["First.", "Second.", "Third."]:
        factories.make_claim(statement=statement)
    Batches = exports.Batches
    monkeypatch.setattr(Batches, "records", failing_after_the_first(Batches.records))
    response = client.get(
        reverse("claims:claim_list"), {"format": "json"}, HTTP_ACCEPT_ENCODING="gzip"
    )
    assert response["Content-Encoding"] == "gzip"
    pieces = []
    with pytest.raises(ConnectionResetError):
        for piece in response.streaming_content:
            pieces.append(piece)
    with pytest.raises(EOFError):  # no gzip reader takes it for a whole file either
        gzip.decompress(b"".join(pieces))


@pytest.mark.django_db
@pytest.mark.parametrize("export_format", FORMATS)
def test_a_whole_download_parses(client, export_format):
    for statement in ["First.", "Second.", "Third."]:
        factories.make_claim(statement=statement)
    response = client.get(reverse("claims:claim_list"), {"format": export_format})
    text = b"".join(response.streaming_content).decode()
    assert parses(export_format, text) and INCOMPLETE not in text


def gunicorn_failing_downloads(port):
    """deploy/gunicorn.conf.py's gunicorn (gthread), one worker, on this test's database, with
    every download failing after its first row."""
    database = connection.settings_dict["NAME"]
    environment = os.environ | {
        "DATABASE_URL": urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{database}").geturl(),
        "DJANGO_SETTINGS_MODULE": "tests.settings",
    }
    command = [sys.executable, "-m", "gunicorn", "--config", str(GUNICORN_CONFIG)]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", "1"]
    command += ["tests.failing_downloads:application()"]
    return subprocess.Popen(
        command,
        cwd=BASE_DIR,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


@pytest.mark.django_db(transaction=True)
def test_under_gunicorn_a_download_that_fails_midway_is_a_failed_transfer_logged_once():
    for statement in ["First.", "Second.", "Third."]:
        factories.make_claim(statement=statement)
    port = free_port()
    url = f"http://127.0.0.1:{port}/claims/?format=json&sort=oldest"
    process = gunicorn_failing_downloads(port)
    downloads = 1
    try:
        wait_for_page(f"http://127.0.0.1:{port}/health/", process)
        with pytest.raises(IncompleteRead) as cut_short, urlopen(url, timeout=30) as response:
            assert response.status == 200  # the first row was on its way
            response.read()
        text = cut_short.value.partial.decode()
        assert "First" in text and text.rstrip().endswith(INCOMPLETE)
        if shutil.which("curl"):
            downloads += 1
            curl = subprocess.run(["curl", "--silent", "--output", os.devnull, url], timeout=30)
            assert curl.returncode in (18, 56)  # partial file, or failure receiving data
    finally:
        output = press_ctrl_c(process)
    assert output.count("failed midway; its file ends marked as incomplete") == downloads, output
    assert output.count("Traceback") == downloads, output  # ours, and nothing from gunicorn


@pytest.mark.django_db(transaction=True)
def test_behind_nginx_a_download_that_fails_midway_is_a_failed_transfer(tmp_path):
    """nginx buffers responses (deploy/nginx.conf) and must pass the break on, not end the file."""
    require_nginx()
    factories.make_claim(statement="First.")
    factories.make_claim(statement="Second.")
    backend_port = free_port()
    process = gunicorn_failing_downloads(backend_port)
    try:
        wait_for_page(f"http://127.0.0.1:{backend_port}/health/", process)
        with running_nginx(tmp_path, backend_port) as port:
            url = f"http://127.0.0.1:{port}/claims/?format=json&sort=oldest"
            with pytest.raises(IncompleteRead) as cut_short, urlopen(url, timeout=30) as response:
                response.read()
    finally:
        press_ctrl_c(process)
    assert cut_short.value.partial.decode().rstrip().endswith(INCOMPLETE)
