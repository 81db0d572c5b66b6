"""The explorer's facet counts, period filters and sorts, compared on a varied archive with an
answer worked out independently: each claim's values read with plain queries, counted in Python."""

import itertools
import re
from collections import Counter

import pytest

from claims.facets import FACETS, conditions, facet_counts
from claims.models import Claim, ClaimActor
from core.dates import DatePrecision
from tests.varied_archive import build_varied_archive

pytestmark = pytest.mark.django_db
URL = "/claims/"
MONTH = re.compile(r"^\d{4}-\d{2}$")  # the period facet lists months only of chosen years


@pytest.fixture
def varied():
    return build_varied_archive()


def values_of(claim):
    """{facet: the values the claim has in it}, each read directly."""
    return {
        "actor": {str(pk) for pk in ClaimActor.objects.filter(claim=claim).values_list(
            "person_id", flat=True)},
        "topic": {str(pk) for pk in claim.topics.values_list("pk", flat=True)},
        "outlet": {str(pk) for pk in claim.articles.exclude(outlet=None).values_list(
            "outlet_id", flat=True)},
        "source": {str(claim.source_id)} if claim.source_id else set(),
        "status": {claim.status},
        "period": periods_of(claim),
    }  # fmt: skip


def periods_of(claim):
    if claim.claimed_date is None:
        return {"undated"}
    year = str(claim.claimed_date.year)
    if claim.claimed_date_precision == DatePrecision.YEAR:
        return {year}
    return {year, f"{year}-{claim.claimed_date.month:02d}"}


def matches(values, filters, leave_out=None):
    return all(
        values[facet] & set(chosen) for facet, chosen in filters.items() if facet != leave_out
    )


def expected(filters):
    """(matching claim ids, {facet: Counter of value -> claims}) for the filters."""
    archive = {claim.pk: values_of(claim) for claim in Claim.objects.all()}
    counts = {facet: Counter() for facet in FACETS}
    for values in archive.values():
        for facet in FACETS:
            if matches(values, filters, leave_out=facet):
                counts[facet].update(values[facet])
    return {pk for pk, values in archive.items() if matches(values, filters)}, counts


def explore(client, filters, **parameters):
    response = client.get(URL, {**filters, "per_page": 100, **parameters})
    assert response.status_code == 200, response.content.decode()[:1000]
    return response.context["exploration"]


def shown_counts(exploration):
    return {
        facet: {value.value: value.count for value in values if value.count}
        for facet, values in exploration.facets.items()
    }


def candidate_filters(varied):
    """A few choices per facet: one value, and several (OR)."""
    pk = lambda *keys: [str(varied[key].pk) for key in keys]  # noqa: E731
    return {
        "actor": [pk("p1"), pk("p3", "p4")],
        "topic": [pk("t1"), pk("t2", "t3")],
        "outlet": [pk("o1"), pk("o2", "o3")],
        "source": [pk("s1")],
        "status": [["reported"], ["disputed", "retracted"]],
        "period": [["2024"], ["2024-07"], ["2024-01"], ["undated"], ["2023", "undated"]],
    }


def combinations(varied, size):
    choices = candidate_filters(varied)
    for facets in itertools.combinations(FACETS, size):
        for values in itertools.product(*(choices[facet] for facet in facets)):
            yield dict(zip(facets, values, strict=True))


def assert_counts_match(exploration, filters):
    matching, counts = expected(filters)
    assert {claim.pk for claim in exploration.page} == matching, filters
    shown = shown_counts(exploration)
    for facet in ["actor", "topic", "outlet", "source", "status"]:
        assert shown[facet] == dict(counts[facet]), (facet, filters)
    years_chosen = {period[:4] for period in filters.get("period", [])}
    expected_periods = {
        value: n
        for value, n in counts["period"].items()
        if not MONTH.match(value) or value[:4] in years_chosen
    }
    assert shown["period"] == expected_periods, filters


def test_every_facet_counts_each_claim_once_with_no_filter(client, varied):
    exploration = explore(client, {})
    assert_counts_match(exploration, {})
    counts = shown_counts(exploration)
    # Claim 1 is reported by two articles of one outlet, and Person 1 has two roles in it.
    assert counts["outlet"][str(varied["o1"].pk)] == 6
    assert counts["actor"][str(varied["p1"].pk)] == 4
    assert counts["period"] == {"2024": 7, "2023": 3, "2022": 1, "undated": 2}
    assert counts["status"] == {
        "reported": 5, "corroborated": 2, "disputed": 3, "denied": 1, "retracted": 2
    }  # fmt: skip


def test_the_outlet_facet_lists_no_value_for_articles_without_an_outlet(client, varied):
    values = explore(client, {}).facets["outlet"]
    assert sorted(value.label for value in values) == ["Alpha Times", "Beta Post", "Gamma Wire"]


@pytest.mark.parametrize("size", [1, 2])
def test_counts_match_direct_answers_for_every_filter_and_pair(client, varied, size):
    for filters in combinations(varied, size):
        assert_counts_match(explore(client, filters), filters)


def test_counts_match_direct_answers_for_three_filters(client, varied):
    for number, filters in enumerate(combinations(varied, 3)):
        if number % 7 == 0:  # a spread of the 300-odd triples keeps this quick
            assert_counts_match(explore(client, filters), filters)


