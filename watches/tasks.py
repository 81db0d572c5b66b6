"""The watches' jobs on the task queue (procrastinate, in PostgreSQL; issue #23).

Every minute, one job per due watch is queued; its queueing lock keeps a watch from being queued
twice, and its lock keeps two workers from checking it at once. A job whose worker stopped
sending heartbeats (killed, or its machine lost) is put back in the queue, to run again.
"""

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from procrastinate import RetryStrategy
from procrastinate.contrib.django import app
from procrastinate.exceptions import AlreadyEnqueued, UniqueViolation
from procrastinate.jobs import Status

from watches.models import Watch
from watches.watching import HostBusy, close_expired_watches, watch_check

logger = logging.getLogger(__name__)

# A lost database connection or a busy site: worth trying again soon (5 s, 25 s, 125 s…).
TRANSIENT = RetryStrategy(
    max_attempts=5,
    exponential_wait=5,
    retry_exceptions={OperationalError, InterfaceError, HostBusy},
)


def queue_check(watch_id):
    """Queue a check of the watch, unless one is queued already; True when queued."""
    lock = f"watch-{watch_id}"
    try:
        check_watch.configure(lock=lock, queueing_lock=lock).defer(watch_id=watch_id)
    except AlreadyEnqueued:
        return False
    return True


@app.periodic(cron="* * * * *")
@app.task(queueing_lock="queue_due_watches")
def queue_due_watches(timestamp):
    close_expired_watches()
    for watch_id in Watch.objects.due().values_list("pk", flat=True):
        queue_check(watch_id)


@app.task(retry=TRANSIENT)
def check_watch(watch_id):
    checked = watch_check(watch_id)
    if checked is None:
        return
    logger.info("Checked %s", checked)
    for item in checked.new_items:  # captured now, then watched for a while
        queue_check(item.pk)


@app.periodic(cron="* * * * *")
@app.task(queueing_lock="retry_stalled_jobs")
async def retry_stalled_jobs(timestamp):
    """Jobs of workers that stopped sending heartbeats run again."""
    stalled = await app.job_manager.get_stalled_jobs(
        seconds_since_heartbeat=settings.WORKER_STALLED_SECONDS
    )
    for job in stalled:
        logger.warning("Job %s of a stalled worker runs again: %s", job.id, job.task_name)
        try:
            await app.job_manager.retry_job(job)
        except UniqueViolation:
            # A job of the same queueing lock was queued meanwhile: that one runs instead. Left
            # "doing", this one would hold its lock, and keep that one waiting, for ever.
            await app.job_manager.finish_job(job, status=Status.FAILED, delete_job=False)
