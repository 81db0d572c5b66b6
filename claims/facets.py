"""Facets of the claim explorer: actor, topic, reporting outlet, original source, status, period.

Values within a facet combine with OR, facets with AND. Each facet counts its values over the
claims that match every active filter but its own, so a count says what a click on it would give.
The counting is done in the facet index (claims/facet_index.py); the names of the values listed
take one query for people, topics and outlets together, and one for sources.
"""

import re
from dataclasses import dataclass

import numpy as np
from django.db import connections
from django.db.models import Q

from claims import facet_index
from claims.models import Claim, ClaimActor, Source, Topic
from core import page_cache
from core.dates import DatePrecision

FACETS = ["actor", "topic", "outlet", "source", "status", "period"]
LABELS = {
    "actor": "Actor",
    "topic": "Topic",
    "outlet": "Reporting outlet",
    "source": "Original source",
    "status": "Status",
    "period": "Date",
}
# A facet lists its chosen values and at most this many others, the most frequent first: a
# narrower view brings the rest into the list. Datasette's default; every value listed is a link
# to render, which at a hundred a facet cost more than counting them.
VALUES_SHOWN = 30
UNDATED = "undated"
PERIOD = re.compile(r"^(?P<year>(?!0000)\d{4})(-(?P<month>0[1-9]|1[0-2]))?$")  # year 0 is no date
MONTH_PRECISIONS = [DatePrecision.DAY, DatePrecision.MONTH]
MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
NAMED = {"actor": "articles_person", "topic": "claims_topic", "outlet": "articles_outlet"}

ClaimTopic = Claim.topics.through
ClaimArticle = Claim.articles.through


@dataclass
class FacetValue:
    value: str  # as it stands in the URL
    label: str
    count: int
    selected: bool
    url: str = ""  # this view with the value toggled; set by the explorer


@dataclass
class Condition:
    """A facet's chosen values: ids, statuses or periods, and as a filter of querysets."""

    values: list
    q: Q


def conditions(cleaned):
    """{facet: Condition} for each facet with selected values (cleaned data of ClaimFilter)."""
    builders = {
        "actor": lambda people: Q(
            pk__in=ClaimActor.objects.filter(person__in=people).values("claim")
        ),
        "topic": lambda topics: Q(
            pk__in=ClaimTopic.objects.filter(topic__in=topics).values("claim")
        ),
        "outlet": lambda outlets: Q(
            pk__in=ClaimArticle.objects.filter(article__outlet__in=outlets).values("claim")
        ),
        "source": lambda sources: Q(source__in=sources),
        "status": lambda statuses: Q(status__in=statuses),
        "period": period_condition,
    }
    return {
        name: Condition(
            [getattr(value, "pk", value) for value in cleaned[name]], builders[name](cleaned[name])
        )
        for name in FACETS
        if cleaned.get(name)
    }


def period_condition(periods):
    condition = Q()
    for period in periods:
        if period == UNDATED:
            condition |= Q(claimed_date__isnull=True)
            continue
        match = PERIOD.match(period)
        in_period = Q(claimed_date__year=int(match["year"]))
        if match["month"]:
            in_period &= Q(
                claimed_date__month=int(match["month"]),
                claimed_date_precision__in=MONTH_PRECISIONS,
            )
        condition |= in_period
    return condition


def apply(claims, active):
    for condition in active.values():
        claims = claims.filter(condition.q)
    return claims


def masks(index, active):
    """{facet: the claims of the index that its condition matches}."""
    return {
        name: _period_mask(index, condition.values)
        if name == "period"
        else index.claims_with(name, condition.values)
        for name, condition in active.items()
    }


def _period_mask(index, periods):
    mask = np.zeros(index.size, dtype=bool)
    for period in periods:
        if period == UNDATED:
            mask |= index.undated
            continue
        match = PERIOD.match(period)
        month = int(match["month"]) if match["month"] else None
        mask |= index.claims_in_period(int(match["year"]), month)
    return mask


def facet_counts(claims, active, selected):
    """{facet: [FacetValue]} over `claims`, any queryset of claims (its ids: one query). The
    explorer counts within its scope and search with counted_facets instead."""
    index = facet_index.current_index(claims.db)
    within = index.claims_with_ids(claims.values_list("pk", flat=True))
    return counted_facets(index, within, masks(index, active), selected, using=claims.db)


