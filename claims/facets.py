"""Facets of the claim explorer: actor, topic, reporting outlet, original source, status, period.

Values within a facet combine with OR, facets with AND. Each facet counts its values over the
claims that match every active filter but its own, so a count says what a click on it would give.
A facet's counts are one grouped query over that filtered set, however many values it has.
"""

import re
from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, Q, When
from django.db.models.functions import ExtractMonth, ExtractYear

from claims.models import Claim, ClaimActor, Source
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
# narrower view brings the rest into the list.
VALUES_SHOWN = 100
UNDATED = "undated"
PERIOD = re.compile(r"^(?P<year>(?!0000)\d{4})(-(?P<month>0[1-9]|1[0-2]))?$")  # year 0 is no date
MONTH_PRECISIONS = [DatePrecision.DAY, DatePrecision.MONTH]
MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

ClaimTopic = Claim.topics.through
ClaimArticle = Claim.articles.through


@dataclass
class FacetValue:
    value: str  # as it stands in the URL
    label: str
    count: int
    selected: bool
    url: str = ""  # this view with the value toggled; set by the explorer


def conditions(cleaned):
    """{facet: Q} for each facet with selected values (cleaned data of ClaimFilter)."""
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
    return {name: builders[name](cleaned[name]) for name in FACETS if cleaned.get(name)}


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


def apply(claims, active, *, leave_out=None):
    for name, condition in active.items():
        if name != leave_out:
            claims = claims.filter(condition)
    return claims


def facet_counts(claims, active, selected):
    """{facet: [FacetValue]}: six grouped queries over `claims` (already searched and scoped).

    `selected` is {facet: [(value, label)]}; a selected value that no longer matches anything is
    still listed, with 0, so that it can be unselected.
    """
    counts = {}
    for name in FACETS:
        matching = apply(claims, active, leave_out=name).values("pk")
        chosen = {str(value): label for value, label in selected.get(name, [])}
        values = [
            FacetValue(str(value), label, n, str(value) in chosen)
            for value, label, n in COUNTERS[name](matching, list(chosen))
        ]
        listed = {value.value for value in values}
        values += [
            FacetValue(value, label, 0, True)
            for value, label in chosen.items()
            if value not in listed
        ]
        counts[name] = values
    return counts


def _actor_counts(matching, chosen):
    links = ClaimActor.objects.filter(claim__in=matching)
    return _grouped(links, "person_id", "person__name", chosen)


def _topic_counts(matching, chosen):
    links = ClaimTopic.objects.filter(claim__in=matching)
    return _grouped(links, "topic_id", "topic__name", chosen)


def _outlet_counts(matching, chosen):
    links = ClaimArticle.objects.filter(claim__in=matching, article__outlet__isnull=False)
    return _grouped(links, "article__outlet_id", "article__outlet__name", chosen)


def _grouped(links, id_field, name_field, chosen):
    """(id, name, claims) per value of a claim's relation: the chosen values, then the most
    frequent others, up to VALUES_SHOWN of them."""
    rows = (
        links.values(id_field, name_field)
        .annotate(n=Count("claim_id", distinct=True), is_chosen=_chosen(id_field, chosen))
        .order_by("-is_chosen", "-n", name_field)[: VALUES_SHOWN + len(chosen)]
    )
    return [(row[id_field], row[name_field], row["n"]) for row in rows]


def _chosen(id_field, chosen):
    return Case(When(**{f"{id_field}__in": chosen}, then=1), default=0, output_field=IntegerField())


def _source_counts(matching, chosen):
    fields = ["publisher", "title", "kind", "date", "date_precision"]
    rows = (
        Claim.objects.filter(pk__in=matching, source__isnull=False)
        .values("source_id", *(f"source__{name}" for name in fields))
        .annotate(n=Count("pk"), is_chosen=_chosen("source_id", chosen))
        .order_by("-is_chosen", "-n", "source__publisher", "source_id")[
            : VALUES_SHOWN + len(chosen)
        ]
    )
    return [
        (
            row["source_id"],
            str(Source(**{name: row[f"source__{name}"] for name in fields})),
            row["n"],
        )
        for row in rows
    ]


def _status_counts(matching, chosen):
    labels = dict(Claim.Status.choices)
    rows = Claim.objects.filter(pk__in=matching).values("status").annotate(n=Count("pk"))
    by_status = {row["status"]: row["n"] for row in rows}
    return [(status, labels[status], by_status[status]) for status in labels if status in by_status]


def _period_counts(matching, chosen):
    """Years, newest first, then undated; each year carries its months for the histogram."""
    rows = (
        Claim.objects.filter(pk__in=matching)
        .annotate(
            year=ExtractYear("claimed_date"),
            month=Case(
                When(
                    claimed_date_precision__in=MONTH_PRECISIONS,
                    then=ExtractMonth("claimed_date"),
                ),
                output_field=IntegerField(),
            ),
        )
        .values("year", "month")
        .annotate(n=Count("pk"))
    )
    years, months = {}, {}
    for row in rows:
        year, month, n = row["year"], row["month"], row["n"]
        years[year] = years.get(year, 0) + n
        if year is not None and month is not None:
            months[f"{year}-{month:02d}"] = n
    result = [
        (str(year), str(year), years[year]) for year in sorted(filter(None, years), reverse=True)
    ]
    result += [
        (key, f"{MONTH_NAMES[int(key[5:]) - 1]} {key[:4]}", n)
        for key, n in sorted(months.items(), reverse=True)
    ]
    if None in years:
        result.append((UNDATED, "Date unknown", years[None]))
    return result


COUNTERS = {
    "actor": _actor_counts,
    "topic": _topic_counts,
    "outlet": _outlet_counts,
    "source": _source_counts,
    "status": _status_counts,
    "period": _period_counts,
}
