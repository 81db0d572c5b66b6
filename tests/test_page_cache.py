"""The cache of anonymous readers' pages (core/page_cache.py) serves a page only while nothing it
shows has changed, and never to editors.

These tests run outside the test transaction (transaction=True), as the server does: inside
one, the cache is bypassed (its snapshot could hold its own uncommitted changes)."""

import datetime
import gzip
import random
import re
import time

import psycopg
import pytest
from csp.constants import NONCE, SELF
from django.contrib.auth.models import User
from django.core.cache import caches
from django.db import connection
from django.db.models import Count
from django.http import HttpResponse
from django.test import Client
from django.urls import path, reverse
from django.utils import timezone

from articles.models import Article, Capture, Outlet, Person, Quote
from claims.models import Annotation, Claim, ClaimActor, Source, SpellingVariant, Topic
from core import page_cache
from core.page_cache import CACHE, cache_anonymous_page
from core.routers import PIN_COOKIE, PIN_SECONDS
from tests import factories
from tests.admin_forms import save_unchanged

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def empty_cache():
    caches[CACHE].clear()
    yield
    caches[CACHE].clear()


def served(client, url, **extra):
    """(X-Page-Cache, the page's text) of an anonymous GET."""
    response = client.get(url, **extra)
    assert response.status_code == 200, response.status_code
    return response.get("X-Page-Cache"), response.content.decode()


def state(client, url):
    return served(client, url)[0]


def other_connection():
    return psycopg.connect(**connection.get_connection_params(), autocommit=True)


@pytest.fixture
def pages(archive):
    """The URLs of the archive's pages, each served once (in the cache)."""
    other_topic = factories.make_topic(name="Energy")
    other_claim = factories.make_claim(statement="Gas prices will fall.", topics=[other_topic])
    urls = {
        "claim": archive["claim"].get_absolute_url(),
        "person": archive["person"].get_absolute_url(),
        "topic": archive["topic"].get_absolute_url(),
        "outlet": archive["outlet"].get_absolute_url(),
        "source": reverse("claims:source", args=[archive["source"].pk]),
        "article": archive["article"].get_absolute_url(),
        "other claim": other_claim.get_absolute_url(),
        "other topic": other_topic.get_absolute_url(),
    }
    client = Client()
    for url in urls.values():
        assert state(client, url) == "miss"
    return urls


# The pages of the archive fixture's claim and what it rests on, which all show the claim.
RELATED = {"claim", "person", "topic", "outlet", "source", "article"}


def misses(client, pages):
    """The names of the pages now rendered again, not served from the cache."""
    return {name for name, url in pages.items() if state(client, url) == "miss"}


def test_a_page_served_again_runs_only_the_check_of_the_log(
    client, pages, django_assert_num_queries
):
    # The changes logged of what the page shows, since its snapshot.
    with django_assert_num_queries(1):
        assert state(client, pages["claim"]) == "hit"


def test_a_quote_added_to_a_claim_renews_the_pages_that_show_it(client, archive, pages):
    quote = factories.make_quote(archive["article"], "Trump", speaker=archive["other_person"])
    archive["claim"].evidence.add(quote)
    # The claim shows its evidence; the article its quotes; the others list the claim.
    assert misses(client, pages) == RELATED
    assert "Volodymyr Zelensky" in served(client, pages["claim"])[1]


def test_a_person_renamed_renews_every_page_that_names_them(client, archive, pages):
    person = Person.objects.get(pk=archive["person"].pk)
    person.name = "Kevin D. Roberts"
    person.save()
    # The person's page, and where they are named: as the claim's actor, the speaker of the
    # article's quote, among the people of the topic's, outlet's and source's claims.
    assert misses(client, pages) == RELATED
    for name in RELATED:
        assert "Kevin D. Roberts" in served(client, pages[name])[1]


def test_a_claims_status_changed_renews_the_pages_that_count_it(client, archive, pages):
    claim = Claim.objects.get(pk=archive["claim"].pk)
    claim.status = Claim.Status.DISPUTED
    claim.save()
    # The claim, and the pages counting its status: its person's, topic's, outlet's, source's
    # and its article's, which lists the claims it reports.
    assert misses(client, pages) == RELATED


def test_a_topic_removed_from_a_claim_renews_the_claim_and_the_topic(client, archive, pages):
    archive["claim"].topics.remove(archive["topic"])
    # The claim, the topic, and the facet counts of topics on the claim's other pages.
    assert misses(client, pages) == RELATED
    assert archive["claim"].statement not in served(client, pages["topic"])[1]


