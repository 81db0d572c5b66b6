"""Permalinks are built from ids that never change; slugs are decorative and redirect."""

import pytest

from core.permalinks import redirect_to_canonical
from core.slugs import decorative_slug, unique_slug
from tests import factories

pytestmark = pytest.mark.django_db

SLUGGED = ["article", "outlet", "person", "claim", "topic"]


@pytest.mark.parametrize("name", SLUGGED)
def test_a_permalink_resolves_to_its_object(client, archive, name):
    obj = archive[name]
    url = obj.get_absolute_url()
    assert f"/{obj.pk}/{obj.slug}/" in url
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("name", SLUGGED)
def test_the_id_alone_redirects_permanently_to_the_permalink(client, archive, name):
    obj = archive[name]
    url = obj.get_absolute_url().replace(f"{obj.slug}/", "")
    response = client.get(url)
    assert response.status_code == 301
    assert response["Location"] == obj.get_absolute_url()


@pytest.mark.parametrize("name", SLUGGED)
def test_an_old_slug_redirects_after_a_rename(client, archive, name):
    obj = archive[name]
    old_url = obj.get_absolute_url()
    obj.slug = "a-new-slug"
    obj.save()
    response = client.get(old_url)
    assert response.status_code == 301
    assert response["Location"] == obj.get_absolute_url()
    assert client.get(response["Location"]).status_code == 200


def test_quote_and_source_permalinks_are_their_ids(client, archive):
    assert archive["quote"].get_absolute_url() == f"/quotes/{archive['quote'].pk}/"
    assert archive["source"].get_absolute_url() == f"/sources/{archive['source'].pk}/"
    assert client.get(archive["source"].get_absolute_url()).status_code == 200


def test_a_quote_permalink_opens_its_article_at_the_quote(client, archive):
    quote, article = archive["quote"], archive["article"]
    response = client.get(quote.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"] == (
        f"{article.get_absolute_url()}?quote={quote.pk}#quote-{quote.pk}"
    )
    page = client.get(response["Location"]).text
    assert f'<mark id="quote-{quote.pk}" class="quote-mark focused">' in page
    assert "Cite" in page and f"/quotes/{quote.pk}/" in page


def test_a_redirect_keeps_the_view_parameters(client, archive):
    topic = archive["topic"]
    response = client.get(f"/topics/{topic.pk}/old-name/?status=reported")
    assert response.status_code == 301
    assert response["Location"] == f"{topic.get_absolute_url()}?status=reported"


def test_an_article_page_refuses_a_quote_it_does_not_have(client, archive):
    response = client.get(archive["article"].get_absolute_url(), {"quote": 999})
    assert response.status_code == 400
    assert "no quote 999" in response.text


def test_slugs_are_unique_numbered_and_bounded(db):
    first, second, third = (factories.make_topic(name=name) for name in ["NATO", "nato", "NATO!"])
    assert [first.slug, second.slug, third.slug] == ["nato", "nato-2", "nato-3"]
    assert factories.make_topic(name="???").slug == "untitled"
    long = factories.make_topic(name="word " * 30)
    assert long.slug == ("word-" * 16)[:79] and len(long.slug) == 79
    twin = factories.make_topic(name="word " * 31)
    assert twin.slug == ("word-" * 16)[:78] + "-2" and len(twin.slug) == 80


def test_a_slug_transliterates_letters_rather_than_dropping_them(db):
    person = factories.make_person(name="Władysław Kosiniak-Kamysz")
    assert person.slug == "wladyslaw-kosiniak-kamysz"  # not "wadysaw-kosiniak-kamysz"
    assert decorative_slug("Øresund: Straße") == "oresund-strasse"
    assert decorative_slug("Володимир Зеленський") == "volodimir-zelenskiy"


def test_a_slug_is_kept_when_the_name_changes_and_made_again_only_when_emptied(db):
    topic = factories.make_topic(name="NATO expansion")
    topic.name = "NATO enlargement"
    topic.save()
    assert topic.slug == "nato-expansion"
    topic.slug = ""
    topic.save()
    assert topic.slug == "nato-enlargement"
    assert unique_slug(topic, "NATO enlargement") == "nato-enlargement"  # its own slug is free


def test_a_claims_slug_is_decorative_and_may_repeat(db):
    claims = [factories.make_claim(statement="Trump would end the war.") for _ in range(2)]
    assert [claim.slug for claim in claims] == ["trump-would-end-the-war"] * 2
    assert decorative_slug("¿?") == "untitled"
    assert decorative_slug("V.") == "untitled"  # /claims/4/v/ is the claim's change log
    assert decorative_slug("a " * 60) == ("a-" * 40)[:79]


def test_a_permalink_with_its_own_slug_is_served_without_a_redirect(rf, archive):
    topic = archive["topic"]
    request = rf.get(topic.get_absolute_url())
    assert redirect_to_canonical(request, topic, topic.slug) is None
    assert redirect_to_canonical(request, topic, "old")["Location"] == topic.get_absolute_url()
