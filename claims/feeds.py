"""Atom feeds of new claims: all of them, a topic's, a person's, or any explorer view's.

Every feed takes the explorer's parameters (ClaimFilter), within its topic or person if it has
one; a bad one is a 400 that says what was wrong, never a feed that ignores it."""

import datetime

from django.contrib.syndication.views import Feed
from django.core.exceptions import BadRequest
from django.db.models import Max
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from articles.models import Person
from claims.filters import ClaimFilter, canonical_parameters, error_summary, query_string
from claims.models import Claim, ClaimActor, Topic
from core.citations import ARCHIVE_NAME

FEED_LENGTH = 50
# The `updated` of an empty feed of an archive that has no claims yet.
NO_CLAIMS_YET = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


class AtomDatedByItsEntries(Atom1Feed):
    """Atom whose `updated` changes only when what it lists does: the latest change of its
    entries, or for an empty feed `empty_since()`, called only then (Django dates an empty feed
    now, so that each poll of it looked like news)."""

    def latest_post_date(self):
        return super().latest_post_date() if self.items else self.feed["empty_since"]()


def last_claim_change():
    """When a claim last changed, or NO_CLAIMS_YET: a change (of status, say) may have taken a
    feed's last entry out of its view."""
    return Claim.objects.aggregate(latest=Max("updated_at"))["latest"] or NO_CLAIMS_YET


class ArchiveFeed(Feed):
    """An Atom feed of the archive's, dated by its entries, that answers a bad parameter with a
    400 page."""

    feed_type = AtomDatedByItsEntries
    # RFC 4287 requires an author of the feed when its entries name none.
    author_name = ARCHIVE_NAME

    def __call__(self, request, *args, **kwargs):
        try:
            return super().__call__(request, *args, **kwargs)
        except BadRequest as error:
            # A bad parameter is an expected event: a 400 that says what was wrong, logged in
            # one line as every 4xx is, rather than an exception's traceback.
            return render(request, "400.html", {"exception": str(error)}, status=400)


class ClaimFeed(ArchiveFeed):
    """New claims matching an explorer view: /feeds/claims/?topic=4 follows that view."""

    def get_object(self, request):
        return view_of(request, Claim.objects.all(), reverse("claims:claim_list"))

    def feed_url(self, obj):
        return obj.get("feed")

    def feed_extra_kwargs(self, obj):
        return {"empty_since": last_claim_change}

    def title(self, obj):
        return "newsarchive: new claims" + ("" if obj["view"].endswith("/") else " in a view")

    def link(self, obj):
        return obj["view"]

    def subtitle(self, obj):
        return "Claims as they are added to the archive, newest first."

    def items(self, obj):
        return obj["claims"].for_export().order_by("-created_at", "-pk")[:FEED_LENGTH]

    def item_title(self, claim):
        return claim.statement

    def item_description(self, claim):
        parts = [claim.get_status_display(), claim.claimed_date_display]
        if claim.source:
            parts.append(f"Original source: {claim.source}")
        if claim.reporting_outlets:
            parts.append("Reported by " + ", ".join(claim.reporting_outlets))
        return " · ".join(parts)

    def item_pubdate(self, claim):
        return claim.created_at

    def item_updateddate(self, claim):
        return claim.updated_at

    def item_categories(self, claim):
        return [topic.name for topic in claim.topics.all()]


class TopicClaimFeed(ClaimFeed):
    def get_object(self, request, pk):
        self.topic = get_object_or_404(Topic, pk=pk)
        claims = Claim.objects.filter(topics=self.topic)
        return view_of(request, claims, self.topic.get_absolute_url())

    def title(self, obj):
        return f"newsarchive: new claims on {self.topic.name}"


class PersonClaimFeed(ClaimFeed):
    def get_object(self, request, pk):
        self.person = get_object_or_404(Person, pk=pk)
        claims = Claim.objects.filter(
            pk__in=ClaimActor.objects.filter(person=self.person).values("claim")
        )
        return view_of(request, claims, self.person.get_absolute_url())

    def title(self, obj):
        return f"newsarchive: new claims by or about {self.person.name}"


def view_of(request, claims, page):
    """The claims the request's parameters choose among `claims`, with the page they are shown
    on and the feed's own address, each with the parameters in canonical order. BadRequest
    (answered with a 400) for a parameter that isn't valid."""
    filterset = ClaimFilter(request.GET, queryset=claims)
    if not filterset.is_valid():
        problems = error_summary(filterset.form)
        raise BadRequest(f"Not a valid view of the claims: {problems}")
    query = query_string(canonical_parameters(filterset.form.cleaned_data))
    return {"claims": filterset.qs, "view": page + query, "feed": request.path + query}
