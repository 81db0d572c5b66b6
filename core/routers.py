"""Reads from PostgreSQL read replicas, when there are any, without anyone seeing stale data.

Settings name replicas with DATABASE_REPLICA_URLS (databases "replica_1", "replica_2", …). Writes
and migrations always go to the primary ("default"). Reads go to a replica except where they must
see what was just written, which replicas receive a moment later:
- requests of signed-in users (editors), who must see their own saves at once;
- the rest of a request once it has written anything;
- for PIN_SECONDS after a request that changed something, the same browser's requests (a
  cookie), so that the page an editor is sent to after saving shows the save.
Anonymous analysts' pages, the explorer, search, the API and exports read from replicas.
"""

import contextvars
import random
import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

PIN_COOKIE = "primary_until"
PIN_SECONDS = 15  # longer than replicas are expected to lag
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

_pinned = contextvars.ContextVar("read_from_primary", default=False)
# One replica per request, so that its reads are one consistent view even with replicas at
# different lag (the explorer reads its counts and rows in one snapshot of it).
_replica = contextvars.ContextVar("replica", default=None)


def replicas():
    return [alias for alias in settings.DATABASES if alias.startswith("replica_")]


def read_from_primary():
    """From here on in this request (or thread), read from the primary."""
    _pinned.set(True)


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        available = replicas()
        if not available or _pinned.get():
            return DEFAULT_DB_ALIAS
        instance = hints.get("instance")
        if instance is not None and instance._state.db:
            return instance._state.db  # an object's relations from where it was read
        if _replica.get() not in available:
            _replica.set(random.choice(available))
        return _replica.get()

    def db_for_write(self, model, **hints):
        read_from_primary()
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # every alias is the same database, or a copy of it

    def allow_migrate(self, db, app_label, **hints):
        return db == DEFAULT_DB_ALIAS


class PinToPrimaryMiddleware:
    """Decides, per request, whether its reads may go to a replica (see the module's rules)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        pinned = _pinned.set(self._must_see_writes(request))
        replica = _replica.set(None)
        try:
            response = self.get_response(request)
        finally:
            _pinned.reset(pinned)
            _replica.reset(replica)
        if request.method not in SAFE_METHODS:
            response.set_cookie(
                PIN_COOKIE, str(int(time.time()) + PIN_SECONDS), max_age=PIN_SECONDS,
                httponly=True, samesite="Lax", secure=request.is_secure(),
            )  # fmt: skip
        return response

    def _must_see_writes(self, request):
        if request.method not in SAFE_METHODS:
            return True
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            return True
        try:
            return int(request.COOKIES.get(PIN_COOKIE, "0")) > time.time()
        except ValueError:
            return False
