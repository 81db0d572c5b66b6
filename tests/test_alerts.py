"""The follow pages, the confirmation and unsubscribe links, and the alert feeds: every kind of
thing followed, the same answer whatever an address follows, the rate limits, and hostile input
(bad or expired signatures, bad addresses, unknown kinds, huge values) answered with a 400 or a
form's error, never a 500."""

import datetime

import feedparser
import pytest
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils.http import urlencode
from procrastinate.contrib.django import app
from procrastinate.testing import InMemoryConnector

from alerts import subscriptions, tasks
from alerts.models import ConfirmationEmail, FollowRequest, Subscription
from alerts.subscriptions import (
    REQUESTS_PER_ADDRESS,
    REQUESTS_PER_CLIENT,
    subscription_confirm,
    unsubscribe_token,
)
from alerts.things import SEARCH_IN_LABEL, followed_record
from articles.models import Capture
from claims.models import Claim
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued():
    """The task queue in memory: the confirmation emails asked for, unsent."""
    connector = InMemoryConnector()
    with app.replace_connector(connector):
        yield connector


def confirmations(connector):
    return [job for job in connector.jobs.values() if job["task_name"].endswith("confirmation")]


def follow_pages(archive):
    return [
        f"/alerts/follow/topics/{archive['topic'].pk}/",
        f"/alerts/follow/people/{archive['person'].pk}/",
        f"/alerts/follow/outlets/{archive['outlet'].pk}/",
        f"/alerts/follow/claims/{archive['claim'].pk}/",
        f"/alerts/follow/articles/{archive['article'].pk}/",
        f"/alerts/follow/claims/?topic={archive['topic'].pk}&status=reported&page=2",
        "/alerts/follow/claims/",
        "/alerts/follow/search/?q=NATO",
    ]


def test_every_followable_page_has_a_follow_form_and_a_feed(client, archive):
    for page in follow_pages(archive):
        response = client.get(page)
        assert response.status_code == 200, page
        assert 'name="email"' in response.text
        feed = page.replace("/follow/", "/feeds/")
        assert feed.split("&page=")[0].replace("&", "&amp;") in response.text


def test_each_followed_page_links_to_its_follow_page(client, archive):
    pages = {
        archive["topic"].get_absolute_url(): f"/alerts/follow/topics/{archive['topic'].pk}/",
        archive["person"].get_absolute_url(): f"/alerts/follow/people/{archive['person'].pk}/",
        archive["outlet"].get_absolute_url(): f"/alerts/follow/outlets/{archive['outlet'].pk}/",
        archive["claim"].get_absolute_url(): f"/alerts/follow/claims/{archive['claim'].pk}/",
        archive["article"].get_absolute_url(): f"/alerts/follow/articles/{archive['article'].pk}/",
        "/claims/?status=reported": "/alerts/follow/claims/?status=reported",
        "/search/?q=NATO": "/alerts/follow/search/?q=NATO",
    }
    for page, follow in pages.items():
        assert follow in client.get(page).text, page


def test_a_view_is_followed_by_its_filters_in_canonical_order(client, archive, queued):
    topic = archive["topic"].pk
    client.post(
        f"/alerts/follow/claims/?status=reported&page=1&sort=oldest&topic={topic}&per_page=50",
        {"email": "reader@example.org", "frequency": "immediate"},
    )
    [job] = confirmations(queued)
    confirmation = ConfirmationEmail.objects.get(pk=job["args"]["confirmation_id"])
    assert (confirmation.kind, confirmation.target) == ("view", f"topic={topic}&status=reported")


def test_the_answer_is_the_same_whatever_the_address_follows(client, archive, queued):
    subscription_confirm(
        email="follower@example.org",
        followed=followed_record("topic", archive["topic"].pk),
        frequency="daily",
        site_url="http://testserver/",
    )
    page = f"/alerts/follow/topics/{archive['topic'].pk}/"
    answers = [
        client.post(page, {"email": email, "frequency": "immediate"})
        for email in ["follower@example.org", "stranger@example.org"]
    ]
    assert [answer.status_code for answer in answers] == [200, 200]
    assert answers[0].content == answers[1].content
    assert len(confirmations(queued)) == 2
    assert Subscription.objects.get().frequency == "daily"  # unchanged until confirmed


