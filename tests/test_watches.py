"""Watches (issue #23): pages, feeds and news sitemaps checked by the task queue, through the one
capture path, with conditional GET, robots.txt, a turn per site and a back-off on failure.

The queue runs as cron would run it (`manage.py run_due --once`), in this process; its worker
uses connections of its own, so these tests commit (transaction=True)."""

import datetime
import io
import itertools
import time

import pytest
from croniter import croniter
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from articles.models import Article, Capture
from tests.watched_sites import empty_queue, news_sitemap, no_spacing, rss, run_due, story  # noqa: F401
from watches.management.commands.run_due import defer_due_periodic_tasks
from watches.models import Watch

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("loopback_allowed", "empty_queue", "no_spacing"),
]


def follow(url, *arguments):
    output = io.StringIO()
    call_command("follow", url, *arguments, stdout=output)
    return output.getvalue()


def test_a_feed_of_two_items_gives_two_articles_then_only_what_changed(local_site):
    site = local_site
    site.page("/feed.xml", rss(site, "/one", "/two"), content_type="application/rss+xml")
    site.page("/one", story(site, "/one"))
    site.page("/two", story(site, "/two"))
    assert "Following the RSS or Atom feed" in follow(site.url("/feed.xml"), "--feed")

    output = run_due()

    assert Article.objects.count() == 2
    assert f"archived as a new article: {site.url('/one')}" in output
    feed = Watch.objects.get(url=site.url("/feed.xml"))
    assert (feed.last_outcome, feed.last_reason) == ("read", "2 items, 2 new")
    items = Watch.objects.filter(found_in=feed)
    assert {item.url for item in items} == {site.url("/one"), site.url("/two")}
    for item in items:
        assert item.kind == "page" and item.last_outcome == "archived"
        assert item.until - item.added_at == datetime.timedelta(days=14)
        assert item.every_minutes == 120  # checked an hour later, then two hours after that

    # A third item, and the first page rewritten: one new article, one new version.
    site.page("/feed.xml", rss(site, "/three", "/one", "/two"), content_type="application/rss+xml")
    site.page("/three", story(site, "/three"))
    site.page("/one", story(site, "/one", rewritten=True))
    output = run_due("--all")

    assert Article.objects.count() == 3
    assert Capture.objects.count() == 4
    one = Article.objects.get(url=site.url("/one"))
    assert one.captures.count() == 2
    outcomes = dict(Watch.objects.values_list("url", "last_outcome"))
    assert outcomes == {
        site.url("/feed.xml"): "read",
        site.url("/one"): "new version",
        site.url("/two"): "unchanged",
        site.url("/three"): "archived",
    }
    assert "Checked 4 watches." in output


def test_a_news_sitemap_s_pages_are_captured(local_site):
    site = local_site
    site.page("/sitemap.xml", news_sitemap(site, "/one"), content_type="application/xml")
    site.page("/one", story(site, "/one"))
    follow(site.url("/sitemap.xml"), "--sitemap")
    run_due()
    assert Article.objects.get().url == site.url("/one")


def test_a_sitemap_with_a_dtd_is_refused_unread(local_site):
    site = local_site
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&lol2;</loc>'
        b"</url></urlset>"
    )
    site.page("/sitemap.xml", bomb, content_type="application/xml")
    follow(site.url("/sitemap.xml"), "--sitemap")
    run_due()
    watch = Watch.objects.get()
    assert watch.last_outcome == "refused"
    assert "no sitemap the archive can read" in watch.last_reason
    assert Watch.objects.count() == 1


def test_a_304_stores_nothing_and_the_watch_says_not_modified(local_site):
    site = local_site
    site.page("/one", story(site, "/one"), headers=[("ETag", '"v1"')])
    follow(site.url("/one"))
    run_due()
    assert Watch.objects.get().etag == '"v1"'

    site.page("/one", b"", status=304, headers=[("ETag", '"v1"')])
    run_due("--all")

    assert site.request_headers[-1]["If-None-Match"] == '"v1"'
    assert Capture.objects.count() == 1
    watch = Watch.objects.get()
    assert (watch.last_outcome, watch.failures) == ("not modified", 0)


def test_a_page_robots_txt_disallows_is_never_fetched(local_site):
    site = local_site
    site.page(
        "/robots.txt",
        b"User-agent: *\nAllow: /\n\nUser-agent: newsarchive\nDisallow: /private/\n",
        content_type="text/plain",
    )
    site.page("/private/one", story(site, "/private/one"))
    follow(site.url("/private/one"))
    run_due()
    assert site.requests == ["/robots.txt"]
    watch = Watch.objects.get()
    assert watch.last_outcome == "refused"
    assert "robots.txt" in watch.last_reason and "disallows" in watch.last_reason
    assert not Capture.objects.exists()

    run_due("--all")  # robots.txt is kept a while, not read again
    assert site.requests == ["/robots.txt"]


def test_requests_to_one_site_are_spaced(local_site, settings):
    settings.WATCH_HOST_SPACING = 2
    site = local_site
    times = []
    site.requests = TimedRequests(times)
    for path in ["/one", "/two", "/three"]:
        site.page(path, story(site, path))
        follow(site.url(path))
    run_due()
    assert Article.objects.count() == 3
    assert len(times) == 4  # robots.txt, then the three pages
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert min(gaps) > 1.5, gaps  # a loaded machine delays requests, never brings them closer


class TimedRequests(list):
    """The local site's list of requested paths, noting when each came."""

    def __init__(self, times):
        super().__init__()
        self.times = times

    def append(self, path):
        self.times.append(time.monotonic())
        super().append(path)


def test_a_failing_site_backs_off_and_says_why(local_site, admin_client):
    site = local_site
    site.page("/one", b"down", status=503, content_type="text/plain")
    follow(site.url("/one"), "--every", "10")
    before = timezone.now()
    run_due()
    watch = Watch.objects.get()
    assert (watch.last_outcome, watch.failures) == ("refused", 1)
    assert "503" in watch.last_reason
    assert watch.next_due_at - before >= datetime.timedelta(minutes=20)

    run_due("--all")
    watch.refresh_from_db()
    assert watch.failures == 2
    assert watch.next_due_at - timezone.now() > datetime.timedelta(minutes=39)

    page = admin_client.get("/admin/watches/watch/").content.decode()
    assert "2 in a row" in page and "503" in page

    site.page("/one", story(site, "/one"))
    run_due("--all")
    watch.refresh_from_db()
    assert (watch.last_outcome, watch.failures) == ("archived", 0)


def test_run_due_queues_a_periodic_task_only_when_its_time_came_since_it_was_last_queued():
    """Under cron every minute, the daily digest goes out once a day, the watches' checks every
    minute."""
    seven = croniter("0 7 * * *").get_next(float, start_time=time.time())
    defer_due_periodic_tasks(seven + 30)
    first = queued_periodic_tasks()
    defer_due_periodic_tasks(seven + 3600)  # the same day, an hour later
    second = queued_periodic_tasks()
    assert {"alerts.tasks.send_daily_digests", "watches.tasks.queue_due_watches"} <= first
    assert "alerts.tasks.send_daily_digests" not in second
    assert "watches.tasks.queue_due_watches" in second


def queued_periodic_tasks():
    """The tasks of the jobs waiting in the queue, which are then taken as done (so a task's
    queueing lock doesn't keep its next job out)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE procrastinate_jobs SET status = 'succeeded' WHERE status = 'todo' "
            "RETURNING task_name"
        )
        return {task_name for (task_name,) in cursor.fetchall()}
