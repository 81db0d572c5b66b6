"""fetch() for watches (issue #23): conditional GET, and feeds and sitemaps, within the limits of
every retrieval."""

import pytest

from articles.extraction import CaptureRefused
from articles.fetch import ErrorStatus, fetch
from tests.capture_pages import article_page

pytestmark = pytest.mark.usefixtures("loopback_allowed")
RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>News</title></channel></rss>'


def test_a_page_is_asked_for_as_html_and_sent_no_conditions(local_site):
    local_site.page("/page", article_page())
    retrieved = fetch(local_site.url("/page"))
    headers = local_site.request_headers[-1]
    assert headers["Accept"] == "text/html,application/xhtml+xml,text/plain;q=0.9"
    assert "If-None-Match" not in headers and "If-Modified-Since" not in headers
    assert not retrieved.not_modified


@pytest.mark.parametrize(
    "content_type",
    ["application/rss+xml", "application/atom+xml", "application/xml", "text/xml; charset=utf-8"],
)
def test_a_feed_or_sitemap_is_taken_for_a_watch(local_site, content_type):
    local_site.page("/feed", RSS, content_type=content_type)
    retrieved = fetch(local_site.url("/feed"), feed=True)
    assert retrieved.raw == RSS and retrieved.content_type == content_type
    assert local_site.request_headers[-1]["Accept"] == (
        "application/rss+xml,application/atom+xml,application/xml,text/xml;q=0.9"
    )


def test_a_feed_is_no_page_and_a_page_no_feed(local_site):
    local_site.page("/feed", RSS, content_type="application/rss+xml")
    local_site.page("/page", article_page())
    with pytest.raises(CaptureRefused, match=r"takes only HTML pages and plain text\.$"):
        fetch(local_site.url("/feed"))
    with pytest.raises(CaptureRefused, match="takes only RSS or Atom feeds and XML sitemaps here"):
        fetch(local_site.url("/page"), feed=True)


def test_a_304_to_a_conditional_request_is_an_answer_with_no_body(local_site):
    local_site.page("/page", b"", status=304, headers=[("ETag", '"v2"')])
    retrieved = fetch(local_site.url("/page"), etag='"v1"', last_modified="Mon, 01 Jan 2024")
    headers = local_site.request_headers[-1]
    assert headers["If-None-Match"] == '"v1"'
    assert headers["If-Modified-Since"] == "Mon, 01 Jan 2024"
    assert retrieved.not_modified and retrieved.raw == b"" and retrieved.status == 304
    assert retrieved.header("etag") == '"v2"' and retrieved.header("X-Absent") == ""

    retrieved = fetch(local_site.url("/page"), last_modified="Mon, 01 Jan 2024")
    assert retrieved.not_modified
    assert "If-None-Match" not in local_site.request_headers[-1]


def test_a_304_to_a_plain_request_is_refused_with_its_status(local_site):
    local_site.page("/page", b"", status=304)
    with pytest.raises(ErrorStatus, match="answered 304") as refusal:
        fetch(local_site.url("/page"))
    assert refusal.value.status == 304


def test_an_error_status_is_kept_on_the_refusal(local_site):
    local_site.page("/gone", b"gone", status=410, content_type="text/plain")
    with pytest.raises(ErrorStatus) as refusal:
        fetch(local_site.url("/gone"), feed=True)
    assert refusal.value.status == 410


def test_a_robots_txt_is_taken_whatever_its_type(local_site):
    local_site.page("/robots.txt", b"User-agent: *\n", content_type="application/octet-stream")
    assert fetch(local_site.url("/robots.txt"), any_type=True).raw == b"User-agent: *\n"
    with pytest.raises(CaptureRefused, match="is application/octet-stream"):
        fetch(local_site.url("/robots.txt"))


def test_each_redirect_s_target_is_announced_before_it_is_requested(local_site):
    local_site.redirect("/one", "/two")
    local_site.redirect("/two", local_site.url("/three"))
    local_site.page("/three", article_page())
    announced = []

    def before_redirect(url):
        announced.append((url, list(local_site.requests)))

    fetch(local_site.url("/one"), before_redirect=before_redirect)
    assert announced == [
        (local_site.url("/two"), ["/one"]),
        (local_site.url("/three"), ["/one", "/two"]),
    ]


def test_a_redirect_may_be_stopped_before_it_is_requested(local_site):
    local_site.redirect("/one", "/two")

    def before_redirect(url):
        raise CaptureRefused(f"{url}: not there")

    with pytest.raises(CaptureRefused, match="/two: not there"):
        fetch(local_site.url("/one"), before_redirect=before_redirect)
    assert local_site.requests == ["/one"]
