"""Search over articles, quotes and claims: websearch syntax, aliases, ranking, safe highlights."""

import pytest
from django.urls import reverse

from articles.models import Article
from claims.models import Claim
from claims.search import highlight, prepare_search, search_articles, search_claims
from tests import factories

pytestmark = pytest.mark.django_db
URL = reverse("claims:search")


def article_slugs(text):
    results = search_articles(Article.objects.all(), prepare_search(text))
    return set(results.values_list("slug", flat=True))


def claim_statements(text):
    results = search_claims(Claim.objects.all(), prepare_search(text))
    return set(results.values_list("statement", flat=True))


def test_searching_zelenskyy_finds_zelensky(seed):
    assert "bloomberg-report-ukraine-talks-a" in article_slugs("Zelenskyy")  # "Vladimir Zelensky"


def test_searching_kyiv_finds_kiev(seed):
    # Capture 001 writes "Kiev" only; capture 004 writes "Kyiv".
    assert article_slugs("Kyiv") == {
        "bloomberg-report-ukraine-talks-a",
        "bloomberg-report-ukraine-talks-b",
    }
    assert article_slugs("Kiev") == article_slugs("Kyiv")


def test_searching_collective_defense_finds_article_5_claims(seed):
    article_5 = set(
        Claim.objects.filter(topics__slug="article-5").values_list("statement", flat=True)
    )
    assert article_5 <= claim_statements("collective defense")


def test_the_result_says_it_matched_an_alias(client, seed):
    response = client.get(URL, {"q": "Zelenskyy", "type": "articles"})
    assert "Also searched:" in response.text
    assert "Vladimir Zelensky" in response.text
    assert "other names of Volodymyr Zelenskyy" in response.text
    assert "Matched through Volodymyr Zelenskyy, not the words as typed" in response.text


def test_websearch_syntax_phrases_or_and_exclusion(seed):
    assert article_slugs('"radical reorientation"') == {"euromaidan-trump-nato-deal"}
    assert article_slugs("Kudlow OR Caldwell") == {
        "euromaidan-trump-nato-deal",
        "bloomberg-report-ukraine-talks-b",
    }
    assert article_slugs("Bloomberg -Kudlow") == {"bloomberg-report-ukraine-talks-a"}


def test_search_ignores_accents(seed):
    assert article_slugs("Kellógg") == article_slugs("Kellogg") == {"euromaidan-trump-nato-deal"}


def test_a_match_in_the_title_ranks_above_one_in_the_body(db):
    body_only = factories.make_article(title="A report", body="Sanctions were discussed at length.")
    in_title = factories.make_article(title="Sanctions", body="They were discussed at length.")
    results = search_articles(Article.objects.all(), prepare_search("sanctions")).order_by("-rank")
    assert list(results) == [in_title, body_only]


def test_highlighting_escapes_markup_in_archived_text(client, db):
    body = 'He wrote “<script>alert(1)</script>” and <img src=x onerror="alert(2)"> about tariffs.'
    article = factories.make_article(title="Tariffs <b>now</b>", body=body)
    factories.make_quote(article, "<script>alert(1)</script>", speaker_label="someone")
    factories.make_claim(statement='Tariffs <img src=x onerror="alert(3)">', articles=[article])
    response = client.get(URL, {"q": "tariffs"})
    text = response.text
    assert "<script>alert" not in text
    assert "<img src=x" not in text
    assert "&lt;img src=x onerror=" in text
    assert "<mark>" in text


def test_the_highlight_helper_marks_only_what_postgresql_marked():
    assert highlight("a <b> \ue000word\ue001") == "a &lt;b&gt; <mark>word</mark>"


def test_results_are_grouped_by_type_with_counts(client, seed):
    response = client.get(URL, {"q": "Bloomberg"})
    groups = {group.kind: group.count for group in response.context["groups"]}
    assert set(groups) == {"claims", "quotes", "articles"}
    assert groups["articles"] == 2
    assert 'href="?q=Bloomberg&amp;type=articles"' in response.text


def test_a_misspelled_name_offers_did_you_mean(client, seed):
    response = client.get(URL, {"q": "Stoltenburg"})
    assert "Did you mean" in response.text
    assert '<a href="?q=Jens%20Stoltenberg">Jens Stoltenberg</a>' in response.text


@pytest.mark.parametrize("kind", ["all", "claims", "quotes", "articles"])
def test_search_has_a_fixed_number_of_queries(client, seed, django_assert_num_queries, kind):
    # Alias look-ups (people, topics, spelling variants), then per kind a count, and for each
    # kind shown its rows: claims with their sources and topics (2), quotes with speakers and
    # articles (1), articles with outlets (1).
    shown_rows = {"all": 4, "claims": 2, "quotes": 1, "articles": 1}[kind]
    with django_assert_num_queries(3 + 3 + shown_rows):
        response = client.get(URL, {"q": "NATO", "type": kind})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "parameters", [{"q": "NATO", "type": "people"}, {"q": "NATO", "page": "0"}, {"q": "x" * 201}]
)
def test_bad_search_parameters_are_a_400_with_a_message(client, db, parameters):
    response = client.get(URL, parameters)
    assert response.status_code == 400
    assert "That search can't be run." in response.text


def test_an_empty_search_explains_the_syntax(client, db):
    response = client.get(URL)
    assert response.status_code == 200
    assert "-word to exclude" in response.text
