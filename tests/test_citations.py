"""Cite boxes: permalinks, and citations rendered by a CSL processor from CSL-JSON, and BibTeX."""

import datetime
import json
import re
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from articles.models import Article, Capture, Quote
from claims.models import Claim
from core import citations as citations_module
from core.citations import STYLES, bibtex, byline_names, citations, of_version, person_name
from core.dates import DatePrecision
from tests import factories

pytestmark = pytest.mark.django_db
ACCESSED = datetime.date(2026, 11, 22)


def test_an_article_is_cited_from_its_outlet_and_date_with_no_archived_date_unless_captured(seed):
    article = Article.objects.get(slug="politico-plan-restructure-nato")
    cited = citations(article.citable("https://archive.example/articles/4/x/"), accessed=ACCESSED)
    # Its outlet is unknown: none is named.
    assert cited["Chicago (notes and bibliography)"] == (
        "Tawiah, Francis. [Trump Plans to Restructure NATO Rather Than Leave It, According to "
        "Politico]. July 4, 2024. newsarchive. https://archive.example/articles/4/x/."
    )
    assert cited["APA"].startswith("Tawiah, F. (2024, July 4).")
    # The seed's captures say nothing of when they were made: the day the archive loaded them
    # is not an archived date.
    assert "Archived" not in cited["Plain text"] and "Archived" not in cited["BibTeX"]
    assert "(accessed 22 November 2026)" in cited["Plain text"]


def test_a_claim_citation_names_its_claimants(seed):
    claim = Claim.objects.for_detail_page().get(statement__startswith="Kevin Roberts said")
    cited = citations(claim.citable("https://archive.example/claims/3/"), accessed=ACCESSED)
    assert cited["Plain text"].startswith("Kevin Roberts. “Kevin Roberts said he would expect")
    assert "newsarchive, 2 July 2024." in cited["Plain text"]


def test_bibtex_is_an_entry_with_escaped_fields(seed):
    quote = Quote.objects.select_related("article__outlet").get(text="mistake")
    entry = bibtex(quote.citable("https://archive.example/quotes/4/"), ACCESSED)
    assert entry.startswith(f"@misc{{newsarchive-quote-{quote.pk},\n")
    assert "  author = {Trump, Donald}," in entry
    assert "  year = {2024}," in entry
    assert "  note = {Accessed 2026-11-22}," in entry
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
    for style in ["Plain text", "APA", "Chicago (author-date)", "Chicago (notes and bibliography)",
                  "MLA", "Harvard", "BibTeX", "CSL-JSON"]:  # fmt: skip
        assert f">{style}</label>" in text
    assert 'class="copy-button" hidden' in text  # shown by copy.js where JavaScript runs


def test_the_claim_page_shows_provenance_in_date_order(client, seed):
    claim = Claim.objects.get(statement__contains="radical reorientation")
    response = client.get(claim.get_absolute_url())
    steps = response.context["claim"].provenance()
    assert [step.kind for step in steps] == ["original source", "reported", "said", "reported"]
    assert [step.date_display for step in steps] == [
        "2 July 2024", "4 July 2024", "reported 2024", "2024"
    ]  # fmt: skip


