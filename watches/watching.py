"""Following pages, feeds and news sitemaps (issue #23): adding a watch, and checking one.

A check retrieves the watched URL as a capture by URL in the admin does (articles.fetch, with the
same deadline), sending back the ETag and Last-Modified it kept, after, for the URL and for each
redirect's target alike:
- robots.txt: the site's, read through the same limits (of any type) and kept a day, must allow
  USER_AGENT the URL, or nothing is fetched. One that could not be read (a 5xx, no answer) allows
  nothing, and is read again ROBOTS_RETRY_AFTER later; one that is missing (a 4xx) allows all;
- a turn at the site: the site's Host row, locked with SELECT … FOR UPDATE, hands out one turn
  every WATCH_HOST_SPACING seconds to every worker on every machine (the database's clock). A
  turn more than MAX_HOST_WAIT off is not waited for: the watch is due again at that turn.

A page goes through the one capture path (articles.capture.capture_archive). A feed's or a
sitemap's items not yet watched become page watches, captured at once and then checked less and
less often (an hour, two, four… at most a day) for ITEM_WINDOW. A check that fails is retried
later and later (the watch's interval doubled for each failure in a row, up to a day), and the
watch keeps the reason, whatever the failure (a refusal, or an error in the archive's code).
"""

import datetime
import logging
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser
from xml.etree.ElementTree import ParseError

import feedparser
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as parse_xml
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.db.models.functions import Now
from django.utils import timezone

from articles.capture import Archived, capture_archive
from articles.extraction import CaptureRefused
from articles.fetch import CAPTURE_BY_URL_DEADLINE, USER_AGENT, ErrorStatus, fetch
from watches.models import MAX_URL_LENGTH, Host, Watch

ITEM_WINDOW = datetime.timedelta(days=14)
ITEM_FIRST_MINUTES = 60  # then doubled after each check…
ITEM_MAX_MINUTES = 24 * 60  # …up to a day
MAX_BACKOFF_MINUTES = 24 * 60  # a failing watch is tried at least once a day (or its interval)
ROBOTS_MAX_AGE = datetime.timedelta(days=1)
ROBOTS_RETRY_AFTER = datetime.timedelta(minutes=30)  # a robots.txt that could not be read
ROBOTS_DEADLINE = 10  # seconds: a small text file
# Seconds a check waits for its turn at a site; a later turn is the watch's next due time. Short,
# so a check ends within the workers' stop grace period (WORKER_STOP_TIMEOUT in
# core/management/commands/serve.py, stop_grace_period in docker-compose.yml, both 90 s): a turn
# and ROBOTS_DEADLINE for robots.txt, a turn and CAPTURE_BY_URL_DEADLINE for the page: 55 s; a
# redirect to another site may add that site's turns and robots.txt (30 s).
MAX_HOST_WAIT = 10
MAX_ITEMS = 200  # new items taken from one feed at a time
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
OUTCOMES = {
    Archived.ARCHIVED: Watch.Outcome.ARCHIVED,
    Archived.NEW_VERSION: Watch.Outcome.NEW_VERSION,
    Archived.UNCHANGED: Watch.Outcome.UNCHANGED,
    Archived.DUPLICATE: Watch.Outcome.UNCHANGED,
}


# Errors the task tries again soon (watches/tasks.py): the database went away for a moment.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)

logger = logging.getLogger(__name__)


class HostBusy(Exception):
    """The site's next turn is too far off: the watch is due at that turn instead."""

    def __init__(self, origin, turn):
        super().__init__(f"{origin}: the next turn is at {turn:%H:%M:%S}.")
        self.turn = turn


@dataclass
class Checked:
    """What one check did: the outcome, the reason or summary, and the new items' watches."""

    watch: Watch
    outcome: str
    reason: str
    new_items: list = field(default_factory=list)

    def __str__(self):
        return f"{self.watch.url}: {self.reason}"


def watch_add(*, url, kind=Watch.Kind.PAGE, every_minutes=60, added_by=None):
    """Follow `url`, validated by watches.forms.WatchForm; due at once."""
    return Watch.objects.create(url=url, kind=kind, every_minutes=every_minutes, added_by=added_by)


