"""Every parameter of a view of the claims: validated, applied, and put in canonical order.

A value that isn't valid (an unknown id, a malformed period, a page that isn't a number) makes the
form invalid; the view then answers 400 with the form's message instead of any results.
"""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.functional import cached_property
from django.utils.http import urlencode

from articles.models import Outlet, Person
from claims import facets
from claims.exports import FORMATS as EXPORT_FORMATS
from claims.models import Claim, Source, Topic
from claims.search import prepare_search, search_claims
from core.search import SearchTextField

PAGE_SIZES = [10, 25, 50, 100]
DEFAULT_PAGE_SIZE = 25
SORTS = {"relevance": "Relevance", "newest": "Newest", "oldest": "Oldest"}
ORDERINGS = {
    "relevance": ["-rank", F("claimed_date").desc(nulls_last=True), "-pk"],
    "newest": [F("claimed_date").desc(nulls_last=True), "-pk"],
    "oldest": [F("claimed_date").asc(nulls_last=True), "pk"],
}
# The canonical order of parameters: the same view always has the same URL.
PARAMETER_ORDER = ["q", *facets.FACETS, "sort", "per_page", "page"]


class PeriodsField(forms.MultipleChoiceField):
    """Years (2024), months (2024-07) or "undated": open-ended, so checked by pattern."""

    def valid_value(self, value):
        return value == facets.UNDATED or bool(facets.PERIOD.match(value))

    def validate(self, value):
        for period in value:
            if not self.valid_value(period):
                raise ValidationError(
                    f"“{period}” is not a period: use a year (2024), a month (2024-07) or "
                    f"{facets.UNDATED}.",
                    code="invalid_period",
                )


class PeriodsFilter(django_filters.MultipleChoiceFilter):
    field_class = PeriodsField


class SearchFilter(django_filters.CharFilter):
    """Search text, bounded and in its normal form (core.search.SearchTextField)."""

    field_class = SearchTextField


class ClaimFilter(django_filters.FilterSet):
    """The one path from a view's parameters to its claims: validation, the prepared search
    (with aliases, synonyms and spelling variants), the facets and the order.

    `.qs` is every matching claim in the view's order; the explorer, the JSON API, the feeds and
    the exports all read it. The filters declare and validate the parameters (and tell the API's
    document their types); filter_queryset applies them together, since a search and the facets
    combine in ways one filter at a time can't say.
    """

    q = SearchFilter(label="Search")
    actor = django_filters.ModelMultipleChoiceFilter(
        field_name="actors", queryset=Person.objects.all()
    )
    topic = django_filters.ModelMultipleChoiceFilter(
        field_name="topics", queryset=Topic.objects.all()
    )
    outlet = django_filters.ModelMultipleChoiceFilter(
        field_name="articles__outlet", queryset=Outlet.objects.all()
    )
    source = django_filters.ModelMultipleChoiceFilter(queryset=Source.objects.all())
    status = django_filters.MultipleChoiceFilter(choices=Claim.Status.choices)
    period = PeriodsFilter(field_name="claimed_date")
    # How the view is shown, not which claims it holds.
    sort = django_filters.ChoiceFilter(choices=list(SORTS.items()), empty_label=None)
    per_page = django_filters.TypedChoiceFilter(
        choices=[(size, size) for size in PAGE_SIZES], coerce=int
    )
    page = django_filters.NumberFilter(min_value=1)
    format = django_filters.ChoiceFilter(
        choices=[(name, name) for name in EXPORT_FORMATS], empty_label=None
    )

    class Meta:
        model = Claim
        fields = []

    @cached_property
    def search(self):
        """The prepared search, or None without one (call is_valid() first)."""
        text = self.form.cleaned_data.get("q")
        return prepare_search(text) if text else None

    @property
    def chosen_sort(self):
        """The order asked for; relevance only when there is a search to rank by."""
        sort = self.form.cleaned_data.get("sort") or default_sort(self.form.cleaned_data)
        return "newest" if sort == "relevance" and not self.search else sort

    def searched(self, claims):
        """The claims the search (if any) matches, before the facets narrow them."""
        return search_claims(claims, self.search) if self.search else claims

    def filter_queryset(self, queryset):
        matching = facets.apply(self.searched(queryset), facets.conditions(self.form.cleaned_data))
        return matching.order_by(*ORDERINGS[self.chosen_sort])


def error_messages(form):
    """{parameter: [message, …]}: the one shape of a view's errors, which each surface renders
    its own way (the HTML 400 page, the API's JSON 400 body, the feed's 400)."""
    return {
        name: [error["message"] for error in errors]
        for name, errors in form.errors.get_json_data().items()
    }


def error_summary(form):
    """The view's errors in one line: "name: message; name: message"."""
    return "; ".join(
        f"{name}: {message}"
        for name, messages in error_messages(form).items()
        for message in messages
    )


def canonical_parameters(cleaned):
    """[(name, value)] in the canonical order, defaults left out, multiple values sorted."""
    parameters = []
    for name in PARAMETER_ORDER:
        value = cleaned.get(name)
        if _is_default(name, value, cleaned):
            continue
        if name in facets.FACETS:
            values = [str(getattr(item, "pk", item)) for item in value]
            parameters += [(name, item) for item in _sorted_naturally(values)]
        elif name == "page":
            parameters.append((name, str(int(value))))
        else:
            parameters.append((name, str(value)))
    return parameters


def _is_default(name, value, cleaned):
    if value is None or value == "" or (name in facets.FACETS and not len(value)):
        return True
    defaults = {"sort": default_sort(cleaned), "per_page": DEFAULT_PAGE_SIZE, "page": 1}
    return name in defaults and value == defaults[name]


def default_sort(cleaned):
    return "relevance" if cleaned.get("q") else "newest"


def _sorted_naturally(items):
    return sorted(items, key=lambda item: (len(item), item) if item.isdigit() else (0, item))


def query_string(parameters):
    return f"?{urlencode(parameters)}" if parameters else ""


def with_value(parameters, name, value):
    """The parameters with one more value of `name`, back on the first page."""
    return _canonical_order([*without_page(parameters), (name, value)])


def without_value(parameters, name, value):
    return [item for item in without_page(parameters) if item != (name, value)]


def without_page(parameters):
    return [item for item in parameters if item[0] != "page"]


def _canonical_order(parameters):
    position = {name: index for index, name in enumerate(PARAMETER_ORDER)}
    by_name = {}
    for name, value in parameters:
        by_name.setdefault(name, []).append(value)
    return [
        (name, value)
        for name in sorted(by_name, key=position.get)
        for value in (_sorted_naturally(by_name[name]) if name in facets.FACETS else by_name[name])
    ]
