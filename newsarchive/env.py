"""Strict readers for settings that come from the environment.

A value that cannot be parsed stops start-up with a message naming the variable, instead of
silently falling back to a default.
"""

import ipaddress
import os

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


def env_str(name, default=None, *, required=False):
    value = os.environ.get(name, "").strip()
    if value:
        return value
    if required:
        raise ImproperlyConfigured(f"The environment variable {name} must be set.")
    return default


def env_bool(name, default):
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    allowed = ", ".join(sorted(TRUE_WORDS | FALSE_WORDS))
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean; use one of: {allowed}.")


def env_int(name, default, *, minimum=0):
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name}={number} must be at least {minimum}.")
    return number


def env_list(name, default):
    """A comma-separated list; empty items are an error, not something to skip."""
    value = os.environ.get(name, "").strip()
    if not value:
        return list(default)
    items = [item.strip() for item in value.split(",")]
    if not all(items):
        raise ImproperlyConfigured(f"{name}={value!r} has an empty item in its comma list.")
    return items


def env_choice(name, default, choices):
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} must be one of: {', '.join(choices)}.")
    return value


def env_networks(name, default):
    """A comma-separated list of IP addresses or networks (CIDR), e.g. "127.0.0.1,172.18.0.0/16"."""
    networks = []
    for item in env_list(name, default):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"{name}: {item!r} is not an IP address or network (like 10.0.0.0/8)."
            ) from None
    return networks
