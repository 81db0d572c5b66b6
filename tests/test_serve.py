"""`make run`: the archive is served, keeps its data across runs, and Ctrl-C leaves nothing."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.core import serializers

from articles.models import Article
from claims.seed import load_seed_if_empty
from tests import factories

BASE_DIR = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_page(url, process, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "serve exited early"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, response.read().decode()
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {timeout} s")


def start_serve(data_dir, static_dir, port):
    environment = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"} | {
        "DJANGO_SETTINGS_MODULE": "newsarchive.settings",
        "EMBEDDED_POSTGRES_DIR": str(data_dir),
        "STATIC_ROOT": str(static_dir),
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", str(port), "--workers", "1"],
        cwd=BASE_DIR,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, like a terminal's foreground job
    )


def press_ctrl_c(process):
    os.killpg(process.pid, signal.SIGINT)
    output, _ = process.communicate(timeout=60)
    return output


def test_serve_loads_the_seed_answers_and_ctrl_c_stops_gunicorn_and_postgres(tmp_path):
    data_dir, port = tmp_path / "postgres", free_port()
    process = start_serve(data_dir, tmp_path / "static", port)
    try:
        status, page = wait_for_page(f"http://127.0.0.1:{port}/", process)
        assert status == 200
        assert "<strong>5</strong> articles" in page  # the seed corpus
        database_url = f"postgresql://postgres@{quote(str(data_dir), safe='')}/newsarchive"
        with psycopg.connect(database_url) as connection:
            connection.execute("UPDATE claims_claim SET statement = 'Edited by an editor.'")
    finally:
        output = press_ctrl_c(process)
    assert process.returncode == 0, output
    assert "Loaded the seed corpus" in output
    assert "newsarchive stopped." in output
    assert not (data_dir / "postmaster.pid").exists(), "PostgreSQL was left running"
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0, "gunicorn was left running"

    # The next run starts again from the same data and keeps what editors changed.
    process = start_serve(data_dir, tmp_path / "static", port)
    try:
        _, page = wait_for_page(f"http://127.0.0.1:{port}/claims/1/", process)
        assert "Edited by an editor." in page
    finally:
        output = press_ctrl_c(process)
    assert "Loaded the seed corpus" not in output
    assert not (data_dir / "postmaster.pid").exists()


@pytest.mark.django_db
def test_the_seed_is_loaded_into_an_empty_archive_only(tmp_path):
    article = factories.make_article(title="Seeded article")
    fixture = tmp_path / "seed.json"
    fixture.write_text(serializers.serialize("json", [article]))
    article.delete()

    assert load_seed_if_empty(fixture) is True
    assert Article.objects.get().title == "Seeded article"

    Article.objects.update(title="Edited by an editor")
    assert load_seed_if_empty(fixture) is False
    assert Article.objects.get().title == "Edited by an editor"


@pytest.mark.django_db
def test_a_missing_seed_file_is_not_an_error(tmp_path):
    assert load_seed_if_empty(tmp_path / "absent.json") is False
