"""Failed sign-ins are limited per username and address and per address, on a direct connection
(forged X-Forwarded-For headers ignored) and behind trusted proxies (the real client's address),
whose header is read only on connections from the proxy's own address."""

import logging
from datetime import timedelta
from ipaddress import ip_network

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from core.roles import EDITOR
from core.sign_in import client_address

pytestmark = pytest.mark.django_db

PROXY = "10.231.21.10"  # nginx's address on docker-compose's network
LIMIT = 5  # per username and address; AXES_ADDRESS_FAILURE_LIMIT is 20


@pytest.fixture
def behind_nginx(settings):
    """The settings docker-compose.yml gives the app: one proxy, at PROXY."""
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXY_ADDRESSES = [ip_network(PROXY)]


@pytest.fixture
def edith(db):
    user = User.objects.create_user("edith", password="a-long-password-1", is_staff=True)
    user.groups.add(Group.objects.get(name=EDITOR))
    return user


def sign_in(username, password, *, remote, forwarded=None, next_url="/admin/"):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return Client().post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": next_url},
        **headers,
    )


def test_on_a_direct_connection_forged_forwarded_headers_are_ignored(edith, caplog):
    with caplog.at_level(logging.WARNING, logger="newsarchive.security"):
        for attempt in range(LIMIT - 1):
            forged = f"198.51.100.{attempt}"  # a new address each time, as a guesser would claim
            assert sign_in("edith", "wrong", remote="10.0.0.1", forwarded=forged).status_code == 200
        assert sign_in("edith", "wrong", remote="10.0.0.1", forwarded="1.2.3.4").status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"10.0.0.1"}
    assert caplog.text.count("Failed login for 'edith' from 10.0.0.1") == LIMIT
    # Edith herself, from her own address, is not locked out.
    assert sign_in("edith", "a-long-password-1", remote="10.0.0.2").status_code == 302


def test_behind_a_trusted_proxy_the_address_it_saw_is_used(edith, behind_nginx):
    for attempt in range(LIMIT):
        # The guesser forges an entry; nginx appends the address it really came from.
        forwarded = f"198.51.100.{attempt}, 203.0.113.7"
        response = sign_in("edith", "wrong", remote=PROXY, forwarded=forwarded)
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}
    # Everyone comes from the proxy's address, but only the guesser is locked out.
    assert (
        sign_in("edith", "a-long-password-1", remote=PROXY, forwarded="203.0.113.7").status_code
        == 429
    )
    assert (
        sign_in("edith", "a-long-password-1", remote=PROXY, forwarded="192.0.2.10").status_code
        == 302
    )


def test_behind_a_proxy_a_client_reaching_the_app_directly_cannot_forge_its_address(
    edith, behind_nginx
):
    # Past nginx, straight to gunicorn: a new forged address with each guess.
    for attempt in range(LIMIT):
        forged = f"198.51.100.{attempt}"
        response = sign_in("edith", "wrong", remote="203.0.113.7", forwarded=forged)
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}
    # Through nginx, Edith from her own address is not locked out.
    assert (
        sign_in("edith", "a-long-password-1", remote=PROXY, forwarded="192.0.2.10").status_code
        == 302
    )


def test_one_address_is_limited_across_usernames(edith, settings):
    for number in range(settings.AXES_ADDRESS_FAILURE_LIMIT - 1):
        assert sign_in(f"user{number}", "wrong", remote="10.0.0.9").status_code == 200
    assert sign_in("someone", "wrong", remote="10.0.0.9").status_code == 429
    assert sign_in("edith", "a-long-password-1", remote="10.0.0.9").status_code == 429
    assert sign_in("edith", "a-long-password-1", remote="10.0.0.2").status_code == 302


@pytest.mark.parametrize(
    ("count", "remote", "forwarded", "expected"),
    [
        (0, PROXY, "203.0.113.7", PROXY),  # not told about a proxy: the header is the client's
        (1, PROXY, None, PROXY),
        (1, PROXY, "203.0.113.7", "203.0.113.7"),
        (1, PROXY, "6.6.6.6, 203.0.113.7", "203.0.113.7"),
        (2, PROXY, "6.6.6.6, 203.0.113.7, 192.0.2.1", "203.0.113.7"),  # a TLS proxy, then nginx
        (2, PROXY, "203.0.113.7", "203.0.113.7"),  # the outer proxy sent none: nginx's entry
        (1, PROXY, "not-an-address", PROXY),
        (1, PROXY, "2001:db8::1", "2001:db8::1"),
        (1, "10.231.21.11", "203.0.113.7", "10.231.21.11"),  # next to nginx, but not nginx
        (1, "2001:db8::2", "203.0.113.7", "2001:db8::2"),
        (1, "", "203.0.113.7", None),
        (1, "127.0.0.1", "203.0.113.7", "203.0.113.7"),  # the default: a proxy on loopback
        (1, "::1", "203.0.113.7", "203.0.113.7"),
    ],
)
def test_client_address(settings, count, remote, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    settings.TRUSTED_PROXY_ADDRESSES = [*settings.TRUSTED_PROXY_ADDRESSES, ip_network(PROXY)]
    headers = {"REMOTE_ADDR": remote}
    if forwarded:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_address(RequestFactory().get("/", **headers)) == expected


def test_a_sign_in_with_an_unsafe_next_lands_on_the_admin_index(edith):
    response = sign_in(
        "edith", "a-long-password-1", remote="10.0.0.1", next_url="https://evil.example/"
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


def test_old_failure_records_are_pruned_by_command(edith):
    sign_in("edith", "wrong", remote="10.0.0.1")
    sign_in("edith", "wrong", remote="10.0.0.2")
    AccessFailureLog.objects.filter(ip_address="10.0.0.1").update(
        attempt_time=timezone.now() - timedelta(days=91)
    )
    call_command("axes_reset_failure_logs", "--age", "90")
    assert list(AccessFailureLog.objects.values_list("ip_address", flat=True)) == ["10.0.0.2"]
