"""Following a page by email: the follow form, the confirmation link, the unsubscribe link.

Every answer to a request to follow is the same "check your inbox", whatever the address
follows already (alerts.subscriptions)."""

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from alerts import tasks
from alerts.forms import FollowForm
from alerts.models import Subscription
from alerts.subscriptions import (
    MAX_TOKEN_LENGTH,
    InvalidLink,
    TooManyRequests,
    read_confirmation,
    read_unsubscribe,
    subscription_cancel,
    subscription_confirm,
    subscription_request,
    unsubscribe_token,
)
from alerts.things import NotFollowable, followed_record, followed_search, followed_view
from core.middleware import takes_posts
from core.sign_in import client_address


@takes_posts
def follow_view(request):
    return _follow_or_refuse(request, lambda: followed_view(request.GET))


@takes_posts
def follow_search(request):
    return _follow_or_refuse(request, lambda: followed_search(request.GET.get("q", "")))


@takes_posts
def follow_record(request, kind, pk):
    return _follow(request, followed_record(kind, pk))


def _follow_or_refuse(request, followed):
    try:
        return _follow(request, followed())
    except NotFollowable as error:
        return render(request, "400.html", {"exception": str(error)}, status=400)


def _follow(request, followed):
    form = FollowForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            confirmation = subscription_request(
                email=form.cleaned_data["email"],
                followed=followed,
                frequency=form.cleaned_data["frequency"],
                client=client_address(request),
                site_url=request.build_absolute_uri("/"),
            )
        except TooManyRequests as error:
            return render(request, "alerts/too_many.html", {"message": str(error)}, status=429)
        if confirmation is not None:
            tasks.send_confirmation.defer(confirmation_id=confirmation.pk)
        return render(request, "alerts/check_inbox.html", {"followed": followed})
    context = {"form": form, "followed": followed, "feed_url": followed.url("feed")}
    return render(request, "alerts/follow.html", context, status=400 if form.errors else 200)


@takes_posts
def confirm(request, token):
    """GET shows what the link confirms, with a button: a mail scanner that opens links
    confirms nothing. POST confirms."""
    try:
        email, followed, frequency = read_confirmation(_bounded(token))
    except InvalidLink as error:
        return render(request, "alerts/bad_link.html", {"message": str(error)}, status=400)
    context = {"followed": followed, "frequency": Subscription.Frequency(frequency).label}
    if request.method != "POST":
        return render(request, "alerts/confirm.html", context)
    subscription = subscription_confirm(
        email=email,
        followed=followed,
        frequency=frequency,
        site_url=request.build_absolute_uri("/"),
    )
    unsubscribe_url = reverse("alerts:unsubscribe", args=[unsubscribe_token(subscription)])
    context.update(feed_url=followed.url("feed"), unsubscribe_url=unsubscribe_url)
    return render(request, "alerts/confirmed.html", context)


# One-click unsubscribe (RFC 8058): the mail client POSTs with no token of the site's own, so
# the signed link is the only proof needed; a browser's GET shows a button.
@csrf_exempt
@takes_posts
def unsubscribe(request, token):
    try:
        subscription_id = read_unsubscribe(_bounded(token))
    except InvalidLink as error:
        return render(request, "alerts/bad_link.html", {"message": str(error)}, status=400)
    if request.method != "POST":
        return render(request, "alerts/unsubscribe.html")
    subscription_cancel(subscription_id=subscription_id)
    return render(request, "alerts/unsubscribed.html")


def _bounded(token):
    if len(token) > MAX_TOKEN_LENGTH:
        raise InvalidLink("This link is longer than any the archive sends.")
    return token