def test_words_with_no_date_of_their_own_are_dated_by_the_article_that_reported_them(client, db):
    dated = factories.make_article(
        published_date=datetime.date(2024, 7, 2), published_date_precision=DatePrecision.DAY
    )
    undated = factories.make_article()
    at_a_rally = factories.make_quote(dated, "I would expect a very quick deal", occasion="a rally")
    said_sometime = factories.make_quote(undated, "to end the conflict")
    claim = factories.make_claim(articles=[dated], evidence=[at_a_rally, said_sometime])

    page = client.get(claim.get_absolute_url()).text
    said = re.findall(r'step-date">([^<]*)</span>\s*<span class="step-kind">said<', page)
    assert said == ["reported 2 July 2024", "date unknown"]  # in date order, undated last
    quote_page = client.get(at_a_rally.get_absolute_url(), follow=True).text
    assert "<dt>Occasion</dt><dd>a rally · reported 2 July 2024</dd>" in quote_page
    version = client.get(f"/quotes/{at_a_rally.pk}/v/1/").text
    assert "<dt>Date</dt><dd>reported 2 July 2024</dd>" in version


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
        retrieved_at=datetime.datetime(2024, 7, 3, 9, 30, tzinfo=UTC),
    )  # fmt: skip
    cited = cite(article)
    # A byline's names are people's; the archived date is the capture's; the outlet published it.
    assert cited["Plain text"] == (
        "Jane Doe. “NATO_plan & 50%.” Euromaidan Press, 2 July 2024. Archived by newsarchive, "
        f"3 July 2024. {URL} (accessed 22 November 2026)."
    )
    assert (
        cited["APA"]
        == f"Doe, J. (2024, July 2). NATO_plan & 50%. Euromaidan Press. newsarchive. {URL}"
    )
    assert cited["Chicago (author-date)"] == (
        f"Doe, Jane. 2024. “NATO_plan & 50%.” Euromaidan Press, July 2. newsarchive. {URL}."
    )
    assert cited["MLA"] == (
        f"Doe, Jane. “NATO_plan & 50%.” Euromaidan Press, 2 July 2024, newsarchive, {URL}."
    )
    assert cited["BibTeX"] == (
        f"@misc{{newsarchive-article-{article.pk},\n"
        "  title = {{NATO\\_plan \\& 50\\%}},\n  author = {Doe, Jane},\n"
        "  howpublished = {Euromaidan Press, via newsarchive},\n"
        "  publisher = {Euromaidan Press},\n  year = {2024},\n"
        f"  url = {{{URL}}},\n  urldate = {{2026-11-22}},\n"
        "  note = {Archived 2024-07-03; accessed 2026-11-22},\n}"
    )
    assert json.loads(cited["CSL-JSON"]) == [
        {
            "id": f"newsarchive-article-{article.pk}", "type": "article-newspaper",
            "title": "NATO_plan & 50%", "container-title": "Euromaidan Press", "URL": URL,
            "accessed": {"date-parts": [[2026, 11, 22]]},
            "author": [{"family": "Doe", "given": "Jane"}], "publisher": "Euromaidan Press",
            "issued": {"date-parts": [[2024, 7, 2]]}, "archive": "newsarchive",
            "note": "Archived 2024-07-03",
        }
    ]  # fmt: skip


def test_an_article_is_cited_under_its_authors_as_people(db):
    article = factories.make_article(
        title="Undated capture", title_is_supplied=True,
        archived_at=datetime.datetime(2026, 11, 21, tzinfo=UTC),
    )  # fmt: skip
    article.authors.set(
        [factories.make_person(name="Ann Author"), factories.make_person(name="Bo Writer")]
    )
    cited = cite(Article.objects.get(pk=article.pk))
    assert cited["APA"] == (
        "Author, A., & Writer, B. (n.d.). [Undated capture]. newsarchive. "
        f"Retrieved November 22, 2026, from {URL}"
    )
    assert "  author = {Author, Ann and Writer, Bo},\n" in cited["BibTeX"]
    assert "year" not in cited["BibTeX"] and "Archived" not in cited["BibTeX"]


def test_a_quote_is_dated_by_its_occasion_or_else_its_article(db):
    article = factories.make_article(
        title="A report", published_date=datetime.date(2024, 7, 2),
        published_date_precision=DatePrecision.DAY,
        retrieved_at=datetime.datetime(2026, 11, 20, tzinfo=UTC),
    )  # fmt: skip
    speaker = factories.make_person(name="Kevin Roberts")
    said = factories.make_quote(
        article, "I would expect a very quick deal to end the conflict", speaker=speaker,
        occasion_date=datetime.date(2024, 6, 1), occasion_date_precision=DatePrecision.MONTH,
    )  # fmt: skip
    reported = factories.make_quote(article, "according to a report by Politico")
    assert cite(said)["Chicago (notes and bibliography)"] == (
        "Roberts, Kevin. “Quote: I Would Expect a Very Quick Deal to End the Conflict.” A Report, "
        f"June 2024. newsarchive. {URL}."
    )
    # A speaker the article only describes is no name to cite under: the title describes them.
    assert cite(reported)["Plain text"] == (
        "“Quote of an anonymous source: according to a report by Politico.” A report, "
        f"2 July 2024. Archived by newsarchive, 20 November 2026. {URL} "
        "(accessed 22 November 2026)."
    )
    assert json.loads(cite(reported)["CSL-JSON"])[0]["author"] == [{"literal": "newsarchive"}]
    assert "  year = {2024},\n" in cite(reported)["BibTeX"]


