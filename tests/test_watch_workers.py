"""The task queue's workers as separate processes (issue #23): two at once do nothing twice, and
the job of a worker killed mid-task runs again."""

import os
import signal
import subprocess
import sys
import time
from urllib.parse import urlsplit

import pytest
from django.db import connection

from articles.models import Capture
from tests.servers import BASE_DIR
from tests.watched_sites import empty_queue, story  # noqa: F401
from watches.models import Watch
from watches.watching import watch_add

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("loopback_allowed", "empty_queue"),
]


def manage(*arguments, stalled_after=30):
    """`manage.py …` in a process of its own, on this test's database, as a worker machine."""
    database = connection.settings_dict["NAME"]
    environment = os.environ | {
        "DATABASE_URL": urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{database}").geturl(),
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "CAPTURE_ALLOW_LOOPBACK": "true",
        "WATCH_HOST_SPACING": "0",
        "WORKER_STALLED_SECONDS": str(stalled_after),
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", *arguments],
        cwd=BASE_DIR,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def finish(process):
    output, _ = process.communicate(timeout=180)
    assert process.returncode == 0, output
    return output


def test_two_workers_at_once_capture_each_page_once(local_site):
    site = local_site
    paths = [f"/story-{number}" for number in range(6)]
    for path in paths:
        site.page(path, story(site, path))
        site.delays[path] = 1  # long enough for both workers to be busy at once
        watch_add(url=site.url(path))

    workers = [manage("run_due", "--once"), manage("run_due", "--once")]
    outputs = [finish(worker) for worker in workers]

    assert sorted(path for path in site.requests if path != "/robots.txt") == paths
    assert Capture.objects.count() == 6
    assert set(Watch.objects.values_list("last_outcome", flat=True)) == {"archived"}
    # Both took checks from the queue; a check queued twice found its watch no longer due.
    assert all("Starting job watches.tasks.check_watch" in output for output in outputs)


def test_the_job_of_a_worker_killed_mid_task_runs_again(local_site):
    site = local_site
    site.page("/slow", story(site, "/slow"))
    site.delays["/slow"] = 3
    watch_add(url=site.url("/slow"))
    worker = manage("run_due", "--once", stalled_after=3)
    try:
        deadline = time.monotonic() + 60
        while "/slow" not in site.requests:
            assert time.monotonic() < deadline and worker.poll() is None, worker.stdout.read()
            time.sleep(0.1)
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
    assert jobs_doing() == 1
    assert not Capture.objects.exists()

    time.sleep(4)  # its heartbeat is older than WORKER_STALLED_SECONDS: taken for dead
    output = finish(manage("run_due", "--once", stalled_after=3))

    assert f"archived as a new article: {site.url('/slow')}" in output
    assert site.requests.count("/slow") == 2
    assert Capture.objects.count() == 1
    assert jobs_doing() == 0


def jobs_doing():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM procrastinate_jobs WHERE status = 'doing'")
        return cursor.fetchone()[0]
