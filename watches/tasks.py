"""The watches' jobs on the task queue (procrastinate, in PostgreSQL; issue #23).

Every minute, one job is queued per due watch that has none waiting or under way; its queueing
lock keeps a watch from being queued twice, and its lock keeps two workers from checking it at
once. A job whose worker stopped
sending heartbeats (killed, or its machine lost) is put back in the queue, to run again.
"""

import logging

from django.conf import settings
from procrastinate import RetryStrategy
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob
from procrastinate.exceptions import AlreadyEnqueued, UniqueViolation
from procrastinate.jobs import Status

from watches.models import Watch
from watches.watching import TRANSIENT_ERRORS, close_expired_watches, watch_check

logger = logging.getLogger(__name__)

# A lost database connection: worth trying again soon (5 s, 25 s, 125 s…). A busy site is no
# error: the check ends, the watch due again at the site's next turn (watches/watching.py).
TRANSIENT = RetryStrategy(
    max_attempts=5, exponential_wait=5, retry_exceptions=set(TRANSIENT_ERRORS)
)


def watch_lock(watch_id):
    """The lock and queueing lock of a watch's checks."""
    return f"watch-{watch_id}"


def queue_check(watch_id):
    """Queue a check of the watch, unless one is queued already; True when queued."""
    lock = watch_lock(watch_id)
    try:
        check_watch.configure(lock=lock, queueing_lock=lock).defer(watch_id=watch_id)
    except AlreadyEnqueued:
        return False
    return True


def queue_due_checks():
    """Queue a check of each due watch that has none waiting or under way. A second job for a
    watch whose check is under way would wait behind its lock, and take the queueing lock a retry
    of the first needs: that retry would fail, and leave the first "doing", holding its lock, for
    ever."""
    close_expired_watches()
    under_way = set(
        ProcrastinateJob.objects.filter(
            task_name=check_watch.name, status__in=[Status.TODO.value, Status.DOING.value]
        ).values_list("lock", flat=True)
    )
    for watch_id in Watch.objects.due().values_list("pk", flat=True):
        if watch_lock(watch_id) not in under_way:
            queue_check(watch_id)


@app.periodic(cron="* * * * *")
@app.task(queueing_lock="queue_due_watches")
def queue_due_watches(timestamp):
    queue_due_checks()


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
    await retry_stalled()


async def retry_stalled():
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