def claim_numbers(varied, exploration):
    numbers = {claim.pk: number for number, claim in enumerate(varied["claims"], 1)}
    return [numbers[claim.pk] for claim in exploration.page]


@pytest.mark.parametrize(
    ("period", "numbers"),
    [
        ("2024", {1, 2, 3, 4, 5, 12, 13}),
        ("2024-07", {1, 2, 12, 13}),
        # Claim 3 is known only to the year 2024 (stored as 1 January): not a January claim.
        ("2024-01", {4, 5}),
        ("2023-01", set()),
        ("undated", {6, 7}),
        ("2022", {11}),
        (["undated", "2022", "2023-12"], {6, 7, 11, 8}),
        (["2024-01", "2023", "2022-03"], {4, 5, 8, 9, 10, 11}),
    ],
)
def test_a_period_filter_matches_by_the_dates_precision(client, varied, period, numbers):
    assert set(claim_numbers(varied, explore(client, {"period": period}))) == numbers


def test_newest_first_puts_undated_claims_last_and_breaks_ties_by_newest_claim(client, varied):
    newest = claim_numbers(varied, explore(client, {}, sort="newest"))
    assert newest == [12, 1, 13, 2, 4, 5, 3, 8, 10, 9, 11, 7, 6]


def test_oldest_first_puts_undated_claims_last_and_breaks_ties_by_oldest_claim(client, varied):
    oldest = claim_numbers(varied, explore(client, {}, sort="oldest"))
    assert oldest == [11, 9, 10, 8, 3, 5, 4, 2, 13, 1, 12, 6, 7]


def listing(varied, facet, cleaned=None, selected=None):
    """(value, label, count, selected) of one facet, in the order the explorer lists them."""
    counts = facet_counts(Claim.objects.all(), conditions(cleaned or {}), selected or {})
    return [(v.value, v.label, v.count, v.selected) for v in counts[facet]]


def test_relation_facets_list_most_claims_first_then_by_name(varied):
    pk = {key: str(varied[key].pk) for key in ["p1", "p2", "p3", "p4", "p5", "o1", "o2", "o3"]}
    assert listing(varied, "actor") == [
        (pk["p1"], "Person 1", 4, False), (pk["p2"], "Person 2", 4, False),
        (pk["p4"], "Person 4", 3, False), (pk["p3"], "Person 3", 2, False),
        (pk["p5"], "Person 5", 2, False),
    ]  # fmt: skip
    assert listing(varied, "outlet") == [
        (pk["o1"], "Alpha Times", 6, False), (pk["o2"], "Beta Post", 3, False),
        (pk["o3"], "Gamma Wire", 3, False),
    ]  # fmt: skip


def test_sources_are_labelled_and_statuses_follow_the_workflow_order(varied):
    s1, s2 = str(varied["s1"].pk), str(varied["s2"].pk)
    assert listing(varied, "source") == [
        (s1, "[Politico report on NATO] (date unknown)", 4, False),
        (s2, "[Bloomberg report] (date unknown)", 3, False),
    ]
    assert listing(varied, "status") == [
        ("reported", "Reported", 5, False), ("corroborated", "Corroborated", 2, False),
        ("disputed", "Disputed", 3, False), ("denied", "Denied", 1, False),
        ("retracted", "Retracted", 2, False),
    ]  # fmt: skip


def test_periods_list_years_newest_first_then_months_then_undated(varied):
    assert listing(varied, "period") == [
        ("2024", "2024", 7, False), ("2023", "2023", 3, False), ("2022", "2022", 1, False),
        ("2024-07", "Jul 2024", 4, False), ("2024-01", "Jan 2024", 2, False),
        ("2023-12", "Dec 2023", 1, False), ("2023-07", "Jul 2023", 1, False),
        ("2022-03", "Mar 2022", 1, False), ("undated", "Date unknown", 2, False),
    ]  # fmt: skip


def test_chosen_values_come_first_or_stay_listed_at_zero(varied):
    t1, t2, t3, t4 = (varied[key] for key in ["t1", "t2", "t3", "t4"])
    cleaned = {"topic": [t4, t2], "status": ["corroborated"]}
    selected = {
        "topic": [(str(t4.pk), t4.name), (str(t2.pk), t2.name)],
        "status": [("corroborated", "Corroborated")],
    }
    assert listing(varied, "topic", cleaned, selected) == [
        (str(t2.pk), "Ukraine aid", 1, True), (str(t1.pk), "NATO expansion", 1, False),
        (str(t4.pk), "Sanctions", 0, True),
    ]  # fmt: skip
    cleaned, selected = {"topic": [t4]}, {"topic": [(str(t4.pk), t4.name)]}
    assert listing(varied, "topic", cleaned, selected)[:2] == [
        (str(t4.pk), "Sanctions", 2, True), (str(t1.pk), "NATO expansion", 6, False),
    ]  # fmt: skip
    assert str(t3.pk) in [value for value, *_ in listing(varied, "topic", cleaned, selected)]
    assert listing(varied, "status", {"topic": [t4]}) == [
        ("reported", "Reported", 1, False), ("retracted", "Retracted", 1, False),
    ]  # fmt: skip
