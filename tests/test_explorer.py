"""The claim explorer page: canonical URLs, chips, sorting, paging, and bad parameters."""

import re
import threading

import pytest
from django.db import connection
from django.urls import reverse

from articles.models import Person
from claims import explorer
from claims.models import Claim, ClaimActor, Topic
from tests import factories

pytestmark = pytest.mark.django_db
URL = reverse("claims:claim_list")


def canonical(response):
    return re.search(r'<link rel="canonical" href="http://testserver([^"]*)">', response.text)[1]


def ids(*slugs):
    return [str(Person.objects.get(slug=slug).pk) for slug in slugs]


def test_it_lists_every_claim(client, seed):
    response = client.get(URL)
    assert response.status_code == 200
    assert f"<strong>{Claim.objects.count()}</strong> claims" in response.text


def test_the_canonical_url_is_the_same_in_any_parameter_order(client, seed):
    trump, putin = ids("donald-trump", "vladimir-putin")
    topic = str(Topic.objects.get(slug="peace-negotiations").pk)
    orders = [
        f"?topic={topic}&actor={putin}&actor={trump}&status=reported",
        f"?status=reported&actor={trump}&topic={topic}&actor={putin}",
        f"?actor={putin}&status=reported&topic={topic}&actor={trump}&page=1&per_page=25",
    ]
    urls = {canonical(client.get(URL + order)) for order in orders}
    first, second = sorted([trump, putin], key=int)
    assert urls == {f"{URL}?actor={first}&amp;actor={second}&amp;topic={topic}&amp;status=reported"}


def test_a_chip_removes_its_filter_in_one_click(client, seed):
    trump, putin = ids("donald-trump", "vladimir-putin")
    response = client.get(URL, {"actor": [trump, putin], "status": "reported"})
    assert 'aria-label="Remove Actor Donald Trump"' in response.text
    remove_trump = re.search(
        r'<a class="chip-remove" href="([^"]*)" aria-label="Remove Actor Donald Trump"',
        response.text,
    )[1].replace("&amp;", "&")
    assert remove_trump == f"{URL}?actor={putin}&status=reported"
    assert f'<a class="clear-all" href="{URL}">Clear all</a>' in response.text


def test_facet_values_link_to_the_view_with_that_value_added(client, seed):
    (trump,) = ids("donald-trump")
    response = client.get(URL, {"actor": trump})
    kudlow = Person.objects.get(slug="larry-kudlow")
    # Kudlow's claims are not Trump's, so with Trump chosen the actor facet still offers him,
    # counted over the other filters only (there are none), as an OR.
    assert f"actor={min(int(trump), kudlow.pk)}&amp;actor={max(int(trump), kudlow.pk)}" in (
        response.text
    )


def test_sorting_newest_and_oldest(client, seed):
    newest = client.get(URL, {"sort": "newest", "per_page": 10}).context["exploration"]
    oldest = client.get(URL, {"sort": "oldest", "per_page": 10}).context["exploration"]
    newest_dates = [claim.claimed_date for claim in newest.page.object_list if claim.claimed_date]
    oldest_dates = [claim.claimed_date for claim in oldest.page.object_list if claim.claimed_date]
    assert newest_dates == sorted(newest_dates, reverse=True)
    assert oldest_dates == sorted(oldest_dates)


def test_searching_sorts_by_relevance_by_default(client, seed):
    exploration = client.get(URL, {"q": "two-tier NATO"}).context["exploration"]
    ranks = [claim.rank for claim in exploration.page.object_list]
    assert exploration.sort == "relevance"
    assert ranks == sorted(ranks, reverse=True)


def test_pages_and_page_sizes(client, seed):
    total = Claim.objects.count()
    full_pages = (total - 1) // 10
    first = client.get(URL, {"per_page": 10}).context["exploration"]
    last = client.get(URL, {"per_page": 10, "page": full_pages + 1}).context["exploration"]
    assert len(first.page.object_list) == 10
    assert len(last.page.object_list) == total - 10 * full_pages > 0
    assert not {c.pk for c in first.page.object_list} & {c.pk for c in last.page.object_list}


@pytest.mark.parametrize("per_page", [10, 25, 50, 100])
def test_the_list_has_a_fixed_number_of_queries_whatever_the_page_size(
    client, db, django_assert_num_queries, per_page
):
    for _ in range(30):
        person = factories.make_person()
        article = factories.make_article(outlet=factories.make_outlet())
        factories.make_claim(
            actors=[person], topics=[factories.make_topic()], articles=[article],
            source=factories.make_source(),
        )  # fmt: skip
    # The facet index's version, its rebuild (claims, links: the archive has just changed),
    # the names of the people, topics and outlets listed, the sources listed, the page of
    # claims with sources, and what its rows show: topics, actors' names, reporting outlets'
    # names. Counting is the index's, without queries.
    with django_assert_num_queries(9):
        response = client.get(URL, {"per_page": per_page})
    assert response.status_code == 200


def test_a_row_names_its_actors_topics_and_reporting_outlets(client, db):
    addressee = factories.make_person(name="Zed <Addressee>")
    claimant = factories.make_person(name="Ann Claimant")
    topics = [factories.make_topic(name=name) for name in ["Trade", "Defence"]]
    outlet = factories.make_outlet(name="The Times")
    articles = [
        factories.make_article(outlet=outlet),
        factories.make_article(outlet=outlet),
        factories.make_article(outlet=None),
        factories.make_article(outlet=None),
    ]
    factories.make_claim(
        actors=[(addressee, ClaimActor.Role.ADDRESSEE), claimant], topics=topics,
        articles=articles,
    )  # fmt: skip
    row = client.get(URL).text
    # In ClaimActor's order (by role, then name); names escaped.
    assert "· Zed &lt;Addressee&gt;, Ann Claimant" in row
    defence, trade = sorted(topics, key=lambda topic: topic.name)
    assert (
        f'<a class="tag" href="{defence.get_absolute_url()}">Defence</a>'
        f'<a class="tag" href="{trade.get_absolute_url()}">Trade</a>'
    ) in row
    assert "<span>Reported by The Times, 2 unknown outlets</span>" in row


