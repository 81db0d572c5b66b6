"""Reads from PostgreSQL read replicas, when there are any, without anyone seeing stale data.

Settings name replicas with DATABASE_REPLICA_URLS (databases "replica_1", "replica_2", …). Writes
and migrations always go to the primary ("default"). Reads go to a replica except where they must
see what was just written, which replicas receive a moment later:
- requests of signed-in users (editors), who must see their own saves at once;
- the rest of a request once it has written anything;
- for PIN_SECONDS after a request that changed something, the same browser's requests (a
  cookie), so that the page an editor is sent to after saving shows the save.
Anonymous analysts' pages, the explorer, search, the API and exports read from replicas.
Outside requests (manage.py commands, the queue's worker) everything reads the primary: a command
such as load_seed must not take a lagging replica's archive for the real one.

A replica that can't be reached when a request first reads (stopped, restarting, its host down)
is left out for DOWN_SECONDS, and the request reads from another replica or the primary: readers
never see an error for a replica's sake, only for the primary's (core.middleware's 503).
"""

import contextlib
import contextvars
import logging
import random
import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections

logger = logging.getLogger(__name__)

PIN_COOKIE = "primary_until"
PIN_SECONDS = 15  # longer than replicas are expected to lag
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

# True outside requests; PinToPrimaryMiddleware decides for each request.
_pinned = contextvars.ContextVar("read_from_primary", default=True)
# One replica per request, so that its reads are one consistent view even with replicas at
# different lag (the explorer reads its counts and rows in one snapshot of it).
_replica = contextvars.ContextVar("replica", default=None)
# How long a replica that could not be reached is left out before a request tries it again.
DOWN_SECONDS = 10
_down_until = {}  # alias: time.monotonic() from which it may be tried again (per process)


def replicas():
    return [alias for alias in settings.DATABASES if alias.startswith("replica_")]


def read_from_primary():
    """From here on in this request (or thread), read from the primary."""
    _pinned.set(True)


def reads_from_primary():
    """Whether this request must see what was just written (the module's rules)."""
    return _pinned.get()


def choose_replica():
    """Choose this request's replica now, if it reads from one and has not chosen yet: reads
    about to run in other threads (core.concurrent_reads) then all read from it."""
    available = replicas()
    if available and not _pinned.get():
        _this_requests_replica(available)


def _this_requests_replica(available):
    if _replica.get() not in [*available, DEFAULT_DB_ALIAS]:
        _replica.set(_reachable_replica(available))
    return _replica.get()


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        available = replicas()
        if not available or _pinned.get():
            return DEFAULT_DB_ALIAS
        instance = hints.get("instance")
        if instance is not None and instance._state.db:
            return instance._state.db  # an object's relations from where it was read
        return _this_requests_replica(available)

    def db_for_write(self, model, **hints):
        read_from_primary()
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # every alias is the same database, or a copy of it

    def allow_migrate(self, db, app_label, **hints):
        return db == DEFAULT_DB_ALIAS


def _reachable_replica(available):
    """A replica that answers, picked at random among those not left out; else the primary."""
    now = time.monotonic()
    candidates = [alias for alias in available if _down_until.get(alias, 0) <= now]
    random.shuffle(candidates)
    for alias in candidates:
        if reachable(alias):
            return alias
        _down_until[alias] = time.monotonic() + DOWN_SECONDS
        logger.warning("%s can't be reached: reads go elsewhere for %s s", alias, DOWN_SECONDS)
    return DEFAULT_DB_ALIAS


def reachable(alias):
    """Whether the database answers: a connection opened, or the kept one checked as Django's
    health check would at the request's first query (which it then skips)."""
    connection = connections[alias]
    try:
        connection.close_if_health_check_failed()
        connection.ensure_connection()
    except (OperationalError, InterfaceError):
        return False
    return True


class PinToPrimaryMiddleware:
    """Decides, per request, whether its reads may go to a replica (see the module's rules)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with reads_for(request):
            response = self.get_response(request)
        if request.method not in SAFE_METHODS:
            response.set_cookie(
                PIN_COOKIE, str(int(time.time()) + PIN_SECONDS), max_age=PIN_SECONDS,
                httponly=True, samesite="Lax", secure=request.is_secure(),
            )  # fmt: skip
        return response


@contextlib.contextmanager
def reads_for(request):
    """Within: the request's reads go where the module's rules say, all to one replica."""
    pinned = _pinned.set(must_see_writes(request))
    replica = _replica.set(None)
    try:
        yield
    finally:
        _pinned.reset(pinned)
        _replica.reset(replica)


def must_see_writes(request):
    """Whether the request must read the primary: it writes, comes from a signed-in user, or from
    a browser that changed something less than PIN_SECONDS ago. Before AuthenticationMiddleware
    (core.page_cache's middleware) the user is unknown: a request without a session is anonymous."""
    if request.method not in SAFE_METHODS:
        return True
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        return True
    try:
        return int(request.COOKIES.get(PIN_COOKIE, "0")) > time.time()
    except ValueError:
        return False
