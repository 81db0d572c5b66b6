"""Following and unfollowing by email: a request, its confirmation, its end.

Double opt-in: a request only sends a confirmation email whose signed link (expiring) carries
the whole request (stored only until the queue sends the email, ConfirmationEmail); the
subscription is stored when that link is used. Nothing tells a requester what an address
follows: every request answers alike, an address over its limit included (it is sent nothing
more, so nobody can flood an inbox through the archive). A client over its own limit is refused
(429): that says something only about the client.
"""

import datetime

from django.contrib.auth.base_user import BaseUserManager
from django.core import signing
from django.utils import timezone
from django.utils.crypto import salted_hmac

from alerts.models import ConfirmationEmail, FollowRequest, Subscription
from alerts.things import followed_by_subscription

CONFIRM_SALT = "alerts.confirm"
UNSUBSCRIBE_SALT = "alerts.unsubscribe"
CONFIRM_WITHIN = datetime.timedelta(days=3)
# A confirmation email still unsent after this was refused for good (alerts.tasks.MAIL_RETRY
# gives up after about three hours): its address is forgotten.
UNSENT_CONFIRMATION_KEPT = datetime.timedelta(days=1)
# Rate limits over a sliding hour: confirmation emails to one address, requests from one client.
LIMIT_WINDOW = datetime.timedelta(hours=1)
REQUESTS_PER_ADDRESS = 5
REQUESTS_PER_CLIENT = 20
# Longer than any signed value the archive makes: anything longer is refused unread.
MAX_TOKEN_LENGTH = 2000


class InvalidLink(ValueError):
    """A confirmation or unsubscribe link that was altered, expired or is for nothing; str()
    says which, for the 400."""


class TooManyRequests(Exception):
    """The client asked to follow too often; str() says when to try again, for the 429."""


def subscription_request(*, email, followed, frequency, client, site_url):
    """Records the request for the rate limits and, unless the address had enough for now, the
    confirmation email to send (a ConfirmationEmail, returned; else None). site_url: the
    archive's address, as the requester reached it. TooManyRequests if the client is over its
    limit."""
    email = normal_address(email)
    address_key, client_key = _key("address", email.lower()), _key("client", client or "")
    recent = FollowRequest.objects.filter(requested_at__gte=timezone.now() - LIMIT_WINDOW)
    if recent.filter(client_key=client_key).count() >= REQUESTS_PER_CLIENT:
        raise TooManyRequests(
            "This connection has asked to follow too many things in the last hour: please try "
            "again in an hour."
        )
    address_is_over = recent.filter(address_key=address_key).count() >= REQUESTS_PER_ADDRESS
    FollowRequest.objects.create(address_key=address_key, client_key=client_key)
    if address_is_over:
        return None
    return ConfirmationEmail.objects.create(
        email=email,
        kind=followed.kind,
        target=followed.target,
        frequency=frequency,
        site_url=site_url,
    )


def confirmation_token(confirmation):
    """The signed request of a confirmation email's link."""
    request = {
        "email": confirmation.email,
        "kind": confirmation.kind,
        "target": confirmation.target,
        "f": confirmation.frequency,
    }
    return signing.dumps(request, salt=CONFIRM_SALT, compress=True)


def read_confirmation(token):
    """(email, followed thing, frequency) of a confirmation link; InvalidLink if it isn't one."""
    request = _unsigned(lambda: signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_WITHIN))
    followed = followed_by_subscription(request["kind"], request["target"])
    if followed is None:
        raise InvalidLink("What this link follows is no longer in the archive.")
    return request["email"], followed, request["f"]


def normal_address(email):
    """The address as typed, without spaces around it and with its domain in lower case.

    Its subscriptions are found whatever the case of its letters (email__iexact, and the
    unique constraint on Lower("email")): almost every mail provider reads Reader@ and reader@
    as one inbox, and two subscriptions of one inbox would send each alert twice. The local
    part is kept as typed, since a server may read it case by case (RFC 5321 lets it) and the
    address must reach the inbox it was typed for."""
    return BaseUserManager.normalize_email(email)


def subscription_confirm(*, email, followed, frequency, site_url):
    """The subscription, created or (asked again) with the frequency now chosen."""
    email = normal_address(email)
    subscription, _ = Subscription.objects.update_or_create(
        email__iexact=email,
        kind=followed.kind,
        target=followed.target,
        defaults={"frequency": frequency},
        create_defaults={"email": email, "frequency": frequency, "site_url": site_url},
    )
    return subscription


def unsubscribe_token(subscription):
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object(subscription.pk)


def read_unsubscribe(token):
    """The subscription's id; InvalidLink if the link was altered. Links don't expire: an old
    email's link still unsubscribes."""
    return _unsigned(lambda: signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token))


def subscription_cancel(*, subscription_id):
    """Ends the subscription, if it still exists: a second click answers as the first did."""
    Subscription.objects.filter(pk=subscription_id).delete()


def follow_requests_prune(now=None):
    """Forgets requests older than the rate limits look back, and the addresses of confirmation
    emails the mail server never took."""
    now = now or timezone.now()
    FollowRequest.objects.filter(requested_at__lt=now - LIMIT_WINDOW).delete()
    ConfirmationEmail.objects.filter(requested_at__lt=now - UNSENT_CONFIRMATION_KEPT).delete()


def _unsigned(read):
    try:
        value = read()
    except signing.SignatureExpired:
        raise InvalidLink(
            "This link has expired: follow again from the page to get a new one."
        ) from None
    except (signing.BadSignature, ValueError, UnicodeError):
        raise InvalidLink("This link is not one the archive sent, or it was cut short.") from None
    return value


def _key(what, value):
    """A keyed hash: counts requests without keeping the address or the client's IP."""
    return salted_hmac(f"alerts.rate.{what}", value, algorithm="sha256").hexdigest()
