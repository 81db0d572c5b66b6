"""Answers for requests that can't reach a view's normal result: a method the page doesn't
answer, a NUL byte in the address, input PostgreSQL refuses, and a database that can't be
reached. A request that asks for JSON gets them as JSON, in the API's shapes; any other the
site's pages."""

import psycopg
from django.db import DataError, InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils.log import log_response
from rest_framework.views import APIView

from core.sign_in import from_trusted_proxy

# How long a client should wait before trying again while the database is unreachable.
RETRY_AFTER_SECONDS = 30
UNAVAILABLE = "The archive's database can't be reached just now. Please try again in a minute."
REFUSED = "The archive's database could not use this request's parameters."
HOLDS_NUL = "The address holds a NUL character, which no parameter may contain."


class UntrustedProxyHeadersMiddleware:
    """X-Forwarded-Proto says the client's connection was HTTPS (SECURE_PROXY_SSL_HEADER); only
    the proxy next to the app may say so. From any other address, as from a client that reaches
    gunicorn directly, the header is the client's own words and is dropped before Django reads it
    (as core.sign_in ignores X-Forwarded-For from there; issue #21)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not from_trusted_proxy(request.META.get("REMOTE_ADDR")):
            request.META.pop("HTTP_X_FORWARDED_PROTO", None)
        return self.get_response(request)


# Pages and feeds are only read, as the JSON API's views are (claims.api.READ_ONLY); the admin's
# pages also take the editors' forms, and a view marked takes_posts its POSTs.
PAGE_METHODS = ["GET", "HEAD"]
FORM_METHODS = ["GET", "HEAD", "POST"]


def takes_posts(view):
    """Marks a page view that answers POST too, which PageMethodsMiddleware then lets through
    (the reconciliation service, to which OpenRefine posts its batches of queries)."""
    view.page_methods = FORM_METHODS
    return view


class PageMethodsMiddleware:
    """Any other method (TRACE, OPTIONS, PUT, …) is a 405 whose Allow header names those, not
    the page (issue #26): Django's function views and the admin's views answer every method.
    The API's views answer for themselves, with the same 405."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if _is_api_view(view_func):
            return None
        if request.resolver_match.app_name == "admin":
            allowed = FORM_METHODS
        else:
            allowed = getattr(view_func, "page_methods", PAGE_METHODS)
        return None if request.method in allowed else HttpResponseNotAllowed(allowed)


class RejectNulBytesMiddleware:
    """A NUL character can't be stored or searched in PostgreSQL text, and no real parameter
    holds one: a query string with one is a bad request, whichever view it was meant for."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for key, values in request.GET.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                if wants_json(request):
                    return JsonResponse({"errors": {"__all__": [HOLDS_NUL]}}, status=400)
                return render(request, "400.html", {"exception": HOLDS_NUL}, status=400)
        return self.get_response(request)


class DatabaseErrorsMiddleware:
    """The last line for database errors a view can't help, answered as expected events (one log
    line each, no traceback): input PostgreSQL refuses gets a 400, a database that can't be
    reached a 503 with Retry-After. Parameters are validated before they reach the database
    (each view's form or FilterSet); this catches what validation can't foresee."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if refused_input(exception):
            return refused_input_response(request, exception)
        if database_unavailable(exception):
            return unavailable_response(request, exception)
        return None


def refused_input(error):
    """Whether PostgreSQL refused a query for what the request asked: a malformed or out-of-range
    value (SQLSTATE class 22, DataError), input over its limits (class 54), or a search its text
    search parser can't build (reported as an internal error naming the tsquery)."""
    cause = getattr(error, "__cause__", None)
    return (
        isinstance(error, DataError)
        or isinstance(cause, psycopg.errors.ProgramLimitExceeded)
        or (isinstance(cause, psycopg.errors.InternalError_) and "tsquery" in str(cause))
    )


def database_unavailable(error):
    """Whether the database could not be reached or stopped answering (not refused input)."""
    return isinstance(error, OperationalError | InterfaceError) and not refused_input(error)


def refused_input_response(request, error):
    if wants_json(request):
        response = JsonResponse({"errors": {"__all__": [REFUSED]}}, status=400)
    else:
        response = render(request, "400.html", {"exception": REFUSED}, status=400)
    log_response(
        "Bad Request: %s (refused by the database: %s)",
        request.path,
        _first_line(error),
        response=response,
        request=request,
    )
    return response


def unavailable_response(request, error):
    """503 with Retry-After, as a short page or JSON (wants_json); logged in one line."""
    if wants_json(request):
        response = JsonResponse({"detail": UNAVAILABLE}, status=503)
    else:
        # No template context that could reach the database (a session, the user).
        response = HttpResponse(render_to_string("503.html", {"message": UNAVAILABLE}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    log_response(
        "Service Unavailable: %s (database unavailable: %s)",
        request.path,
        _first_line(error),
        response=response,
        request=request,
    )
    return response


def wants_json(request):
    """Whether the request asks for JSON, so that its errors are JSON too: the API's, a download
    in a JSON format (?format=json or csljson: claims.exports.FORMATS, whose JSON formats are
    named for it), or a client that prefers JSON to HTML (Accept)."""
    return (
        _is_api(request)
        or request.GET.get("format", "").endswith("json")
        or request.get_preferred_type(["text/html", "application/json"]) == "application/json"
    )


def _is_api(request):
    """Whether the request is for the JSON API (a REST framework view): its errors are JSON."""
    try:
        view = resolve(request.path_info).func
    except Resolver404:
        return False
    return _is_api_view(view)


def _is_api_view(view):
    view_class = getattr(view, "cls", None)
    return isinstance(view_class, type) and issubclass(view_class, APIView)


def _first_line(error):
    return str(error).strip().partition("\n")[0]
