"""The explorer's facet index (claims/facet_index.py): its counts, matches and order equal an
answer read with plain queries and worked out in Python, it is never stale after any kind of
change, and a page of the explorer takes a fixed number of queries."""

import datetime
import random
import re
from collections import Counter
from types import SimpleNamespace

import numpy as np
import psycopg
import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse

from claims import facet_index, facets
from claims.filters import ORDERINGS
from claims.models import Claim, ClaimActor
from claims.search import prepare_search, search_claims
from core.dates import DatePrecision
from tests import factories

URL = reverse("claims:claim_list")
MONTH = re.compile(r"^\d{4}-\d{2}$")  # the period facet lists months only of chosen years


@pytest.fixture
def every_value_listed(monkeypatch):
    monkeypatch.setattr(facets, "VALUES_SHOWN", 10**6)


@pytest.fixture(params=["every link", "links of the claims within"])
def counting(request, monkeypatch):
    """Each way a relation counts its values: over every link, or over the links of the claims
    within (a person's or a source's few claims), whatever share of the claims is within."""
    monkeypatch.setattr(facet_index, "FEW_CLAIMS", 0 if request.param == "every link" else 1.01)


@pytest.fixture
def corpus(transactional_db):
    """A few thousand synthetic claims (generate_corpus truncates and copies, so it commits)."""
    call_command("generate_corpus", claims=3000, seed=12)


def archive_values():
    """{claim id: {facet: values as the URL spells them}}, each read with a plain query."""
    archive = {}
    claims = Claim.objects.values_list(
        "pk", "status", "source_id", "claimed_date", "claimed_date_precision"
    )
    for pk, status, source, date, precision in claims:
        archive[pk] = {
            "actor": set(), "topic": set(), "outlet": set(), "status": {status},
            "source": {str(source)} if source else set(), "period": periods(date, precision),
            "date": date,
        }  # fmt: skip
    for claim, person in ClaimActor.objects.values_list("claim", "person"):
        archive[claim]["actor"].add(str(person))
    for claim, topic in Claim.topics.through.objects.values_list("claim", "topic"):
        archive[claim]["topic"].add(str(topic))
    reports = Claim.articles.through.objects.exclude(article__outlet=None)
    for claim, outlet in reports.values_list("claim", "article__outlet"):
        archive[claim]["outlet"].add(str(outlet))
    return archive


def periods(date, precision):
    if date is None:
        return {facets.UNDATED}
    if precision == DatePrecision.YEAR:
        return {str(date.year)}
    return {str(date.year), f"{date.year}-{date.month:02d}"}


def matches(values, filters, leave_out=None):
    return all(
        values[facet] & set(chosen) for facet, chosen in filters.items() if facet != leave_out
    )


def expected(archive, filters, scope=None):
    """(matching ids newest first, {facet: Counter}), counted the long way."""
    within = {pk: values for pk, values in archive.items() if matches(values, scope or {})}
    counts = {facet: Counter() for facet in facets.FACETS}
    for values in within.values():
        for facet in facets.FACETS:
            if matches(values, filters, leave_out=facet):
                counts[facet].update(values[facet])
    matching = [pk for pk, values in within.items() if matches(values, filters)]
    newest = sorted(
        matching,
        key=lambda pk: (archive[pk]["date"] is None, -_day(archive[pk]["date"]), -pk),
    )
    return newest, counts


def _day(date):
    return date.toordinal() if date else 0


def explore(client, url, filters):
    response = client.get(url, {**filters, "per_page": 100})
    assert response.status_code == 200, response.content.decode()[:1000]
    return response.context["exploration"]