def counted_facets(index, within, active_masks, selected, *, using):
    """{facet: [FacetValue]}: each facet counted within `within` and every active filter but its
    own, chosen values first, then the most frequent, by name.

    `selected` is {facet: [(value, label)]}; a selected value that no longer matches anything is
    still listed, with 0, so that it can be unselected.
    """
    counts = {}
    every_filter = within.copy()  # what the facets without a filter of their own count within
    for mask in active_masks.values():
        every_filter &= mask
    for name in FACETS:
        others = every_filter
        if name in active_masks:
            others = within.copy()
            for other, mask in active_masks.items():
                if other != name:
                    others &= mask
        counts[name] = (
            index.count_periods(others) if name == "period" else index.count(name, others)
        )
    chosen = {name: dict(selected.get(name, [])) for name in FACETS}
    candidates = {name: _candidates(*counts[name], chosen[name]) for name in [*NAMED, "source"]}
    names, sources = _names(
        {name: [*candidates[name], *map(int, chosen[name])] for name in candidates}, using
    )
    listed = {name: _listed(candidates[name], chosen[name], names[name]) for name in NAMED}
    listed["source"] = _listed(candidates["source"], chosen["source"], sources)
    listed["status"] = _statuses(*counts["status"], chosen["status"])
    listed["period"] = _periods(*counts["period"], chosen["period"])
    return {name: _with_chosen_at_zero(listed[name], chosen[name]) for name in FACETS}


def _candidates(value_ids, claims, chosen):
    """{value id: claims} of the values that may be listed: the chosen ones, and those as
    frequent as the last of the most frequent (its ties too, since names decide among them).
    Picked in numpy: thousands of sources or people as Python lists cost milliseconds."""
    enough = VALUES_SHOWN + len(chosen)
    floor = np.partition(claims, -enough)[-enough] if len(claims) >= enough else 0
    kept = (claims >= floor) | np.isin(value_ids, [int(value) for value in chosen])
    return dict(zip(value_ids[kept].tolist(), claims[kept].tolist(), strict=True))


def _names(shortlists, using):
    """({facet: {id: name}} of people, topics and outlets, {id: str(source)}), each in the
    database's order of names."""
    union = " UNION ALL ".join(
        f"SELECT %s, id, name FROM {table} WHERE id = ANY(%s)" for table in NAMED.values()
    )
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"{union} ORDER BY 3, 2",
            [item for name in NAMED for item in (name, shortlists[name])],
        )
        names = {name: {} for name in NAMED}
        for facet, pk, name in cursor.fetchall():
            names[facet][pk] = name
    for facet, table in NAMED.items():
        page_cache.note_read(table, names[facet])
    sources = (
        Source.objects.using(using).filter(pk__in=shortlists["source"]).order_by("publisher", "pk")
    )
    return names, {source.pk: str(source) for source in sources}


def _listed(counts, chosen, labels):
    """Chosen values, then the rest, each by count then label order; VALUES_SHOWN others at most
    (and one more for each chosen value without claims)."""
    order = {pk: position for position, pk in enumerate(labels)}
    found = sorted(
        (pk for pk in labels if pk in counts),
        key=lambda pk: (str(pk) not in chosen, -counts[pk], order[pk]),
    )
    return [
        FacetValue(str(pk), labels[pk], counts[pk], str(pk) in chosen)
        for pk in found[: VALUES_SHOWN + len(chosen)]
    ]


def _statuses(statuses, claims, chosen):
    """Statuses in the workflow's order."""
    labels = dict(Claim.Status.choices)
    return [
        FacetValue(status, labels[status], n, status in chosen)
        for status, n in zip(statuses.tolist(), claims.tolist(), strict=True)
    ]


def _periods(years, months, undated, chosen):
    """Years, newest first, then months, newest first, then undated."""
    periods = [(str(year), str(year), years[year]) for year in sorted(years, reverse=True)]
    periods += [
        (f"{year}-{month:02d}", f"{MONTH_NAMES[month - 1]} {year}", months[year, month])
        for year, month in sorted(months, reverse=True)
    ]
    if undated:
        periods.append((UNDATED, "Date unknown", undated))
    return [FacetValue(value, label, n, value in chosen) for value, label, n in periods]


def _with_chosen_at_zero(values, chosen):
    listed = {value.value for value in values}
    return values + [
        FacetValue(value, label, 0, True) for value, label in chosen.items() if value not in listed
    ]


def archive_claim_counts(using):
    """(claims in the archive, every topic with its `claim_count`), from the facet index:
    COUNTs grouped over every claim cost hundreds of milliseconds at a million claims."""
    index = facet_index.current_index(using)
    topic_ids, counts = index.count("topic", index.everything())
    per_topic = dict(zip(topic_ids.tolist(), counts.tolist(), strict=True))
    topics = list(Topic.objects.using(using).order_by("name"))
    for topic in topics:
        topic.claim_count = per_topic.get(topic.pk, 0)
    return index.size, topics
