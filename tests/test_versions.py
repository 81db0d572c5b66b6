"""Versioned permalinks: a record as it stood at each version, what changed since, change logs,
and the answers for versions deleted (410) or never made (404)."""

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from claims.models import Annotation, Claim, ClaimActor
from claims.seed import load_seed_if_empty, record_first_versions
from core.roles import EDITOR
from tests import factories
from tests.admin_forms import read_form


class MetaReader(HTMLParser):
    """The page's <meta> tags as reference managers read them: {name or property: [contents]}."""

    def __init__(self, html):
        super().__init__()
        self.tags = {}
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        key = attrs.get("name") or attrs.get("property")
        if tag == "meta" and key:
            self.tags.setdefault(key, []).append(attrs.get("content"))


def cite_box_version_url(html):
    return re.search(r'id="version-link-[^"]*" class="copy-source" type="text" readonly '
                     r'value="([^"]+)"', html)[1]  # fmt: skip


def citation(html, style):
    """The text of one citation in the page's Cite box."""
    return re.search(rf">{re.escape(style)}</label>\s*<textarea[^>]*>([^<]*)</textarea>", html)[1]


def claim_sections(page):
    """{heading: HTML} of each section of a claim's body, as its page or a version page shows
    it: from the statement ("" for the part above the first heading) to the Cite box."""
    body = page[page.index('<p class="kicker">Claim') : page.index('<section class="cite-box"')]
    parts = re.split(r"<h2[^>]*>(.*?)</h2>", body)
    return dict(zip(["", *parts[1::2]], parts[0::2], strict=True))


@pytest.fixture
def editor_client(db):
    user = User.objects.create_user("edith-private", password="a-long-password-1", is_staff=True)
    user.first_name, user.last_name = "Edith", "Private"
    user.save()
    user.groups.add(Group.objects.get(name=EDITOR))
    client = Client()
    client.force_login(user)
    return client


def edit_in_admin(client, obj, **changes):
    """Post the admin change form as a browser shows it, with these changes."""
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    data = {**read_form(client, url, f"{obj._meta.model_name}_form"), **changes}
    response = client.post(url, data)
    assert response.status_code == 302, response.text[:3000]


@pytest.mark.django_db(transaction=True)
def test_a_claim_edited_after_it_was_cited_keeps_what_was_cited_at_its_versioned_url(
    client, editor_client, archive
):
    claim = archive["claim"]
    page = client.get(claim.get_absolute_url()).text
    cited_url = cite_box_version_url(page)
    assert cited_url == f"http://testserver/claims/{claim.pk}/v/1/"
    assert cited_url in citation(page, "APA")

    topic = factories.make_topic(name="Sanctions on Russia")
    zelensky = archive["other_person"]
    edit_in_admin(
        editor_client, claim,
        statement="Trump would make a deal with Putin to stop NATO expansion, allies said.",
        status="disputed", topics=[archive["topic"].pk, topic.pk],
        **{"claim_actors-1-person": str(zelensky.pk), "claim_actors-1-role": "subject",
           "annotations-0-text": "Denied by the campaign.", "annotations-0-visibility": "public"},
    )  # fmt: skip
    Annotation.objects.create(
        claim=claim, author=User.objects.get(username="edith-private"), text="An internal lead."
    )
    claim.refresh_from_db()
    assert claim.version == 2

    response = client.get(cited_url)
    assert response.status_code == 200
    old = response.text
    # The claim as it stood when cited: its text, status, topics and actors.
    assert "<h1>Trump would make a deal with Putin to halt NATO expansion.</h1>" in old
    assert '<span class="status status-reported">Reported</span>' in old
    facts = old[old.index('<dl class="facts">') : old.index("<h2>Provenance")]
    assert "Sanctions on Russia" not in facts and zelensky.name not in facts
    # It says so, with what changed since, word by word, and links to the current version.
    assert "<strong>This is an old version</strong>" in old
    changes = old[old.index('<dl class="changes">') : old.index("</dl>", old.index("changes"))]
    assert 'to <del><span class="visually-hidden">removed: </span>halt</del>' in changes
    assert '<ins><span class="visually-hidden">added: </span>stop</ins>' in changes
    assert "added: </span>expansion, allies said.</ins>" in changes
    assert "<dt>Status</dt>" in changes and ">Disputed</ins>" in changes
    assert "<dt>Topics</dt>" in changes and "<ins>Sanctions on Russia</ins>" in changes
    assert f"<ins>{zelensky.name} (subject of the claim)</ins>" in changes
    assert "<dt>Public notes</dt>" in changes and "<ins>Denied by the campaign.</ins>" in changes
    assert f'href="{claim.get_absolute_url()}">See the current version</a>' in old
    # Its citations cite that version, on the day it was recorded.
    assert cite_box_version_url(old) == cited_url
    for style in ["Plain text", "APA", "Chicago (author-date)", "MLA", "BibTeX", "CSL-JSON"]:
        assert cited_url in citation(old, style), style
    assert "Version 1." in citation(old, "Plain text")
    # Never an editor's account nor an internal note.
    for private in ["edith-private", "Edith Private", "An internal lead."]:
        assert private not in old

    current = client.get(claim.get_absolute_url()).text
    assert cite_box_version_url(current) == f"http://testserver/claims/{claim.pk}/v/2/"
    newest = client.get(f"/claims/{claim.pk}/v/2/").text
    assert "This is the current version of this claim: version 2" in newest
    assert "<h1>Trump would make a deal with Putin to stop NATO expansion, allies said.</h1>" in (
        newest
    )
    assert f'{zelensky.name}</a> <span class="muted">(subject of the claim)</span>' in newest
    assert "Denied by the campaign." in newest

    log = client.get(f"/claims/{claim.pk}/v/").text
    assert f'<a href="/claims/{claim.pk}/v/2/">Version 2</a>' in log
    assert f'<a href="/claims/{claim.pk}/v/1/">Version 1</a>' in log
    assert log.index("Version 2") < log.index("Version 1")  # newest first
    assert "<p>Created.</p>" in log and "<dt>Status</dt>" in log
    for private in ["edith-private", "Edith Private", "An internal lead."]:
        assert private not in log