def test_a_claim_is_cited_under_its_claimants_family_names_first(db):
    claim = factories.make_claim(
        statement="Trump would cut aid.",
        actors=[factories.make_person(name="Kevin Roberts"),
                factories.make_person(name="J. D. Vance"),
                (factories.make_person(name="Subject Person"), "subject")],
        claimed_date=datetime.date(2024, 1, 1), claimed_date_precision=DatePrecision.YEAR,
    )  # fmt: skip
    Claim.objects.filter(pk=claim.pk).update(created_at=datetime.datetime(2026, 11, 19, tzinfo=UTC))
    cited = cite(Claim.objects.for_detail_page().get(pk=claim.pk))
    assert (
        cited["APA"]
        == f"Vance, J. D., & Roberts, K. (2024). Trump would cut aid. Newsarchive. {URL}"
    )
    assert cited["Chicago (author-date)"] == (
        f"Vance, J. D., and Kevin Roberts. 2024. “Trump Would Cut Aid.” Newsarchive. {URL}."
    )
    assert cited["MLA"] == (
        f"Vance, J. D., and Kevin Roberts. “Trump Would Cut Aid.” Newsarchive, 2024, {URL}."
    )
    assert cited["Harvard"] == (
        "Vance, J.D. and Roberts, K. (2024) Trump would cut aid, newsarchive. Available at: "
        f"{URL} (Accessed: November 22, 2026)."
    )
    assert cited["BibTeX"] == (
        f"@misc{{newsarchive-claim-{claim.pk},\n  title = {{{{Trump would cut aid.}}}},\n"
        "  author = {Vance, J. D. and Roberts, Kevin},\n  howpublished = {newsarchive},\n"
        f"  year = {{2024}},\n  url = {{{URL}}},\n  urldate = {{2026-11-22}},\n"
        "  note = {Archived 2026-11-19; accessed 2026-11-22},\n}"
    )
    assert json.loads(cited["CSL-JSON"])[0]["author"] == [
        {"family": "Vance", "given": "J. D."},
        {"family": "Roberts", "given": "Kevin"},
    ]


@pytest.mark.parametrize(
    ("style", "start"),
    [("APA", "Shapiro, J. (2024, July 2)."), ("Chicago (author-date)", "Shapiro, Jeremy. 2024."),
     ("Chicago (notes and bibliography)", "Shapiro, Jeremy. “"), ("MLA", "Shapiro, Jeremy. “"),
     ("Harvard", "Shapiro, J. (2024)")],
)  # fmt: skip
def test_each_style_puts_a_named_claimants_family_name_first(db, style, start):
    claim = factories.make_claim(
        statement="Europe should prepare.", actors=[factories.make_person(name="Jeremy Shapiro")],
        claimed_date=datetime.date(2024, 7, 2), claimed_date_precision=DatePrecision.DAY,
    )  # fmt: skip
    assert cite(Claim.objects.for_detail_page().get(pk=claim.pk))[style].startswith(start)


def test_names_split_into_family_and_given_keeping_particles_and_single_names_whole():
    assert person_name("Kevin Roberts") == {"family": "Roberts", "given": "Kevin"}
    assert person_name("J. D. Vance") == {"family": "Vance", "given": "J. D."}
    assert person_name("Ursula von der Leyen") == {"family": "von der Leyen", "given": "Ursula"}
    assert person_name("Robert O'Brien") == {"family": "O'Brien", "given": "Robert"}
    assert person_name("Madonna") == {"literal": "Madonna"}


def test_a_bylines_people_are_named_as_people_and_newsrooms_as_written():
    assert byline_names("By Olena Marchenko and Ivan Petrenko (Kyiv)") == [
        {"family": "Marchenko", "given": "Olena"},
        {"family": "Petrenko", "given": "Ivan"},
    ]
    assert byline_names("Jane Doe; Staff Reporter, Reuters") == [
        {"family": "Doe", "given": "Jane"}, {"literal": "Staff Reporter"}, {"literal": "Reuters"},
    ]  # fmt: skip
    assert byline_names("Kyiv Independent", outlet="Kyiv Independent") == [
        {"literal": "Kyiv Independent"}
    ]
    assert byline_names("Euromaidan Press news desk") == [{"literal": "Euromaidan Press news desk"}]
    assert byline_names("") == []


