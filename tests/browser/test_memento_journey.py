"""A reader asks what a page said on a date: pastes its address on the lookup page, opens the
capture of that day, and copies its Robust Link; the pages pass axe-core's WCAG AA rules."""

import datetime
import re

from playwright.sync_api import expect

from tests import factories
from tests.browser.test_accessibility import describe, violations
from tests.test_memento import URL, capture_of

UTC = datetime.UTC


def test_a_reader_finds_the_capture_of_a_day_and_copies_its_robust_link(
    browser, live_server, transactional_db, axe_script
):
    article = factories.make_article(url=URL, title="Aid talks stall")
    first = capture_of(article, datetime.datetime(2025, 7, 3, 9, 0, tzinfo=UTC))
    capture_of(article, datetime.datetime(2025, 7, 10, 9, 0, tzinfo=UTC))
    context = browser.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()

    page.goto(f"{live_server.url}/")
    page.locator(".site-header nav").get_by_role("link", name="Captures").click()
    page.get_by_label("Address of a page").fill(URL)
    page.get_by_role("button", name="Look up").click()
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(3)  # the pasted capture of unknown date, and the two
    expect(rows.nth(0)).to_contain_text("3 July 2025")
    found = violations(browser, page.url, axe_script)
    assert not found, describe(found)

    rows.nth(0).get_by_role("link").click()
    expect(page).to_have_url(f"{live_server.url}{first.get_absolute_url()}")
    expect(page.locator("main")).to_contain_text("This page always shows this capture")
    robust = page.locator(".cite-box .cite-row", has_text="Robust Link")
    robust.locator(".copy-button").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert re.fullmatch(
        rf'<a href="{live_server.url}{first.get_absolute_url()}" data-originalurl="{URL}" '
        r'data-versiondate="2025-07-03T09:00:00Z">Aid talks stall</a>',
        copied,
    )
    found = violations(browser, page.url, axe_script)
    assert not found, describe(found)
    context.close()


def test_an_address_that_is_no_web_page_is_told_on_the_lookup_page(
    browser, live_server, transactional_db, axe_script
):
    found = violations(browser, f"{live_server.url}/captures/?url=ftp%3A%2F%2Fx", axe_script)
    assert not found, describe(found)
