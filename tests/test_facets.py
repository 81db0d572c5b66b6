"""Facet counts: OR within a facet, AND across facets, each counted without its own filter."""

import itertools

import pytest

from articles.models import Outlet, Person
from claims import facets
from claims.models import Claim, ClaimActor, Topic
from claims.search import prepare_search, search_claims
from tests import factories

pytestmark = pytest.mark.django_db


def counts_for(cleaned, claims=None):
    claims = claims if claims is not None else Claim.objects.all()
    active = facets.conditions(cleaned)
    return {
        name: {value.value: value.count for value in values}
        for name, values in facets.facet_counts(claims, active, {}).items()
    }


def direct_ids(*, actors=(), topics=(), statuses=(), outlets=()):
    """The matching claims, found the long way: one plain filter per facet."""
    claims = Claim.objects.all()
    if actors:
        claims = claims.filter(claim_actors__person__in=actors)
    if topics:
        claims = claims.filter(pk__in=Claim.objects.filter(topics__in=topics).values("pk"))
    if statuses:
        claims = claims.filter(status__in=statuses)
    if outlets:
        claims = claims.filter(pk__in=Claim.objects.filter(articles__outlet__in=outlets))
    return set(claims.values_list("pk", flat=True))


def topic_count_directly(topic, **filters):
    return len(direct_ids(**filters) & set(topic.claims.values_list("pk", flat=True)))


def test_topic_counts_match_direct_queries_for_every_pair_of_actors(seed):
    people = list(Person.objects.filter(claim_roles__isnull=False).distinct()[:5])
    for pair in itertools.combinations(people, 2):
        counts = counts_for({"actor": list(pair)})["topic"]
        for topic in Topic.objects.all():
            expected = topic_count_directly(topic, actors=pair)
            assert counts.get(str(topic.pk), 0) == expected, (pair, topic)


def test_values_within_a_facet_combine_with_or(seed):
    trump = ClaimActor.objects.filter(person__slug="donald-trump").values("claim")
    putin = ClaimActor.objects.filter(person__slug="vladimir-putin").values("claim")
    both = list(Person.objects.filter(slug__in=["donald-trump", "vladimir-putin"]))
    status_count = counts_for({"actor": both})["status"]["reported"]
    assert (
        status_count
        == Claim.objects.filter(pk__in=trump).union(Claim.objects.filter(pk__in=putin)).count()
    )


def test_facets_combine_with_and_and_each_leaves_out_its_own_filter(seed):
    trump = Person.objects.get(slug="donald-trump")
    article_5 = Topic.objects.get(slug="article-5")
    counts = counts_for({"actor": [trump], "topic": [article_5]})
    # The topic facet counts Trump's claims per topic (its own filter left out)...
    assert counts["topic"][str(article_5.pk)] == len(direct_ids(actors=[trump], topics=[article_5]))
    assert counts["topic"] == {
        str(topic.pk): topic_count_directly(topic, actors=[trump])
        for topic in Topic.objects.all()
        if topic_count_directly(topic, actors=[trump])
    }
    # ...and the status facet counts claims that match both.
    assert counts["status"]["reported"] == len(direct_ids(actors=[trump], topics=[article_5]))


def test_outlet_counts_match_direct_queries(seed):
    outlet = Outlet.objects.get()
    for topic in Topic.objects.all():
        counts = counts_for({"topic": [topic]})["outlet"]
        assert counts.get(str(outlet.pk), 0) == len(direct_ids(topics=[topic], outlets=[outlet]))


def test_period_counts_years_months_and_undated(seed):
    counts = counts_for({})["period"]
    dated = Claim.objects.filter(claimed_date__isnull=False)
    assert counts["2024"] == dated.filter(claimed_date__year=2024).count()
    assert counts["2023"] == dated.filter(claimed_date__year=2023).count()
    assert (
        counts["2024-07"]
        == dated.filter(
            claimed_date__year=2024,
            claimed_date__month=7,
            claimed_date_precision__in=["day", "month"],
        ).count()
    )
    assert counts[facets.UNDATED] == Claim.objects.filter(claimed_date__isnull=True).count()


def test_a_year_only_date_is_not_counted_in_january(seed):
    claim = Claim.objects.filter(claimed_date__isnull=False).first()
    Claim.objects.filter(pk=claim.pk).update(
        claimed_date="2022-01-01", claimed_date_precision="year"
    )
    counts = counts_for({})["period"]
    assert counts["2022"] == 1
    assert "2022-01" not in counts


def test_counts_follow_the_search(seed):
    search = prepare_search("tariffs")
    searched = search_claims(Claim.objects.all(), search)
    counts = counts_for({}, claims=searched)
    assert sum(counts["status"].values()) == searched.count() >= 1


def test_a_selected_value_with_no_matches_is_still_listed(seed):
    kudlow = Person.objects.get(slug="larry-kudlow")
    nato = Topic.objects.get(slug="nato-expansion")
    active = facets.conditions({"actor": [kudlow], "topic": [nato]})
    selected = {"topic": [(str(nato.pk), nato.name)]}
    topic_values = facets.facet_counts(Claim.objects.all(), active, selected)["topic"]
    listed = {value.value: (value.count, value.selected) for value in topic_values}
    assert listed[str(nato.pk)] == (0, True)


def test_facet_counting_takes_one_query_per_facet(seed, django_assert_num_queries):
    active = facets.conditions({"actor": list(Person.objects.all()[:3])})
    with django_assert_num_queries(len(facets.FACETS)):
        facets.facet_counts(Claim.objects.all(), active, {})


def test_a_facet_lists_its_chosen_values_and_the_most_frequent_others(seed, monkeypatch):
    monkeypatch.setattr(facets, "VALUES_SHOWN", 2)
    rare = Topic.objects.get(slug="tariffs")  # one claim: never among the two most frequent
    selected = {"topic": [(str(rare.pk), rare.name)]}
    active = facets.conditions({"topic": [rare]})
    values = facets.facet_counts(Claim.objects.all(), active, selected)["topic"]
    assert len(values) == 3
    assert (values[0].value, values[0].count, values[0].selected) == (str(rare.pk), 1, True)
    counts = [value.count for value in values[1:]]
    assert counts == sorted(counts, reverse=True)
    assert counts[0] == max(topic.claims.count() for topic in Topic.objects.all())


def facet_html(page, name):
    start = page.index(f'data-facet="{name}"')
    return page[start : page.index("</details>", start)]


def test_an_empty_facet_says_what_these_claims_lack_never_none(client):
    topic = factories.make_topic(name="Tariffs")
    factories.make_claim(topics=[topic])  # no original source, no reporting article
    page = client.get(topic.get_absolute_url()).text
    assert "No reporting outlet recorded for these claims" in facet_html(page, "outlet")
    assert "No original source recorded for these claims" in facet_html(page, "source")
    assert ">None<" not in page
    nothing = client.get("/claims/", {"q": "zyzzyva"}).text
    for name in facets.FACETS:
        assert "No claims to count" in facet_html(nothing, name)
    assert ">None<" not in nothing
