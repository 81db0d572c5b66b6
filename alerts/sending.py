"""Alert emails through Django's email backend: a confirmation, an alert of a subscription's
queued events (as they happen), or a day's digest of them.

Each delivery is marked SENDING and committed before its email goes out, and SENT after: two
workers never take the same delivery (the rows are locked, those locked skipped), and a worker
that stops between the send and the bookkeeping leaves SENDING rows that are never sent again.
An email the mail server refuses goes back to the queue, until MAX_ATTEMPTS.
"""

import logging
import smtplib

from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from alerts.models import ConfirmationEmail, Delivery, Kind, Subscription
from alerts.subscriptions import confirmation_token, unsubscribe_token
from alerts.things import followed_by_subscription

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# An email lists this many events; the rest are one link away, on the followed page.
EVENTS_LISTED = 50


def send_confirmation(confirmation_id):
    """Sends a request's confirmation email (a ConfirmationEmail), then forgets it: the address
    is kept nowhere else until its link is used."""
    confirmation = ConfirmationEmail.objects.filter(pk=confirmation_id).first()
    if confirmation is None:  # sent already, or pruned
        return
    followed = followed_by_subscription(confirmation.kind, confirmation.target)
    if followed is not None:  # else deleted since it was asked for: nothing to confirm
        site = confirmation.site_url.rstrip("/")
        confirm_url = site + reverse("alerts:confirm", args=[confirmation_token(confirmation)])
        body = render_to_string(
            "alerts/email/confirm.txt",
            {
                "label": followed.label,
                "frequency": Subscription.Frequency(confirmation.frequency).label.lower(),
                "url": confirm_url,
            },
        )
        # Anyone can ask for this email to any address, so it carries none of the requester's
        # words but a search's, cut short and quoted in the body (its label); not the followed
        # page's link either, whose query holds them in full.
        kind = Kind(confirmation.kind).label.lower()
        subject = f"Confirm: follow {kind} on newsarchive"
        EmailMessage(subject, body, to=[confirmation.email]).send()
    confirmation.delete()


def send_queued_alerts(frequency):
    """Sends each subscription of the frequency one email of its queued events. Returns how
    many emails were sent."""
    waiting = Subscription.objects.filter(
        frequency=frequency, deliveries__status=Delivery.Status.QUEUED
    ).distinct()
    return sum(_send_queued(subscription) for subscription in waiting)


def _send_queued(subscription):
    with transaction.atomic():
        deliveries = list(
            subscription.deliveries.filter(status=Delivery.Status.QUEUED)
            .select_for_update(skip_locked=True)
            .order_by("event_at", "pk")
        )
        if not deliveries:
            return 0
        taken = Delivery.objects.filter(pk__in=[delivery.pk for delivery in deliveries])
        taken.update(status=Delivery.Status.SENDING, attempts=F("attempts") + 1)
    try:
        alert_email(subscription, deliveries).send()
    except (smtplib.SMTPException, OSError) as error:
        logger.warning("Alert email to subscription %s refused: %s", subscription.pk, error)
        taken.filter(attempts__gte=MAX_ATTEMPTS).update(status=Delivery.Status.FAILED)
        taken.filter(attempts__lt=MAX_ATTEMPTS).update(status=Delivery.Status.QUEUED)
        return 0
    taken.update(status=Delivery.Status.SENT, sent_at=timezone.now())
    return 1


def alert_email(subscription, deliveries):
    """The email of a subscription's events, with a one-click unsubscribe (RFC 8058)."""
    site = subscription.site_url.rstrip("/")
    followed = followed_by_subscription(subscription.kind, subscription.target)
    label = followed.label if followed else subscription.get_kind_display().lower()
    unsubscribe_url = site + reverse("alerts:unsubscribe", args=[unsubscribe_token(subscription)])
    daily = subscription.frequency == Subscription.Frequency.DAILY
    if daily:
        subject = f"newsarchive daily: {len(deliveries)} update(s) on {label}"
    elif len(deliveries) == 1:
        subject = f"newsarchive: {deliveries[0].title}"
    else:
        subject = f"newsarchive: {len(deliveries)} updates on {label}"
    body = render_to_string(
        "alerts/email/alert.txt",
        {
            "label": label,
            "daily": daily,
            "site": site,
            "page_url": site + followed.page_url if followed else site + "/",
            "deliveries": deliveries[:EVENTS_LISTED],
            "unlisted": max(0, len(deliveries) - EVENTS_LISTED),
            "unsubscribe_url": unsubscribe_url,
        },
    )
    return EmailMessage(
        _one_line(subject, 200),
        body,
        to=[subscription.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )


def _one_line(text, length):
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"
