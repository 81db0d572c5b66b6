"""Every parameter of the claim explorer: validated, applied, and put in canonical order.

A value that isn't valid (an unknown id, a malformed period, a page that isn't a number) makes the
form invalid; the view then answers 400 with the form's message instead of any results.
"""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.http import urlencode

from articles.models import Outlet, Person
from claims import facets
from claims.exports import FORMATS as EXPORT_FORMATS
from claims.models import Claim, Source, Topic
from claims.search import prepare_search, search_claims

PAGE_SIZES = [10, 25, 50, 100]
DEFAULT_PAGE_SIZE = 25
SORTS = {"relevance": "Relevance", "newest": "Newest", "oldest": "Oldest"}
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


class ClaimFilter(django_filters.FilterSet):
    """The explorer's parameters. Each facet filter applies that facet's condition from
    claims.facets, which the explorer also uses one by one to count values."""

    q = django_filters.CharFilter(label="Search", max_length=200, method="filter_search")
    actor = django_filters.ModelMultipleChoiceFilter(
        queryset=Person.objects.all(), method="filter_facet"
    )
    topic = django_filters.ModelMultipleChoiceFilter(
        queryset=Topic.objects.all(), method="filter_facet"
    )
    outlet = django_filters.ModelMultipleChoiceFilter(
        queryset=Outlet.objects.all(), method="filter_facet"
    )
    source = django_filters.ModelMultipleChoiceFilter(
        queryset=Source.objects.all(), method="filter_facet"
    )
    status = django_filters.MultipleChoiceFilter(
        choices=Claim.Status.choices, method="filter_facet"
    )
    period = PeriodsFilter(method="filter_facet")
    # Presentation, not filtering: the explorer orders and pages.
    sort = django_filters.ChoiceFilter(choices=list(SORTS.items()), method="keep", empty_label=None)
    per_page = django_filters.TypedChoiceFilter(
        choices=[(size, size) for size in PAGE_SIZES], coerce=int, method="keep"
    )
    page = django_filters.NumberFilter(min_value=1, method="keep")
    format = django_filters.ChoiceFilter(
        choices=[(name, name) for name in EXPORT_FORMATS], method="keep", empty_label=None
    )

    class Meta:
        model = Claim
        fields = []

    def filter_search(self, queryset, name, value):
        search = prepare_search(value)
        return search_claims(queryset, search) if search else queryset

    def filter_facet(self, queryset, name, value):
        return facets.apply(queryset, facets.conditions({name: value}))

    def keep(self, queryset, name, value):
        return queryset


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
