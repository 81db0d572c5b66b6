"""Feeds, sitemaps and pages for the tests of watches (issue #23), an empty task queue, and the
queue run as cron runs it."""

import io

import pytest
from django.core.management import call_command
from django.db import connection

from tests.capture_pages import article_page


def rss(site, *paths):
    """An RSS 2.0 feed of the site's pages at `paths`, newest first."""
    items = "".join(
        f"<item><title>Story {path}</title><link>{site.url(path)}</link></item>" for path in paths
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>The Daily Example</title><link>{site.url('/')}</link>{items}</channel></rss>"
    ).encode()


def news_sitemap(site, *paths):
    urls = "".join(f"<url><loc>{site.url(path)}</loc></url>" for path in paths)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    ).encode()


def story(site, path, *, rewritten=False):
    """A news page of its own (title, text and canonical address) at `path`."""
    paragraphs = [
        f"The council of {path} met on Monday evening to argue about the budget for next year, "
        "and the debate ran long into the night as members disagreed about the cost of roads.",
        f"Officials said a vote on the plan for {path} would come after the summer, once the "
        "committees have studied every proposal that was put to them during the long session.",
    ]
    if rewritten:
        paragraphs.append(
            "Update: the mayor said on Tuesday that the vote would be brought forward to July, "
            "after complaints from residents who wanted a decision before the holidays began."
        )
    return article_page(paragraphs, title=f"Council argues over {path}", canonical=site.url(path))


@pytest.fixture
def empty_queue(db):
    """procrastinate's tables, which are no Django-managed models and are not emptied between
    tests, start and end empty."""

    def empty():
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE procrastinate_jobs, procrastinate_periodic_defers, "
                "procrastinate_events, procrastinate_workers"
            )

    empty()
    yield
    empty()


@pytest.fixture
def no_spacing(settings):
    """No wait between two requests to one site, but where a test asks for one."""
    settings.WATCH_HOST_SPACING = 0


def run_due(*arguments):
    """What `manage.py run_due --once` prints."""
    output = io.StringIO()
    call_command("run_due", "--once", *arguments, stdout=output)
    return output.getvalue()
