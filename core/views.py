"""The views every deployment needs whatever the apps: the health check, the favicon and the 500
page."""

import sys

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import JsonResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.views import defaults
from django.views.decorators.cache import never_cache

from core.middleware import (
    RETRY_AFTER_SECONDS,
    database_unavailable,
    unavailable_response,
    wants_json,
)

SERVER_ERROR = (
    "The archive failed to answer this request. The error is logged; please try again later."
)


@never_cache
def health(request):
    """For docker-compose's healthcheck and load balancers: 200 when the app answers and its
    database does (one trivial query), 503 when the database does not. No session, no cookies."""
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        response = JsonResponse({"status": "unavailable", "database": "unavailable"}, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return JsonResponse({"status": "ok", "database": "ok"})


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
