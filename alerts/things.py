"""What can be followed, each one of the archive's pages: a view of the claims (/claims/?…), a
search (/search/?q=…), a person, a topic, an outlet, a claim or an article.

A followed thing is stored as its kind and a target: a record's id, a view's canonical query
string (its filters only: the page, the order and the page size don't change which claims are
in it) or a search's text in its normal form. Views, searches, people, topics and outlets are
followed for their new claims, chosen by the claims list's own filter (ClaimFilter); a claim for
its status, an article for its new versions.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.text import Truncator

from alerts.models import MAX_TARGET_LENGTH, Kind
from articles.models import Article, Outlet, Person
from claims import facets
from claims.filters import ClaimFilter, canonical_parameters, error_summary
from claims.models import Claim, Topic
from core.search import SearchTextField

# Kinds followed for their new claims, and the explorer's facet each record kind stands for.
CLAIM_STREAMS = {Kind.VIEW, Kind.SEARCH, Kind.PERSON, Kind.TOPIC, Kind.OUTLET}
FACET_OF = {Kind.PERSON: "actor", Kind.TOPIC: "topic", Kind.OUTLET: "outlet"}
RECORDS = {
    Kind.PERSON: Person,
    Kind.TOPIC: Topic,
    Kind.OUTLET: Outlet,
    Kind.CLAIM: Claim,
    Kind.ARTICLE: Article,
}
# A search's label quotes at most this many characters of its text.
SEARCH_IN_LABEL = 60
# The explorer's filters: what a followed view keeps of its parameters.
VIEW_PARAMETERS = {"q", *facets.FACETS}


class NotFollowable(ValueError):
    """The view or search can't be followed; str() says why, for the 400."""


@dataclass(frozen=True)
class Followed:
    kind: str
    target: str
    label: str  # "the topic NATO expansion", "claims matching “ceasefire”"
    page_url: str  # the followed page, from /

    @property
    def follows_claims(self):
        return self.kind in CLAIM_STREAMS

    def claim_filter(self, claims):
        """The ClaimFilter choosing this thing's claims among `claims` (a claim stream only)."""
        if self.kind == Kind.VIEW:
            data = QueryDict(self.target)
        elif self.kind == Kind.SEARCH:
            data = QueryDict(urlencode({"q": self.target}))
        else:
            data = QueryDict(urlencode({FACET_OF[self.kind]: self.target}))
        return ClaimFilter(data, queryset=claims)

    def matching_claims(self, claims):
        filterset = self.claim_filter(claims)
        # Valid when followed; a topic or person deleted since then matches nothing.
        return filterset.qs if filterset.is_valid() else claims.none()

    def url(self, action):
        """Its follow page ("follow") or alert feed ("feed"), from /."""
        if self.kind == Kind.VIEW:
            return reverse(f"alerts:{action}_view") + (f"?{self.target}" if self.target else "")
        if self.kind == Kind.SEARCH:
            return reverse(f"alerts:{action}_search") + "?" + urlencode({"q": self.target})
        return reverse(f"alerts:{action}_{self.kind!s}", args=[self.target])


def followed_record(kind, pk):
    """The person, topic, outlet, claim or article `pk` as followed; Http404 if there is none."""
    record = get_object_or_404(RECORDS[kind], pk=pk)
    labels = {
        Kind.PERSON: record.__str__,
        Kind.TOPIC: lambda: f"the topic {record}",
        Kind.OUTLET: lambda: f"the outlet {record}",
        Kind.CLAIM: lambda: f"the claim “{record}”",
        Kind.ARTICLE: lambda: f"the article “{record}”",
    }
    return Followed(str(kind), str(record.pk), labels[kind](), record.get_absolute_url())


def followed_view(data):
    """The view of the claims that the explorer's parameters `data` choose, by its filters in
    canonical order; NotFollowable with the reason if a parameter isn't valid."""
    filterset = ClaimFilter(data, queryset=Claim.objects.none())
    if not filterset.is_valid():
        problems = error_summary(filterset.form)
        raise NotFollowable(f"This view of the claims can't be followed: {problems}")
    filters = [
        (name, value)
        for name, value in canonical_parameters(filterset.form.cleaned_data)
        if name in VIEW_PARAMETERS
    ]
    target = urlencode(filters)
    if len(target) > MAX_TARGET_LENGTH:
        raise NotFollowable("This view has too many filters to follow: narrow it.")
    label = "claims in a view" if target else "every new claim"
    page = reverse("claims:claim_list") + (f"?{target}" if target else "")
    return Followed(Kind.VIEW, target, label, page)


def followed_search(text):
    """New claims matching a search (as /search/ finds them); NotFollowable for text that is no
    search, or too long for one."""
    field = SearchTextField()
    try:
        query = field.clean(text)
    except ValidationError as error:
        raise NotFollowable(" ".join(error.messages)) from None
    if not query:
        raise NotFollowable("Type some words to search for: an empty search can't be followed.")
    page = reverse("claims:search") + "?" + urlencode({"q": query})
    # Cut short: anyone may type it, and the label goes into emails (alerts.sending).
    label = f"claims matching “{Truncator(query).chars(SEARCH_IN_LABEL)}”"
    return Followed(Kind.SEARCH, query, label, page)


def followed_by_subscription(kind, target):
    """A stored subscription's thing, or None if it can no longer be followed (deleted)."""
    try:
        if kind == Kind.VIEW:
            return followed_view(QueryDict(target))
        if kind == Kind.SEARCH:
            return followed_search(target)
        return followed_record(kind, int(target))
    except (NotFollowable, Http404):
        return None
