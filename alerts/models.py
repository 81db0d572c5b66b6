"""Who follows what by email, what each was sent, and how far the archive's changes were read.

A subscription exists only once its address confirmed it (double opt-in): until then the request
lives in the signed link of the confirmation email, and nothing about the address is stored but
the keyed hashes that count requests for the rate limits (FollowRequest) and, until it is sent,
the confirmation email (ConfirmationEmail).
"""

from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

# A view's canonical query string, a search's text or a record's id.
MAX_TARGET_LENGTH = 1000


class Kind(models.TextChoices):
    """What can be followed: each is one of the archive's pages (alerts.things)."""

    VIEW = "view", "A view of the claims"
    SEARCH = "search", "A search"
    PERSON = "person", "A person"
    TOPIC = "topic", "A topic"
    OUTLET = "outlet", "An outlet"
    CLAIM = "claim", "A claim"
    ARTICLE = "article", "An article"


class Subscription(models.Model):
    class Frequency(models.TextChoices):
        IMMEDIATE = "immediate", "As it happens"
        DAILY = "daily", "Once a day, in one email"

    # As typed, its domain in lower case (alerts.subscriptions.normal_address); one address
    # however its letters are cased (the constraint below).
    email = models.EmailField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    target = models.CharField(
        max_length=MAX_TARGET_LENGTH, help_text="The record's id, or the view's or search's query."
    )
    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    # Events from this moment on are alerted; earlier ones were news before the address asked.
    confirmed_at = models.DateTimeField(default=timezone.now)
    # Where the address subscribed: its emails link there (a worker has no request to ask).
    site_url = models.URLField(max_length=200)

    class Meta:
        ordering = ["-confirmed_at"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"), "kind", "target", name="one_subscription_per_address_and_thing"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.target} ({self.get_frequency_display().lower()})"


class Delivery(models.Model):
    """An event to alert a subscription of, recorded once (the unique constraint) before its
    email is sent: a crash between the send and its bookkeeping leaves it SENDING, never sent
    twice."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to be sent"
        SENDING = "sending", "Being sent (if it stays so, a worker stopped mid-send)"
        SENT = "sent", "Sent"
        FAILED = "failed", "Refused by the mail server too often"

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_key = models.CharField(max_length=60, help_text="e.g. new-claim:12, claim-status:340.")
    event_at = models.DateTimeField()
    title = models.CharField(max_length=300)
    url = models.CharField(max_length=500, help_text="The page the event is about, from /.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    recorded_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["event_at", "pk"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event_key"], name="one_delivery_per_event"
            )
        ]
        indexes = [models.Index(fields=["status", "subscription"], name="delivery_status")]

    def __str__(self):
        return f"{self.event_key}: {self.get_status_display()}"


class ScanMark(models.Model):
    """How far one kind of change has been read (alerts.events): a row id."""

    source = models.CharField(max_length=20, unique=True)
    last_id = models.BigIntegerField()

    def __str__(self):
        return f"{self.source} up to {self.last_id}"


class FollowRequest(models.Model):
    """A request to follow something, counted for the rate limits; keyed hashes only, never the
    address or the client's IP, and pruned once older than the longest limit."""

    address_key = models.CharField(max_length=64, db_index=True)
    client_key = models.CharField(max_length=64, db_index=True)
    requested_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self):
        return f"request at {self.requested_at:%Y-%m-%d %H:%M}"


class ConfirmationEmail(models.Model):
    """A confirmation email for the queue to send, deleted once sent: the queue's job carries
    only this row's id, since the queue keeps the jobs that failed, with their arguments, and
    backups copy them. A row the mail server refused for good is pruned a day later
    (alerts.subscriptions.follow_requests_prune)."""

    email = models.EmailField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    target = models.CharField(max_length=MAX_TARGET_LENGTH)
    frequency = models.CharField(max_length=10, choices=Subscription.Frequency.choices)
    site_url = models.URLField(max_length=200)
    requested_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self):
        return f"confirmation asked at {self.requested_at:%Y-%m-%d %H:%M}"