def test_an_address_asked_for_too_often_is_sent_nothing_more_and_told_nothing(
    client, archive, queued
):
    page = f"/alerts/follow/topics/{archive['topic'].pk}/"
    for number in range(REQUESTS_PER_ADDRESS + 2):
        email = ["target@example.org", "TARGET@Example.org"][number % 2]  # one inbox
        response = client.post(page, {"email": email, "frequency": "immediate"})
        assert response.status_code == 200
        assert "Check your inbox" in response.text
    assert len(confirmations(queued)) == REQUESTS_PER_ADDRESS


def test_a_client_that_asks_too_often_gets_a_429(client, archive, queued):
    page = f"/alerts/follow/topics/{archive['topic'].pk}/"
    for number in range(REQUESTS_PER_CLIENT):
        email = f"reader{number}@example.org"
        assert client.post(page, {"email": email, "frequency": "daily"}).status_code == 200
    refused = client.post(page, {"email": "one-more@example.org", "frequency": "daily"})
    assert refused.status_code == 429
    assert "too many" in refused.text
    # Another client is not held back; nothing kept names the address or the client.
    other = client.post(
        page, {"email": "other@example.org", "frequency": "daily"}, REMOTE_ADDR="192.0.2.7"
    )
    assert other.status_code == 200
    stored = FollowRequest.objects.values_list("address_key", "client_key")
    assert not [keys for keys in stored if "example.org" in "".join(keys)]
    assert not [keys for keys in stored if "127.0.0.1" in "".join(keys)]


HUGE = "x" * 100_000


@pytest.mark.parametrize(
    ("email", "frequency"),
    [
        ("", "daily"),
        ("not an address", "daily"),
        ("reader@", "daily"),
        ("<script>alert(1)</script>@example.org", "daily"),
        (HUGE + "@example.org", "daily"),
        ("reader@example.org", "hourly"),
        ("reader@example.org", ""),
        ("reader@example.org", HUGE),
    ],
)
def test_a_bad_address_or_frequency_is_a_form_error(client, archive, queued, email, frequency):
    page = f"/alerts/follow/topics/{archive['topic'].pk}/"
    response = client.post(page, {"email": email, "frequency": frequency})
    assert response.status_code == 400
    assert 'role="alert"' in response.text
    assert "<script>alert" not in response.text
    assert not confirmations(queued)


@pytest.mark.parametrize(
    "page",
    [
        "/alerts/follow/claims/?topic=999999",
        "/alerts/follow/claims/?status=invented",
        "/alerts/follow/claims/?period=someday",
        "/alerts/follow/claims/?q=" + HUGE[:5000],
        "/alerts/follow/search/",
        "/alerts/follow/search/?q=%20%21%21",
        "/alerts/follow/search/?q=" + HUGE[:5000],
        "/alerts/feeds/claims/?actor=x",
        "/alerts/feeds/search/?q=",
    ],
)
def test_a_view_or_search_that_cant_be_followed_is_a_400(client, archive, page):
    assert client.get(page).status_code == 400


@pytest.mark.parametrize(
    "page",
    [
        "/alerts/follow/topics/999999/",
        "/alerts/follow/people/99999999999999999999999/",
        "/alerts/follow/planets/1/",
        "/alerts/feeds/articles/999999/",
        "/alerts/feeds/quotes/1/",
    ],
)
def test_an_unknown_record_or_kind_is_not_found(client, archive, page):
    assert client.get(page).status_code == 404


def confirmation_token(archive, **changes):
    request = {
        "email": "reader@example.org",
        "kind": "topic",
        "target": str(archive["topic"].pk),
        "f": "daily",
        **changes,
    }
    return signing.dumps(request, salt=subscriptions.CONFIRM_SALT, compress=True)


