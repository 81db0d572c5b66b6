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


@pytest.mark.parametrize(
    "query",
    [
        f"email={ADDRESS}",
        f"email__iexact={ADDRESS.upper()}",
        "email__startswith=p",
        "email__regex=^pr",
        "deliveries__subscription__email__startswith=p",
        "confirmed_at__year=2000",
        "site_url__contains=testserver",
    ],
)
def test_an_editor_cant_filter_by_an_address_or_any_field_but_the_sidebars(
    editor_client, subscription, query
):
    # Django refuses a lookup the admin doesn't allow (DisallowedModelAdminLookup) with a 400.
    assert editor_client.get(f"/admin/alerts/subscription/?{query}").status_code == 400


def test_a_superuser_filters_by_address(admin_client, subscription):
    found = admin_client.get(f"/admin/alerts/subscription/?email__iexact={ADDRESS.upper()}")
    assert found.status_code == 200 and ADDRESS in found.text
    missed = admin_client.get("/admin/alerts/subscription/?email__startswith=z")
    assert missed.status_code == 200 and ADDRESS not in missed.text


def test_an_editor_still_filters_by_the_sidebars_filters_and_sorts_the_columns(
    editor_client, subscription
):
    for query in ["kind__exact=topic", "frequency__exact=daily", "o=3", "o=-5.2"]:
        response = editor_client.get(f"/admin/alerts/subscription/?{query}")
        assert response.status_code == 200, query
        assert ADDRESS not in response.text
