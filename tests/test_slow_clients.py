"""Idle and slow clients cannot stall the archive: under `make run`'s gunicorn, and behind the
production nginx (deploy/nginx.conf, run with Debian's nginx package on 127.0.0.1).

Each test holds 100 idle connections and 20 that send their request head one byte a second,
while one client requests the explorer again and again (bench/slow_clients.py).
"""

import contextlib
from pathlib import Path

import pytest

from bench.slow_clients import probe
from tests.nginx import require_nginx, running_nginx
from tests.servers import free_port, press_ctrl_c, start_serve, temporary_folder, wait_for_page

PROBE_SECONDS = 12  # longer than nginx's client_header_timeout (10 s)
P95_LIMIT_MS = 2000


@pytest.fixture(scope="module")
def data_dir():
    with temporary_folder() as folder:
        yield Path(folder) / "postgres"


def serve(data_dir, *arguments, environment=None):
    port = free_port()
    process = start_serve(
        data_dir, data_dir.parent / "static", port, *arguments, environment=environment
    )
    wait_for_page(f"http://127.0.0.1:{port}/claims/", process)
    return process, port


def assert_answered_throughout(result):
    print(result.summary())
    assert not result.errors, result.errors[:5]
    assert result.p95 < P95_LIMIT_MS, result.summary()


def test_make_runs_gunicorn_answers_while_idle_and_slow_clients_are_held_open(data_dir):
    process, port = serve(data_dir)  # deploy/gunicorn.conf.py as it is
    try:
        result = probe(port, "/claims/", seconds=PROBE_SECONDS)
    finally:
        output = press_ctrl_c(process)
    assert_answered_throughout(result)
    assert process.returncode == 0, output


@pytest.fixture
def nginx(tmp_path):
    """A function that starts deploy/nginx.conf on 127.0.0.1 in front of a backend port."""
    require_nginx()
    with contextlib.ExitStack() as started:

        def start(backend_port):
            return started.enter_context(running_nginx(tmp_path, backend_port))

        yield start


def test_nginx_keeps_idle_and_slow_clients_away_from_a_small_gunicorn(data_dir, nginx):
    # Four threads: without nginx, the 20 slow clients alone would hold all of them.
    process, backend_port = serve(data_dir, "--workers", "1", environment={"GUNICORN_THREADS": "4"})
    try:
        result = probe(nginx(backend_port), "/claims/", seconds=PROBE_SECONDS)
    finally:
        press_ctrl_c(process)
    assert_answered_throughout(result)
    # nginx gave up on every request head that took longer than client_header_timeout.
    assert result.slow_closed_by_server == result.slow