def assert_explorer_matches(exploration, archive, filters, scope=None):
    newest, counts = expected(archive, filters, scope)
    assert exploration.page.paginator.count == len(newest), filters
    assert [claim.pk for claim in exploration.page] == newest[:100], filters
    shown = {
        facet: {value.value: value.count for value in values if value.count}
        for facet, values in exploration.facets.items()
    }
    for facet in ["actor", "topic", "outlet", "source", "status"]:
        assert shown[facet] == dict(counts[facet]), (facet, filters, scope)
    years_chosen = {period[:4] for period in filters.get("period", [])}
    assert shown["period"] == {
        period: n
        for period, n in counts["period"].items()
        if not MONTH.match(period) or period[:4] in years_chosen
    }, (filters, scope)


def random_filters(rng, archive):
    """Values of one to three facets, taken from random claims so that most views match some."""
    claims = list(archive.values())
    filters = {}
    for facet in rng.sample(facets.FACETS, rng.randint(1, 3)):
        chosen = set()
        for _ in range(rng.randint(1, 2)):
            values = sorted(rng.choice(claims)[facet])
            if values:
                chosen.add(rng.choice(values))
        if chosen:
            filters[facet] = sorted(chosen)
    return filters


def random_scope(rng, archive):
    """A topic, outlet, source or person page, or the explorer of every claim: (url, scope)."""
    kind = rng.choice(["all", "topic", "outlet", "source", "actor"])
    values = sorted({value for claim in archive.values() for value in claim.get(kind, ())})
    if kind == "all" or not values:
        return URL, None
    value = rng.choice(values)
    model = {
        "topic": Claim.topics.field.related_model,
        "outlet": Claim.articles.field.related_model.outlet.field.related_model,
        "source": Claim.source.field.related_model,
        "actor": Claim.actors.field.related_model,
    }[kind]
    return model.objects.get(pk=value).get_absolute_url(), {kind: [value]}


def test_counts_matches_and_order_equal_direct_answers_on_a_generated_corpus(
    client, corpus, every_value_listed, counting
):
    archive = archive_values()
    rng = random.Random(12)
    views_with_claims = 0
    for _ in range(25):
        filters = random_filters(rng, archive)
        url, scope = random_scope(rng, archive)
        exploration = explore(client, url, filters)
        assert_explorer_matches(exploration, archive, filters, scope)
        views_with_claims += bool(exploration.page.paginator.count)
    assert views_with_claims >= 10  # views that match nothing would prove little


def test_a_search_narrows_the_counts_and_ranks_the_page(client, corpus, every_value_listed):
    archive = archive_values()
    searched = search_claims(Claim.objects.all(), prepare_search("NATO"))
    found = {pk: archive[pk] for pk in searched.values_list("pk", flat=True)}
    assert 0 < len(found) < len(archive)
    statuses = {"status": ["reported", "disputed"]}
    newest = explore(client, URL, {"q": "NATO", "sort": "newest", **statuses})
    assert_explorer_matches(newest, found, statuses)
    by_relevance = explore(client, URL, {"q": "NATO", **statuses})
    ranked = searched.filter(status__in=statuses["status"]).order_by(*ORDERINGS["relevance"])
    assert [claim.pk for claim in by_relevance.page] == list(
        ranked.values_list("pk", flat=True)[:100]
    )


@pytest.fixture
def small_archive(transactional_db):
    outlets = [factories.make_outlet() for _ in range(2)]
    people = [factories.make_person() for _ in range(2)]
    topics = [factories.make_topic() for _ in range(2)]
    claims = [
        factories.make_claim(
            actors=[people[number % 2]],
            topics=[topics[number % 2]],
            articles=[factories.make_article(outlet=outlets[number % 2])],
            source=factories.make_source(),
            claimed_date=f"2024-0{number + 1}-15",
            claimed_date_precision=DatePrecision.DAY,
        )
        for number in range(4)
    ]
    return {"outlets": outlets, "topics": topics, "claims": claims}


def assert_index_is_current(client):
    archive = archive_values()
    assert_explorer_matches(explore(client, URL, {}), archive, {})
    filters = {"status": ["reported"]}
    assert_explorer_matches(explore(client, URL, filters), archive, filters)
    assert_links_are_as_built(facet_index.current_index("default"))


