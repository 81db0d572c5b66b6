"""Alerts by email, end to end, to a real SMTP server on loopback: the confirmation (double
opt-in), one alert per event however often the task runs, the daily digest, the one-click
unsubscribe, and emails the server refuses or a worker never finished."""

import datetime
import threading

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from procrastinate.contrib.django import app

from alerts import tasks
from alerts.events import SETTLE, record_new_events
from alerts.models import ConfirmationEmail, Delivery, ScanMark, Subscription
from alerts.subscriptions import subscription_confirm
from alerts.things import followed_record
from articles.changes import record_changes
from articles.models import Capture
from claims.models import Claim
from tests import factories
from tests.alert_mail import link_in, queue_in_memory, smtp_server
from tests.servers import free_port
from tests.watched_sites import empty_queue  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

CONFIRM_LINK = r"http://testserver/alerts/confirm/[^/\s]+/"


@pytest.fixture
def inbox(settings):
    with smtp_server(settings) as inbox:
        yield inbox


@pytest.fixture
def run_jobs():
    with queue_in_memory() as run:
        yield run


@pytest.fixture
def topic():
    return factories.make_topic(name="NATO expansion")


def subscribe(thing, kind, email="reader@example.org", frequency="immediate"):
    return subscription_confirm(
        email=email,
        followed=followed_record(kind, thing.pk),
        frequency=frequency,
        site_url="http://testserver/",
    )


def test_following_sends_only_a_confirmation_and_its_link_subscribes(inbox, run_jobs, topic):
    client = Client()
    page = f"/alerts/follow/topics/{topic.pk}/"
    response = client.post(page, {"email": "reader@example.org", "frequency": "daily"})
    assert response.status_code == 200
    assert "Check your inbox" in response.text
    assert not Subscription.objects.exists()

    run_jobs()
    [message] = inbox.to("reader@example.org")
    assert message["Subject"] == "Confirm: follow a topic on newsarchive"
    assert "the topic NATO expansion" in message.get_content()
    link = link_in(message, CONFIRM_LINK)
    # Opening the link (as a mail scanner would) confirms nothing: it shows a button.
    opened = client.get(link)
    assert opened.status_code == 200 and "<button" in opened.text
    assert not Subscription.objects.exists()

    confirmed = client.post(link)
    assert confirmed.status_code == 200
    subscription = Subscription.objects.get()
    assert (subscription.email, subscription.kind, subscription.target) == (
        "reader@example.org",
        "topic",
        str(topic.pk),
    )
    assert subscription.frequency == "daily"
    assert len(inbox.messages) == 1  # nothing but the confirmation


@pytest.mark.usefixtures("empty_queue")
def test_no_job_of_the_queue_keeps_the_address_asking_to_follow(inbox, topic):
    """The queue keeps failed jobs with their arguments, and backups copy them."""
    Client().post(
        f"/alerts/follow/topics/{topic.pk}/",
        {"email": "Private.Reader@example.org", "frequency": "daily"},
    )
    [arguments] = job_arguments()
    assert "reader" not in arguments.lower()

    with app.replace_connector(app.connector.get_worker_connector()):
        app.run_worker(wait=False, install_signal_handlers=False, listen_notify=False)
    assert len(inbox.to("Private.Reader@example.org")) == 1
    assert job_arguments() == []  # done, so deleted
    assert not ConfirmationEmail.objects.exists()


def job_arguments():
    with connection.cursor() as cursor:
        cursor.execute("SELECT args::text FROM procrastinate_jobs")
        return [arguments for (arguments,) in cursor.fetchall()]


def test_a_new_claim_on_a_followed_topic_is_alerted_once(inbox, topic):
    subscribe(topic, "topic")
    factories.make_claim(statement="NATO will admit a new member.", topics=[topic])
    factories.make_claim(statement="Unrelated claim about fishing quotas.")

    assert tasks.send_immediate_alerts() == 1
    [message] = inbox.messages
    assert "NATO will admit a new member." in message["Subject"]
    assert "NATO will admit a new member." in message.get_content()
    assert "fishing" not in message.get_content()
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Unsubscribe"].strip().startswith("<http://testserver/alerts/unsubscribe/")

    assert tasks.send_immediate_alerts() == 0
    assert tasks.send_immediate_alerts() == 0
    assert len(inbox.messages) == 1
    assert Delivery.objects.get().status == Delivery.Status.SENT


def test_events_before_the_confirmation_are_not_alerted(inbox, topic):
    factories.make_claim(statement="An older claim on NATO.", topics=[topic])
    subscribe(topic, "topic")
    assert tasks.send_immediate_alerts() == 0
    assert not inbox.messages


def test_a_followed_claim_whose_status_changes_is_alerted_once(inbox):
    claim = factories.make_claim(statement="The summit was moved to July.")
    subscribe(claim, "claim")
    claim.notes = "An edit that changes no status."
    claim.save()
    assert tasks.send_immediate_alerts() == 0

    claim.status = Claim.Status.DISPUTED
    claim.save()
    tasks.send_immediate_alerts()
    tasks.send_immediate_alerts()
    [message] = inbox.messages
    assert "Now disputed (was reported)" in message["Subject"]
    assert f"http://testserver/claims/{claim.pk}/" in message.get_content()


def test_a_followed_article_rewritten_is_alerted_once(inbox):
    article = factories.make_article(title="Aid package approved")
    subscribe(article, "article")
    assert tasks.send_immediate_alerts() == 0  # its first capture is no rewrite

    rewritten = Capture.objects.create(
        article=article,
        origin=Capture.Origin.PASTE,
        raw=b"A rewritten text",
        content_type="text/plain",
        text="A rewritten text.",
        extractor="tests",
    )
    record_changes(rewritten)  # as capture_archive() classifies a new version
    tasks.send_immediate_alerts()
    tasks.send_immediate_alerts()
    [message] = inbox.messages
    assert "Rewritten" in message["Subject"]
    assert "100% of the text changed" in message["Subject"]
    assert f"http://testserver/articles/{article.pk}/captures/changes/" in message.get_content()


