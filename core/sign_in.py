"""Sign-in limits (django-axes): where a request comes from, and how many failures it may have.

On a direct connection the client's address is REMOTE_ADDR; any X-Forwarded-For header is the
client's own words and ignored. Behind TRUSTED_PROXY_COUNT proxies that each append the address
they saw to X-Forwarded-For, the client's address is the entry the outermost proxy appended
(counted from the right): entries to its left came from the client and can be forged. The header
is read only from a connection that comes from one of TRUSTED_PROXY_ADDRESSES (the proxy next to
the app): a client that reaches the app directly, past the proxy, could otherwise write a new
address into it for each guess and never be locked out (issue #21).
"""

import ipaddress

from axes.attempts import get_cool_off_threshold
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


def client_address(request):
    """The address failures are counted against (AXES_CLIENT_IP_CALLABLE); also logged."""
    remote_address = request.META.get("REMOTE_ADDR") or None
    count = settings.TRUSTED_PROXY_COUNT
    if not count or not from_trusted_proxy(remote_address):
        return remote_address
    forwarded = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [entry for entry in forwarded if entry]
    if not forwarded:
        return remote_address
    # Fewer entries than proxies: every entry was appended by one of ours; take the outermost.
    candidate = forwarded[-count] if len(forwarded) >= count else forwarded[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote_address  # not an address our proxies would write: a misconfiguration


def from_trusted_proxy(remote_address):
    """Whether the connection comes from one of TRUSTED_PROXY_ADDRESSES (addresses or networks)."""
    try:
        address = ipaddress.ip_address(remote_address)
    except ValueError:
        return False
    return any(address in network for network in settings.TRUSTED_PROXY_ADDRESSES)


def failure_limit(request, credentials):
    """AXES_FAILURE_LIMIT: how many failures lock this sign-in out.

    Axes counts failures per lockout group, one username from one address and one address for
    any username, and compares the larger count, the address's, with a single limit. So: the
    per-user limit once this username has reached it from this address, otherwise the higher
    per-address limit."""
    username = get_client_username(request, credentials)
    failures = AccessAttempt.objects.filter(
        username=username,
        ip_address=request.axes_ip_address,
        attempt_time__gte=get_cool_off_threshold(request),
    ).aggregate(total=Sum("failures_since_start"))["total"]
    if (failures or 0) >= settings.AXES_USER_FAILURE_LIMIT:
        return settings.AXES_USER_FAILURE_LIMIT
    return settings.AXES_ADDRESS_FAILURE_LIMIT
