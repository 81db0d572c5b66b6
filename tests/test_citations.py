"""Cite boxes: a permalink and citations in plain text, Chicago, APA and BibTeX."""

import datetime

import pytest

from articles.models import Article, Quote
from claims.models import Claim
from newsarchive.citations import bibtex, citable, citations

pytestmark = pytest.mark.django_db
ACCESSED = datetime.date(2026, 11, 22)


def test_an_article_citation_names_outlet_date_permalink_and_archive_dates(seed):
    article = Article.objects.get(slug="politico-plan-restructure-nato")
    cited = citations(citable(article, "https://archive.example/articles/4/x/"), accessed=ACCESSED)
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
    cited = citations(citable(claim, "https://archive.example/claims/3/"), accessed=ACCESSED)
    assert cited["Plain text"].startswith("Kevin Roberts. “Kevin Roberts expects")
    assert "newsarchive, 2 July 2024." in cited["Plain text"]


def test_bibtex_is_an_entry_with_escaped_fields(seed):
    quote = Quote.objects.select_related("article__outlet").get(text="mistake")
    entry = bibtex(citable(quote, "https://archive.example/quotes/4/"), ACCESSED)
    assert entry.startswith(f"@misc{{newsarchive-quote-{quote.pk},\n")
    assert "  author = {Donald Trump}," in entry
    assert "  year = {2024}," in entry
    assert "  note = {Archived 2026-11-22; accessed 2026-11-22}," in entry
    assert entry.endswith("}")
    item = citable(quote, "https://archive.example/q/")
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