def assert_links_are_as_built(index):
    """The index's links by claim, as it followed the changes, equal those of an index built
    afresh."""
    with connection.cursor() as cursor:
        built = facet_index.relations_of(*facet_index._read(cursor))
    for name, relation in built.items():
        followed = index.relations[name].by_claim
        # Ids past the last claim's have no links: their starts run on after a deletion.
        ids = len(relation.by_claim.starts)
        assert followed.starts[:ids].tolist() == relation.by_claim.starts.tolist(), name
        assert set(followed.starts[ids:]) <= {followed.starts[-1]}, name
        assert followed.values.tolist() == relation.by_claim.values.tolist(), name


@pytest.fixture
def builds(monkeypatch):
    """How many times the facet index is built from scratch."""
    built = []
    build = facet_index.FacetIndex.build.__func__

    def counted_build(cls, cursor, read_in):
        built.append(read_in)
        return build(cls, cursor, read_in)

    monkeypatch.setattr(facet_index.FacetIndex, "build", classmethod(counted_build))
    return built


def test_the_index_follows_every_kind_of_change(client, small_archive, builds, counting):
    claims, topics, outlets = (small_archive[key] for key in ["claims", "topics", "outlets"])
    assert_index_is_current(client)
    assert len(builds) == 1
    # An editor's save, as the admin makes it.
    claims[0].status = Claim.Status.DISPUTED
    claims[0].full_clean()
    claims[0].save()
    assert_index_is_current(client)
    claims[1].topics.set(topics)
    assert_index_is_current(client)
    Claim.objects.filter(pk__in=[claims[2].pk, claims[3].pk]).update(
        status=Claim.Status.CORROBORATED, claimed_date=None, claimed_date_precision="unknown"
    )
    assert_index_is_current(client)
    article = claims[3].articles.get()
    article.outlet = outlets[0]
    article.save()
    assert_index_is_current(client)
    claims[2].delete()
    assert_index_is_current(client)
    # A revert to the first version, as the history admin makes it.
    claims[0].history.earliest().instance.save()
    assert Claim.objects.get(pk=claims[0].pk).status == Claim.Status.REPORTED
    assert_index_is_current(client)
    assert len(builds) == 1, "each change re-reads the claims it touched, nothing more"
    newest = factories.make_claim(statement="A claim added last.", topics=topics)
    assert_index_is_current(client)
    # The claim with the highest id deleted, then another changed: ids shrink back.
    newest.delete()
    assert_index_is_current(client)
    claims[1].topics.set(topics[:1])
    assert_index_is_current(client)
    assert len(builds) == 1


def test_a_change_that_cannot_say_what_it_touched_rebuilds_the_index(client, small_archive, builds):
    assert_index_is_current(client)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE claims_claim_topics")
    assert_index_is_current(client)
    assert len(builds) == 2


def test_an_index_older_than_the_change_log_rebuilds(client, small_archive, builds):
    assert_index_is_current(client)
    index = facet_index.current_index("default")
    index.read_in.taken_at -= facet_index.OLDEST_FOLLOWED
    assert_index_is_current(client)
    assert len(builds) == 2


def test_changes_rolled_back_leave_nothing_behind_in_the_index(client, small_archive, builds):
    """A view inside a transaction sees its uncommitted claims; once that transaction rolls
    back, the index must not keep them."""
    claims, topics = small_archive["claims"], small_archive["topics"]
    with pytest.raises(RuntimeError), transaction.atomic():
        claims[0].topics.set(topics)
        factories.make_claim(statement="A claim rolled back.", topics=topics)
        Claim.objects.filter(pk=claims[1].pk).update(status=Claim.Status.DISPUTED)
        assert_index_is_current(client)
        raise RuntimeError("roll back")
    assert_index_is_current(client)
    assert len(builds) == 1


