"""Search reads the indexes (issue #25): on a generated corpus the claim search's claims,
counts and order equal the plain OR filter's it replaced, and its plan never reads every claim;
every kind's pages equal the slices of all it finds, ranked; people are found by their keys."""

import random
import re
from collections import Counter

import pytest
from django.contrib.postgres.search import SearchRank
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import F, Q
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from articles.models import Article, Person, Quote
from claims import explorer
from claims.explorer import claim_ids, explore
from claims.filters import ORDERINGS, ClaimFilter
from claims.models import Claim, ClaimActor, Topic
from claims.search import (
    PAGE_SIZE,
    _one_snapshot_on_one_core,
    prepare_search,
    search_articles,
    search_claims,
    search_everything,
    search_quotes,
)
from tests import factories


@pytest.fixture
def corpus(transactional_db):
    """A few thousand synthetic claims (generate_corpus truncates and copies, so it commits),
    some with quotes as evidence, which the corpus doesn't make."""
    call_command("generate_corpus", claims=3000, seed=12)
    rng = random.Random(12)
    claims = list(Claim.objects.order_by("pk"))
    for article in Article.objects.order_by("pk")[:40]:
        quote = factories.make_quote(article, " ".join(article.body.split()[:6]))
        for claim in rng.sample(claims, 3):
            claim.evidence.add(quote)


def or_filter(claims, search):
    """The claim search before issue #25: the match ORed with IN-subqueries, which made
    PostgreSQL read every claim; the answer the new plan must equal."""
    evidence = Claim.evidence.through.objects.filter(quote__search_vector=search.query)
    named = Q(pk__in=ClaimActor.objects.filter(person__in=search.people).values("claim"))
    named |= Q(pk__in=Claim.topics.through.objects.filter(topic__in=search.topics).values("claim"))
    matching = claims.filter(
        Q(search_vector=search.query) | Q(pk__in=evidence.values("claim")) | named
    )
    return matching.annotate(rank=SearchRank(F("search_vector"), search.query))


def searches():
    """Searches of every shape: words in many claims and in few, a person's and a topic's
    name, a phrase, OR, an exclusion, a quote's words and a word nothing has."""
    claims_with = Counter(
        word
        for statement in Claim.objects.values_list("statement", flat=True)
        for word in set(re.findall(r"[a-z]{5,}", statement.lower()))
    )
    by_share = sorted(claims_with, key=lambda word: (claims_with[word], word))
    share = {word: count / Claim.objects.count() for word, count in claims_with.items()}
    frequent = min(by_share, key=lambda word: abs(share[word] - 0.05))
    rare = min(by_share, key=lambda word: abs(share[word] - 0.005))
    excluded = min(by_share, key=lambda word: abs(share[word] - 0.1))
    quote = Claim.evidence.through.objects.order_by("pk").first().quote
    return [
        frequent,
        rare,
        Person.objects.get(pk=1).name,
        Topic.objects.get(pk=1).name,
        f'"{quote.text.split()[1]} {quote.text.split()[2]}"',
        f"{frequent} OR {rare}",
        f"{frequent} -{excluded}",
        quote.text,
        "zzzxqv",
    ]


def test_claims_counts_and_order_equal_the_or_filters_on_a_generated_corpus(corpus):
    found_somewhere = 0
    for text in searches():
        search = prepare_search(text)
        for ordering in [["-rank", "-pk"], ORDERINGS["relevance"]]:
            expected = or_filter(Claim.objects.all(), search).order_by(*ordering)
            searched = search_claims(Claim.objects.all(), search).order_by(*ordering)
            assert list(searched.values_list("pk", "rank")) == list(
                expected.values_list("pk", "rank")
            ), text
        groups = search_everything(search, kind="claims")
        assert groups[0].count == expected.count(), text
        assert [claim.pk for claim in groups[0].page] == list(
            expected.order_by("-rank", "-pk").values_list("pk", flat=True)[:20]
        ), text
        found_somewhere += bool(groups[0].count)
    assert found_somewhere >= 7  # searches that find nothing would prove little


