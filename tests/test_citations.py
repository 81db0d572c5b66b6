"""Cite boxes: a permalink and citations in plain text, Chicago, APA and BibTeX."""

import datetime

import pytest

from articles.models import Article, Quote
from claims.models import Claim
from core.citations import bibtex, citations
from core.dates import DatePrecision
from tests import factories

pytestmark = pytest.mark.django_db
ACCESSED = datetime.date(2026, 11, 22)


def test_an_article_citation_names_outlet_date_permalink_and_archive_dates(seed):
    article = Article.objects.get(slug="politico-plan-restructure-nato")
    cited = citations(article.citable("https://archive.example/articles/4/x/"), accessed=ACCESSED)
    assert cited["Chicago"] == (
        "Francis Tawiah (Duisburg-Germany). “[Trump plans to restructure NATO rather than leave "
        "it, according to Politico].” Unknown outlet, 4 July 2024. Archived in newsarchive, "
        "22 November 2026. Accessed 22 November 2026. https://archive.example/articles/4/x/."
    )
    assert cited["APA"].startswith("Francis Tawiah (Duisburg-Germany). (4 July 2024).")
    assert cited["APA"].endswith(
        "Retrieved November 22, 2026, from https://archive.example/articles/4/x/"
    )
    assert "(accessed 22 November 2026)" in cited["Plain text"]


def test_a_claim_citation_names_its_claimants(seed):
    claim = Claim.objects.for_detail_page().get(statement__startswith="Kevin Roberts expects")
    cited = citations(claim.citable("https://archive.example/claims/3/"), accessed=ACCESSED)
    assert cited["Plain text"].startswith("Kevin Roberts. “Kevin Roberts expects")
    assert "newsarchive, 2 July 2024." in cited["Plain text"]


def test_bibtex_is_an_entry_with_escaped_fields(seed):
    quote = Quote.objects.select_related("article__outlet").get(text="mistake")
    entry = bibtex(quote.citable("https://archive.example/quotes/4/"), ACCESSED)
    assert entry.startswith(f"@misc{{newsarchive-quote-{quote.pk},\n")
    assert "  author = {Donald Trump}," in entry
    assert "  year = {2024}," in entry
    assert "  note = {Archived 2026-11-22; accessed 2026-11-22}," in entry
    assert entry.endswith("}")
    item = quote.citable("https://archive.example/q/")
    item.title = "50% & {braces}"
    assert "{{50\\% \\& \\{braces\\}}}" in bibtex(item, ACCESSED)


@pytest.mark.parametrize("name", ["article", "claim", "person", "topic", "outlet", "source"])
def test_every_detail_page_has_a_cite_box(client, archive, name):
    response = client.get(archive[name].get_absolute_url())
    text = response.text
    assert '<section class="cite-box" aria-label="Cite">' in text
    assert f'value="http://testserver{archive[name].get_absolute_url()}"' in text
    for style in ["Plain text", "Chicago", "APA", "BibTeX"]:
        assert f">{style}</label>" in text
    assert 'class="copy-button" hidden' in text  # shown by copy.js where JavaScript runs


def test_the_claim_page_shows_provenance_in_date_order(client, seed):
    claim = Claim.objects.get(statement__startswith="A second Trump term would radically")
    response = client.get(claim.get_absolute_url())
    steps = response.context["claim"].provenance()
    assert [step.kind for step in steps] == [
        "original source", "reported", "reported", "said", "said", "said",
    ]  # fmt: skip
    assert steps[0].date_display == "2 July 2024"
    assert [step.date_display for step in steps[1:3]] == ["4 July 2024", "2024"]


def test_editor_notes_are_marked_as_such(client, archive):
    response = client.get(archive["claim"].get_absolute_url())
    assert '<section class="editor-notes">' in response.text
    assert "Two experts, one anonymous." in response.text


