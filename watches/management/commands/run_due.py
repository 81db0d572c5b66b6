"""`manage.py run_due --once [--all]`: run everything due on the task queue, then exit (for cron,
tests, and after an outage); a running worker (`manage.py procrastinate worker`) does it all the
time instead."""

import time

from asgiref.sync import async_to_sync
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinatePeriodicDefer
from procrastinate.periodic import PeriodicDeferrer

from watches.models import Watch
from watches.tasks import queue_due_checks, retry_stalled
from watches.watching import make_due


class Command(BaseCommand):
    help = (
        "With --once: queue the periodic tasks that are due (the watches' checks, the alerts…), "
        "run a worker until the queue is empty, print what was checked and captured, and exit. "
        "--all: every watch now, due or not."
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
        defer_due_periodic_tasks(time.time())
        # What the watches' periodic tasks do, done now, though they may have run this minute.
        async_to_sync(retry_stalled)()
        queue_due_checks()
        # The worker takes jobs in its own connection, as `manage.py procrastinate worker` does.
        with app.replace_connector(app.connector.get_worker_connector()):
            app.run_worker(wait=False, install_signal_handlers=False, listen_notify=False)
        checked = Watch.objects.filter(last_checked_at__gte=started).order_by("last_checked_at")
        for watch in checked:
            outcome = watch.get_last_outcome_display()
            self.stdout.write(f"{outcome}: {watch.url} ({watch.last_reason})")
        self.stdout.write(f"Checked {len(checked)} watches.")


def defer_due_periodic_tasks(now):
    """Queue each periodic task registered (whichever app registered it) whose cron time came
    since it was last queued, as a worker's periodic deferrer does, and recorded as it records
    them: in procrastinate_periodic_defers, one row per task and cron time, so this and a running
    worker never queue the same one twice. A task never queued yet is queued if its time came in
    the last 10 minutes (procrastinate's MAX_DELAY); one whose times passed while nothing ran
    (an outage) is queued once, for its latest time."""
    deferrer = PeriodicDeferrer(registry=app.periodic_registry)
    deferrer.last_defers = {
        (row["task_name"], row["periodic_id"]): row["defer_timestamp"]
        for row in ProcrastinatePeriodicDefer.objects.values(
            "task_name", "periodic_id", "defer_timestamp"
        ).order_by("defer_timestamp")  # the latest of each task last
    }
    latest = {}
    for periodic_task, timestamp in deferrer.get_previous_tasks(at=now):
        latest[periodic_task.task.name, periodic_task.periodic_id] = (periodic_task, timestamp)
    async_to_sync(deferrer.defer_jobs)(latest.values())
