"""The faceted claim explorer: request parameters turned into a page of claims, facet counts,
active-filter chips, a date histogram and the view's canonical URL.

It serves /claims/ and the topic, outlet, source and person pages, which pass their own scope.
Which parameters are valid is ClaimFilter's business (claims.filters); which claims match, in
what order and how many with each facet value, the facet index's (claims.facet_index), read in
one snapshot with the search and the rows; this module lays them out.
"""

from dataclasses import dataclass, field

import numpy as np
from django.core.paginator import Paginator
from django.db import connections, router
from django.urls import reverse

from articles.models import Article, Outlet, Person
from claims import facet_index, facets
from claims.exports import export_links
from claims.filters import (
    DEFAULT_PAGE_SIZE,
    PAGE_SIZES,
    SORTS,
    ClaimFilter,
    canonical_parameters,
    error_messages,
    query_string,
    with_value,
    without_page,
    without_value,
)
from claims.histogram import histogram
from claims.models import Claim, ClaimActor, Topic, outlet_names
from claims.search import suggest
from core import page_cache
from core.pages import NoSuchPage, page_of

VALUES_SHOWN = facets.VALUES_SHOWN
# Up to this many claims within the filters, a search looks only among them (_search), by id:
# at a million claims, 142 ids cost 0.6 ms where a word in 5% of the claims costs 200; but
# 7,400 ids cost 47 ms (and 18 to plan), more than searching for a rare word (issue #25).
FEW_CLAIMS_SEARCHED = 1_000
PARAMETER_LABELS = {
    **facets.LABELS,
    "q": "Search",
    "sort": "Sort",
    "per_page": "Page size",
    "page": "Page",
}


@dataclass
class Chip:
    facet: str
    label: str
    remove_url: str