def test_the_daily_digest_lists_the_days_events_in_one_email(inbox, topic):
    subscribe(topic, "topic", frequency="daily")
    factories.make_claim(statement="First claim on NATO.", topics=[topic])
    factories.make_claim(statement="Second claim on NATO.", topics=[topic])

    assert tasks.send_immediate_alerts() == 0
    assert not inbox.messages
    assert tasks.send_daily_digests() == 1
    [digest] = inbox.messages
    assert digest["Subject"].startswith("newsarchive daily: 2 update(s)")
    assert "First claim on NATO." in digest.get_content()
    assert "Second claim on NATO." in digest.get_content()
    assert tasks.send_daily_digests() == 0
    assert len(inbox.messages) == 1


def test_one_click_unsubscribe_stops_the_alerts(inbox, topic):
    subscribe(topic, "topic")
    factories.make_claim(statement="A claim on NATO.", topics=[topic])
    tasks.send_immediate_alerts()
    [message] = inbox.messages
    unsubscribe_url = message["List-Unsubscribe"].strip().strip("<>")

    # As a mail client does it (RFC 8058): a POST with no CSRF token.
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        unsubscribe_url,
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert not Subscription.objects.exists()
    # The link in the email's text does the same, and a second click answers alike.
    assert unsubscribe_url in message.get_content()
    assert client.post(unsubscribe_url).status_code == 200

    factories.make_claim(statement="Another claim on NATO.", topics=[topic])
    tasks.send_immediate_alerts()
    assert len(inbox.messages) == 1


def test_an_email_the_server_refuses_is_sent_at_a_later_run(inbox, settings, topic):
    subscribe(topic, "topic")
    factories.make_claim(statement="A claim on NATO.", topics=[topic])
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nothing listens there
    assert tasks.send_immediate_alerts() == 0
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.QUEUED, 1)

    settings.EMAIL_PORT = port
    assert tasks.send_immediate_alerts() == 1
    assert len(inbox.messages) == 1


def test_a_delivery_left_sending_by_a_stopped_worker_is_never_sent_again(inbox, topic):
    subscription = subscribe(topic, "topic")
    claim = factories.make_claim(statement="A claim on NATO.", topics=[topic])
    Delivery.objects.create(
        subscription=subscription,
        event_key=f"new-claim:{claim.pk}",
        event_at=timezone.now(),
        title="Sent just before the worker stopped",
        url="/",
        status=Delivery.Status.SENDING,
    )
    assert tasks.send_immediate_alerts() == 0
    assert not inbox.messages


def test_a_view_a_search_a_person_and_an_outlet_are_followed_for_new_claims(inbox):
    person = factories.make_person(name="Kevin Roberts")
    outlet = factories.make_outlet(name="Euromaidan Press")
    article = factories.make_article(outlet=outlet)
    for email, target, kind in [
        ("view@example.org", "status=disputed", "view"),
        ("search@example.org", "ceasefire", "search"),
    ]:
        Subscription.objects.create(
            email=email, kind=kind, target=target, frequency="immediate", site_url="http://t/"
        )
    subscribe(person, "person", email="person@example.org")
    subscribe(outlet, "outlet", email="outlet@example.org")
    factories.make_claim(statement="A ceasefire is near.", actors=[person])
    factories.make_claim(statement="Talks failed.", articles=[article], status="disputed")

    tasks.send_immediate_alerts()
    subjects = {message["To"]: message["Subject"] for message in inbox.messages}
    assert subjects == {
        "view@example.org": "newsarchive: New claim: Talks failed.",
        "search@example.org": "newsarchive: New claim: A ceasefire is near.",
        "person@example.org": "newsarchive: New claim: A ceasefire is near.",
        "outlet@example.org": "newsarchive: New claim: Talks failed.",
    }


def test_only_rows_old_enough_move_the_marks(topic):
    claim = factories.make_claim(statement="A claim on NATO.", topics=[topic])
    record_new_events()
    assert ScanMark.objects.get(source="new-claim").last_id == 0
    record_new_events(now=timezone.now() + SETTLE + datetime.timedelta(seconds=1))
    assert ScanMark.objects.get(source="new-claim").last_id == claim.pk


def test_a_claim_of_a_transaction_open_longer_than_settle_is_alerted_once_committed(topic):
    factories.make_claim(statement="A claim before anyone followed.")
    later = timezone.now() + SETTLE + datetime.timedelta(minutes=1)
    record_new_events(now=later)  # the marks start past it
    subscribe(topic, "topic")
    inserted, commit = threading.Event(), threading.Event()

    def slow_editor():
        try:
            with transaction.atomic():
                factories.make_claim(statement="A claim long in the making.", topics=[topic])
                inserted.set()
                commit.wait(timeout=60)
        finally:
            connection.close()

    editor = threading.Thread(target=slow_editor)
    editor.start()
    assert inserted.wait(timeout=60)
    factories.make_claim(statement="A claim made in a moment.", topics=[topic])
    # Long after both claims were made, the first still unseen: its id is below the second's.
    record_new_events(now=later)
    commit.set()
    editor.join()
    record_new_events(now=later)

    assert sorted(Delivery.objects.values_list("title", flat=True)) == [
        "New claim: A claim long in the making.",
        "New claim: A claim made in a moment.",
    ]
