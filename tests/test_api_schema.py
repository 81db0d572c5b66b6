"""The API does what its OpenAPI document says: schemathesis runs every check (positive and
negative data, undeclared methods, status codes, content types, response schemas) on every
operation of the generated /api/openapi.json, against the seed corpus."""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance
from schemathesis.generation import GenerationMode

from newsarchive.wsgi import application

pytestmark = pytest.mark.django_db

# Loaded once, as the tests are collected: generating the document reads no data.
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)

ID_PARAMETERS = {"actor", "topic", "outlet", "source", "speaker"}
UNKNOWN_ID = "is not one of the available choices"
NO_SUCH_PAGE = "There is no page"


def refused_for_the_data(response):
    """Whether every error is one only the data decides: an id that names nothing or a page past
    the end. The document declares those 400s, but no schema can rule them out."""
    errors = response.json()["errors"]
    return all(
        (name in ID_PARAMETERS and UNKNOWN_ID in message)
        or (name == "page" and message.startswith(NO_SUCH_PAGE))
        for name, messages in errors.items()
        for message in messages
    )


def schema_valid_requests_are_accepted(ctx, response, case):
    """schemathesis's positive_data_acceptance, but for the 400s only the data decides."""
    positive = case.meta is not None and case.meta.generation.mode is GenerationMode.POSITIVE
    if positive and response.status_code == 400 and refused_for_the_data(response):
        return None
    return positive_data_acceptance(ctx, response, case)


@pytest.fixture
def connection_kept_open():
    """Requests through the WSGI application close the database connection when they end, and
    with it the test's transaction; Django's test client keeps it open the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    # The same examples every run: a failure here is the code's, never the draw's. A longer,
    # random run (max_examples=300, derandomize=False) explores further.
    derandomize=True,
    # The seed corpus is only read: one load per operation serves all its examples.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_the_api_does_what_its_document_says(case, seed, connection_kept_open):
    case.call_and_validate(
        # schemathesis's WSGI transport reads bodies as sent, and the app gzips what a client
        # accepts (tested in test_compression.py): this client accepts none.
        headers={"Accept-Encoding": "identity"},
        excluded_checks=[positive_data_acceptance],
        additional_checks=[schema_valid_requests_are_accepted],
    )
