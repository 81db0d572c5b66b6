"""The header and the claim explorer on a 390 px phone, and the same pages still whole on a
desktop (issue #26): a search box wide enough to show what is typed, a Filters control on the
first screen, and header links no smaller than WCAG 2.2's 24 px target (2.5.8)."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import describe, violations

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_the_header_search_box_shows_what_is_typed_on_a_phone(phone, live_server, live_seed):
    phone.goto(f"{live_server.url}/")
    box = phone.get_by_role("searchbox", name="Search the archive")
    box.fill("NATO Article 5")
    width = box.bounding_box()["width"]
    assert width >= 120, f"the search box is {width} px wide"
    assert box.bounding_box()["x"] + width <= PHONE["width"]
    # The words fit the box: none of them scrolled out of sight.
    assert box.evaluate("input => input.scrollWidth <= input.clientWidth")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_header_links_are_at_least_24_px_tall(browser, live_server, live_seed, viewport):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(f"{live_server.url}/")
    links = page.locator(".site-header a")
    expect(links).to_have_count(4)  # the site's name, Claims, Search, Captures
    heights = {link.inner_text(): link.bounding_box()["height"] for link in links.all()}
    context.close()
    assert all(height >= 24 for height in heights.values()), heights


def test_the_filters_control_is_on_the_first_screen_and_jumps_to_the_facets(
    phone, live_server, live_seed
):
    phone.goto(f"{live_server.url}/claims/")
    filters = phone.get_by_role("link", name="Filters", exact=True)
    assert filters.bounding_box()["y"] + filters.bounding_box()["height"] <= PHONE["height"]
    facets = phone.get_by_role("complementary", name="Filters")
    expect(facets).not_to_be_in_viewport()

    filters.focus()
    phone.keyboard.press("Enter")
    expect(facets).to_be_in_viewport()
    # The keyboard goes on from there: the next Tab lands in the facets, not back at the top.
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.closest('.facets') !== null")


def test_the_filters_control_works_without_javascript(browser, live_server, live_seed):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/topics/4/")
    page.get_by_role("link", name="Filters", exact=True).click()
    expect(page.get_by_role("complementary", name="Filters")).to_be_in_viewport()
    context.close()


def test_the_desktop_keeps_one_header_row_and_facets_beside_the_results(
    page, live_server, live_seed
):
    page.goto(f"{live_server.url}/claims/")
    search = page.get_by_role("searchbox", name="Search the archive").bounding_box()
    claims_link = page.locator(".site-header nav").get_by_role("link", name="Claims")
    assert search["width"] >= 400
    assert claims_link.bounding_box()["y"] < search["y"] + search["height"]  # the same row
    expect(page.get_by_role("link", name="Filters", exact=True)).to_be_hidden()
    facets = page.get_by_role("complementary", name="Filters").bounding_box()
    results = page.get_by_role("region", name="Results").bounding_box()
    assert facets["x"] + facets["width"] <= results["x"]
    assert facets["y"] < results["y"] + results["height"]


@pytest.mark.parametrize("path", ["/", "/claims/?actor=1"])
def test_the_phone_layout_has_no_wcag_aa_violations(
    browser, live_server, live_seed, axe_script, path
):
    found = violations(browser, f"{live_server.url}{path}", axe_script, viewport=PHONE)
    assert not found, describe(found)


def test_the_explorer_search_fits_the_smallest_phone(browser, live_server, live_seed):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(f"{live_server.url}/claims/")
    button = page.locator(".explorer-search").get_by_role("button")
    box = button.bounding_box()
    assert box["x"] + box["width"] <= 320, f"the Search button ends at {box['x'] + box['width']} px"
    context.close()