def test_an_editors_save_shows_on_the_next_anonymous_request(client, archive, pages):
    editor = User.objects.create_superuser("edith", password="a-long-password-1")
    editor_client = Client()
    editor_client.force_login(editor)
    response = save_unchanged(
        editor_client, Person.objects.get(pk=archive["person"].pk), name="Kevin D. Roberts"
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert served(client, pages["claim"]) == ("miss", served(client, pages["claim"])[1])
    assert "Kevin D. Roberts" in served(client, pages["claim"])[1]


def test_a_spelling_variant_added_renews_the_claim_pages_comparing_spellings(seed):
    """A claim page compares how two outlets spelled its words with every variant the archive
    knows; a claim reported by one article compares nothing, and reads no variant."""
    client = Client()
    claims = Claim.objects.annotate(tellings=Count("appearances"))
    compared = claims.filter(tellings__gte=2).first().get_absolute_url()
    alone = claims.filter(tellings__lt=2).first().get_absolute_url()
    assert [state(client, compared), state(client, alone)] == ["miss", "miss"]
    SpellingVariant.objects.create(terms=["Kyiv", "Kiev"])
    assert [state(client, compared), state(client, alone)] == ["miss", "hit"]


def test_an_editor_renamed_renews_the_claims_signed_with_their_notes(client, archive, pages):
    editor = User.objects.create_user("edith", first_name="Edith", last_name="Cole")
    Annotation.objects.create(
        claim=archive["claim"], author=editor, text="Checked against the transcript.",
        visibility=Annotation.Visibility.PUBLIC,
    )  # fmt: skip
    assert "Edith Cole" in served(client, pages["claim"])[1]
    assert state(client, pages["claim"]) == "hit"
    editor.last_name = "Marsh"
    editor.save()
    hit_or_miss, text = served(client, pages["claim"])
    assert hit_or_miss == "miss" and "Edith Marsh" in text


def test_a_page_rendered_yesterday_is_rendered_again(client, pages, monkeypatch):
    """Its Cite box says when the page was accessed: the day it was rendered."""
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    monkeypatch.setattr(page_cache.timezone, "now", lambda: tomorrow)
    assert state(client, pages["claim"]) == "miss"


def test_a_head_request_is_answered_from_the_cache_but_never_stored(client, pages):
    url = pages["claim"] + "?sort=newest"
    assert client.head(url).get("X-Page-Cache") is None
    assert state(client, url) == "miss"
    assert client.head(url).get("X-Page-Cache") == "hit"


def test_signed_in_editors_always_get_a_fresh_page(pages):
    editor_client = Client()
    editor_client.force_login(User.objects.create_superuser("edith", password="a-long-pass-1"))
    assert state(editor_client, pages["claim"]) is None


def test_a_browser_just_after_a_save_reads_the_primary_not_the_cache(client, pages):
    client.cookies[PIN_COOKIE] = str(int(time.time()) + PIN_SECONDS)
    assert state(client, pages["claim"]) is None


def test_a_change_committed_elsewhere_renews_the_page(client, archive, pages):
    with other_connection() as other:
        other.execute(
            "UPDATE articles_person SET name = 'K. Roberts' WHERE id = %s", [archive["person"].pk]
        )
    hit_or_miss, text = served(client, pages["person"])
    assert hit_or_miss == "miss"
    assert "K. Roberts" in text


def test_a_change_not_yet_committed_elsewhere_does_not_show(client, archive, pages):
    with other_connection() as other:
        other.execute("BEGIN")
        other.execute(
            "UPDATE articles_person SET name = 'K. Roberts' WHERE id = %s", [archive["person"].pk]
        )
        hit_or_miss, text = served(client, pages["person"])
        assert hit_or_miss == "hit" and "K. Roberts" not in text
        other.execute("COMMIT")
    hit_or_miss, text = served(client, pages["person"])
    assert hit_or_miss == "miss" and "K. Roberts" in text


def test_each_query_string_is_a_page_of_its_own(client, archive, pages):
    filtered = f"{pages['topic']}?status=disputed"
    assert state(client, filtered) == "miss"
    assert state(client, filtered) == "hit"
    assert state(client, pages["topic"]) == "hit"


def test_a_hard_reload_renders_the_page_afresh_and_stores_it(client, pages):
    assert state(client, pages["claim"]) == "hit"
    assert served(client, pages["claim"], HTTP_CACHE_CONTROL="max-age=0, no-cache")[0] == "miss"
    assert state(client, pages["claim"]) == "hit"


def without_cache_state(response):
    return {name: value for name, value in response.headers.items() if name != "X-Page-Cache"}


def test_a_page_served_from_the_cache_has_the_headers_of_a_fresh_render(client, pages):
    """A hit skips the middleware that made the page's headers (CSP, X-Frame-Options, Vary...):
    they were stored with it."""
    fresh = client.get(pages["claim"], HTTP_CACHE_CONTROL="no-cache")
    hit = client.get(pages["claim"])
    assert (fresh["X-Page-Cache"], hit["X-Page-Cache"]) == ("miss", "hit")
    assert without_cache_state(hit) == without_cache_state(fresh)
    assert "Content-Security-Policy" in hit and hit["X-Frame-Options"] == "DENY"
    assert hit.content == fresh.content


def test_a_page_served_from_the_cache_is_compressed_and_secured_as_each_request_asks(
    client, pages, settings
):
    settings.SECURE_HSTS_SECONDS = 3600
    plain = client.get(pages["claim"])
    gzipped = client.get(pages["claim"], HTTP_ACCEPT_ENCODING="gzip")
    assert (plain["X-Page-Cache"], gzipped["X-Page-Cache"]) == ("hit", "hit")
    assert "Content-Encoding" not in plain and gzipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(gzipped.content) == plain.content
    # HTTPS is a page of its own (its links), with HSTS on every response.
    assert [client.get(pages["claim"], secure=True)["X-Page-Cache"] for _ in range(2)] == [
        "miss",
        "hit",
    ]
    assert "Strict-Transport-Security" not in plain
    assert client.get(pages["claim"], secure=True)["Strict-Transport-Security"] == "max-age=3600"


@cache_anonymous_page
def page_with_a_nonce(request):
    return HttpResponse(f'<script nonce="{request.csp_nonce}" src="/static/a.js"></script>')


urlpatterns = [path("with-a-nonce/", page_with_a_nonce)]


@pytest.mark.urls(__name__)
def test_a_page_whose_csp_holds_a_nonce_is_never_stored(client, settings):
    """Its nonce would be everyone's, known in advance. (The archive's pages use none.)"""
    policy = settings.CONTENT_SECURITY_POLICY
    scripts = {"script-src": [SELF, NONCE]}
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": policy["DIRECTIVES"] | scripts}
    first, second = client.get("/with-a-nonce/"), client.get("/with-a-nonce/")
    assert [first.get("X-Page-Cache"), second.get("X-Page-Cache")] == [None, None]
    nonces = [re.search(rb'nonce="([^"]+)"', page.content)[1].decode() for page in (first, second)]
    assert nonces[0] != nonces[1]
    assert f"'nonce-{nonces[1]}'" in second["Content-Security-Policy"]


def test_a_hit_on_a_connection_the_database_closed_renders_the_page_on_a_new_one(client, pages):
    """The check of the log is also the health check of the connection kept from the last
    request: one that fails it is opened again, as Django's own check would."""
    assert state(client, pages["claim"]) == "hit"
    with other_connection() as other:
        other.execute("SELECT pg_terminate_backend(%s)", [connection.connection.info.backend_pid])
    assert state(client, pages["claim"]) == "miss"
    assert state(client, pages["claim"]) == "hit"


def test_a_search_within_a_page_is_never_cached(client, pages):
    searched = f"{pages['topic']}?q=Putin"
    assert state(client, searched) is None
    assert state(client, searched) is None


def test_a_missing_page_is_not_cached(client, db):
    url = reverse("claims:claim", args=[999, "nothing"])
    assert client.get(url).status_code == 404
    assert client.get(url).get("X-Page-Cache") is None


def test_a_page_cached_too_long_is_rendered_again(client, pages, settings):
    settings.PAGE_CACHE_SECONDS = 0
    assert state(client, pages["claim"]) is None


def test_an_emptied_log_renews_every_page(client, pages):
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE core_pagechange")
    assert misses(client, pages) == set(pages)


# Edits through the ORM, each of a kind a page shows, drawn at random.
def _rename_person(rng):
    person = rng.choice(list(Person.objects.all()))
    person.name = f"{person.name} {rng.randint(1, 99)}"
    person.save()


def _restatus_claim(rng):
    claim = rng.choice(list(Claim.objects.all()))
    claim.status = rng.choice(Claim.Status.values)
    claim.save()


def _move_topic(rng):
    claim = rng.choice(list(Claim.objects.all()))
    if claim.topics.exists() and rng.random() < 0.5:
        claim.topics.remove(rng.choice(list(claim.topics.all())))
    else:
        claim.topics.add(rng.choice(list(Topic.objects.all())))


def _rename_topic(rng):
    topic = rng.choice(list(Topic.objects.all()))
    topic.name = f"{topic.name} {rng.randint(1, 99)}"
    topic.save()


def _move_article(rng):
    article = rng.choice(list(Article.objects.all()))
    article.outlet = rng.choice(list(Outlet.objects.all()))
    article.save()


def _add_evidence(rng):
    claim = rng.choice(list(Claim.objects.all()))
    claim.evidence.add(rng.choice(list(Quote.objects.all())))


def _add_actor(rng):
    claim = rng.choice(list(Claim.objects.all()))
    person = rng.choice(list(Person.objects.all()))
    ClaimActor.objects.get_or_create(claim=claim, person=person, role=ClaimActor.Role.SUBJECT)


def _remove_actor(rng):
    if actors := list(ClaimActor.objects.all()):
        rng.choice(actors).delete()


def _edit_source(rng):
    source = rng.choice(list(Source.objects.all()))
    source.publisher = f"{source.publisher} {rng.randint(1, 99)}"
    source.save()


def _note(rng):
    Annotation.objects.create(
        claim=rng.choice(list(Claim.objects.all())),
        author=User.objects.get_or_create(username="edith")[0],
        text=f"Note {rng.randint(1, 99)}",
        visibility=Annotation.Visibility.PUBLIC,
    )


def _move_claim_source(rng):
    claim = rng.choice(list(Claim.objects.all()))
    claim.source = rng.choice([None, *Source.objects.all()])
    claim.save()


def _quote_speaker(rng):
    quote = rng.choice(list(Quote.objects.all()))
    quote.speaker = rng.choice(list(Person.objects.all()))
    quote.save()


def _add_spelling_variant(rng):
    SpellingVariant.objects.create(terms=rng.choice([["Kyiv", "Kiev"], ["NATO", "OTAN"]]))


def _rename_editor(rng):
    User.objects.filter(username="edith").update(last_name=f"Cole {rng.randint(1, 99)}")


EDITS = [
    _rename_person, _restatus_claim, _move_topic, _rename_topic, _move_article, _add_evidence,
    _add_actor, _remove_actor, _edit_source, _note, _move_claim_source, _quote_speaker,
    _add_spelling_variant, _rename_editor,
]  # fmt: skip


def every_cacheable_page():
    urls = []
    for model in (Claim, Person, Topic, Article, Outlet):
        urls += [obj.get_absolute_url() for obj in model.objects.all()]
    urls += [reverse("claims:source", args=[pk]) for pk in Source.objects.values_list("pk", flat=1)]
    for model in (Claim, Person, Topic, Source, Quote):
        for obj in model.objects.all():
            urls += [obj.get_versions_url(), obj.get_version_url(1)]
    urls += [reverse("articles:outlet_articles", args=[o.pk, o.slug]) for o in Outlet.objects.all()]
    urls += [reverse("articles:person_articles", args=[p.pk, p.slug]) for p in Person.objects.all()]
    for capture in Capture.objects.select_related("article"):
        urls.append(capture.get_absolute_url())
        urls.append(reverse("articles:changes", args=[capture.article_id]))
    return sorted(set(urls))


def test_every_page_served_is_the_page_rendered_fresh_after_random_edits(seed, settings):
    rng = random.Random(25)
    client = Client()
    urls = every_cacheable_page()
    for url in urls:
        client.get(url)
    served_from_cache = 0
    for _ in range(4):
        for _ in range(5):
            rng.choice(EDITS)(rng)
        # A page rendered again is fresh; those served from the cache are compared with one.
        hits = {url: page for url in urls if (page := client.get(url)).get("X-Page-Cache") == "hit"}
        served_from_cache += len(hits)
        settings.PAGE_CACHE_SECONDS = 0
        for url, page in hits.items():
            assert page.content == client.get(url).content, url
        settings.PAGE_CACHE_SECONDS = 3600
    assert 0 < served_from_cache < 4 * len(urls)  # some pages changed, some were served again
