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
    """The output of a process that ran to success; killed if it takes too long."""
    try:
        output, _ = process.communicate(timeout=180)
    finally:
        kill(process)
    assert process.returncode == 0, output
    return output


def kill(process):
    """SIGKILL to a process still running and to its children (its process group); its output."""
    if process.poll() is not None:
        return ""
    os.killpg(process.pid, signal.SIGKILL)
    output, _ = process.communicate(timeout=30)
    return output


def wait_for_a_request(site, paths, process):
    """Until the site was asked for one of `paths`; the process's output if it exits first."""
    deadline = time.monotonic() + 60
    while not set(paths) & set(site.requests):
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"none of {paths} was requested:\n{kill(process)}")
        time.sleep(0.1)


def test_two_workers_at_once_capture_each_page_once(local_site):
    site = local_site
    paths = [f"/story-{number}" for number in range(6)]
    for path in paths:
        site.page(path, story(site, path))
        site.delays[path] = 1  # long enough for both workers to be busy at once
        watch_add(url=site.url(path))

    first = manage("run_due", "--once")
    second = None
    try:
        # The second starts with checks under way, whatever the machine's speed, and takes
        # those still waiting (or finds none left, and queues nothing twice).
        wait_for_a_request(site, paths, first)
        second = manage("run_due", "--once")
        finish(first)
        finish(second)
    finally:
        kill(first)
        if second:
            kill(second)

    assert sorted(path for path in site.requests if path != "/robots.txt") == paths
    assert sorted(Capture.objects.values_list("article__url", flat=True)) == [
        site.url(path) for path in paths
    ]
    assert set(Watch.objects.values_list("last_outcome", flat=True)) == {"archived"}


def test_the_job_of_a_worker_killed_mid_task_runs_again(local_site):
    site = local_site
    site.page("/slow", story(site, "/slow"))
    site.delays["/slow"] = 3
    watch_add(url=site.url("/slow"))
    worker = manage("run_due", "--once", stalled_after=3)
    try:
        wait_for_a_request(site, ["/slow"], worker)
    finally:
        kill(worker)
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