@pytest.mark.django_db
def test_a_transactions_own_changes_are_followed_after_later_ones_commit(client):
    """A view inside a transaction that writes (an editor's, a test's) sees its own changes
    made after the index was read, even once a transaction begun later has committed: a
    snapshot then counts the writer's own id among the finished ones, so the log's "not seen
    by the index's snapshot" can't find them (a clean clone's full run missed a new claim)."""
    factories.make_claim(statement="A claim made first.")
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
        other.execute("SELECT pg_current_xact_id()")
    assert_index_is_current(client)
    factories.make_claim(statement="A claim made after the index was read.")
    assert_index_is_current(client)


def test_a_view_with_a_warm_index_takes_a_fixed_number_of_queries(
    client, transactional_db, django_assert_num_queries
):
    """Committed claims: an index read inside the transaction that wrote them re-reads them."""
    topic = factories.make_topic()
    for number in range(30):
        factories.make_claim(
            actors=[factories.make_person()],
            topics=[topic] if number else [factories.make_topic()],
            articles=[factories.make_article(outlet=factories.make_outlet())],
            source=factories.make_source(),
        )
    client.get(URL)  # builds the index
    for per_page in [10, 100]:
        for filters in [{}, {"topic": [str(topic.pk)]}, {"status": "reported"}]:
            # The snapshot's BEGIN, SET TRANSACTION and COMMIT; the changes since the index was
            # read, names of the people, topics and outlets listed, sources listed, the page of
            # claims and its prefetches (topics, actors, articles), plus the check that a chosen
            # topic exists.
            with django_assert_num_queries(10 + len(filters.get("topic", []))):
                response = client.get(URL, {**filters, "per_page": per_page})
            assert response.status_code == 200


@pytest.mark.django_db
def test_a_far_off_year_is_counted_not_wrapped_around(client, db):
    """A typo such as 5024 for 2024: the period arithmetic must not overflow."""
    for year in (2024, 5024):
        factories.make_claim(
            statement=f"A claim of {year}.",
            claimed_date=datetime.date(year, 7, 1),
            claimed_date_precision="month",
        )
    response = client.get("/claims/", {"period": "5024"})
    assert response.status_code == 200
    periods = {
        value.value: value.count for value in response.context["exploration"].facets["period"]
    }
    assert periods["2024"] == periods["5024"] == periods["5024-07"] == 1


@pytest.mark.django_db
def test_claims_without_a_source_count_for_none_and_a_day_lists_oldest_by_id():
    politico = factories.make_source()
    day = {"claimed_date": "2024-07-02", "claimed_date_precision": DatePrecision.DAY}
    sourced = [factories.make_claim(source=politico, **day) for _ in range(2)]
    unsourced = [factories.make_claim(**day) for _ in range(3)]
    with facet_index.snapshot("default"):
        index = facet_index.current_index("default")
    everything = index.everything()
    source_ids, claims = index.count("source", everything)
    assert (source_ids.tolist(), claims.tolist()) == ([politico.pk], [2])
    in_order = [claim.pk for claim in sorted(sourced + unsourced, key=lambda claim: claim.pk)]
    assert list(index.ids_in_order(everything, "oldest")) == in_order
    assert list(index.ids_in_order(everything, "newest")) == in_order[::-1]


def test_a_slice_of_the_ordered_ids_equals_that_slice_of_all_of_them(monkeypatch):
    """Pages are read from how many Trues each chunk of the mask holds: every slice, in either
    order, across chunks, empty ones among them, and past the dated claims into the undated."""
    monkeypatch.setattr(facet_index, "TRUES_CHUNK", 4)
    rng = np.random.default_rng(25)
    cases = [(0, 0, 0.5), (50, 50, 0.3), (50, 30, 0.05), (61, 20, 0.6), (9, 0, 1)]
    for size, dated, share in cases:
        index = SimpleNamespace(ids=rng.permutation(10 * size), dated=dated)
        matching = rng.random(size) < share
        newest = index.ids[np.flatnonzero(matching)].tolist()
        dated_ids = index.ids[np.flatnonzero(matching[:dated])].tolist()
        oldest = dated_ids[::-1] + newest[len(dated_ids) :][::-1]
        for sort, expected in [("newest", newest), ("oldest", oldest)]:
            ordered = facet_index.OrderedIds(index, matching, reverse=sort == "oldest")
            assert len(ordered) == len(expected)
            assert list(ordered) == expected
            for start in range(len(expected) + 2):
                for length in [1, 3, 7, 50]:
                    page = slice(start, start + length)
                    assert ordered[page].tolist() == expected[page], (size, sort, page)


