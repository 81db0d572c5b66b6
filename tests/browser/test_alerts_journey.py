"""A reader follows a topic by email in real Chromium, under the site's CSP: the Follow link, the
form (first with a mistyped address), "check your inbox", the confirmation link's page, and the
unsubscribe link's; axe-core's WCAG 2.2 AA rules on each page."""

import re

import pytest
from django.core import mail
from procrastinate.contrib.django import app
from procrastinate.testing import InMemoryConnector

from alerts import tasks
from tests.browser.test_accessibility import axe_violations, describe


@pytest.fixture
def queued():
    connector = InMemoryConnector()
    with app.replace_connector(connector):
        yield connector


def accessible(page, browser, axe_script):
    """axe-core on the page's address, in a context that lets the injected script run."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    checked = context.new_page()
    checked.goto(page.url)
    found = axe_violations(checked, axe_script)
    context.close()
    assert not found, f"{page.url}: {describe(found)}"


def test_a_reader_follows_a_topic_and_stops_following_it(
    page, browser, live_server, live_seed, axe_script, queued
):
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.goto(f"{live_server.url}/topics/4/")
    page.get_by_role("link", name="Follow this topic").click()
    page.wait_for_url("**/alerts/follow/topics/4/")
    accessible(page, browser, axe_script)

    # A mistyped address the browser would let through (its own check knows no domains).
    page.get_by_label("Your email address").fill("reader@example")
    page.get_by_label("Once a day, in one email").check()
    page.get_by_role("button", name="Follow by email").click()
    assert page.get_by_role("alert").is_visible()
    accessible(page, browser, axe_script)

    page.get_by_label("Your email address").fill("reader@example.org")
    page.get_by_label("Once a day, in one email").check()
    page.get_by_role("button", name="Follow by email").click()
    page.get_by_role("heading", name="Check your inbox").wait_for()

    [job] = queued.jobs.values()
    tasks.send_confirmation(**job["args"])
    page.goto(re.search(r"http://\S+/alerts/confirm/\S+/", mail.outbox[-1].body)[0])
    accessible(page, browser, axe_script)
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("heading", name="Alerts confirmed").wait_for()
    accessible(page, browser, axe_script)

    page.get_by_role("link", name="stop them now").click()
    accessible(page, browser, axe_script)
    page.get_by_role("button", name="Stop these alerts").click()
    page.get_by_role("heading", name="Alerts stopped").wait_for()
    accessible(page, browser, axe_script)
    assert not [text for text in console if "Content Security Policy" in text]