def watch_check(watch_id):
    """Check the watch if it is (still) due; a Checked, or None when there was nothing to do, or
    when the site's turn is too far off (the watch is then due at that turn). The database's
    TRANSIENT_ERRORS are raised, for the task to try again; any other failure is the watch's."""
    watch = Watch.objects.due().filter(pk=watch_id).first()
    if watch is None:
        return None
    try:
        retrieved = _retrieve(watch)
        # What is stored and the watch's new state go together, or neither does.
        with transaction.atomic():
            checked = _read(watch, retrieved)
            _succeeded(checked)
    except HostBusy as busy:
        Watch.objects.filter(pk=watch.pk).update(next_due_at=busy.turn)
        logger.info("%s is due again at the site's next turn: %s", watch.url, busy)
        return None
    except CaptureRefused as refusal:
        return _failed(watch, str(refusal))
    except TRANSIENT_ERRORS:
        raise
    except Exception as error:
        # A bug, or a page that trips one: the watch backs off like any failing one, and the
        # admin says what went wrong; the log has the traceback.
        logger.exception("The check of %s failed", watch.url)
        return _failed(watch, f"the check failed: {type(error).__name__}: {error}")
    return checked


def make_due(watches):
    """Check these watches at the next run of the queue, whenever they were due."""
    return watches.filter(active=True).update(next_due_at=timezone.now())


def close_expired_watches():
    """Items whose watching window closed are watched no more."""
    return Watch.objects.filter(active=True, until__lte=timezone.now()).update(active=False)


def _retrieve(watch):
    _clear_to_fetch(watch.url)
    return fetch(
        watch.url,
        deadline=CAPTURE_BY_URL_DEADLINE,
        feed=watch.kind != Watch.Kind.PAGE,
        etag=watch.etag,
        last_modified=watch.last_modified,
        # A redirect is a request like any other, to its own site: feeds' links go through feed
        # proxies, http to https, bare domains to www. Refusing them would lose those items.
        before_redirect=_clear_to_fetch,
    )


def _clear_to_fetch(url):
    """Wait for a turn at the site of `url`, if its robots.txt allows it: CaptureRefused if it
    doesn't, HostBusy if the turn is too far off."""
    if not _robots_allow(url):
        raise CaptureRefused(
            f"robots.txt of {_origin(url)} disallows {url} for this archive; it was not fetched."
        )
    _wait_for_turn(_origin(url))


def _read(watch, retrieved):
    """What the check found, with the page captured or the feed's new items watched."""
    watch.etag = retrieved.header("ETag")[:500] or watch.etag
    watch.last_modified = retrieved.header("Last-Modified")[:100] or watch.last_modified
    if retrieved.not_modified:
        return Checked(watch, Watch.Outcome.NOT_MODIFIED, "not modified since the last check")
    if watch.kind == Watch.Kind.PAGE:
        archived = capture_archive(**retrieved.as_capture())
        watch.article = archived.article
        return Checked(watch, OUTCOMES[archived.outcome], str(archived))
    links = _item_links(watch, retrieved)
    new_items = _watch_new_items(watch, links)
    return Checked(
        watch, Watch.Outcome.READ, f"{len(links)} items, {len(new_items)} new", new_items
    )


def _succeeded(checked):
    watch, now = checked.watch, timezone.now()
    every = watch.every_minutes
    Watch.objects.filter(pk=watch.pk).update(
        last_checked_at=now,
        last_outcome=checked.outcome,
        last_reason=checked.reason,
        failures=0,
        next_due_at=now + datetime.timedelta(minutes=every),
        # An item is checked less and less often as it ages.
        every_minutes=min(every * 2, ITEM_MAX_MINUTES) if watch.until else every,
        etag=watch.etag,
        last_modified=watch.last_modified,
        article=watch.article,
    )


def _failed(watch, reason):
    now, failures = timezone.now(), watch.failures + 1
    backoff = min(watch.every_minutes * 2**failures, max(watch.every_minutes, MAX_BACKOFF_MINUTES))
    Watch.objects.filter(pk=watch.pk).update(
        last_checked_at=now,
        last_outcome=Watch.Outcome.REFUSED,
        last_reason=reason,
        failures=failures,
        next_due_at=now + datetime.timedelta(minutes=backoff),
    )
    return Checked(watch, Watch.Outcome.REFUSED, reason)


def _origin(url):
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise CaptureRefused(f"{url}: the port is not a number from 0 to 65535.") from None
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{port}"


