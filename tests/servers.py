"""Starting and stopping the archive as `make run` does, for the tests of server processes."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def temporary_folder():
    """A temporary folder outside pytest's own root folder, which every pytest run that starts
    (another developer's, `make mutation`'s) makes private again. Run as root, the embedded
    PostgreSQL runs as its own user, whom the library lets into the folders above its data when
    it starts: a data folder under pytest's root became unreachable to the running server
    (initdb, pg_ctl and checkpoints failed with "Permission denied")."""
    return tempfile.TemporaryDirectory(prefix="newsarchive-test-", ignore_cleanup_errors=True)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_page(url, process, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited early:\n{output_of(process)}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, response.read().decode()
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {timeout} s")


def start_serve(data_dir, static_dir, port, *arguments, environment=None):
    """`manage.py serve` on its own embedded PostgreSQL in data_dir; `arguments` go to serve,
    `environment` (e.g. GUNICORN_THREADS) to it and its gunicorn."""
    environment = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"} | {
        "DJANGO_SETTINGS_MODULE": "newsarchive.settings",
        "EMBEDDED_POSTGRES_DIR": str(data_dir),
        "STATIC_ROOT": str(static_dir),
        **(environment or {}),
    }
    # Its output goes to a file, not a pipe that is read only at the end: a full pipe (64 KB,
    # about 750 lines of gunicorn's access log) blocks every thread that logs a request, and
    # the request with it.
    log = tempfile.TemporaryFile("w+")  # noqa: SIM115 (open as long as the process; deleted when closed)
    process = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", str(port), *arguments],
        cwd=BASE_DIR,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, like a terminal's foreground job
    )
    process.log = log
    return process


def output_of(process):
    """What a process started here has printed: its log file's text, or its pipe's."""
    log = getattr(process, "log", None)
    if log is None:
        return process.stdout.read()
    log.seek(0)
    return log.read()


def press_ctrl_c(process):
    os.killpg(process.pid, signal.SIGINT)
    output, _ = process.communicate(timeout=60)
    return output_of(process) if output is None else output
