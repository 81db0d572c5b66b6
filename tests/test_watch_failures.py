"""Watches (issue #23) when things go wrong: a busy site, a check that crashes, redirects to
other sites, a robots.txt of an odd type or none at all. As in tests/test_watches.py, the queue
runs in this process, its worker on connections of its own, so these tests commit."""

import datetime
import logging

import pytest
from django.db import connection
from django.utils import timezone

from articles.models import Capture
from tests.capture_pages import serve_site
from tests.watched_sites import empty_queue, no_spacing, run_due, story  # noqa: F401
from watches import watching
from watches.models import Host, Watch
from watches.tasks import queue_check, queue_due_checks
from watches.watching import watch_add

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("loopback_allowed", "empty_queue", "no_spacing"),
]


def jobs(status):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM procrastinate_jobs WHERE status = %s", [status])
        return cursor.fetchone()[0]


def test_a_watch_whose_check_is_under_way_is_not_queued_again():
    """A second job would take the queueing lock that a retry of the first needs."""
    watch = watch_add(url="https://example.org/one")
    queue_check(watch.pk)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE procrastinate_jobs SET status = 'doing'")  # a worker took it
    queue_due_checks()
    assert (jobs("doing"), jobs("todo")) == (1, 0)


def test_a_busy_site_makes_the_watch_due_at_its_next_turn_without_failing(local_site):
    site = local_site
    site.page("/one", story(site, "/one"))
    watch = watch_add(url=site.url("/one"))
    turn = timezone.now() + datetime.timedelta(minutes=5)
    Host.objects.create(
        origin=f"http://127.0.0.1:{site.port}", next_allowed_at=turn, robots_checked_at=turn
    )
    assert "Checked 0 watches." in run_due()
    watch.refresh_from_db()
    assert (watch.next_due_at, watch.failures, watch.last_outcome) == (turn, 0, "")
    assert site.requests == []
    assert (jobs("doing"), jobs("todo"), jobs("failed")) == (0, 0, 0)  # nothing left to retry


def test_a_check_that_crashes_backs_off_and_says_why(local_site, monkeypatch, caplog):
    def broken_capture(**capture):
        raise RuntimeError("the extraction broke")

    monkeypatch.setattr(watching, "capture_archive", broken_capture)
    site = local_site
    site.page("/one", story(site, "/one"))
    watch = watch_add(url=site.url("/one"), every_minutes=10)
    before = timezone.now()
    with caplog.at_level(logging.ERROR, logger="watches.watching"):
        run_due()
    watch.refresh_from_db()
    assert (watch.last_outcome, watch.failures) == ("refused", 1)
    assert watch.last_reason == "the check failed: RuntimeError: the extraction broke"
    assert watch.next_due_at - before >= datetime.timedelta(minutes=20)
    [record] = [record for record in caplog.records if record.name == "watches.watching"]
    assert record.exc_info and "the extraction broke" in str(record.exc_info[1])


def test_a_capture_is_kept_only_with_the_watch_s_new_state(local_site, monkeypatch):
    """The capture and the watch's success are one transaction: no capture the watch knows
    nothing of."""

    def broken_update(checked):
        raise RuntimeError("the watch could not be saved")

    monkeypatch.setattr(watching, "_succeeded", broken_update)
    site = local_site
    site.page("/one", story(site, "/one"))
    watch = watch_add(url=site.url("/one"))
    run_due()
    assert site.requests[-1] == "/one"
    assert not Capture.objects.exists()
    watch.refresh_from_db()
    assert watch.last_reason == "the check failed: RuntimeError: the watch could not be saved"


def test_a_redirect_to_another_site_obeys_that_site_s_robots_txt(local_site):
    with serve_site() as other:
        other.page("/robots.txt", b"User-agent: *\nDisallow: /private/\n", "text/plain")
        other.page("/private/one", story(other, "/private/one"))
        local_site.redirect("/one", other.url("/private/one"))
        watch = watch_add(url=local_site.url("/one"))
        run_due()
        assert other.requests == ["/robots.txt"]
    watch.refresh_from_db()
    assert watch.last_outcome == "refused"
    assert watch.last_reason == (
        f"robots.txt of http://127.0.0.1:{other.port} disallows {other.url('/private/one')} for "
        "this archive; it was not fetched."
    )
    assert not Capture.objects.exists()


def test_a_redirect_to_another_site_takes_a_turn_there(local_site, settings):
    settings.WATCH_HOST_SPACING = 2
    with serve_site() as other:
        other.page("/one", story(other, "/one"))
        local_site.redirect("/one", other.url("/one"))
        watch = watch_add(url=local_site.url("/one"))
        before = timezone.now()
        run_due()
        assert other.requests == ["/robots.txt", "/one"]
    watch.refresh_from_db()
    assert watch.last_outcome == "archived"
    assert Capture.objects.get().final_url == other.url("/one")
    # The other site gave two turns, 2 s apart (robots.txt, then the page): its next is 4 s on.
    host = Host.objects.get(origin=f"http://127.0.0.1:{other.port}")
    assert host.next_allowed_at - before >= datetime.timedelta(seconds=4)


@pytest.mark.parametrize("content_type", ["application/octet-stream", None])
def test_a_robots_txt_of_any_type_is_read_and_honoured(local_site, content_type):
    site = local_site
    robots = b"User-agent: *\nDisallow: /private/\n"
    site.routes["/robots.txt"] = (200, [("Content-Type", content_type)] if content_type else [],
                                  robots)  # fmt: skip
    site.page("/private/one", story(site, "/private/one"))
    site.page("/one", story(site, "/one"))
    watch_add(url=site.url("/private/one"))
    watch_add(url=site.url("/one"))
    run_due()
    assert site.requests == ["/robots.txt", "/one"]
    outcomes = dict(Watch.objects.values_list("url", "last_outcome"))
    assert outcomes == {site.url("/private/one"): "refused", site.url("/one"): "archived"}


def test_a_robots_txt_that_cannot_be_read_allows_nothing_for_a_while(local_site):
    site = local_site
    site.page("/robots.txt", b"down", status=503, content_type="text/plain")
    site.page("/one", story(site, "/one"))
    watch = watch_add(url=site.url("/one"))
    run_due()
    run_due("--all")
    assert site.requests == ["/robots.txt"]  # read once, not at every check
    watch.refresh_from_db()
    assert (watch.last_outcome, watch.failures) == ("refused", 2)
    assert "robots.txt of" in watch.last_reason and "503" in watch.last_reason

    # Half an hour later, it is read again.
    Host.objects.update(robots_checked_at=timezone.now() - datetime.timedelta(minutes=31))
    site.page("/robots.txt", b"User-agent: *\nAllow: /\n", content_type="text/plain")
    run_due("--all")
    assert site.requests == ["/robots.txt", "/robots.txt", "/one"]
    watch.refresh_from_db()
    assert (watch.last_outcome, watch.failures) == ("archived", 0)


def test_a_missing_robots_txt_allows_everything(local_site):
    site = local_site
    site.page("/one", story(site, "/one"))
    watch_add(url=site.url("/one"))
    run_due()
    assert site.requests == ["/robots.txt", "/one"]  # a 404, then the page
    assert Capture.objects.count() == 1