def _wait_for_turn(origin):
    """Take the site's next turn, and wait for it: one request to a site every
    WATCH_HOST_SPACING seconds, however many workers ask."""
    Host.objects.get_or_create(origin=origin)
    with transaction.atomic():
        host = Host.objects.select_for_update().annotate(now=Now()).get(origin=origin)
        turn = max(host.now, host.next_allowed_at)
        wait = (turn - host.now).total_seconds()
        if wait > MAX_HOST_WAIT:
            raise HostBusy(origin, turn)
        host.next_allowed_at = turn + datetime.timedelta(seconds=settings.WATCH_HOST_SPACING)
        host.save(update_fields=["next_allowed_at"])
    time.sleep(wait)


def _robots_allow(url):
    origin = _origin(url)
    host, _ = Host.objects.get_or_create(origin=origin)
    kept = ROBOTS_RETRY_AFTER if host.robots_unreadable else ROBOTS_MAX_AGE
    if host.robots_checked_at is None or timezone.now() - host.robots_checked_at > kept:
        host.robots_txt, host.robots_unreadable = _read_robots_txt(origin)
        host.robots_checked_at = timezone.now()
        host.save(update_fields=["robots_txt", "robots_unreadable", "robots_checked_at"])
    if host.robots_unreadable:
        retry = host.robots_checked_at + ROBOTS_RETRY_AFTER
        raise CaptureRefused(
            f"robots.txt of {origin} could not be read ({host.robots_unreadable}), so nothing "
            f"is fetched from the site; it is read again after {timezone.localtime(retry):%H:%M}."
        )
    robots = RobotFileParser()
    robots.parse(host.robots_txt.splitlines())
    robots.modified()  # read: can_fetch() refuses everything until then
    return robots.can_fetch(USER_AGENT, url)


def _read_robots_txt(origin):
    """(the site's robots.txt, ""), or ("", why it could not be read)."""
    _wait_for_turn(origin)
    try:
        retrieved = fetch(
            f"{origin}/robots.txt",
            deadline=ROBOTS_DEADLINE,
            any_type=True,  # parsed as text whatever its type; MAX_CAPTURE_BYTES at most
            before_redirect=lambda url: _wait_for_turn(_origin(url)),
        )
    except ErrorStatus as error:
        if 400 <= error.status < 500:
            return "", ""  # RFC 9309, 2.3.1.3: "unavailable", so no restrictions
        return "", str(error)  # RFC 9309, 2.3.1.4: "unreachable", so nothing may be fetched
    except CaptureRefused as refusal:
        return "", str(refusal)
    return retrieved.raw.decode("utf-8", "replace"), ""


def _item_links(watch, retrieved):
    """The absolute http(s) addresses of the feed's or sitemap's items, in order, once each."""
    base = retrieved.final_url
    if watch.kind == Watch.Kind.FEED:
        feed = feedparser.parse(retrieved.raw)
        if feed.bozo and not feed.entries:
            raise CaptureRefused(f"{base} is no RSS or Atom feed ({feed.bozo_exception}).")
        links = [entry.get("link", "") for entry in feed.entries]
    else:
        links = _sitemap_links(retrieved.raw, base)
    absolute = [urljoin(base, link.strip()) for link in links if link and link.strip()]
    return list(
        dict.fromkeys(
            link
            for link in absolute
            if urlsplit(link).scheme in {"http", "https"} and len(link) <= MAX_URL_LENGTH
        )
    )


def _sitemap_links(raw, url):
    try:
        # No DTD, so no entities: no billion laughs, no external files.
        root = parse_xml(raw, forbid_dtd=True)
    except (ParseError, DefusedXmlException) as error:
        raise CaptureRefused(f"{url} is no sitemap the archive can read ({error}).") from None
    if root.tag != f"{SITEMAP}urlset":
        raise CaptureRefused(f"{url} is no sitemap of pages (a <urlset>).")
    return [location.text or "" for location in root.iter(f"{SITEMAP}loc")]


def _watch_new_items(feed, links):
    """A page watch for each link nobody watches yet, due now; the new ones."""
    now = timezone.now()
    watched = set(Watch.objects.filter(url__in=links).values_list("url", flat=True))
    new_items = []
    for link in [link for link in links if link not in watched][:MAX_ITEMS]:
        item, created = Watch.objects.get_or_create(
            url=link,
            defaults={
                "kind": Watch.Kind.PAGE, "every_minutes": ITEM_FIRST_MINUTES, "next_due_at": now,
                "until": now + ITEM_WINDOW, "added_at": now, "found_in": feed,
                "added_by": feed.added_by,
            },
        )  # fmt: skip
        if created:  # another worker reading the same item in another feed takes it otherwise
            new_items.append(item)
    return new_items
