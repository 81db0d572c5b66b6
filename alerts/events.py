"""The events alerts tell of, read from the archive's own records: a claim's status changed (its
history rows), a new claim (claim rows), an article rewritten (a capture after its first).

They are found by reading forward from a high-water mark per kind of row (ScanMark), not by
signals, so that nothing is lost while no worker runs. A row's id is taken when it is inserted
but seen only once its transaction commits, so a lower id can appear after a higher one: each
scan reads from the mark, and the mark only moves past rows stamped (created_at, archived_at,
history_date) more than SETTLE before the oldest transaction still open that has written, or
before now if none is (cutoff()). Rows read twice are harmless: a delivery is recorded once per
subscription and event (the unique constraint), and holding the mark back only means reading
again.
"""

import datetime
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Exists, F, Max, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone

from alerts.models import Delivery, Kind, ScanMark, Subscription
from alerts.things import CLAIM_STREAMS, followed_by_subscription
from articles.changes import summary
from articles.models import Capture
from claims.models import Claim

# What this assumes: a row is stamped less than SETTLE before it is inserted, and the clocks of
# the database and of the machines that stamp rows agree within SETTLE. Transactions may last
# any time, if they write as the role the workers connect as: a worker sees the start of no
# other role's transaction (pg_stat_activity), unless its role is granted pg_read_all_stats.
SETTLE = datetime.timedelta(minutes=5)
FEED_LENGTH = 50
HistoricalClaim = Claim.history.model


@dataclass(frozen=True)
class Event:
    key: str  # unique among all events: what a delivery is recorded under
    at: datetime.datetime
    title: str
    url: str  # from /


def new_claim_event(claim):
    return Event(
        f"new-claim:{claim.pk}",
        claim.created_at,
        f"New claim: {claim.statement}",
        claim.get_absolute_url(),
    )


def status_change_event(row):
    """A HistoricalClaim row annotated with `previous_status`."""
    statuses = dict(Claim.Status.choices)
    return Event(
        f"claim-status:{row.history_id}",
        row.history_date,
        f"Now {statuses[row.status].lower()} (was {statuses[row.previous_status].lower()}): "
        f"{row.statement}",
        reverse("claims:claim", kwargs={"pk": row.id, "slug": row.slug or "-"}),
    )


def new_version_event(capture):
    # What changed, as the article's changes page leads with it (none recorded for a version
    # retrieved before every other, which has no earlier one to compare with).
    changed = f" ({summary(capture.changes)})" if capture.changes else ""
    return Event(
        f"new-version:{capture.pk}",
        capture.archived_at,
        f"Rewritten: a new version of “{capture.article}”{changed}",
        reverse("articles:changes", args=[capture.article_id]),
    )


def status_changes(rows):
    """The history rows (of `rows`) that changed their claim's status, with `previous_status`."""
    previous = HistoricalClaim.objects.filter(
        id=OuterRef("id"), history_id__lt=OuterRef("history_id")
    ).order_by("-history_id")
    return (
        rows.annotate(previous_status=Subquery(previous.values("status")[:1]))
        .filter(previous_status__isnull=False)
        .exclude(status=F("previous_status"))
    )


def rewrites(captures):
    """The captures (of `captures`) that are not their article's first: new versions."""
    earlier = Capture.objects.filter(article=OuterRef("article"), pk__lt=OuterRef("pk"))
    return (
        captures.filter(Exists(earlier))
        .select_related("article")
        .defer("raw", "article__search_vector")
    )


def recent_events(followed):
    """The latest events of a followed thing, newest first: what its alert feed lists."""
    if followed.follows_claims:
        claims = followed.matching_claims(Claim.objects.defer("search_vector"))
        claims = claims.order_by("-created_at", "-pk")[:FEED_LENGTH]
        return [new_claim_event(claim) for claim in claims]
    if followed.kind == Kind.CLAIM:
        rows = status_changes(HistoricalClaim.objects.filter(id=followed.target))
        return [status_change_event(row) for row in rows.order_by("-history_id")[:FEED_LENGTH]]
    captures = rewrites(Capture.objects.filter(article=followed.target))
    return [new_version_event(capture) for capture in captures.order_by("-pk")[:FEED_LENGTH]]