def test_each_kind_of_record_has_versions_and_a_change_log(client, archive):
    person, topic, source, quote = (
        archive[name] for name in ["person", "topic", "source", "quote"]
    )
    person.description = "President of The Heritage Foundation"
    person.save()
    topic.name = "NATO enlargement"
    topic.save()
    source.title = "The Politico report"
    source.save()
    quote.occasion = "an interview"
    quote.save()
    for obj, old, new in [
        (person, "Heritage Foundation", "President of The Heritage Foundation"),
        (topic, "NATO expansion", "NATO enlargement"),
        (source, "Politico report", "The Politico report"),
        (quote, '<span class="muted">none</span>', "an interview"),
    ]:
        first = client.get(obj.get_version_url(1))
        assert first.status_code == 200, obj
        assert "<strong>This is an old version</strong>" in first.text
        assert old in first.text[first.text.index('<dl class="facts">') :]
        second = client.get(obj.get_version_url(2))
        assert "This is the current version" in second.text and new in second.text
        log = client.get(obj.get_versions_url())
        assert log.status_code == 200 and "<p>Created.</p>" in log.text
        assert client.get(obj.get_version_url(3)).status_code == 404


def test_a_deleted_claims_versions_are_gone_with_what_is_known(client, archive):
    claim = archive["claim"]
    claim.statement = "A second wording."
    claim.save()
    pk = claim.pk
    claim.delete()
    for number in [1, 2]:
        response = client.get(f"/claims/{pk}/v/{number}/")
        assert response.status_code == 410
        assert f"Claim {pk} was deleted from the archive by an archivist" in response.text
        assert "<dt>This version was recorded</dt>" in response.text
        assert "<dt>Deleted</dt>" in response.text
        assert "A second wording." not in response.text
    assert client.get(f"/claims/{pk}/v/").status_code == 410
    assert client.get(f"/claims/{pk}/v/3/").status_code == 404


def test_a_version_removed_from_history_is_gone_and_its_neighbours_stay(client, archive):
    claim = archive["claim"]
    for wording in ["Second wording.", "Third wording."]:
        claim.statement = wording
        claim.save()
    claim.history.filter(version=2).delete()
    response = client.get(f"/claims/{claim.pk}/v/2/")
    assert response.status_code == 410
    assert f"Version 2 of claim {claim.pk} was removed from the archive" in response.text
    assert client.get(f"/claims/{claim.pk}/v/1/").status_code == 200
    assert client.get(f"/claims/{claim.pk}/v/3/").status_code == 200
    log = client.get(f"/claims/{claim.pk}/v/").text
    assert "Version 2<" not in log and "Version 3<" in log