def test_the_article_page_lists_the_people_in_it(client, seed):
    article = Article.objects.get(slug="euromaidan-trump-nato-deal")
    response = client.get(article.get_absolute_url())
    names = [person.name for person in response.context["article"].people]
    assert names == ["Dan Caldwell", "Donald Trump", "Jeremy Shapiro", "Kevin Roberts"]


URL = "https://archive.example/cited/"
UTC = datetime.UTC


def cite(obj):
    return citations(obj.citable(URL), accessed=ACCESSED)


def test_an_article_with_outlet_byline_and_day_is_cited_in_every_format(db):
    article = factories.make_article(
        title="NATO_plan & 50%", byline="Jane Doe",
        outlet=factories.make_outlet(name="Euromaidan Press"),
        published_date=datetime.date(2024, 7, 2), published_date_precision=DatePrecision.DAY,
        archived_at=datetime.datetime(2026, 11, 20, tzinfo=UTC),
    )  # fmt: skip
    assert cite(article) == {
        "Plain text": "Jane Doe. “NATO_plan & 50%.” Euromaidan Press, 2 July 2024. Archived by "
        f"newsarchive, 20 November 2026. {URL} (accessed 22 November 2026).",
        "Chicago": "Jane Doe. “NATO_plan & 50%.” Euromaidan Press, 2 July 2024. Archived in "
        f"newsarchive, 20 November 2026. Accessed 22 November 2026. {URL}.",
        "APA": "Jane Doe. (2 July 2024). NATO_plan & 50%. Euromaidan Press. newsarchive. "
        f"Retrieved November 22, 2026, from {URL}",
        "BibTeX": f"@misc{{newsarchive-article-{article.pk},\n"
        "  title = {{NATO\\_plan \\& 50\\%}},\n  author = {Jane Doe},\n"
        "  howpublished = {Euromaidan Press, via newsarchive},\n  year = {2024},\n"
        f"  url = {{{URL}}},\n  note = {{Archived 2026-11-20; accessed 2026-11-22}},\n}}",
    }


def test_an_undated_article_without_outlet_names_its_authors_and_no_year(db):
    article = factories.make_article(
        title="Undated capture", title_is_supplied=True,
        archived_at=datetime.datetime(2026, 11, 21, tzinfo=UTC),
    )  # fmt: skip
    article.authors.set(
        [factories.make_person(name="Ann Author"), factories.make_person(name="Bo Writer")]
    )
    cited = cite(Article.objects.get(pk=article.pk))
    assert cited["APA"] == (
        "Ann Author, Bo Writer. (n.d.). [Undated capture]. Unknown outlet. newsarchive. "
        f"Retrieved November 22, 2026, from {URL}"
    )
    assert cited["BibTeX"] == (
        f"@misc{{newsarchive-article-{article.pk},\n  title = {{{{[Undated capture]}}}},\n"
        "  author = {Ann Author, Bo Writer},\n  howpublished = {Unknown outlet, via newsarchive},\n"
        f"  url = {{{URL}}},\n  note = {{Archived 2026-11-21; accessed 2026-11-22}},\n}}"
    )


def test_a_quote_is_dated_by_its_occasion_or_else_its_article(db):
    article = factories.make_article(
        title="A report", published_date=datetime.date(2024, 7, 2),
        published_date_precision=DatePrecision.DAY,
        archived_at=datetime.datetime(2026, 11, 20, tzinfo=UTC),
    )  # fmt: skip
    speaker = factories.make_person(name="Kevin Roberts")
    said = factories.make_quote(
        article, "I would expect a very quick deal to end the conflict", speaker=speaker,
        occasion_date=datetime.date(2024, 6, 1), occasion_date_precision=DatePrecision.MONTH,
    )  # fmt: skip
    reported = factories.make_quote(article, "according to a report by Politico")
    assert cite(said)["Chicago"] == (
        "Kevin Roberts. “Quote: I would expect a very quick deal to end the conflict.” A report, "
        f"June 2024. Archived in newsarchive, 20 November 2026. Accessed 22 November 2026. {URL}."
    )
    assert cite(reported)["Plain text"] == (
        "an anonymous source. “Quote: according to a report by Politico.” A report, 2 July 2024. "
        f"Archived by newsarchive, 20 November 2026. {URL} (accessed 22 November 2026)."
    )
    assert "  year = {2024},\n" in cite(reported)["BibTeX"]