# Each kind of row read forward: its model, id field and time field.
SOURCES = {
    "claim-status": (HistoricalClaim, "history_id", "history_date"),
    "new-claim": (Claim, "pk", "created_at"),
    "new-version": (Capture, "pk", "archived_at"),
}


def record_new_events(now=None):
    """Reads every source forward from its mark and records a QUEUED delivery for each event
    and confirmed subscription that follows it, in one transaction with the marks' moves.
    Returns how many deliveries were recorded."""
    with transaction.atomic():
        ScanMark.objects.bulk_create(
            [ScanMark(source=source, last_id=0) for source in SOURCES], ignore_conflicts=True
        )
        # Locked: a second scan at the same time waits, then reads from the moved marks.
        marks = {mark.source: mark for mark in ScanMark.objects.select_for_update()}
        settled_before = cutoff(now or timezone.now())
        for source, mark in marks.items():
            if mark.last_id == 0:
                mark.last_id = _settled_id(source, 0, settled_before)  # a first scan: from now on
        deliveries = [
            *_status_deliveries(marks["claim-status"].last_id),
            *_new_claim_deliveries(marks["new-claim"].last_id),
            *_new_version_deliveries(marks["new-version"].last_id),
        ]
        recorded = Delivery.objects.bulk_create(deliveries, ignore_conflicts=True)
        for source, mark in marks.items():
            mark.last_id = _settled_id(source, mark.last_id, settled_before)
            mark.save(update_fields=["last_id"])
    return len(recorded)


def cutoff(now):
    """The time before which every row stamped is seen, if it will ever be: SETTLE before now,
    or before the oldest transaction still open that has written (any id it takes is above
    those taken before it began, so rows stamped since then may have ids above one unseen)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT min(xact_start) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
        )
        [oldest_write] = cursor.fetchone()
    return min(now, oldest_write or now) - SETTLE


def _settled_id(source, mark, settled_before):
    """The highest id past `mark` among rows stamped before `settled_before`, or `mark`."""
    model, id_field, time_field = SOURCES[source]
    rows = model.objects.filter(**{f"{id_field}__gt": mark, f"{time_field}__lt": settled_before})
    return rows.aggregate(last=Max(id_field))["last"] or mark


def _deliveries(subscriptions, event):
    """Deliveries of the event to the subscriptions confirmed before it happened."""
    return [
        Delivery(
            subscription=subscription,
            event_key=event.key,
            event_at=event.at,
            title=event.title[:300],
            url=event.url[:500],
        )
        for subscription in subscriptions
        if subscription.confirmed_at <= event.at
    ]


def _subscriptions_by_target(kind, targets):
    found = {}
    for subscription in Subscription.objects.filter(kind=kind, target__in=targets):
        found.setdefault(subscription.target, []).append(subscription)
    return found


def _status_deliveries(mark):
    rows = status_changes(HistoricalClaim.objects.filter(history_id__gt=mark))
    rows = list(rows.order_by("history_id"))
    following = _subscriptions_by_target(Kind.CLAIM, {str(row.id) for row in rows})
    return [
        delivery
        for row in rows
        for delivery in _deliveries(following.get(str(row.id), []), status_change_event(row))
    ]


def _new_version_deliveries(mark):
    captures = list(rewrites(Capture.objects.filter(pk__gt=mark)).order_by("pk"))
    following = _subscriptions_by_target(
        Kind.ARTICLE, {str(capture.article_id) for capture in captures}
    )
    return [
        delivery
        for capture in captures
        for delivery in _deliveries(
            following.get(str(capture.article_id), []), new_version_event(capture)
        )
    ]


def _new_claim_deliveries(mark):
    """New claims matched against each followed view, search, person, topic and outlet: one
    ClaimFilter query per thing followed, however many addresses follow it."""
    new_claims = Claim.objects.filter(pk__gt=mark).defer("search_vector")
    if not new_claims.exists():
        return []
    followers = {}
    for subscription in Subscription.objects.filter(kind__in=CLAIM_STREAMS):
        followers.setdefault((subscription.kind, subscription.target), []).append(subscription)
    deliveries = []
    for (kind, target), subscriptions in followers.items():
        followed = followed_by_subscription(kind, target)
        if followed is None:
            continue
        for claim in followed.matching_claims(new_claims).order_by("pk"):
            deliveries += _deliveries(subscriptions, new_claim_event(claim))
    return deliveries