@pytest.mark.parametrize(
    "path",
    ["/claims/{pk}/v/2/", "/claims/{pk}/v/0/", "/claims/{pk}/v/99999999999999999999999/",
     "/claims/{pk}/v/abc/", "/claims/{pk}/v/-1/", "/claims/{pk}/v/1.0/", "/claims/999999/v/1/",
     "/claims/999999/v/", "/people/999999/v/1/", "/quotes/999999/v/", "/topics/{pk}/v/x/"],
)  # fmt: skip
def test_a_version_that_never_existed_is_not_found(client, archive, path):
    response = client.get(path.format(pk=archive["claim"].pk))
    assert response.status_code == 404


# The claim's history records; the topics, articles and evidence they recorded; those topics,
# articles (with outlets), quotes (with speakers and articles, and the reports they were taken
# from); its actors' history and their people; its notes' history; its appearances' history;
# the sources it and they cite = 13 for its change log, however many versions and relations it
# has. A version page reads the same: how outlets reported it reads the spelling variants only
# when two articles hold the claim's words (none here). The Cite box cites the version shown, so
# it reads nothing more.
CHANGELOG_QUERIES = 13
VERSION_PAGE_QUERIES = CHANGELOG_QUERIES


def test_a_version_page_takes_the_same_queries_however_much_the_claim_holds(client, archive):
    claim = archive["claim"]
    claim.statement = "A first edit."
    claim.save()
    with CaptureQueriesContext(connection) as before:
        assert client.get(f"/claims/{claim.pk}/v/2/").status_code == 200
    for number in range(4):
        article = factories.make_article(outlet=archive["outlet"])
        quote = factories.make_quote(article, "Politico", speaker=archive["other_person"])
        claim.articles.add(article)
        claim.evidence.add(quote)
        claim.topics.add(factories.make_topic())
        factories.make_claim(actors=[factories.make_person()])
        claim.statement = f"Wording {number}."
        claim.save()
    assert len(before) == VERSION_PAGE_QUERIES, [query["sql"] for query in before]
    for url, expected in [
        (f"/claims/{claim.pk}/v/2/", VERSION_PAGE_QUERIES),
        (f"/claims/{claim.pk}/v/6/", VERSION_PAGE_QUERIES),
        (f"/claims/{claim.pk}/v/", CHANGELOG_QUERIES),
    ]:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        assert len(queries) == expected, (url, [query["sql"] for query in queries])


def test_a_version_page_and_a_record_page_carry_citation_and_preview_metadata(client, archive):
    claim = archive["claim"]
    claim.claimed_date, claim.claimed_date_precision = datetime.date(2024, 7, 2), "day"
    claim.save()
    claim.statement = "Trump would make a deal with Putin to stop NATO expansion."
    claim.save()
    version_url = f"http://testserver/claims/{claim.pk}/v/2/"
    tags = MetaReader(client.get(version_url).text).tags
    # As Zotero's embedded-metadata import reads a page: Highwire tags, then Dublin Core.
    assert tags["citation_title"] == ["Trump would make a deal with Putin to halt NATO expansion."]
    assert tags["citation_author"] == ["Roberts, Kevin"]
    assert tags["citation_publication_date"] == ["2024/07/02"]
    assert tags["citation_public_url"] == [version_url]
    assert tags["DC.creator"] == ["Roberts, Kevin"] and tags["DC.date"] == ["2024-07-02"]
    assert tags["DC.identifier"] == [version_url]
    # As link previews read it: OpenGraph and the Twitter card.
    assert tags["og:title"] == tags["twitter:title"] == tags["citation_title"]
    assert tags["og:url"] == [version_url]
    assert tags["og:site_name"] == ["newsarchive"]
    assert tags["og:description"] == [
        "Reported claim: Trump would make a deal with Putin to halt NATO expansion."
    ]
    assert tags["twitter:card"] == ["summary"]

    living = client.get(claim.get_absolute_url()).text
    tags = MetaReader(living).tags
    assert tags["citation_title"] == ["Trump would make a deal with Putin to stop NATO expansion."]
    assert tags["citation_public_url"] == [f"http://testserver/claims/{claim.pk}/v/3/"]
    assert tags["og:url"] == [f"http://testserver{claim.get_absolute_url()}"]