def test_a_source_is_cited_under_its_publisher_as_an_organisation(db):
    source = factories.make_source(
        publisher="Bloomberg", date=datetime.date(2024, 2, 1), date_precision=DatePrecision.MONTH
    )
    cited = cite(source)
    assert cited["Chicago (author-date)"] == (
        f"Bloomberg. 2024. “Bloomberg News Report (February 2024).” Newsarchive, February. {URL}."
    )
    assert cited["BibTeX"].endswith(
        f"  year = {{2024}},\n  url = {{{URL}}},\n  urldate = {{2026-11-22}},\n"
        "  note = {Accessed 2026-11-22},\n}"
    )
    assert "  author = {{Bloomberg}},\n" in cited["BibTeX"]  # braced: BibTeX never splits it
    assert json.loads(cited["CSL-JSON"])[0]["author"] == [{"literal": "Bloomberg"}]


def test_a_person_topic_and_outlet_are_cited_as_the_archives_pages(db):
    for obj, key in [
        (factories.make_topic(name="NATO expansion"), "topic"),
        (factories.make_person(name="NATO expansion"), "person"),
        (factories.make_outlet(name="NATO expansion"), "outlet"),
    ]:
        cited = cite(obj)
        assert cited["Plain text"] == (
            f"“NATO expansion.” newsarchive. {URL} (accessed 22 November 2026)."
        )
        assert cited["APA"] == (
            "newsarchive. (n.d.). NATO expansion. Newsarchive. Retrieved November 22, 2026, "
            f"from {URL}"
        )
        assert cited["BibTeX"] == (
            f"@misc{{newsarchive-{key}-{obj.pk},\n  title = {{{{NATO expansion}}}},\n"
            f"  howpublished = {{newsarchive}},\n  url = {{{URL}}},\n"
            "  urldate = {2026-11-22},\n  note = {Accessed 2026-11-22},\n}"
        )
        # The archive's own page, cited under the archive, so that no style puts the title in
        # an absent author's place (citeproc-py then prints it twice).
        assert json.loads(cited["CSL-JSON"])[0]["author"] == [{"literal": "newsarchive"}]


def test_a_title_ending_in_x_keeps_its_x_unescaped(db):
    topic = factories.make_topic(name="SpaceX")
    cited = cite(topic)
    assert "“SpaceX.”" in cited["Chicago (author-date)"]
    assert "  title = {{SpaceX}},\n" in cited["BibTeX"]


def test_a_question_keeps_its_own_mark_inside_the_quotation_marks(db):
    topic = factories.make_topic(name="Will NATO last?")
    assert "“Will NATO Last?” Newsarchive" in cite(topic)["MLA"]


def test_a_sources_bibtex_key_names_it(db):
    source = factories.make_source(publisher="Bloomberg")
    assert cite(source)["BibTeX"].startswith(f"@misc{{newsarchive-source-{source.pk},\n")


def test_citing_a_version_gives_its_url_number_and_recorded_date(db):
    topic = factories.make_topic(name="NATO expansion")
    recorded = datetime.date(2026, 11, 21)
    cited = citations(of_version(topic.citable(URL), f"{URL}v/2/", 2, recorded), accessed=ACCESSED)
    for style, text in cited.items():
        assert f"{URL}v/2/" in text, style
    assert "Version 2. Archived by newsarchive, 21 November 2026." in cited["Plain text"]
    assert "  version = {2},\n" in cited["BibTeX"]
    item = json.loads(cited["CSL-JSON"])[0]
    assert (item["version"], item["note"]) == ("2", "Archived 2026-11-21")


def captured(article, text, day):
    """A later capture of the article, retrieved on `day` (None: when is unknown)."""
    retrieved = day and datetime.datetime(2024, 7, day, 12, tzinfo=UTC)
    return Capture.objects.create(article=article, origin=Capture.Origin.PASTE,
                                  raw=f"{text} {day}".encode(), content_type="text/plain",
                                  text=text, extractor="tests", retrieved_at=retrieved)  # fmt: skip


def archived_date(obj):
    return json.loads(cite(obj)["CSL-JSON"])[0].get("note")


