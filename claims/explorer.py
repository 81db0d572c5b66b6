"""The faceted claim explorer: one function that turns request parameters into a page of claims,
facet counts, active-filter chips, a date histogram and the view's canonical URL.

It serves /claims/ and the topic, outlet and source pages, which pass their own scope.
"""

from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.db.models import F, Prefetch
from django.urls import reverse

from articles.models import Article
from claims import facets
from claims.filters import (
    DEFAULT_PAGE_SIZE,
    PAGE_SIZES,
    SORTS,
    ClaimFilter,
    canonical_parameters,
    default_sort,
    query_string,
    with_value,
    without_page,
    without_value,
)
from claims.models import Claim, ClaimActor
from claims.search import prepare_search, search_claims, suggest

FACET_LABELS = {
    "actor": "Actor",
    "topic": "Topic",
    "outlet": "Reporting outlet",
    "source": "Original source",
    "status": "Status",
    "period": "Date",
}
PARAMETER_LABELS = {
    **FACET_LABELS,
    "q": "Search",
    "sort": "Sort",
    "per_page": "Page size",
    "page": "Page",
}
ORDERINGS = {
    "relevance": ["-rank", F("claimed_date").desc(nulls_last=True), "-pk"],
    "newest": [F("claimed_date").desc(nulls_last=True), "-pk"],
    "oldest": [F("claimed_date").asc(nulls_last=True), "pk"],
}
FACET_VALUES_SHOWN = facets.VALUES_SHOWN
HISTOGRAM_HEIGHT = 80  # SVG units of the tallest bar
HISTOGRAM_TOP = 14  # room for the count above the tallest bar
BAR_SPACING = 40


@dataclass
class Chip:
    facet: str
    label: str
    remove_url: str


@dataclass
class Bar:
    label: str
    count: int
    url: str
    selected: bool
    x: int = 0
    y: int = 0
    height: int = 0

    @property
    def center(self):
        return self.x + 16

    @property
    def count_y(self):
        return self.y - 3


@dataclass
class Exploration:
    filterset: ClaimFilter
    path: str
    parameters: list = field(default_factory=list)
    page: object = None
    results: object = None  # every matching claim, ordered: what exports and feeds use
    export_format: str = ""
    facets: dict = field(default_factory=dict)
    chips: list = field(default_factory=list)
    histogram: list = field(default_factory=list)
    search: object = None
    suggestion: str = ""
    sort: str = "newest"
    per_page: int = DEFAULT_PAGE_SIZE
    error: str = ""

    values_shown = FACET_VALUES_SHOWN

    @property
    def is_valid(self):
        return not self.error

    @property
    def canonical_url(self):
        return self.path + query_string(self.parameters)

    def url(self, parameters):
        return self.path + query_string(parameters)

    @property
    def export_links(self):
        """(label, url) of this view's rows in each export format."""
        labels = {"csv": "CSV", "json": "JSON", "bibtex": "BibTeX", "csljson": "CSL-JSON"}
        return [
            (label, self.url([*without_page(self.parameters), ("format", name)]))
            for name, label in labels.items()
        ]

    @property
    def feed_url(self):
        """The Atom feed of new claims in this view (scoped pages: their filters, as a view)."""
        return reverse("claims:feed") + query_string(without_page(self.parameters))

    @property
    def histogram_width(self):
        return max(len(self.histogram) * BAR_SPACING, BAR_SPACING)

    @property
    def clear_url(self):
        return self.path

    @property
    def sort_choices(self):
        available = SORTS if self.search else {k: v for k, v in SORTS.items() if k != "relevance"}
        return [
            (label, key == self.sort, self.url(_replace(self.parameters, "sort", key, self)))
            for key, label in available.items()
        ]

    @property
    def page_size_choices(self):
        return [
            (
                size,
                size == self.per_page,
                self.url(_replace(self.parameters, "per_page", size, self)),
            )
            for size in PAGE_SIZES
        ]

    @property
    def page_links(self):
        """(number, url, is_current) for each page; a gap in a long range is (None, "", False)."""
        links = []
        for number in self.page.paginator.get_elided_page_range(self.page.number, on_each_side=2):
            if number == Paginator.ELLIPSIS:
                links.append(("…", "", False))
                continue
            page = [("page", str(number))] if number > 1 else []
            links.append(
                (number, self.url(without_page(self.parameters) + page), number == self.page.number)
            )
        return links


def explore(claims, data, path):
    """Explore `claims` (all of them, or a topic's, an outlet's, a source's) by `data`."""
    filterset = ClaimFilter(data, queryset=claims)
    exploration = Exploration(filterset=filterset, path=path)
    if not filterset.is_valid():
        exploration.error = _error_message(filterset)
        return exploration
    cleaned = filterset.form.cleaned_data
    exploration.parameters = canonical_parameters(cleaned)
    exploration.search = prepare_search(cleaned["q"]) if cleaned.get("q") else None
    exploration.sort = _sort(cleaned, exploration.search)
    exploration.per_page = cleaned.get("per_page") or DEFAULT_PAGE_SIZE
    results = matching_claims(claims, cleaned, exploration.search)
    exploration.results = results
    exploration.export_format = cleaned.get("format") or ""
    if exploration.export_format:
        return exploration  # the rows are all an export needs
    paginator = Paginator(_for_rows(results), exploration.per_page)
    page_number = int(cleaned.get("page") or 1)
    if page_number > paginator.num_pages:
        exploration.error = (
            f"There is no page {page_number}: these results have {paginator.num_pages} "
            f"page{'s' if paginator.num_pages != 1 else ''}."
        )
        return exploration
    exploration.page = paginator.page(page_number)

    selected = _selected(cleaned)
    searched = search_claims(claims, exploration.search) if exploration.search else claims
    exploration.facets = facets.facet_counts(searched, facets.conditions(cleaned), selected)
    exploration.facets["period"] = _months_of_chosen_years(exploration.facets["period"])
    for name, values in exploration.facets.items():
        for value in values:
            value.url = exploration.url(_toggle(exploration.parameters, name, value))
    exploration.chips = _chips(exploration, selected)
    exploration.histogram = _histogram(exploration)
    if exploration.search and not paginator.count:
        exploration.suggestion = suggest(exploration.search.text) or ""
    return exploration


