"""`make run`: migrate, load the seed corpus into an empty archive, and serve with gunicorn.

A port something else already uses stops it at once with a one-line message, before the setup
(gunicorn would find out only after it, and retry for seconds before giving up).

gunicorn reads deploy/gunicorn.conf.py, as in the Docker image; --host, --port and --workers
override its bind address and worker count. gunicorn and its workers inherit DATABASE_URL from
this process: the server's, or the embedded PostgreSQL's that manage.py started. On Ctrl-C or
SIGTERM this process waits for gunicorn to stop; manage.py then stops the embedded database
(even one restarted meanwhile), so nothing is left running.
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
        self.stdout.write(
            f"\nnewsarchive is serving at http://{host}:{port}/\n"
            "To create an editor account, in another terminal run:\n"
            "    .venv/bin/python manage.py createsuperuser\n"
            "Press Ctrl-C to stop.\n"
        )
        self.stdout.flush()

        def stop(signum, frame):
            # Ctrl-C in a terminal already reached gunicorn too; passing the signal on covers a
            # `kill` aimed at this process alone.
            if gunicorn.poll() is None:
                gunicorn.send_signal(signal.SIGINT if signum == signal.SIGINT else signal.SIGTERM)

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            gunicorn.wait()
        finally:
            self._stop_gunicorn(gunicorn)
            connections.close_all()
        self.stdout.write("newsarchive stopped.")

    def _stop_gunicorn(self, gunicorn):
        if gunicorn.poll() is not None:
            return
        gunicorn.terminate()
        try:
            gunicorn.wait(GUNICORN_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            gunicorn.kill()
            gunicorn.wait()


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