def test_filters_add_their_validation_query_and_nothing_per_row(
    client, seed, django_assert_num_queries
):
    trump, putin = ids("donald-trump", "vladimir-putin")
    # The explorer's 9 queries, plus the check that the actor ids exist, plus the alias
    # look-ups of the search (people, topics, spelling variants), plus the search's ids, plus
    # the ranks of those the filters leave (few: ranked apart, claims.explorer._matching).
    with django_assert_num_queries(9 + 1 + 3 + 2):
        response = client.get(URL, {"actor": [trump, putin], "q": "NATO", "per_page": 100})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"actor": "999999"}, "Actor: Select a valid choice. 999999 is not one of"),
        ({"actor": "Trump"}, "Actor: “Trump” is not a valid value."),
        ({"topic": "1.5"}, "Topic:"),
        ({"status": "true"}, "Status: Select a valid choice."),
        ({"period": "July 2024"}, "“July 2024” is not a period"),
        ({"period": "2024-13"}, "“2024-13” is not a period"),
        ({"period": "0000"}, "“0000” is not a period"),
        ({"sort": "random"}, "Sort: Select a valid choice."),
        ({"per_page": "1000000"}, "Page size: Select a valid choice."),
        ({"page": "two"}, "Page: Enter a number."),
        ({"page": "0"}, "Page: Ensure this value is greater than or equal to 1."),
        ({"page": "99"}, "There is no page 99"),
        ({"q": "x" * 201}, "Search: Ensure this value has at most 200 characters"),
    ],
)
def test_a_bad_parameter_is_a_400_with_a_message_and_no_claims(client, seed, parameters, message):
    response = client.get(URL, parameters)
    assert response.status_code == 400
    assert message in response.text
    assert 'class="explorer-results"' not in response.text


def test_the_histogram_draws_years_and_drills_into_a_year(client, seed):
    years = client.get(URL).context["exploration"].histogram
    assert [bar.label for bar in years] == ["2023", "2024"]
    assert all("period=" in bar.url for bar in years)
    months = client.get(URL, {"period": "2024"}).context["exploration"].histogram
    assert [bar.label for bar in months][:2] == ["Jan", "Feb"]
    assert len(months) == 12
    february = months[1]
    assert (
        february.count
        == Claim.objects.filter(
            claimed_date__year=2024,
            claimed_date__month=2,
            claimed_date_precision__in=["day", "month"],
        ).count()
    )
    assert "period=2024-02" in february.url


def test_a_misspelled_name_offers_did_you_mean(client, seed):
    response = client.get(URL, {"q": "Stoltenburg"})
    assert "Did you mean" in response.text
    assert "Jens Stoltenberg" in response.text


def test_topic_page_has_the_explorer_scoped_to_the_topic(client, seed):
    topic = Topic.objects.get(slug="article-5")
    exploration = client.get(topic.get_absolute_url()).context["exploration"]
    assert exploration.page.paginator.count == topic.claims.count()
    assert exploration.path == topic.get_absolute_url()
    assert {str(topic.pk)} == {
        v.value for v in exploration.facets["topic"] if v.count == topic.claims.count()
    }


def test_person_page_searches_within_their_quotes_and_claims(client, seed):
    trump = Person.objects.get(slug="donald-trump")
    response = client.get(trump.get_absolute_url(), {"q": "Oval Office"})
    assert response.status_code == 200
    assert [quote.text for quote in response.context["quotes"]] == [
        "before I even arrive at the Oval Office, shortly after we win the presidency"
    ]
    assert response.context["exploration"].page.paginator.count == 1


def in_another_connection(change):
    """Run change() in a thread of its own, so on a connection of its own, committed there."""

    def run():
        try:
            change()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)


@pytest.mark.django_db(transaction=True)
def test_counts_and_rows_are_read_in_one_snapshot_whatever_is_committed_between(
    client, monkeypatch
):
    topic = factories.make_topic(name="NATO expansion")
    claims = [factories.make_claim(topics=[topic]) for _ in range(3)]
    load_rows = explorer._rows

    def rows_after_other_writes(filterset, ids, using):
        # Between the index's counts and the rows: an editor deletes a listed claim, edits
        # another and adds one, and commits.
        in_another_connection(lambda: Claim.objects.filter(pk=claims[0].pk).delete())
        in_another_connection(
            lambda: Claim.objects.filter(pk=claims[1].pk).update(statement="Edited since.")
        )
        in_another_connection(lambda: factories.make_claim(topics=[topic]))
        return load_rows(filterset, ids, using)

    monkeypatch.setattr(explorer, "_rows", rows_after_other_writes)
    response = client.get(URL)
    assert response.status_code == 200
    assert "<strong>3</strong> claims" in response.text
    for claim in claims:
        assert claim.statement in response.text  # as of the counts' snapshot
    assert "Edited since." not in response.text
    monkeypatch.undo()
    assert "<strong>3</strong> claims" in client.get(URL).text  # the changes, seen now