def test_a_confirmation_link_altered_cut_or_from_elsewhere_is_a_400(client, archive):
    token = confirmation_token(archive)
    subscription = subscription_confirm(
        email="x@example.org",
        followed=followed_record("claim", archive["claim"].pk),
        frequency="daily",
        site_url="http://testserver/",
    )
    bad = [
        token[:-3] + "abc",
        token[: len(token) // 2],
        "garbage",
        "a:b:c",
        "." * 50,
        unsubscribe_token(subscription),  # another link's signature
        signing.dumps({"email": "x@example.org"}, salt="another salt"),
        HUGE[:3000],
    ]
    for value in bad:
        for method in [client.get, client.post]:
            response = method(f"/alerts/confirm/{value}/")
            assert response.status_code == 400, value
    assert Subscription.objects.count() == 1


def test_an_expired_confirmation_link_is_a_400(client, archive, monkeypatch):
    token = confirmation_token(archive)
    monkeypatch.setattr(subscriptions, "CONFIRM_WITHIN", datetime.timedelta(seconds=-1))
    response = client.post(f"/alerts/confirm/{token}/")
    assert response.status_code == 400
    assert "expired" in response.text
    assert not Subscription.objects.exists()


def test_a_confirmation_for_something_deleted_since_is_a_400(client, archive):
    topic = factories.make_topic(name="Soon gone")
    token = confirmation_token(archive, target=str(topic.pk))
    topic.delete()
    assert client.post(f"/alerts/confirm/{token}/").status_code == 400


def test_confirming_twice_keeps_one_subscription_with_the_latest_frequency(client, archive):
    client.post(f"/alerts/confirm/{confirmation_token(archive)}/")
    client.post(f"/alerts/confirm/{confirmation_token(archive, f='immediate')}/")
    assert Subscription.objects.get().frequency == "immediate"


def test_an_address_is_one_subscriber_however_its_letters_are_cased(archive):
    followed = followed_record("topic", archive["topic"].pk)
    for email in [" Reader@Example.ORG ", "reader@example.org", "READER@EXAMPLE.ORG"]:
        subscription_confirm(
            email=email, followed=followed, frequency="daily", site_url="http://testserver/"
        )
    # Mail goes to the address as first typed, its domain in lower case.
    assert list(Subscription.objects.values_list("email", flat=True)) == ["Reader@example.org"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Subscription.objects.create(
            email="rEaDeR@example.org",
            kind=followed.kind,
            target=followed.target,
            frequency="daily",
            site_url="http://testserver/",
        )


def test_an_altered_unsubscribe_link_is_a_400_and_unsubscribes_nothing(client, archive):
    subscription = subscription_confirm(
        email="x@example.org",
        followed=followed_record("claim", archive["claim"].pk),
        frequency="daily",
        site_url="http://testserver/",
    )
    token = unsubscribe_token(subscription)
    forged = signing.Signer(salt="another").sign_object(subscription.pk)
    for value in [token[:-2] + "zz", forged, confirmation_token(archive), "x", HUGE[:3000]]:
        assert client.post(f"/alerts/unsubscribe/{value}/").status_code == 400
    assert Subscription.objects.exists()
    # A browser's GET asks first; the POST unsubscribes.
    assert "<button" in client.get(f"/alerts/unsubscribe/{token}/").text
    assert Subscription.objects.exists()
    assert client.post(f"/alerts/unsubscribe/{token}/").status_code == 200
    assert not Subscription.objects.exists()


def read_feed(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    return feed


def test_a_topics_feed_lists_its_new_claims(client, archive):
    topic = archive["topic"]
    factories.make_claim(statement="Another claim on the topic.", topics=[topic])
    factories.make_claim(statement="A claim on nothing followed.")
    feed = read_feed(client, f"/alerts/feeds/topics/{topic.pk}/")
    titles = [entry.title for entry in feed.entries]
    assert titles == [
        "New claim: Another claim on the topic.",
        f"New claim: {archive['claim'].statement}",
    ]
    assert len({entry.id for entry in feed.entries}) == 2


def test_a_claims_feed_lists_its_changes_of_status(client, archive):
    claim = archive["claim"]
    claim.status = Claim.Status.DISPUTED
    claim.save()
    claim.status = Claim.Status.CORROBORATED
    claim.save()
    feed = read_feed(client, f"/alerts/feeds/claims/{claim.pk}/")
    assert [entry.title.split(":")[0] for entry in feed.entries] == [
        "Now corroborated (was disputed)",
        "Now disputed (was reported)",
    ]
    assert feed.entries[0].id != feed.entries[1].id


def test_an_articles_feed_lists_its_new_versions(client, archive):
    article = archive["article"]
    assert read_feed(client, f"/alerts/feeds/articles/{article.pk}/").entries == []
    Capture.objects.create(
        article=article,
        origin=Capture.Origin.PASTE,
        raw=b"rewritten",
        content_type="text/plain",
        text="Rewritten.",
        extractor="tests",
    )
    [entry] = read_feed(client, f"/alerts/feeds/articles/{article.pk}/").entries
    assert entry.title.startswith("Rewritten")


def test_a_views_and_a_searchs_feeds_list_their_claims(client, archive):
    factories.make_claim(statement="Fishing quotas were cut.", status="disputed")
    view = read_feed(client, "/alerts/feeds/claims/?status=disputed")
    assert [entry.title for entry in view.entries] == ["New claim: Fishing quotas were cut."]
    search = read_feed(client, "/alerts/feeds/search/?q=fishing")
    assert [entry.title for entry in search.entries] == ["New claim: Fishing quotas were cut."]


def test_the_confirmation_is_queued_not_sent_by_the_request(client, archive, queued, mailoutbox):
    page = f"/alerts/follow/outlets/{archive['outlet'].pk}/"
    client.post(page, {"email": "reader@example.org", "frequency": "daily"})
    assert mailoutbox == []
    [job] = confirmations(queued)
    assert job["args"] == {"confirmation_id": ConfirmationEmail.objects.get().pk}
    tasks.send_confirmation(**job["args"])
    assert not ConfirmationEmail.objects.exists()  # the address is kept until sent, no longer
    [message] = mailoutbox
    assert message.subject == "Confirm: follow an outlet on newsarchive"
    assert "the outlet Euromaidan Press" in message.body
    assert message.to == ["reader@example.org"]


def test_a_searchs_words_are_kept_out_of_the_confirmations_subject_and_cut_short_in_it(
    client, archive, queued, mailoutbox
):
    spam = "Cheap watches at shop dot example call now " * 4
    page = "/alerts/follow/search/?" + urlencode({"q": spam})
    client.post(page, {"email": "reader@example.org", "frequency": "daily"})
    [job] = confirmations(queued)
    tasks.send_confirmation(**job["args"])
    [message] = mailoutbox
    assert message.subject == "Confirm: follow a search on newsarchive"
    followed = f"claims matching “{spam[: SEARCH_IN_LABEL - 1].strip()}…”"
    assert f"\n    {followed}\n" in message.body
    assert message.body.count("shop dot example") == 1  # its second time is past the cut
    assert "shop+dot" not in message.body  # no link to the search, whose address holds it all


def test_a_confirmation_email_never_sent_is_forgotten_after_a_day(
    client, archive, queued, mailoutbox
):
    page = f"/alerts/follow/topics/{archive['topic'].pk}/"
    client.post(page, {"email": "reader@example.org", "frequency": "daily"})
    unsent = ConfirmationEmail.objects.get()
    subscriptions.follow_requests_prune(now=unsent.requested_at + datetime.timedelta(hours=23))
    assert ConfirmationEmail.objects.exists()
    subscriptions.follow_requests_prune(now=unsent.requested_at + datetime.timedelta(hours=25))
    assert not ConfirmationEmail.objects.exists()
    # Its job, if the queue runs it after all, sends nothing.
    [job] = confirmations(queued)
    tasks.send_confirmation(**job["args"])
    assert mailoutbox == []
