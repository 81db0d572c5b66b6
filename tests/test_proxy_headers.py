"""Only the proxy next to the app may say that the client's connection was HTTPS: from any other
address, X-Forwarded-Proto is the client's own words (core.middleware)."""

from ipaddress import ip_network

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from core.middleware import UntrustedProxyHeadersMiddleware


@pytest.fixture
def behind_a_tls_proxy(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.TRUSTED_PROXY_ADDRESSES = [ip_network("10.231.21.10/32")]


def seen_as_secure(remote_address):
    request = RequestFactory().get(
        "/", REMOTE_ADDR=remote_address, headers={"X-Forwarded-Proto": "https"}
    )
    seen = []

    def view(request):
        seen.append(request.is_secure())
        return HttpResponse()

    UntrustedProxyHeadersMiddleware(view)(request)
    return seen[0]


def test_the_proxy_s_word_that_the_connection_was_https_is_taken(behind_a_tls_proxy):
    assert seen_as_secure("10.231.21.10")


@pytest.mark.parametrize("remote_address", ["10.231.21.11", "203.0.113.7", "::1", ""])
def test_a_client_reaching_the_app_directly_cannot_claim_https(behind_a_tls_proxy, remote_address):
    assert not seen_as_secure(remote_address)


def test_the_middleware_runs_before_django_asks_whether_a_request_is_secure(settings):
    middleware = settings.MIDDLEWARE
    assert middleware.index("core.middleware.UntrustedProxyHeadersMiddleware") < middleware.index(
        "django.middleware.security.SecurityMiddleware"
    )