def matching_claims(claims, cleaned, search):
    """The claims a valid ClaimFilter's data (and its prepared search) selects, in its order:
    what the explorer lists, and what the API and feeds show."""
    if search:
        claims = search_claims(claims, search)
    return facets.apply(claims, facets.conditions(cleaned)).order_by(
        *ORDERINGS[_sort(cleaned, search)]
    )


def _error_message(filterset):
    messages = []
    for name, errors in filterset.form.errors.items():
        label = PARAMETER_LABELS.get(name, name)
        messages += [f"{label}: {error}" for error in errors]
    return " ".join(messages)


def _sort(cleaned, search):
    sort = cleaned.get("sort") or default_sort(cleaned)
    return "newest" if sort == "relevance" and not search else sort


def _replace(parameters, name, value, exploration):
    kept = [item for item in without_page(parameters) if item[0] != name]
    defaults = {
        "sort": (exploration.search and "relevance") or "newest",
        "per_page": DEFAULT_PAGE_SIZE,
    }
    if value == defaults[name]:
        return kept
    return with_value(kept, name, str(value))


def _toggle(parameters, name, value):
    if value.selected:
        return without_value(parameters, name, value.value)
    return with_value(parameters, name, value.value)


def _for_rows(results):
    return results.select_related("source").prefetch_related(
        "topics",
        Prefetch("claim_actors", ClaimActor.objects.select_related("person")),
        Prefetch("articles", Article.objects.for_lists()),
    )


def _selected(cleaned):
    """{facet: [(value, label)]} for the values chosen in each facet."""
    statuses = dict(Claim.Status.choices)
    selected = {}
    for name in facets.FACETS:
        values = cleaned.get(name) or []
        if name == "status":
            selected[name] = [(value, statuses[value]) for value in values]
        elif name == "period":
            selected[name] = [(value, _period_label(value)) for value in values]
        else:
            selected[name] = [(str(item.pk), str(item)) for item in values]
    return selected


def _period_label(period):
    if period == facets.UNDATED:
        return "Date unknown"
    year, _, month = period.partition("-")
    return f"{facets.MONTH_NAMES[int(month) - 1]} {year}" if month else year


def _months_of_chosen_years(periods):
    """Years, and the months only of chosen years: a drill-down rather than every month."""
    chosen = {value.value[:4] for value in periods if value.selected}
    return [value for value in periods if not _is_month(value.value) or value.value[:4] in chosen]


def _is_month(period):
    match = facets.PERIOD.match(period)
    return bool(match and match["month"])


def _chips(exploration, selected):
    chips = []
    if exploration.search:
        without_query = [item for item in exploration.parameters if item[0] != "q"]
        chips.append(Chip("Search", f"“{exploration.search.text}”", exploration.url(without_query)))
    for name in facets.FACETS:
        for value, label in selected[name]:
            remove = without_value(exploration.parameters, name, value)
            chips.append(Chip(FACET_LABELS[name], label, exploration.url(remove)))
    return chips


def _histogram(exploration):
    """Bars for the years; for the months of a year when one year (or its months) is chosen."""
    periods = exploration.facets["period"]
    years = [value for value in periods if len(value.value) == 4]
    chosen_years = {
        value.value[:4] for value in periods if value.selected and value.value[0].isdigit()
    }
    if len(chosen_years) == 1:
        year = chosen_years.pop()
        counts = {value.value: value for value in periods if value.value.startswith(f"{year}-")}
        bars = []
        for month in range(1, 13):
            key = f"{year}-{month:02d}"
            value = counts.get(key)
            bars.append(
                Bar(
                    label=facets.MONTH_NAMES[month - 1],
                    count=value.count if value else 0,
                    url=exploration.url(
                        _toggle(exploration.parameters, "period", value)
                        if value
                        else with_value(exploration.parameters, "period", key)
                    ),
                    selected=bool(value and value.selected),
                )
            )
    else:
        bars = [
            Bar(label=value.value, count=value.count, url=value.url, selected=value.selected)
            for value in sorted(years, key=lambda value: value.value)
        ]
    tallest = max((bar.count for bar in bars), default=0) or 1
    for index, bar in enumerate(bars):
        bar.height = round(HISTOGRAM_HEIGHT * bar.count / tallest)
        bar.x = index * BAR_SPACING
        bar.y = HISTOGRAM_TOP + HISTOGRAM_HEIGHT - bar.height
    return bars
