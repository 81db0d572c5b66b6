"""Subscriptions in the admin: editors see what is followed and whether its alerts went out,
never an address; superusers see addresses and may delete; no one adds or changes one."""

import pytest
from django.contrib.auth.models import Group, User

from alerts.models import Delivery, Subscription
from core.roles import EDITOR

pytestmark = pytest.mark.django_db
ADDRESS = "private.reader@example.org"


@pytest.fixture
def subscription(archive):
    subscription = Subscription.objects.create(
        email=ADDRESS,
        kind="topic",
        target=str(archive["topic"].pk),
        frequency="daily",
        site_url="http://testserver/",
    )
    Delivery.objects.create(
        subscription=subscription,
        event_key="new-claim:1",
        event_at=subscription.confirmed_at,
        title="New claim",
        url="/claims/1/",
        status=Delivery.Status.SENT,
    )
    return subscription


@pytest.fixture
def editor_client(client):
    editor = User.objects.create_user("edith", password="x", is_staff=True)
    editor.groups.add(Group.objects.get(name=EDITOR))
    client.force_login(editor)
    return client


def test_an_editor_sees_subscriptions_without_their_addresses(editor_client, subscription):
    listing = editor_client.get("/admin/alerts/subscription/")
    assert listing.status_code == 200
    assert "topic" in listing.text and ADDRESS not in listing.text
    detail = editor_client.get(f"/admin/alerts/subscription/{subscription.pk}/change/")
    assert detail.status_code == 200
    assert "New claim" in detail.text and ADDRESS not in detail.text
    assert editor_client.get(f"/admin/alerts/subscription/?q={ADDRESS}").status_code == 200
    delete = editor_client.post(f"/admin/alerts/subscription/{subscription.pk}/delete/")
    assert delete.status_code == 403
    assert editor_client.get("/admin/alerts/subscription/add/").status_code == 403


def test_a_superuser_sees_the_address_and_may_delete(admin_client, subscription):
    assert ADDRESS in admin_client.get("/admin/alerts/subscription/").text
    assert ADDRESS in admin_client.get(f"/admin/alerts/subscription/?q={ADDRESS}").text
    admin_client.post(f"/admin/alerts/subscription/{subscription.pk}/delete/", {"post": "yes"})
    assert not Subscription.objects.exists()