@pytest.mark.django_db
def test_a_search_that_finds_nothing_shows_no_claims_and_counts_none(client):
    """Ranked by relevance, the search's ids are an empty list: still ids, not a float array."""
    factories.make_claim(statement="A claim about tariffs.", topics=[factories.make_topic()])
    assert explore(client, URL, {"q": "tariffs"}).page.paginator.count == 1
    exploration = explore(client, URL, {"q": "zeppelin"})
    assert exploration.sort == "relevance"
    assert exploration.page.paginator.count == 0
    assert not any(value.count for values in exploration.facets.values() for value in values)


def test_counting_the_links_of_the_claims_within_equals_counting_every_link(monkeypatch):
    """Random links and random edits of them, each counted both ways within random sets of
    claims, from a few to all; and the links grouped by claim follow the edits exactly."""
    rng = np.random.default_rng(25)
    claim_ids = np.arange(1, 400)
    links = random_links(rng, claim_ids)
    relation = facet_index.Relation.of(links, claim_ids.max() + 1)
    for edit in range(10):
        # Some claims edited, a few deleted, and every other time the newest deleted or one added.
        changed = rng.choice(claim_ids, size=rng.integers(1, 40), replace=False)
        deleted = [*changed[:3], *([claim_ids.max()] if edit % 2 else [])]
        added = [] if edit % 2 else [claim_ids.max() + 1 + rng.integers(0, 3)]
        # As FacetIndex.updated: a mask over the ids of the claims it held and those changed.
        unchanged = np.ones(max([claim_ids.max(), *added]) + 1, dtype=bool)
        unchanged[[*changed, *deleted, *added]] = False
        claim_ids = np.union1d(np.setdiff1d(claim_ids, deleted), added).astype(np.int64)
        new_links = random_links(rng, claim_ids[~unchanged[claim_ids]])
        links = np.concatenate([links[unchanged[links[:, 1]]], new_links])
        relation = relation.updated(unchanged, new_links)
        built = facet_index.Relation.of(links, claim_ids.max() + 1)
        # Ids past the newest claim's have no links: their starts run on after a deletion.
        followed, ids = relation.by_claim, len(built.by_claim.starts)
        assert followed.starts[:ids].tolist() == built.by_claim.starts.tolist()
        assert set(followed.starts[ids:]) <= {followed.starts[-1]}
        assert followed.values.tolist() == built.by_claim.values.tolist()
        position_of = np.full(claim_ids.max() + 1, -1)
        position_of[claim_ids] = rng.permutation(len(claim_ids))
        relation.place(position_of)
        ids = np.empty(len(claim_ids), dtype=np.int64)
        ids[position_of[claim_ids]] = claim_ids
        for share in [0, 0.01, 0.1, 0.5, 1]:
            within = rng.random(len(ids)) < share
            counted = []
            for few_claims in [0, 1.01]:  # every link, then the links of the claims within
                monkeypatch.setattr(facet_index, "FEW_CLAIMS", few_claims)
                counted.append([array.tolist() for array in relation.count(within, ids)])
            assert counted[0] == counted[1]
            linked = links[within[position_of[links[:, 1]]]]
            assert dict(zip(*counted[0], strict=True)) == Counter(linked[:, 2].tolist())


def random_links(rng, claim_ids):
    """Rows of (facet, claim id, value id): none to four distinct values of a claim."""
    return np.array(
        [
            (0, claim, value)
            for claim in claim_ids
            for value in rng.choice(60, size=rng.integers(0, 5), replace=False)
        ],
        dtype=np.int64,
    ).reshape(-1, 3)
