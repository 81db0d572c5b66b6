"""`manage.py run_due --once [--all]`: run everything due on the task queue, then exit (for cron,
tests, and after an outage); a running worker (`manage.py procrastinate worker`) does it all the
time instead."""

import contextlib
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from procrastinate.contrib.django import app
from procrastinate.exceptions import AlreadyEnqueued

from watches.models import Watch
from watches.watching import make_due


class Command(BaseCommand):
    help = (
        "With --once: queue every periodic task (the watches' checks, the alerts…), run a worker "
        "until the queue is empty, print what was checked and captured, and exit. --all: every "
        "watch now, due or not."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run what is due, then exit")
        parser.add_argument("--all", action="store_true", help="check every watch, due or not")

    def handle(self, *, once, all, **options):
        if not once:
            raise CommandError(
                "run_due runs only with --once (for cron). To keep running what falls due, start "
                "a worker: manage.py procrastinate worker"
            )
        started = timezone.now()
        if all:
            make_due(Watch.objects.all())
        defer_periodic_tasks()
        # The worker takes jobs in its own connection, as `manage.py procrastinate worker` does.
        with app.replace_connector(app.connector.get_worker_connector()):
            app.run_worker(wait=False, install_signal_handlers=False, listen_notify=False)
        checked = Watch.objects.filter(last_checked_at__gte=started).order_by("last_checked_at")
        for watch in checked:
            outcome = watch.get_last_outcome_display()
            self.stdout.write(f"{outcome}: {watch.url} ({watch.last_reason})")
        self.stdout.write(f"Checked {len(checked)} watches.")


def defer_periodic_tasks():
    """Queue one job of each periodic task registered, whichever app registered it."""
    for periodic in app.periodic_registry.periodic_tasks.values():
        options = dict(periodic.configure_kwargs)
        # (procrastinate's own deferrer leaves its last timestamp among these arguments)
        arguments = {**(options.pop("task_kwargs", None) or {}), "timestamp": int(time.time())}
        with contextlib.suppress(AlreadyEnqueued):  # one is waiting in the queue already
            periodic.task.configure(**options).defer(**arguments)