@dataclass
class Exploration:
    filterset: ClaimFilter
    path: str
    parameters: list = field(default_factory=list)
    page: object = None
    export_format: str = ""
    facets: dict = field(default_factory=dict)
    chips: list = field(default_factory=list)
    histogram: object = None
    suggestion: str = ""
    per_page: int = DEFAULT_PAGE_SIZE
    error: str = ""
    # With a search: the claims it found, by relevance when the view is sorted so.
    ranked_ids: list = field(default_factory=list)
    ids: object = None  # every matching claim's id, in the view's order: what exports read

    values_shown = VALUES_SHOWN

    @property
    def is_valid(self):
        return not self.error

    @property
    def search(self):
        return self.filterset.search if self.filterset.is_valid() else None

    @property
    def sort(self):
        return self.filterset.chosen_sort

    @property
    def canonical_url(self):
        return self.path + query_string(self.parameters)

    def url(self, parameters):
        return self.path + query_string(parameters)

    @property
    def facet_groups(self):
        """(name, label, values) of each facet, in the order they are shown: the values that
        claims here have, and those chosen."""
        groups = []
        for name, values in self.facets.items():
            shown = [value for value in values if value.count or value.selected]
            groups.append((name, facets.LABELS[name], shown))
        return groups

    @property
    def export_links(self):
        """(label, url) of this view's rows in each export format."""
        return export_links(self.path, without_page(self.parameters))

    @property
    def feed_url(self):
        """The Atom feed of new claims in this view (scoped pages: their filters, as a view)."""
        return reverse("claims:feed") + query_string(without_page(self.parameters))

    @property
    def clear_url(self):
        return self.path

    @property
    def sort_choices(self):
        available = SORTS if self.search else {k: v for k, v in SORTS.items() if k != "relevance"}
        return [
            (label, key == self.sort, self._url_with("sort", key))
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

    def _url_with(self, name, value):
        return self.url(_replace(self.parameters, name, value, self))

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


def explore(data, path, scope=None):
    """Explore the claims of a `scope` (all of them, or a topic's, an outlet's, a source's, a
    person's: {facet: [value]}) by `data`. With ?format=, only the claims' ids in order: the
    export reads their rows itself."""
    scope = facets.conditions(scope or {})
    filterset = ClaimFilter(data, queryset=facets.apply(Claim.objects.all(), scope))
    exploration = Exploration(filterset=filterset, path=path)
    if not filterset.is_valid():
        exploration.error = _error_message(filterset.form)
        return exploration
    cleaned = filterset.form.cleaned_data
    exploration.parameters = canonical_parameters(cleaned)
    exploration.per_page = cleaned.get("per_page") or DEFAULT_PAGE_SIZE
    exploration.export_format = cleaned.get("format") or ""
    using = router.db_for_read(Claim)
    with facet_index.snapshot(using):
        _explore_index(exploration, scope, cleaned, using)
    return exploration


def claim_ids(filterset, using):
    """Ids of every claim a valid ClaimFilter matches, in its order, from the facet index and
    one snapshot: the API's pages, as fast as the explorer's."""
    exploration = Exploration(filterset=filterset, path="")
    with facet_index.snapshot(using):
        index = facet_index.current_index(using)
        cleaned = filterset.form.cleaned_data
        _, _, ids = _matching(index, exploration, {}, cleaned, using, counted=False)
    return ids


def _explore_index(exploration, scope, cleaned, using):
    """The page of claims and the facet counts, from the facet index and one snapshot."""
    index = facet_index.current_index(using)
    within, active, ids = _matching(index, exploration, scope, cleaned, using)
    exploration.ids = ids
    if exploration.export_format:
        return
    try:
        rows = ClaimsInOrder(ids, lambda page: _rows(exploration.filterset, page, using))
        exploration.page = page_of(rows, int(cleaned.get("page") or 1), exploration.per_page)
    except NoSuchPage as error:
        exploration.error = str(error)
        return
    selected = _selected(cleaned)
    exploration.facets = facets.counted_facets(index, within, active, selected, using=using)
    _lay_out(exploration, selected)


def _matching(index, exploration, scope, cleaned, using, *, counted=True):
    """(the claims of the scope and search, {facet: its active filter}, the ids of the claims
    matching all of them in the view's order). Not `counted` (no facet counts: the API), the
    search looks only among the claims that match every filter, and the claims of the scope
    and search are left out (None)."""
    within = index.everything()
    for mask in facets.masks(index, scope).values():
        within &= mask
    active = facets.masks(index, facets.conditions(cleaned))
    matching = within.copy()
    for mask in active.values():
        matching &= mask
    if exploration.search:
        # What a search matches reads words, names and quotes the page cache doesn't follow.
        page_cache.not_cacheable()
        relevance = exploration.sort == "relevance"
        # The facet counts need every claim of the scope that the search finds, the order
        # only those matching every filter: when these are few, only they are ranked.
        few = np.count_nonzero(matching) <= FEW_CLAIMS_SEARCHED
        if counted:
            within &= _search(index, exploration, within, using, ranked=relevance and not few)
            matching &= within
        else:
            within = None
        if not counted or (relevance and few):
            matching &= _search(index, exploration, matching, using, ranked=relevance)
    if exploration.sort == "relevance":
        return within, active, index.ids_among(exploration.ranked_ids, matching)
    return within, active, index.ids_in_order(matching, exploration.sort)


def _search(index, exploration, among, using, *, ranked):
    """The claims `among` these that the search matches, their ids kept (in order of relevance
    if `ranked`); among few (FEW_CLAIMS_SEARCHED), the search asks only for those by id."""
    if not among.any():
        exploration.ranked_ids = []
        return among  # nothing to search; and no SQL can ask for none of the claims
    searched = exploration.filterset.searched(Claim.objects.using(using))
    if np.count_nonzero(among) <= FEW_CLAIMS_SEARCHED:
        searched = searched.filter(pk__in=index.ids[among].tolist())
    if ranked:
        ids, ranks = _found(searched, "pk", "rank")
        exploration.ranked_ids = index.ids_by_relevance(ids, ranks)
    else:
        (exploration.ranked_ids,) = _found(searched, "pk")
    return index.claims_with_ids(exploration.ranked_ids)


# Columns of the claims a search finds, packed by PostgreSQL into one bytea of big-endian
# values and read by numpy: a word in 5% of a million claims finds 50,000, which cost more read
# as Python tuples, or sorted by PostgreSQL, than ranked (issue #25).
PACKED = {"pk": ("int4send(pk::int)", ">i4"), "rank": ("float4send(rank)", ">f4")}


def _found(searched, *columns):
    """An array of each column's values (claim ids, ranks) of the claims searched, in no
    order. The ranks are PostgreSQL's float4 values, exactly."""
    sql, params = searched.order_by().values_list(*columns).query.get_compiler(searched.db).as_sql()
    packed = " || ".join(PACKED[column][0] for column in columns)
    with connections[searched.db].cursor() as cursor:
        cursor.execute(
            f"SELECT string_agg({packed}, ''::bytea) FROM ({sql}) found ({', '.join(columns)})",
            params,
        )
        rows = np.frombuffer(
            cursor.fetchone()[0] or b"", dtype=[(column, PACKED[column][1]) for column in columns]
        )
    return [rows[column] for column in columns]


def _rows(filterset, ids, using):
    """The explorer's rows of these claims, and with a search, its ranks and highlights, each
    with its link and what it shows of its topics, people and reporting outlets."""
    claims = list(filterset.searched(Claim.objects.using(using).filter(pk__in=ids)).for_rows())
    _add_row_details(claims, using)
    return claims


def _add_row_details(claims, using):
    """Each claim's row_url, row_topic_links [(url, name)] by name, row_actor_names in its
    actors' order and row_outlets (claims.models.outlet_names), read as plain values: prefetched
    as model instances (~300 a page) they took about 30% more of the rows' load, and looking
    them up in the template about half of its render; a topic is reverse()d once a page, not
    once a row (issue #25). The page cache is told the rows read, as those instances told it."""
    by_id = {claim.pk: claim for claim in claims}
    outlets_of = {claim.pk: [] for claim in claims}  # each reporting article's outlet name
    for claim in claims:
        claim.row_url = claim.get_absolute_url()
        claim.row_topic_links, claim.row_actor_names = [], []

    topic_urls = {}
    topics = facets.ClaimTopic.objects.using(using).filter(claim__in=by_id).order_by("topic__name")
    for claim_id, topic_id, name, slug in topics.values_list(
        "claim", "topic", "topic__name", "topic__slug"
    ):
        if topic_id not in topic_urls:
            topic_urls[topic_id] = Topic.url_of(topic_id, slug)
        by_id[claim_id].row_topic_links.append((topic_urls[topic_id], name))

    actor_ids, people = [], set()
    actors = ClaimActor.objects.using(using).filter(claim__in=by_id)  # in their default order
    for actor_id, claim_id, person_id, name in actors.values_list(
        "pk", "claim", "person", "person__name"
    ):
        actor_ids.append(actor_id)
        people.add(person_id)
        by_id[claim_id].row_actor_names.append(name)

    articles, outlets = set(), set()
    reports = facets.ClaimArticle.objects.using(using).filter(claim__in=by_id)
    for claim_id, article_id, outlet_id, name in reports.values_list(
        "claim", "article", "article__outlet", "article__outlet__name"
    ):
        articles.add(article_id)
        if outlet_id is not None:
            outlets.add(outlet_id)
        outlets_of[claim_id].append(name)
    for claim in claims:
        claim.row_outlets = outlet_names(outlets_of[claim.pk])

    page_cache.note_read(Topic._meta.db_table, topic_urls)
    page_cache.note_read(ClaimActor._meta.db_table, actor_ids)
    page_cache.note_read(Person._meta.db_table, people)
    page_cache.note_read(Article._meta.db_table, articles)
    page_cache.note_read(Outlet._meta.db_table, outlets)


class ClaimsInOrder:
    """Claims by id, in order, for the paginator: counted without loading, a page loaded with
    one query (and the queries of what the rows show, _add_row_details)."""

    def __init__(self, ids, load):
        self.ids = ids
        self.load = load

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, page):
        ids = self.ids[page].tolist()
        claims = {claim.pk: claim for claim in self.load(ids)}
        return [claims[pk] for pk in ids]


def _lay_out(exploration, selected):
    """Facet links, chips, histogram and "did you mean" around a valid page of claims."""
    exploration.facets["period"] = _months_of_chosen_years(exploration.facets["period"])
    for name, values in exploration.facets.items():
        for value in values:
            value.url = exploration.url(_toggle(exploration.parameters, name, value))
    exploration.chips = _chips(exploration, selected)
    exploration.histogram = histogram(
        exploration.facets["period"],
        lambda period: exploration.url(with_value(exploration.parameters, "period", period)),
    )
    if exploration.search and not exploration.page.paginator.count:
        exploration.suggestion = suggest(exploration.search.text) or ""


def _error_message(form):
    return " ".join(
        f"{PARAMETER_LABELS.get(name, name)}: {message}"
        for name, messages in error_messages(form).items()
        for message in messages
    )


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
            chips.append(Chip(facets.LABELS[name], label, exploration.url(remove)))
    return chips