def test_a_claim_is_cited_under_its_claimants_only_with_one_full_stop(db):
    claim = factories.make_claim(
        statement="Trump would cut aid.",
        actors=[factories.make_person(name="Kevin Roberts"),
                factories.make_person(name="J. D. Vance"),
                (factories.make_person(name="Subject Person"), "subject")],
        claimed_date=datetime.date(2024, 1, 1), claimed_date_precision=DatePrecision.YEAR,
    )  # fmt: skip
    Claim.objects.filter(pk=claim.pk).update(created_at=datetime.datetime(2026, 11, 19, tzinfo=UTC))
    assert cite(Claim.objects.for_detail_page().get(pk=claim.pk)) == {
        "Plain text": "J. D. Vance, Kevin Roberts. “Trump would cut aid.” newsarchive, 2024. "
        f"Archived by newsarchive, 19 November 2026. {URL} (accessed 22 November 2026).",
        "Chicago": "J. D. Vance, Kevin Roberts. “Trump would cut aid.” newsarchive, 2024. "
        f"Archived in newsarchive, 19 November 2026. Accessed 22 November 2026. {URL}.",
        "APA": "J. D. Vance, Kevin Roberts. (2024). Trump would cut aid. newsarchive. "
        f"Retrieved November 22, 2026, from {URL}",
        "BibTeX": f"@misc{{newsarchive-claim-{claim.pk},\n  title = {{{{Trump would cut aid.}}}},\n"
        "  author = {J. D. Vance, Kevin Roberts},\n  howpublished = {newsarchive},\n"
        f"  year = {{2024}},\n  url = {{{URL}}},\n"
        "  note = {Archived 2026-11-19; accessed 2026-11-22},\n}",
    }


def test_a_source_person_topic_and_outlet_are_cited_as_archive_pages(db):
    source = factories.make_source(
        publisher="Bloomberg", date=datetime.date(2024, 2, 1), date_precision=DatePrecision.MONTH
    )
    assert cite(source)["Chicago"] == (
        "Bloomberg. “Bloomberg news report (February 2024).” newsarchive, February 2024. "
        f"Accessed 22 November 2026. {URL}."
    )
    assert cite(source)["BibTeX"].endswith(
        f"  year = {{2024}},\n  url = {{{URL}}},\n  note = {{Accessed 2026-11-22}},\n}}"
    )
    for obj, key in [
        (factories.make_topic(name="NATO expansion"), "topic"),
        (factories.make_person(name="NATO expansion"), "person"),
        (factories.make_outlet(name="NATO expansion"), "outlet"),
    ]:
        assert cite(obj) == {
            "Plain text": f"“NATO expansion.” newsarchive. {URL} (accessed 22 November 2026).",
            "Chicago": f"“NATO expansion.” newsarchive. Accessed 22 November 2026. {URL}.",
            "APA": f"(n.d.). NATO expansion. newsarchive. Retrieved November 22, 2026, from {URL}",
            "BibTeX": f"@misc{{newsarchive-{key}-{obj.pk},\n  title = {{{{NATO expansion}}}},\n"
            f"  howpublished = {{newsarchive}},\n  url = {{{URL}}},\n"
            "  note = {Accessed 2026-11-22},\n}",
        }


def test_a_title_ending_in_x_keeps_its_x_unescaped(db):
    topic = factories.make_topic(name="SpaceX")
    cited = cite(topic)
    assert cited["Chicago"].startswith("“SpaceX.”")
    assert "  title = {{SpaceX}},\n" in cited["BibTeX"]


def test_a_sources_bibtex_key_names_it(db):
    source = factories.make_source(publisher="Bloomberg")
    assert cite(source)["BibTeX"].startswith(f"@misc{{newsarchive-source-{source.pk},\n")
