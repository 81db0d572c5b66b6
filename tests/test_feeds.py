"""Atom feeds: the newest claims first, what each entry says, and the feeds' own links."""

import datetime
import xml.etree.ElementTree as ET

import feedparser
import pytest
from django.urls import reverse
from django.utils import timezone

from claims.feeds import FEED_LENGTH
from claims.models import Claim, ClaimActor
from core.dates import DatePrecision
from tests import factories

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def entries(client, url, parameters=None):
    response = client.get(url, parameters or {})
    assert response.status_code == 200, response.content
    return ET.fromstring(response.content).findall(f"{ATOM}entry")


def claims_added_days_apart(statements, **fields):
    """Claims created one day apart, in the order given (the last is the newest)."""
    start = timezone.now() - datetime.timedelta(days=len(statements))
    claims = []
    for day, statement in enumerate(statements):
        claim = factories.make_claim(statement=statement, **fields)
        Claim.objects.filter(pk=claim.pk).update(created_at=start + datetime.timedelta(days=day))
        claims.append(claim)
    return claims


@pytest.mark.parametrize("feed", ["all", "topic", "person"])
def test_a_feed_lists_the_newest_claims_first(client, db, feed):
    topic, person = factories.make_topic(), factories.make_person()
    claims_added_days_apart(["Oldest.", "Middle.", "Newest."], topics=[topic], actors=[person])
    url = {"all": "/feeds/claims/", "topic": f"/feeds/topics/{topic.pk}/",
           "person": f"/feeds/people/{person.pk}/"}[feed]  # fmt: skip
    titles = [entry.find(f"{ATOM}title").text for entry in entries(client, url)]
    assert titles == ["Newest.", "Middle.", "Oldest."]


def test_a_feed_holds_the_newest_fifty(client, db):
    claims_added_days_apart([f"Claim {number}." for number in range(FEED_LENGTH + 2)])
    titles = [entry.find(f"{ATOM}title").text for entry in entries(client, "/feeds/claims/")]
    assert len(titles) == FEED_LENGTH == 50
    assert (titles[0], titles[-1]) == ("Claim 51.", "Claim 2.")


def test_an_entry_says_status_date_source_outlets_and_topics(client, archive):
    claim = archive["claim"]
    Claim.objects.filter(pk=claim.pk).update(
        status="disputed", claimed_date=datetime.date(2024, 7, 1),
        claimed_date_precision=DatePrecision.MONTH,
    )  # fmt: skip
    (entry,) = entries(client, "/feeds/claims/")
    assert entry.find(f"{ATOM}summary").text == (
        "Disputed · July 2024 · Original source: Politico report (date unknown) · "
        "Reported by Euromaidan Press"
    )
    assert [category.get("term") for category in entry.findall(f"{ATOM}category")] == [
        "NATO expansion"
    ]
    assert entry.find(f"{ATOM}link").get("href") == f"http://testserver{claim.get_absolute_url()}"


def test_feed_titles_say_what_they_follow(client, archive):
    def title(url, parameters=None):
        response = client.get(url, parameters or {})
        return ET.fromstring(response.content).find(f"{ATOM}title").text

    assert title("/feeds/claims/") == "newsarchive: new claims"
    assert title("/feeds/claims/", {"status": "reported"}) == "newsarchive: new claims in a view"
    topic, person = archive["topic"], archive["person"]
    assert title(f"/feeds/topics/{topic.pk}/") == "newsarchive: new claims on NATO expansion"
    assert (
        title(f"/feeds/people/{person.pk}/") == "newsarchive: new claims by or about Kevin Roberts"
    )


def test_a_persons_feed_follows_every_role(client, db):
    person = factories.make_person()
    for role in ClaimActor.Role:
        factories.make_claim(statement=f"As {role.value}.", actors=[(person, role)])
    factories.make_claim(statement="Not theirs.")
    titles = {entry.find(f"{ATOM}title").text for entry in
              entries(client, f"/feeds/people/{person.pk}/")}  # fmt: skip
    assert titles == {f"As {role.value}." for role in ClaimActor.Role}


def test_an_unknown_topic_or_person_feed_is_a_404(client, db):
    assert client.get("/feeds/topics/999/").status_code == 404
    assert client.get("/feeds/people/999/").status_code == 404


def test_a_search_feed_follows_its_query_and_links_itself(client, db):
    factories.make_claim(statement="Submarines for the Black Sea.")
    factories.make_claim(statement="Tanks for the front.")
    response = client.get("/feeds/claims/", {"q": "submarines", "status": "reported"})
    feed = ET.fromstring(response.content)
    titles = [entry.find(f"{ATOM}title").text for entry in feed.findall(f"{ATOM}entry")]
    assert titles == ["Submarines for the Black Sea."]
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert links == {
        "alternate": "http://testserver/claims/?q=submarines&status=reported",
        "self": "http://testserver/feeds/claims/?q=submarines&status=reported",
    }
    assert feed.find(f"{ATOM}subtitle").text == (
        "Claims as they are added to the archive, newest first."
    )


def test_claims_added_at_the_same_moment_list_the_newest_id_first(client, db):
    moment = timezone.now()
    older_id, newer_id = (factories.make_claim(statement=s) for s in ["First.", "Second."])
    later = factories.make_claim(statement="Added later, with a smaller date.")
    Claim.objects.filter(pk__in=[older_id.pk, newer_id.pk]).update(created_at=moment)
    Claim.objects.filter(pk=later.pk).update(created_at=moment - datetime.timedelta(days=1))
    titles = [entry.find(f"{ATOM}title").text for entry in entries(client, "/feeds/claims/")]
    assert titles == ["Second.", "First.", "Added later, with a smaller date."]


