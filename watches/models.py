"""What the archive follows by itself (issue #23): pages re-captured on a schedule, and feeds and
news sitemaps whose new items are captured, then watched for a while. watches/watching.py checks
them; watches/tasks.py runs the checks on the task queue."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from articles.models import Article

MAX_URL_LENGTH = 2000  # as articles' URL fields hold
MAX_EVERY_MINUTES = 7 * 24 * 60  # a week


class WatchQuerySet(models.QuerySet):
    def due(self, now=None):
        """Active watches whose time has come, and whose watching window, if any, is still open."""
        now = now or timezone.now()
        return self.filter(active=True, next_due_at__lte=now).filter(
            Q(until__isnull=True) | Q(until__gt=now)
        )


class Watch(models.Model):
    class Kind(models.TextChoices):
        PAGE = "page", "page"
        FEED = "feed", "RSS or Atom feed"
        SITEMAP = "sitemap", "news sitemap"

    class Outcome(models.TextChoices):
        ARCHIVED = "archived", "archived as a new article"
        NEW_VERSION = "new version", "archived as a new version"
        UNCHANGED = "unchanged", "unchanged"
        NOT_MODIFIED = "not modified", "not modified (304)"
        READ = "read", "feed read"
        REFUSED = "refused", "refused"

    url = models.URLField("URL", max_length=MAX_URL_LENGTH, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PAGE)
    every_minutes = models.PositiveIntegerField(
        default=60, help_text="Minutes between checks (while the site answers)."
    )
    next_due_at = models.DateTimeField(default=timezone.now, db_index=True)
    until = models.DateTimeField(
        null=True, blank=True, help_text="Watched until then (a feed's items); empty: always."
    )
    found_in = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="items",
        help_text="The feed or sitemap this page was found in.",
    )  # fmt: skip
    active = models.BooleanField(default=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    added_at = models.DateTimeField(default=timezone.now)

    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    last_reason = models.TextField(blank=True, help_text="What the last check found, or why not.")
    failures = models.PositiveIntegerField(default=0, help_text="Failed checks in a row.")
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The article the last capture went to.",
    )  # fmt: skip
    # Sent back as If-None-Match and If-Modified-Since: an unchanged page or feed costs a 304.
    etag = models.CharField(max_length=500, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)

    objects = WatchQuerySet.as_manager()

    class Meta:
        ordering = ["next_due_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(every_minutes__gte=1, every_minutes__lte=MAX_EVERY_MINUTES),
                name="watch_every_minutes_in_range",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.url}"

    @property
    def failing_reason(self):
        return self.last_reason if self.failures else ""


class Host(models.Model):
    """One site (scheme, host and port), shared by every worker: when the next request to it may
    go (a row locked with SELECT … FOR UPDATE hands out turns), and its robots.txt."""

    origin = models.CharField(max_length=300, unique=True)  # https://example.org:443
    next_allowed_at = models.DateTimeField(default=timezone.now)
    robots_txt = models.TextField(blank=True)
    robots_checked_at = models.DateTimeField(null=True, blank=True)
    # Why robots.txt could not be read (a 5xx, no answer): nothing is fetched from the site until
    # it can be (RFC 9309, 2.3.1.4), read again a while later, not at every check.
    robots_unreadable = models.TextField(blank=True)

    def __str__(self):
        return self.origin