def test_a_quote_and_an_article_page_carry_their_own_metadata(client, archive):
    quote, article = archive["quote"], archive["article"]
    tags = MetaReader(client.get(quote.get_absolute_url(), follow=True).text).tags
    assert tags["citation_title"] == [f"Quote: {quote.text}"]
    assert tags["citation_author"] == ["Roberts, Kevin"]
    assert tags["citation_public_url"] == [f"http://testserver/quotes/{quote.pk}/v/1/"]
    assert tags["og:url"] == [f"http://testserver/quotes/{quote.pk}/"]
    assert tags["citation_publisher"] == tags["DC.publisher"] == ["newsarchive"]
    tags = MetaReader(client.get(article.get_absolute_url()).text).tags
    assert tags["citation_title"] == ["Trump considers NATO deal"]
    # It cites the capture shown (issue #24), at that capture's own page.
    latest = f"http://testserver{article.latest_capture.get_absolute_url()}"
    assert tags["citation_public_url"] == tags["og:url"] == [latest]
    assert tags["og:description"][0].startswith("Former President Donald Trump is mulling")
    # Its outlet published the article; the archive keeps a copy.
    assert tags["citation_publisher"] == tags["DC.publisher"] == ["Euromaidan Press"]
    article.outlet = None
    article.save()
    tags = MetaReader(client.get(article.get_absolute_url()).text).tags
    assert "citation_publisher" not in tags and "DC.publisher" not in tags


def test_the_seed_corpus_is_loaded_with_its_first_versions_recorded(client, db):
    assert load_seed_if_empty() is True
    for claim in Claim.objects.all()[:5]:
        assert claim.history.filter(version=1).exists()
        page = client.get(claim.get_absolute_url()).text
        assert cite_box_version_url(page) == f"http://testserver/claims/{claim.pk}/v/1/"
        version = client.get(f"/claims/{claim.pk}/v/1/")
        assert version.status_code == 200
        assert escape(claim.statement) in version.text
    claim = Claim.objects.for_detail_page().filter(claim_actors__isnull=False).first()
    version = client.get(f"/claims/{claim.pk}/v/1/").text
    for actor in claim.claim_actors.all():
        assert actor.person.name in version


def test_rows_without_history_get_their_first_version_recorded_with_their_relations(
    client, archive
):
    claim = archive["claim"]
    Claim.history.filter(id=claim.pk).delete()  # as rows saved raw or in bulk have none
    ClaimActor.history.filter(claim_id=claim.pk).delete()
    assert client.get(f"/claims/{claim.pk}/v/1/").status_code == 404
    assert record_first_versions() == 2  # the claim and its actor; the rest had theirs
    assert record_first_versions() == 0
    page = client.get(f"/claims/{claim.pk}/v/1/").text
    facts = page[page.index('<dl class="facts">') : page.index("<h2>Provenance")]
    for related in [archive["topic"].name, archive["person"].name, str(archive["source"])]:
        assert related in facts
    assert archive["quote"].text in page and archive["article"].title in page


@pytest.mark.django_db(transaction=True)
def test_an_articles_words_for_a_claim_edited_later_stay_as_cited_in_its_older_version(
    client, editor_client
):
    assert load_seed_if_empty() is True
    claim = Claim.objects.get(appearances__text__contains="support for Kyiv")
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    form = read_form(editor_client, url, "claim_form")
    row = next(name for name, value in form.items() if value == "According to these sources")
    edit_in_admin(editor_client, claim, **{row: "Citing sources familiar with the matter"})
    claim.refresh_from_db()
    assert claim.version == 2

    old = client.get(f"/claims/{claim.pk}/v/1/").text
    changes = old[old.index('<dl class="changes">') : old.index("</dl>", old.index("changes"))]
    assert "<dt>Words of the reporting articles</dt>" in changes
    assert "According to these sources" in changes
    assert "Citing sources familiar with the matter" in changes
    # How outlets reported it, as cited: the words the article was credited with then.
    reported = claim_sections(old)["How outlets reported it"]
    assert "“According to these sources”" in reported
    assert "Citing sources familiar with the matter" not in reported
    living = claim_sections(client.get(claim.get_absolute_url()).text)["How outlets reported it"]
    assert "“Citing sources familiar with the matter”" in living


def test_a_version_page_shows_every_section_of_the_living_page(client, db):
    assert load_seed_if_empty() is True
    for claim in Claim.objects.filter(appearances__isnull=False).distinct():
        living = claim_sections(client.get(claim.get_absolute_url()).text)
        version = claim_sections(client.get(f"/claims/{claim.pk}/v/{claim.version}/").text)
        assert list(version) == list(living), claim
        for heading, section in living.items():
            if heading == "Editor notes":  # a version names no editor (history keeps no names)
                continue
            assert version[heading] == section, (claim, heading)
    assert "How outlets reported it" in living
