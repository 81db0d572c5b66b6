"""The views every deployment needs whatever the apps: the health check, the favicon and the 500
page."""

import sys

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import JsonResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.views import defaults
from django.views.decorators.cache import never_cache

from core import routers
from core.middleware import (
    RETRY_AFTER_SECONDS,
    database_unavailable,
    unavailable_response,
    wants_json,
)

SERVER_ERROR = (
    "The archive failed to answer this request. The error is logged; please try again later."
)


# How far a replica is behind: the primary's WAL it has not replayed yet, and the age of its last
# replayed transaction while it has some to replay (an idle primary sends none: no lag then).
REPLICA_LAG_SQL = """
    SELECT pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn()),
           CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END
"""


@never_cache
def health(request):
    """For docker-compose's healthcheck and load balancers: 200 when the app answers and its
    database does (one trivial query), 503 when the database does not. No session, no cookies.

    With read replicas, also each one's state: reachable or not, and its lag (lag_bytes,
    lag_seconds; null for a database that isn't a standby). A replica down does not fail the
    check: reads move to the primary meanwhile (core.routers), and the JSON says so."""
    replicas = routers.replicas()
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()" if replicas else "SELECT 1")
            primary_position = cursor.fetchone()[0]
    except DatabaseError:
        response = JsonResponse({"status": "unavailable", "database": "unavailable"}, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    state = {"status": "ok", "database": "ok"}
    if replicas:
        state["replicas"] = {alias: _replica_state(alias, primary_position) for alias in replicas}
    return JsonResponse(state)


def _replica_state(alias, primary_position):
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute(REPLICA_LAG_SQL, [primary_position])
            lag_bytes, lag_seconds = cursor.fetchone()
    except DatabaseError:
        return {"database": "unavailable", "reads": "from the primary until it answers"}
    return {
        "database": "ok",
        # The primary's position was read first: a replica may have replayed past it since.
        "lag_bytes": None if lag_bytes is None else max(int(lag_bytes), 0),
        "lag_seconds": None if lag_seconds is None else float(lag_seconds),
    }


def favicon(request):
    """/favicon.ico, which browsers ask for where a page links no icon (the admin's, a feed, a
    JSON answer): the icon the site's pages link. Not a permanent redirect: in production the
    icon's address changes with its content."""
    return redirect(static("img/favicon.svg"))


def server_error(request):
    """The 500 page, or JSON for a request that asks for JSON; but a database that can't be
    reached outside any view (loading a signed-in editor's session, say) gets the same 503 as in
    a view (core.middleware)."""
    error = sys.exc_info()[1]
    if database_unavailable(error):
        return unavailable_response(request, error)
    if wants_json(request):
        return JsonResponse({"detail": SERVER_ERROR}, status=500)
    return defaults.server_error(request)
