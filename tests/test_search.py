"""Search over articles, quotes and claims: websearch syntax, aliases, ranking, safe highlights."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from articles.models import Article, Quote
from claims import search as search_module
from claims.models import Claim
from claims.search import (
    PAGE_SIZE,
    PREVIEW_SIZE,
    SUGGESTION_SIMILARITY,
    _phrases,
    _replace_words,
    highlight,
    prepare_search,
    search_articles,
    search_claims,
    search_everything,
    search_key,
    search_quotes,
    suggest,
)
from core.search import (
    MAX_QUERY_LENGTH,
    MAX_QUERY_WORDS,
    SEARCH_CONFIG,
    SearchTextField,
    normalise_search_text,
)
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


def test_or_in_either_case_is_an_operator_not_a_word_to_find(db):
    kudlow = factories.make_article(body="Larry Kudlow spoke to reporters on Tuesday.")
    caldwell = factories.make_article(body="Dan Caldwell spoke to reporters on Monday.")
    for typed in ["Kudlow OR Caldwell", "Kudlow or Caldwell"]:
        search = prepare_search(typed)
        assert search.text == "Kudlow OR Caldwell"
        found = search_articles(Article.objects.all(), search)
        assert set(found) == {kudlow, caldwell}, typed
    assert _phrases("Kudlow or Caldwell") == {"Kudlow", "Caldwell", "Kudlow Caldwell"}


def test_or_does_not_count_towards_the_words_a_search_may_have():
    words = list("abcdefghijklmnopqrstuvwxyz012345")
    typed = " OR ".join(words)  # 32 words and 31 ORs, within the 200 characters
    assert len(words) == MAX_QUERY_WORDS and len(typed) <= MAX_QUERY_LENGTH
    assert normalise_search_text(typed) == typed
    assert SearchTextField().clean(typed) == typed
    with pytest.raises(ValidationError, match="at most 32 words"):
        SearchTextField().clean(f"{typed} OR one-more")


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
    # Alias look-ups (people, topics, spelling variants). Then per kind its count, or for a
    # kind shown, its ranked ids with their count and its rows (claims with their sources,
    # quotes with speakers and articles, articles with outlets: 2). Articles shown also ask
    # whether the search is one word and rank first those with it in the title (2): "NATO" is
    # in fewer of the seed's titles than a page holds, so all that have it are ranked after.
    shown = {"all": 3, "claims": 1, "quotes": 1, "articles": 1}[kind]
    articles_shown = kind in ("all", "articles")
    with django_assert_num_queries(3 + (3 - shown) + 2 * shown + 2 * articles_shown):
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


def test_a_search_key_ignores_case_accents_and_punctuation():
    assert search_key("  Zelens'kyy, VOLODYMYR_ é ") == "zelens kyy volodymyr e"
    assert search_key("Kyiv–Kiev") == "kyiv kiev"


def test_phrases_are_runs_of_up_to_four_words_outside_quotes_exclusions_and_operators():
    assert _phrases('Donald Trump\'s plan OR "two tier" -Biden') == {
        "Donald", "Trump", "plan", "Donald Trump", "Trump plan", "Donald Trump plan",
    }  # fmt: skip
    assert _phrases("a b c d e") == {
        "a", "b", "c", "d", "e", "a b", "b c", "c d", "d e", "a b c", "b c d", "c d e",
        "a b c d", "b c d e",
    }  # fmt: skip
    assert _phrases("and not") == set()


def test_replacing_words_keeps_the_rest_of_the_query_and_replaces_once():
    assert _replace_words("Zelenskyy on NATO, Zelenskyy", "zelenskyy", '"Zelensky"') == (
        '"Zelensky" on NATO, Zelenskyy'
    )
    assert _replace_words("collective-defense pledge", "collective defense", '"Article 5"') == (
        '"Article 5" pledge'
    )


def test_a_person_found_by_surname_is_an_alias_of_every_other_name(db):
    person = factories.make_person(name="Volodymyr Zelensky", aliases=["Zelenskyy"])
    search = prepare_search("Zelenskyy talks")
    assert search.people == [person]
    assert [(a.kind, a.label, a.typed, a.names) for a in search.aliases] == [
        ("person", "Volodymyr Zelensky", "Zelenskyy", ["Volodymyr Zelensky"])
    ]
    by_surname = prepare_search("zelensky")
    assert [(a.typed, a.names) for a in by_surname.aliases] == [
        ("zelensky", ["Volodymyr Zelensky", "Zelenskyy"])
    ]


def test_a_topic_synonym_and_a_spelling_variant_are_aliases(db):
    factories.make_topic(name="Article 5", synonyms=["collective defense"])
    search = prepare_search("collective defense in Kyiv")
    assert sorted((a.kind, a.label, a.typed, a.names) for a in search.aliases) == [
        ("spelling", "Kyiv = Kiev", "Kyiv", ["Kiev"]),
        ("spelling", "defense = defence", "defense", ["defence"]),
        ("topic", "Article 5", "collective defense", ["Article 5"]),
    ]
    assert prepare_search("Article 5 pledge").topics[0].name == "Article 5"


def test_a_search_is_trimmed_and_needs_a_word(db):
    assert prepare_search("   ") is None
    assert prepare_search("!! ?? …") is None
    assert prepare_search("  NATO   summit ").text == "NATO summit"
    assert len(prepare_search("a" * 300).text) == MAX_QUERY_LENGTH == 200


@pytest.mark.parametrize(
    ("typed", "searched"),
    [
        ("-" * 40, ""),  # 33 NOTs with nothing to negate: "tsquery stack too small"
        ("- " * 40 + "NATO", "NATO"),
        ("(-" * 60, ""),
        ('"unterminated phrase', '"unterminated phrase"'),
        ('-"a phrase" OR -word', '-"a phrase" OR -word'),
        ("OR NATO or OR Ukraine OR", "NATO OR Ukraine"),
        ("far-right O'Brien U.S. --Kiev", "far-right O'Brien U.S -Kiev"),
        ("NATO:* & !Ukraine <-> (Russia)", "NATO Ukraine Russia"),
        ("w " * 40, "w " * 31 + "w"),  # the first 32 words
    ],
)
def test_search_text_is_rebuilt_from_what_a_search_can_use(typed, searched):
    assert normalise_search_text(typed) == searched


@settings(max_examples=300, deadline=None, database=None)
@given(
    st.text(alphabet="-\"!()|&:*<> 'aoORr.e1_@/\t", max_size=MAX_QUERY_LENGTH)
    | st.text(max_size=MAX_QUERY_LENGTH)
)
def test_postgresql_accepts_every_normalised_search(text):
    # In a savepoint, so that a refused query fails this example only.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT websearch_to_tsquery(%s::regconfig, %s)",
            [SEARCH_CONFIG, normalise_search_text(text)],
        )


def test_a_search_box_refuses_more_than_32_words(client, db):
    response = client.get(reverse("claims:claim_list"), {"q": "word " * 33})
    assert response.status_code == 400
    assert "A search may have at most 32 words." in response.text
    assert client.get(reverse("claims:claim_list"), {"q": "word " * 32}).status_code == 200


def test_claims_are_found_through_evidence_actors_and_topics(db):
    quote_article = factories.make_article(body="“Submarines first,” said the admiral.")
    by_quote = factories.make_claim(
        statement="A navy plan.", evidence=[factories.make_quote(quote_article, "Submarines first")]
    )
    by_actor = factories.make_claim(
        statement="A plan.", actors=[factories.make_person(name="Jens Stoltenberg")]
    )
    by_topic = factories.make_claim(
        statement="Another plan.", topics=[factories.make_topic(name="Black Sea")]
    )
    by_notes = factories.make_claim(statement="A fourth plan.", notes="About submarines.")
    factories.make_claim(statement="Unrelated.")
    assert claim_statements("submarines") == {by_quote.statement, by_notes.statement}
    assert claim_statements("Stoltenberg") == {by_actor.statement}
    assert claim_statements("Black Sea") == {by_topic.statement}


def test_a_direct_match_is_told_apart_from_one_through_an_alias(db):
    factories.make_person(name="Volodymyr Zelensky", aliases=["Zelenskyy"])
    direct = factories.make_claim(statement="Zelenskyy asks for jets.")
    through_alias = factories.make_claim(statement="Volodymyr Zelensky asks for tanks.")
    results = search_claims(Claim.objects.all(), prepare_search("Zelenskyy"))
    assert {claim.statement: claim.direct_match for claim in results} == {
        direct.statement: True, through_alias.statement: False
    }  # fmt: skip
    assert results.get(pk=direct.pk).headline == "\ue000Zelenskyy\ue001 asks for jets."


def test_did_you_mean_offers_the_closest_other_name(db):
    factories.make_person(name="Jens Stoltenberg")
    factories.make_topic(name="Sanctions")
    assert suggest("Stoltenburg") == "Jens Stoltenberg"
    assert suggest("Sanctons") == "Sanctions"
    assert suggest("Sanctions") is None  # the name itself is no suggestion
    assert suggest("zzzz") is None


def test_did_you_mean_offers_a_name_exactly_as_close_as_the_threshold(db):
    factories.make_person(name="Angela Merkel")  # word similarity with "Mrkel": exactly 0.5
    with connection.cursor() as cursor:
        # pg_trgm's own threshold (0.6) would leave it out of the index's candidates.
        cursor.execute("RESET pg_trgm.word_similarity_threshold")
    assert SUGGESTION_SIMILARITY == 0.5
    assert suggest("Mrkel") == "Angela Merkel"
    assert suggest("Mrkl") is None


def test_every_kind_shows_a_preview_and_one_kind_shows_a_page(db):
    for number in range(PAGE_SIZE + 3):
        factories.make_claim(statement=f"NATO claim {number}.")
    search = prepare_search("NATO")
    groups = search_everything(search)
    assert [(g.kind, g.count, len(g.page)) for g in groups if g.page] == [
        ("claims", 23, PREVIEW_SIZE)
    ]
    assert [(g.kind, g.page) for g in groups if not g.count] == [
        ("quotes", groups[1].page), ("articles", groups[2].page)
    ]  # fmt: skip
    first = search_everything(search, kind="claims")[0]
    assert (first.page.number, len(first.page)) == (1, PAGE_SIZE)
    claims, quotes, articles = search_everything(search, kind="claims", page_number=2)
    assert (claims.count, len(claims.page), claims.page.number) == (23, 3, 2)
    assert (quotes.page, articles.page) == (None, None)
    assert [claim.statement for claim in claims.page] == [
        "NATO claim 2.", "NATO claim 1.", "NATO claim 0."
    ]  # fmt: skip


def test_did_you_mean_takes_the_closest_of_several_names(db):
    for name in ["Stoltz", "Stoltenberg Foundation", "Jens Stoltenberg", "Jens Stolt"]:
        factories.make_person(name=name)
    assert suggest("Stoltenberg") == "Jens Stoltenberg"  # "Stoltenberg Foundation" is as close
    assert suggest("Jens Stoltenbrg") == "Jens Stoltenberg"


def test_results_are_ranked_best_first_and_each_kind_keeps_its_name(db):
    strong = factories.make_claim(statement="NATO, NATO and NATO: the NATO plan.")
    weak = factories.make_claim(statement="A plan that mentions NATO once.")
    search = prepare_search("NATO")
    groups = search_everything(search, kind="claims")
    assert [group.kind for group in groups] == ["claims", "quotes", "articles"]
    assert [claim.pk for claim in groups[0].page] == [strong.pk, weak.pk]
    assert groups[0].page.number == 1


def test_a_page_number_applies_only_to_the_kind_asked_for(db):
    for number in range(PREVIEW_SIZE + 1):
        factories.make_claim(statement=f"NATO claim {number}.")
    groups = search_everything(prepare_search("NATO"), kind="all", page_number=2)
    assert groups[0].page.number == 1


def test_quote_results_load_their_speakers_in_one_query(client, db, django_assert_num_queries):
    article = factories.make_article(body="“NATO first,” said A. “NATO second,” said B.")
    for text in ["NATO first", "NATO second"]:
        factories.make_quote(article, text, speaker=factories.make_person())
    # Alias look-ups (3), then a count per kind (3) and the quotes with speakers and articles.
    with django_assert_num_queries(3 + 3 + 1):
        response = client.get(URL, {"q": "NATO", "type": "quotes"})
    assert response.text.count("Person ") >= 2


def test_a_quote_and_a_claim_are_highlighted_whole_an_article_in_fragments(db):
    words = " ".join(f"word{number}" for number in range(60))
    article = factories.make_article(
        body=f"“{words} deal {words}.” " + " ".join(["filler"] * 80) + f" A deal. {words}"
    )
    factories.make_quote(article, f"{words} deal {words}")
    factories.make_claim(statement=f"{words} deal {words}")
    search = prepare_search("deal")
    (quote,) = search_quotes(Quote.objects.all(), search)
    assert quote.headline == f"{words} \ue000deal\ue001 {words}"
    (claim,) = search_claims(Claim.objects.all(), search)
    assert claim.headline == f"{words} \ue000deal\ue001 {words}"
    (found,) = search_articles(Article.objects.all(), search)
    assert found.headline.count("\ue000deal\ue001") == 2
    assert " … " in found.headline
    assert len(found.headline.split()) < 70


def test_a_row_deleted_between_its_rank_and_its_row_is_left_out(monkeypatch):
    for n in range(3):
        factories.make_article(title=f"Budget report {n}", body="The budget is fine.")
    ranked = search_module._ranked

    def deleted_meanwhile(rows, search, kind):
        Article.objects.filter(pk=min(rows.values_list("pk", flat=True))).delete()  # an editor
        return ranked(rows, search, kind)

    monkeypatch.setattr(search_module, "_ranked", deleted_meanwhile)
    articles = next(g for g in search_everything(prepare_search("budget")) if g.kind == "articles")
    assert len(articles.page.object_list) == 2