def test_every_kinds_pages_and_counts_equal_ranking_all_it_finds(corpus):
    """search_everything ranks only ids and loads the rows shown: its pages are the slices of
    every row found, ranked."""
    searchers = {
        "claims": lambda search: search_claims(Claim.objects.all(), search),
        "quotes": lambda search: search_quotes(Quote.objects.all(), search),
        "articles": lambda search: search_articles(Article.objects.all(), search),
    }
    for text in searches():
        search = prepare_search(text)
        for kind, searcher in searchers.items():
            ranked = list(searcher(search).order_by("-rank", "-pk").values_list("pk", "rank"))
            pages = [1, 2] if len(ranked) > PAGE_SIZE else [1]
            for number in pages:
                groups = search_everything(search, kind=kind, page_number=number)
                (group,) = [group for group in groups if group.kind == kind]
                assert group.count == len(ranked), (text, kind)
                shown = ranked[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
                assert [(row.pk, row.rank) for row in group.page] == shown, (text, kind, number)


def test_the_explorer_ranks_and_counts_a_search_as_the_or_filter_does(corpus):
    for text in searches()[:5]:
        search = prepare_search(text)
        exploration = explore(QueryDict(f"q={text}&topic=1&per_page=100"), "/claims/")
        expected = (
            or_filter(Claim.objects.all(), search)
            .filter(topics=1)
            .order_by(*ORDERINGS["relevance"])
            .values_list("pk", flat=True)
        )
        assert exploration.page.paginator.count == expected.count(), text
        assert [claim.pk for claim in exploration.page] == list(expected[:100]), text


@pytest.mark.parametrize("few_claims", [0, 10**6], ids=["every claim", "among the filtered"])
def test_a_search_among_the_claims_the_filters_leave_equals_one_among_all(
    corpus, monkeypatch, few_claims
):
    """The explorer and the API search by id among the claims the filters leave when they are
    few (claims.explorer._search): the ids, their order and counts are the SQL filter's."""
    monkeypatch.setattr(explorer, "FEW_CLAIMS_SEARCHED", few_claims)
    topic, person = Topic.objects.order_by("pk").first(), Person.objects.order_by("pk").first()
    for text in searches():
        for filters in [
            f"topic={topic.pk}",
            f"actor={person.pk}&status=reported",
            f"topic={topic.pk}&sort=oldest",
        ]:
            parameters = QueryDict(f"q={text}&{filters}&per_page=100")
            filterset = ClaimFilter(parameters, Claim.objects.all())
            assert filterset.is_valid()
            expected = list(filterset.qs.values_list("pk", flat=True))
            assert list(claim_ids(filterset, "default")) == expected, (text, filters)
            exploration = explore(parameters, "/claims/")
            assert exploration.page.paginator.count == len(expected), (text, filters)
            assert [claim.pk for claim in exploration.page] == expected[:100], (text, filters)


SEQUENTIAL_SCAN_OF_CLAIMS = re.compile(r"Seq Scan on claims_claim(?!_)")


def plan(queryset, *, off=("enable_seqscan",)):
    """The plan of the query counting the queryset, with sequential scans (and any other plan
    types named in `off`) made a last resort: a plan that still reads every row has no other
    way to answer."""
    sql, parameters = queryset.values("pk").query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        for setting in off:
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute(f"EXPLAIN SELECT count(*) FROM ({sql}) found", parameters)
        return "\n".join(row for (row,) in cursor.fetchall())


@pytest.mark.parametrize(
    "text", ["NATO", "Zelenskyy", "collective defense", '"Article 5"', "NATO -Russia"]
)
def test_a_claim_search_reads_the_indexes_never_every_claim(seed, text):
    search = prepare_search(text)
    assert SEQUENTIAL_SCAN_OF_CLAIMS.search(plan(or_filter(Claim.objects.all(), search)))
    searched = plan(search_claims(Claim.objects.all(), search))
    assert not SEQUENTIAL_SCAN_OF_CLAIMS.search(searched), searched
    assert "Bitmap Index Scan on claim_search_vector" in searched


def test_the_people_a_search_names_are_found_through_their_keys_index(seed):
    people = Person.objects.matching_any(["Zelenskyy", "Stoltenberg"])
    sql, parameters = people.values("pk").query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", parameters)
        explained = "\n".join(row for (row,) in cursor.fetchall())
    assert "Bitmap Index Scan on person_search_keys" in explained, explained
    assert "Seq Scan on articles_person" not in explained, explained


@pytest.mark.parametrize("kind", ["quote", "article"])
def test_a_quote_or_article_search_can_read_its_index(seed, kind):
    """On the seed's few rows a full scan of any index is as cheap, so those are off too."""
    searchers = {"quote": search_quotes, "article": search_articles}
    model = {"quote": Quote, "article": Article}[kind]
    found = searchers[kind](model.objects.all(), prepare_search("NATO Zelenskyy"))
    searched = plan(found, off=["enable_seqscan", "enable_indexscan"])
    assert f"Seq Scan on articles_{kind} " not in searched, searched
    assert f"Bitmap Index Scan on {kind}_search_vector" in searched, searched


def test_an_article_with_the_word_in_its_title_outranks_any_without(db):
    """Why one word's articles can be ranked from their titles alone (claims.search): one
    mention in the title scores more than any number in the body."""
    in_title = factories.make_article(title="Sanctions", body="Nothing else about them.")
    in_body = factories.make_article(title="A report", body="Sanctions. " * 300)
    ranks = dict(
        search_articles(Article.objects.all(), prepare_search("sanctions")).values_list(
            "pk", "rank"
        )
    )
    assert ranks[in_title.pk] >= 0.6 > 0.4 >= ranks[in_body.pk]


@pytest.fixture
def articles_about_sanctions(db):
    """45 articles with "sanctions" in the title, 30 with it only in the body, each a varied
    number of times, and 5 without it."""
    for number in range(45):
        factories.make_article(
            title=f"Sanctions, part {number}", body="More on sanctions. " * (number % 4) + "End."
        )
    for number in range(30):
        factories.make_article(title=f"Report {number}", body="Sanctions. " * (1 + number % 7))
    for number in range(5):
        factories.make_article(title=f"Other {number}", body="Tariffs.")


@pytest.mark.parametrize(
    ("text", "kind", "number", "rankings"),
    [
        # A preview of 5, and pages of 20, ranked from the 45 with the word in the title, also
        # when typed with an accent or after a stop word (the same one word to PostgreSQL).
        ("sanctions", "all", 1, ["titles"]),
        ("Sanctións", "articles", 1, ["titles"]),
        ("the sanctions", "articles", 2, ["titles"]),
        # 41 to 60: past those 45, so every article found is ranked.
        ("sanctions", "articles", 3, ["titles", "every"]),
        # Not one word: two words, or one that PostgreSQL parses into three.
        ("sanctions OR tariffs", "articles", 1, ["every"]),
        ("sanctions-free", "articles", 1, ["every"]),
    ],
)
def test_an_article_page_ranked_from_the_titles_equals_ranking_every_article_found(
    articles_about_sanctions, text, kind, number, rankings
):
    search = prepare_search(text)
    every = list(
        search_articles(Article.objects.all(), search)
        .order_by("-rank", "-pk")
        .values_list("pk", "rank")
    )
    with CaptureQueriesContext(connection) as queries:
        groups = search_everything(search, kind=kind, page_number=number)
    (group,) = [group for group in groups if group.kind == "articles"]
    size = 5 if kind == "all" else PAGE_SIZE
    assert group.count == len(every)
    assert [(row.pk, row.rank) for row in group.page] == every[(number - 1) * size :][:size]
    ranked = [
        "titles" if 'COALESCE("articles_article"."title"' in query["sql"] else "every"
        for query in queries
        if query["sql"].startswith(
            'WITH found (id, rank) AS MATERIALIZED (SELECT "articles_article"'
        )
    ]
    assert ranked == rankings


def test_a_one_word_article_search_reads_the_titles_index(articles_about_sanctions):
    """The index's expression and the search's must be the same SQL for it to be read."""
    factories.make_article(title="Embargo news", body="An embargo.")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE articles_article")
    with_title = Article.objects.with_title_matching(prepare_search("embargo").query)
    assert "Bitmap Index Scan on article_title_search_vector" in plan(with_title)


def test_each_kind_is_read_in_one_snapshot_without_parallel_workers(transactional_db):
    settings = (
        "SELECT current_setting('transaction_isolation'),"
        " current_setting('max_parallel_workers_per_gather')"
    )
    with _one_snapshot_on_one_core(Article), connection.cursor() as cursor:
        cursor.execute(settings)
        assert cursor.fetchone() == ("repeatable read", "0")
    with connection.cursor() as cursor:
        cursor.execute(settings)
        isolation, workers = cursor.fetchone()
    assert isolation == "read committed" and workers != "0"  # for that transaction only
