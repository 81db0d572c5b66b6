"""How many requests are lost when one gunicorn worker dies (kill -9) under load, behind nginx.

    .venv/bin/python bench/worker_crash.py [--workers 3] [--threads 8] [--runs 3]
        [--clients 64] [--seconds 8] [--nginx-config deploy/nginx.conf]

Serves the seed corpus as production does: `manage.py serve` (gunicorn with
deploy/gunicorn.conf.py, GUNICORN_WORKERS and GUNICORN_THREADS set from --workers and
--threads) on its own embedded PostgreSQL in var/bench/worker_crash/ (kept between runs), behind
Debian's nginx with --nginx-config (run as root, as tests/nginx.py does) on 127.0.0.1. Each run:
--clients threads GET the explorer one request after another for --seconds; halfway, one worker
gets SIGKILL. It prints the requests answered and failed (any status but 200, or a connection
error) per run, and the median of the runs. gunicorn replaces the worker before the next run.

Compare configurations by passing another --nginx-config (e.g. an older deploy/nginx.conf from
`git show`). Run nothing else heavy beside it: the clients share the machine's CPUs.
"""

import argparse
import collections
import http.client
import os
import random
import signal
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.nginx import NGINX_CONFIG, nginx_unavailable, running_nginx  # noqa: E402
from tests.servers import free_port, start_serve, wait_for_page  # noqa: E402

DATA_DIR = ROOT / "var" / "bench" / "worker_crash"
PATH = "/claims/"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--nginx-config", type=Path, default=NGINX_CONFIG)
    options = parser.parse_args()
    reason = nginx_unavailable()
    if reason:
        sys.exit(reason)

    environment = {
        "GUNICORN_WORKERS": str(options.workers),
        "GUNICORN_THREADS": str(options.threads),
    }
    backend_port = free_port()
    server = start_serve(
        DATA_DIR / "postgres", DATA_DIR / "static", backend_port, environment=environment
    )
    # Drain serve's output (gunicorn's access log), or its pipe fills and gunicorn blocks.
    drain = threading.Thread(target=server.stdout.read, daemon=True)
    try:
        wait_for_page(f"http://127.0.0.1:{backend_port}{PATH}", server)
        drain.start()
        with (
            tempfile.TemporaryDirectory() as folder,
            running_nginx(Path(folder), backend_port, config_file=options.nginx_config) as port,
        ):
            print(
                f"{options.workers} workers x {options.threads} threads behind "
                f"{options.nginx_config}; {options.clients} clients GET {PATH} for "
                f"{options.seconds:g} s, one worker killed halfway"
            )
            failures = []
            for run in range(1, options.runs + 1):
                wait_for_workers(server.pid, options.workers)
                answered, failed = run_once(server.pid, port, options)
                failures.append(sum(failed.values()))
                print(
                    f"run {run}: {answered} answered, {sum(failed.values())} failed {dict(failed)}"
                )
            print(f"median failed: {statistics.median(failures):g} (runs: {failures})")
    finally:
        os.killpg(server.pid, signal.SIGINT)
        server.wait(60)


def gunicorn_workers(serve_pid):
    """The workers: children of gunicorn's master, itself a child of `manage.py serve`."""
    return [
        worker for master in psutil.Process(serve_pid).children() for worker in master.children()
    ]


def wait_for_workers(serve_pid, count, timeout=60):
    """Until gunicorn has `count` workers again, and a few seconds for them to boot Django."""
    deadline = time.monotonic() + timeout
    while len(gunicorn_workers(serve_pid)) < count:
        if time.monotonic() > deadline:
            raise SystemExit(f"gunicorn did not get back to {count} workers in {timeout} s")
        time.sleep(0.5)
    time.sleep(5)


def run_once(serve_pid, port, options):
    """(answered, failed by kind) of --clients threads requesting PATH for --seconds, while one
    worker is killed halfway."""
    stop = threading.Event()
    answered = collections.Counter()
    failed = collections.Counter()
    lock = threading.Lock()

    def client():
        while not stop.is_set():
            outcome = get(port)
            with lock:
                (answered if outcome == 200 else failed)[outcome] += 1

    clients = [threading.Thread(target=client) for _ in range(options.clients)]
    for thread in clients:
        thread.start()
    time.sleep(options.seconds / 2)
    os.kill(random.choice(gunicorn_workers(serve_pid)).pid, signal.SIGKILL)
    time.sleep(options.seconds / 2)
    stop.set()
    for thread in clients:
        thread.join()
    return answered.total(), failed


def get(port):
    """The response's status, or the name of the error that stopped it."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", PATH)
        response = connection.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException) as error:
        return type(error).__name__
    finally:
        connection.close()


if __name__ == "__main__":
    main()
