"""Requests over Django's limits on form data and parameters get the 400 page saying what was
wrong, logged in one line without a traceback: expected events, not crashes."""

import html
import logging

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

SIGN_IN = "/admin/login/"


def assert_one_line_logged(caplog, path):
    records = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert [record.getMessage().split(" (")[0] for record in records] == [f"Bad Request: {path}"]
    assert records[0].exc_info is None, "a traceback was logged"


def assert_bad_request(response, message):
    assert response.status_code == 400
    assert "<h1>Bad request</h1>" in response.text
    assert message in html.unescape(response.text)


@pytest.fixture
def browser():
    """A client that has loaded the sign-in page, and whose forms go through the CSRF check
    first, as a browser's do: that check is where Django first reads the admin's form data."""
    client = Client(enforce_csrf_checks=True)
    client.get(SIGN_IN)
    return client


def post_sign_in(browser, fields):
    token = browser.cookies[settings.CSRF_COOKIE_NAME].value
    return browser.post(SIGN_IN, {"csrfmiddlewaretoken": token, **fields})


def test_a_form_over_the_size_limit_gets_a_bad_request_without_a_traceback(browser, caplog):
    text = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = post_sign_in(browser, {"username": "edith", "password": text})
    assert_one_line_logged(caplog, SIGN_IN)
    assert_bad_request(response, "The form sent more data than the archive accepts.")


def test_a_form_with_too_many_fields_gets_a_bad_request_without_a_traceback(browser, caplog):
    fields = {f"field{number}": "1" for number in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS)}
    response = post_sign_in(browser, fields)
    assert_one_line_logged(caplog, SIGN_IN)
    assert_bad_request(response, "more parameters or form fields than the archive accepts")


def test_an_address_with_too_many_parameters_gets_a_bad_request(client, caplog):
    path = reverse("claims:claim_list")
    query = "&".join(f"q{number}=1" for number in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    response = client.get(f"{path}?{query}")
    assert_one_line_logged(caplog, path)
    assert_bad_request(response, "more parameters or form fields than the archive accepts")


def test_a_form_body_that_cannot_be_parsed_gets_a_bad_request(browser, caplog):
    token = browser.cookies[settings.CSRF_COOKIE_NAME].value
    response = browser.post(
        SIGN_IN,
        "--x\r\n",
        content_type="multipart/form-data; boundary=\x00bad",
        headers={"X-CSRFToken": token},
    )
    assert_one_line_logged(caplog, SIGN_IN)
    assert_bad_request(response, "The form's data could not be read.")


def test_a_form_within_the_limits_reaches_its_view(browser):
    text = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 2)
    response = post_sign_in(browser, {"username": "edith", "password": text})
    assert response.status_code == 200
    assert "Please enter the correct username and password" in response.text
