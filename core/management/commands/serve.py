"""`make run`: migrate, load the seed corpus into an empty archive, and serve with gunicorn, with
one task-queue worker beside it (`manage.py procrastinate worker`: the watches' checks, alerts).

A port something else already uses stops it at once with a one-line message, before the setup
(gunicorn would find out only after it, and retry for seconds before giving up).

gunicorn reads deploy/gunicorn.conf.py, as in the Docker image; --host, --port and --workers
override its bind address and worker count. gunicorn, its workers and the queue's worker inherit
DATABASE_URL from this process: the server's, or the embedded PostgreSQL's that manage.py
started. On Ctrl-C or SIGTERM this process waits for gunicorn and the worker to stop; manage.py
then stops the embedded database (even one restarted meanwhile), so nothing is left running.
"""

import signal
import socket
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

GUNICORN_CONFIG = settings.BASE_DIR / "deploy" / "gunicorn.conf.py"
GUNICORN_STOP_TIMEOUT = 40  # seconds: longer than the configuration's graceful_timeout
# Seconds for a job under way to finish first. The longest is a watch's check (watches/watching.py):
# a turn at the site (MAX_HOST_WAIT, 10 s) and robots.txt (ROBOTS_DEADLINE, 10 s), a turn and the
# page (CAPTURE_BY_URL_DEADLINE, 25 s): 55 s; a redirect to another site may add that site's turn
# and robots.txt (30 s). docker-compose.yml's worker has the same stop_grace_period.
WORKER_STOP_TIMEOUT = 90


class Command(BaseCommand):
    help = "Prepare the archive and serve it with gunicorn (what `make run` does)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, help="default: deploy/gunicorn.conf.py's")

    def handle(self, *, host, port, workers, **options):
        refuse_a_port_in_use(host, port)
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        call_command("load_seed")

        command = [sys.executable, "-m", "gunicorn", "--config", str(GUNICORN_CONFIG)]
        command += ["--bind", f"{host}:{port}"]
        if workers:
            command += ["--workers", str(workers)]
        gunicorn = subprocess.Popen(command, cwd=settings.BASE_DIR)
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "procrastinate", "worker"], cwd=settings.BASE_DIR
        )
        self.stdout.write(
            f"\nnewsarchive is serving at http://{host}:{port}/\n"
            "To create an editor account, in another terminal run:\n"
            "    .venv/bin/python manage.py createsuperuser\n"
            "One task-queue worker runs beside it (watches, alerts).\n"
            "Press Ctrl-C to stop.\n"
        )
        self.stdout.flush()

        def stop(signum, frame):
            # Ctrl-C in a terminal already reached gunicorn and the worker too; passing the
            # signal on covers a `kill` aimed at this process alone.
            passed_on = signal.SIGINT if signum == signal.SIGINT else signal.SIGTERM
            for process in [gunicorn, worker]:
                if process.poll() is None:
                    process.send_signal(passed_on)

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            gunicorn.wait()
        finally:
            stop_process(gunicorn, GUNICORN_STOP_TIMEOUT)
            stop_process(worker, WORKER_STOP_TIMEOUT)
            connections.close_all()
        self.stdout.write("newsarchive stopped.")


def stop_process(process, timeout):
    """SIGTERM, a graceful `timeout` seconds, then SIGKILL."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def refuse_a_port_in_use(host, port):
    """A CommandError (one line, no traceback) when gunicorn could not bind host:port."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            # As gunicorn binds: a port left in TIME_WAIT by the last run is free, a listening
            # one is not.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as error:
        raise CommandError(
            f"Can't serve on port {port} of {host}: {error.strerror}. Stop what uses it, or "
            f"choose another port: make run PORT={port + 1} (manage.py serve --port {port + 1})."
        ) from None