def test_an_entry_names_every_outlet_that_reported_it(client, db):
    articles = [
        factories.make_article(outlet=factories.make_outlet(name=name)) for name in ["B", "A"]
    ]
    factories.make_claim(statement="Reported twice.", articles=articles)
    (entry,) = entries(client, "/feeds/claims/")
    assert entry.find(f"{ATOM}summary").text == "Reported · date unknown · Reported by A, B"


def test_a_bad_parameter_is_a_400_that_says_why_logged_in_one_line(client, db, caplog):
    response = client.get("/feeds/claims/", {"period": "soon", "topic": "999"})
    assert response.status_code == 400
    assert "Not a valid view of the claims" in response.text
    assert "“soon” is not a period" in response.text
    (record,) = [record for record in caplog.records if record.name == "django.request"]
    assert record.getMessage() == "Bad Request: /feeds/claims/"
    assert record.exc_info is None


@pytest.mark.parametrize("feed", ["topic", "person"])
def test_a_topic_or_person_feed_answers_a_bad_parameter_with_a_400_too(client, archive, feed):
    url = {"topic": f"/feeds/topics/{archive['topic'].pk}/",
           "person": f"/feeds/people/{archive['person'].pk}/"}[feed]  # fmt: skip
    response = client.get(url, {"period": "soon", "status": "unheard-of"})
    assert response.status_code == 400
    assert "Not a valid view of the claims" in response.text
    assert "“soon” is not a period" in response.text
    assert "status: Select a valid choice. unheard-of is not one of" in response.text


@pytest.mark.parametrize("feed", ["topic", "person"])
def test_a_topic_or_person_feed_follows_the_explorers_parameters(client, db, feed):
    topic, person = factories.make_topic(), factories.make_person()
    factories.make_claim(statement="Reported.", topics=[topic], actors=[person])
    factories.make_claim(statement="Disputed.", status="disputed", topics=[topic], actors=[person])
    factories.make_claim(statement="Disputed elsewhere.", status="disputed")
    followed = {"topic": topic, "person": person}[feed]
    path, page = reverse(f"claims:{feed}_feed", args=[followed.pk]), followed.get_absolute_url()
    feed_document = ET.fromstring(client.get(path, {"status": "disputed"}).content)
    titles = [entry.find(f"{ATOM}title").text for entry in feed_document.findall(f"{ATOM}entry")]
    assert titles == ["Disputed."]
    links = {link.get("rel"): link.get("href") for link in feed_document.findall(f"{ATOM}link")}
    assert links == {
        "alternate": f"http://testserver{page}?status=disputed",
        "self": f"http://testserver{path}?status=disputed",
    }


def rfc_4287_problems(document):
    """What RFC 4287 (section 4.1) requires of a feed that `document` lacks: the feed's id,
    title, updated and author (unless every entry has one); each entry's id, title, updated."""
    feed = ET.fromstring(document)
    problems = [f"feed {name}" for name in ["id", "title", "updated"]
                if not feed.findtext(f"{ATOM}{name}")]  # fmt: skip
    entries = feed.findall(f"{ATOM}entry")
    authored = feed.find(f"{ATOM}author/{ATOM}name") is not None or (
        entries and all(entry.find(f"{ATOM}author/{ATOM}name") is not None for entry in entries)
    )
    if not authored:
        problems.append("feed author")
    for entry in entries:
        problems += [f"entry {name}" for name in ["id", "title", "updated"]
                     if not entry.findtext(f"{ATOM}{name}")]  # fmt: skip
    return problems


@pytest.mark.parametrize("claims", [0, 2])
def test_every_feed_is_atom_as_rfc_4287_and_feedparser_read_it(client, db, claims):
    topic, person = factories.make_topic(), factories.make_person()
    for number in range(claims):
        factories.make_claim(statement=f"Claim {number}.", topics=[topic], actors=[person])
    for url in ["/feeds/claims/", f"/feeds/topics/{topic.pk}/", f"/feeds/people/{person.pk}/",
                "/feeds/claims/?status=disputed"]:  # fmt: skip
        document = client.get(url).content
        assert rfc_4287_problems(document) == [], url
        parsed = feedparser.parse(document)
        assert not parsed.bozo, (url, parsed.get("bozo_exception"))
        assert parsed.version == "atom10"
        assert parsed.feed.author == "newsarchive"
        assert len(parsed.entries) == (0 if "disputed" in url else claims)


def test_an_empty_feed_is_dated_by_the_last_change_of_a_claim_not_by_each_poll(client, db):
    def updated(url):
        response = client.get(url)
        return ET.fromstring(response.content).findtext(f"{ATOM}updated"), response["Last-Modified"]

    assert updated("/feeds/claims/") == (
        "1970-01-01T00:00:00+00:00",
        "Thu, 01 Jan 1970 00:00:00 GMT",
    )
    claim = factories.make_claim(statement="Reported.")
    changed = datetime.datetime(2026, 11, 20, 9, 30, tzinfo=datetime.UTC)
    Claim.objects.filter(pk=claim.pk).update(created_at=changed, updated_at=changed)
    empty = "/feeds/claims/?status=disputed"
    first = updated(empty)
    assert first == updated(empty) == ("2026-11-20T09:30:00+00:00", "Fri, 20 Nov 2026 09:30:00 GMT")
    # A feed with entries is dated by the latest change of what it lists.
    assert updated("/feeds/claims/") == first