def test_an_article_is_cited_as_of_its_latest_capture_and_a_quote_as_of_its_own(db):
    first_text = "“We will not be divided,” said the Secretary General."
    article = factories.make_article(
        body=first_text, retrieved_at=datetime.datetime(2024, 7, 3, 12, tzinfo=UTC)
    )
    in_first = factories.make_quote(article, "We will not be divided")
    later_text = f"{first_text} He was later corrected."
    latest = captured(article, later_text, 10)
    # A capture of unknown date is older than any dated one, even archived last.
    captured(article, f"{later_text} Undated.", None)
    article.take_text_of_latest_capture()
    in_latest = factories.make_quote(article, "He was later corrected", capture=latest)

    assert archived_date(Article.objects.get(pk=article.pk)) == "Archived 2024-07-10"
    assert archived_date(Quote.objects.get(pk=in_first.pk)) == "Archived 2024-07-03"
    assert archived_date(Quote.objects.get(pk=in_latest.pk)) == "Archived 2024-07-10"


def test_the_article_page_cites_the_capture_it_shows(client, db):
    """Issue #24: a page showing an earlier capture cited the latest, at the living URL, whose
    text is another. Each capture's page cites that capture, at its own URL."""
    article = factories.make_article(
        body="The first text of the article, retrieved on the third.",
        retrieved_at=datetime.datetime(2024, 7, 3, 12, tzinfo=UTC),
    )
    first = article.latest_capture
    latest = captured(article, "The second text of the article, retrieved on the tenth.", 10)
    article.take_text_of_latest_capture()
    # The capture's former address leads to its own page.
    page = client.get(article.get_absolute_url(), {"capture": first.pk}, follow=True).text
    assert "retrieved on the third" in page  # the capture shown
    assert (
        f"Archived by newsarchive, 3 July 2024. http://testserver{first.get_absolute_url()}" in page
    )
    assert "Archived by newsarchive, 10 July 2024" not in page
    page = client.get(article.get_absolute_url()).text
    assert (
        f"Archived by newsarchive, 10 July 2024. http://testserver{latest.get_absolute_url()}"
        in page
    )


@pytest.mark.parametrize(
    ("precision", "issued", "shown", "year"),
    [
        (DatePrecision.DAY, [2024, 7, 2], "2 July 2024", "2024"),
        (DatePrecision.MONTH, [2024, 7], "July 2024", "2024"),
        (DatePrecision.YEAR, [2024], "2024", "2024"),
        (DatePrecision.UNKNOWN, None, None, None),
    ],
)
def test_an_article_is_dated_only_as_precisely_as_its_date_is_known(
    db, precision, issued, shown, year
):
    article = factories.make_article(
        title="Dated", outlet=factories.make_outlet(name="The Post"),
        published_date=datetime.date(*issued, *[1] * (3 - len(issued))) if issued else None,
        published_date_precision=precision,
    )  # fmt: skip
    cited = cite(article)
    csl = json.loads(cited["CSL-JSON"])[0]
    assert csl.get("issued") == (issued and {"date-parts": [issued]})
    assert cited["Plain text"].startswith(f"“Dated.” The Post{f', {shown}' if shown else ''}. ")
    assert ("  year = {" + str(year) + "},\n" in cited["BibTeX"]) == bool(year)
    # An article is read in the archive; a page of the archive is the archive.
    assert csl["archive"] == "newsarchive"
    assert "archive" not in json.loads(cite(factories.make_topic())["CSL-JSON"])[0]


def test_entries_rendered_at_once_in_many_threads_equal_those_rendered_one_by_one():
    """citeproc-py keeps a style's state while it renders an entry (what a substitute
    suppresses), and a process holds one style object for all its threads: two pages rendering
    a Cite box at once made one fail (issue #25's benchmark under 4 clients)."""
    items = [
        {"id": f"item-{n}", "type": "webpage", "title": f"Title {n}", "URL": f"{URL}{n}/",
         "accessed": {"date-parts": [[2026, 11, 22]]}}
        | ({"author": [{"family": f"Family{n}", "given": "Given"}]} if n % 2 else {})
        for n in range(12)
    ]  # fmt: skip
    work = [(json.dumps(item), style) for item in items for style in STYLES.values()]
    uncached = citations_module._rendered.__wrapped__
    expected = [uncached(*args) for args in work]
    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads swap often, as a busy worker's do
    try:
        with ThreadPoolExecutor(8) as pool:
            for _ in range(5):
                rendered = pool.map(
                    lambda args: citations_module._rendered.__wrapped__(*args), work
                )
                assert list(rendered) == expected
    finally:
        sys.setswitchinterval(switch_interval)
