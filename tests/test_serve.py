"""`make run`: the archive is served, keeps its data across runs, and Ctrl-C leaves nothing."""

import os
import socket
import subprocess
import sys
import time
from urllib.parse import quote

import psutil
import psycopg
import pytest
from django.core import serializers

from articles.models import Article
from claims.seed import load_seed_if_empty
from tests import factories
from tests.servers import BASE_DIR, free_port, press_ctrl_c, start_serve, wait_for_page


def test_serve_loads_the_seed_answers_and_ctrl_c_stops_gunicorn_and_postgres(tmp_path):
    data_dir, port = tmp_path / "postgres", free_port()
    process = start_serve(data_dir, tmp_path / "static", port, "--workers", "1")
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
    process = start_serve(data_dir, tmp_path / "static", port, "--workers", "1")
    try:
        _, page = wait_for_page(f"http://127.0.0.1:{port}/claims/1/", process)
        assert "Edited by an editor." in page
    finally:
        output = press_ctrl_c(process)
    assert "Loaded the seed corpus" not in output
    assert not (data_dir / "postmaster.pid").exists()


def test_serve_runs_a_queue_worker_beside_gunicorn_and_ctrl_c_stops_it(tmp_path):
    data_dir, port = tmp_path / "postgres", free_port()
    process = start_serve(data_dir, tmp_path / "static", port, "--workers", "1")
    try:
        wait_for_page(f"http://127.0.0.1:{port}/", process)
        workers = queue_workers_of(process)
        deadline = time.monotonic() + 60
        while not workers and time.monotonic() < deadline:
            time.sleep(0.3)
            workers = queue_workers_of(process)
        assert len(workers) == 1
        database_url = f"postgresql://postgres@{quote(str(data_dir), safe='')}/newsarchive"
        while time.monotonic() < deadline:  # registered in the queue's table once it started
            with psycopg.connect(database_url) as connection:
                if connection.execute("SELECT count(*) FROM procrastinate_workers").fetchone()[0]:
                    break
            time.sleep(0.3)
        else:
            raise AssertionError("the worker never registered")
    finally:
        output = press_ctrl_c(process)
    assert process.returncode == 0, output
    assert not workers[0].is_running() or workers[0].status() == psutil.STATUS_ZOMBIE


def queue_workers_of(process):
    """The `manage.py procrastinate worker` processes started by `manage.py serve`."""
    workers = []
    for child in psutil.Process(process.pid).children(recursive=True):
        try:
            if "procrastinate" in child.cmdline():
                workers.append(child)
        except psutil.NoSuchProcess:  # ZombieProcess included
            pass  # a child exiting meanwhile (gunicorn's, or the worker after Ctrl-C)
    return workers


def make_run(*arguments, environment=None):
    """`make run …` in this test's virtual environment, whatever state its install step is in."""
    environment = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"} | (
        environment or {}
    )
    command = ["make", "--no-print-directory", "run", f"VENV={sys.prefix}"]
    command += ["--old-file", f"{sys.prefix}/.installed", *arguments]
    return subprocess.run(
        command, cwd=BASE_DIR, env=environment, capture_output=True, text=True, timeout=120
    )


def test_make_run_serves_on_port_8000_unless_told_another():
    assert "manage.py serve --port 8000" in make_run("--dry-run").stdout
    assert "manage.py serve --port 8001" in make_run("--dry-run", "PORT=8001").stdout


def test_a_port_in_use_stops_make_run_before_its_setup_with_a_one_line_message(tmp_path):
    with socket.socket() as other_server:
        other_server.bind(("127.0.0.1", 0))
        other_server.listen()
        port = other_server.getsockname()[1]
        static_dir = tmp_path / "static"
        result = make_run(
            f"PORT={port}",
            environment={
                "EMBEDDED_POSTGRES_DIR": str(tmp_path / "postgres"),
                "STATIC_ROOT": str(static_dir),
            },
        )
    assert result.returncode != 0
    # The message is one line; the embedded PostgreSQL may log its own start on stderr beside it.
    message = (
        f"CommandError: Can't serve on port {port} of 127.0.0.1: Address already in use. Stop "
        f"what uses it, or choose another port: make run PORT={port + 1} (manage.py serve "
        f"--port {port + 1})."
    )
    assert message in result.stderr.splitlines(), result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    # Nothing was set up: no static files collected, no seed loaded (they follow migrations).
    assert not static_dir.exists()
    assert "Loaded the seed corpus" not in result.stdout


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


def restart_postgres(data_dir):
    """`pg_ctl restart` from outside, as an administrator would: a new postmaster process."""
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    subprocess.run(
        [POSTGRES_BIN_PATH / "pg_ctl", "-D", data_dir, "-l", data_dir / "log", "-w", "restart"],
        check=True,
        stdout=subprocess.DEVNULL,
        # The library runs the server as this user when it runs as root (postgres refuses root).
        user="embedded_postgres" if os.geteuid() == 0 else None,
    )


def postmaster_pid(data_dir):
    return int((data_dir / "postmaster.pid").read_text().split()[0])


def test_serve_stops_its_postgresql_even_after_the_database_was_restarted(tmp_path):
    # Where PID 1 does not reap orphans (some containers) the old postmaster lingers as a zombie,
    # which psutil counts as running, and the library stopped the new one by chance.
    data_dir, port = tmp_path / "postgres", free_port()
    process = start_serve(data_dir, tmp_path / "static", port, "--workers", "1")
    try:
        wait_for_page(f"http://127.0.0.1:{port}/", process)
        first = postmaster_pid(data_dir)
        restart_postgres(data_dir)
        assert postmaster_pid(data_dir) != first
        status, _ = wait_for_page(f"http://127.0.0.1:{port}/claims/", process)
        assert status == 200  # the app reconnects by itself
    finally:
        output = press_ctrl_c(process)
    assert process.returncode == 0, output
    assert not (data_dir / "postmaster.pid").exists(), "the restarted PostgreSQL was left running"
