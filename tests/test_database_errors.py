"""The database errors a view can't help, told apart and answered one by one (core.middleware):
input PostgreSQL refuses is a 400, a database that can't be reached a 503 with Retry-After, any
other error is left to the server's 500; each logged in one line. And which requests ask for
JSON. (Through the whole site: test_json_errors.py and test_outages.py.)"""

import json
import logging

import psycopg
import pytest
from django.contrib.auth.models import User
from django.db import DataError, IntegrityError, InterfaceError, InternalError, OperationalError
from django.utils.html import escape

from core.middleware import (
    HOLDS_NUL,
    REFUSED,
    RETRY_AFTER_SECONDS,
    UNAVAILABLE,
    DatabaseErrorsMiddleware,
    RejectNulBytesMiddleware,
    database_unavailable,
    wants_json,
)

EDITORS_MENU = '<a href="/admin/">Editors</a>'
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def raised(error, cause=None):
    """`error` as Django raises it, from the psycopg error `cause`."""
    error.__cause__ = cause
    return error


ERRORS = {
    "a value out of range": (
        raised(DataError("integer out of range\nLINE 1: ...\nHINT: ...")),
        400,
    ),
    "input over PostgreSQL's limits": (
        raised(OperationalError("index row too big"), psycopg.errors.ProgramLimitExceeded()),
        400,
    ),
    "a search its parser can't build": (
        raised(InternalError("no"), psycopg.errors.InternalError_("syntax error in tsquery")),
        400,
    ),
    "another internal error": (
        raised(InternalError("no"), psycopg.errors.InternalError_("cache lookup failed")),
        None,
    ),
    "a server gone": (raised(OperationalError("connection refused")), 503),
    "a connection closed": (raised(InterfaceError("connection already closed")), 503),
    "a broken constraint": (raised(IntegrityError("duplicate key")), None),
    "a bug": (ValueError("a bug"), None),
}


@pytest.mark.parametrize("error", ERRORS, ids=str)
def test_each_database_error_gets_its_answer_and_any_other_error_the_server_s(rf, error):
    exception, status = ERRORS[error]
    response = DatabaseErrorsMiddleware(None).process_exception(rf.get("/claims/"), exception)
    assert (response and response.status_code) == status


@pytest.mark.parametrize("error", ERRORS, ids=str)
def test_an_error_is_the_database_unavailable_exactly_when_it_is_answered_503(error):
    # The server's 500 handler asks too, of errors outside any view.
    exception, status = ERRORS[error]
    assert database_unavailable(exception) is (status == 503)


def browser_request(rf, path, query=None):
    """A GET of `path` from a browser, its user an editor: pages show editors their menu."""
    request = rf.get(path, query, headers={"Accept": BROWSER})
    request.user = User(username="editor", is_staff=True)
    return request


def test_input_the_database_refuses_is_a_400_page_logged_in_one_line(rf, caplog):
    error, _ = ERRORS["a value out of range"]
    request = browser_request(rf, "/claims/")
    response = DatabaseErrorsMiddleware(None).process_exception(request, error)
    assert response["Content-Type"].startswith("text/html") and escape(REFUSED) in response.text
    assert EDITORS_MENU in response.text
    [logged] = caplog.records
    assert logged.request is request
    assert (logged.name, logged.levelno, logged.exc_info) == (
        "django.request",
        logging.WARNING,
        None,
    )
    assert logged.getMessage() == (
        "Bad Request: /claims/ (refused by the database: integer out of range)"
    )


def test_input_the_database_refuses_is_a_json_400_for_a_request_asking_for_json(rf):
    error, _ = ERRORS["a value out of range"]
    request = rf.get("/claims/", {"format": "json"})
    response = DatabaseErrorsMiddleware(None).process_exception(request, error)
    assert json.loads(response.content) == {"errors": {"__all__": [REFUSED]}}


def test_an_unreachable_database_is_a_503_page_to_retry_logged_in_one_line(rf, caplog):
    error = raised(
        OperationalError("\n connection refused\n\tIs the server running\n\tand accepting?")
    )
    request = rf.get("/claims/", headers={"Accept": BROWSER})
    response = DatabaseErrorsMiddleware(None).process_exception(request, error)
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS) == "30"
    assert response["Content-Type"].startswith("text/html") and escape(UNAVAILABLE) in response.text
    [logged] = caplog.records
    assert logged.request is request
    assert (logged.name, logged.levelno, logged.exc_info) == ("django.request", logging.ERROR, None)
    assert logged.getMessage() == (
        "Service Unavailable: /claims/ (database unavailable: connection refused)"
    )


def test_an_unreachable_database_is_a_json_503_for_a_request_asking_for_json(rf):
    error, _ = ERRORS["a server gone"]
    response = DatabaseErrorsMiddleware(None).process_exception(rf.get("/api/claims/"), error)
    assert response["Retry-After"] == "30"
    assert json.loads(response.content) == {"detail": UNAVAILABLE}


@pytest.mark.parametrize(
    "path, parameters, accept, asks_for_json",
    [
        ("/api/claims/", {}, BROWSER, True),
        ("/claims/", {"format": "json"}, BROWSER, True),
        ("/claims/", {"format": "csljson"}, BROWSER, True),
        ("/claims/", {}, "application/json", True),
        ("/claims/", {}, "application/json;q=0.9,text/html", False),
        ("/claims/", {"format": "csv"}, BROWSER, False),
        ("/claims/", {}, BROWSER, False),
        ("/no/such/page/", {}, BROWSER, False),
        ("/", {}, "*/*", False),
    ],
)
def test_a_request_asks_for_json_through_the_api_a_json_format_or_its_accept(
    rf, path, parameters, accept, asks_for_json
):
    assert wants_json(rf.get(path, parameters, headers={"Accept": accept})) is asks_for_json


@pytest.mark.parametrize(
    "query",
    [{"q": "a\x00b"}, {"q\x00": "a"}, {"q": ["a", "b\x00"]}, {"q": ["a\x00", "b"]}],
    ids=["in a value", "in a name", "in a second value", "in a first value"],
)
def test_a_nul_character_anywhere_in_the_query_is_a_400(rf, query):
    middleware = RejectNulBytesMiddleware(lambda request: pytest.fail("reached the view"))
    response = middleware(browser_request(rf, "/no/such/page/", query))
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html") and escape(HOLDS_NUL) in response.text
    assert EDITORS_MENU in response.text


def test_a_query_without_nul_characters_reaches_the_view(rf):
    middleware = RejectNulBytesMiddleware(lambda request: "the view's answer")
    assert middleware(rf.get("/claims/", {"q": ["a", "b"], "period": "2024"})) == (
        "the view's answer"
    )
