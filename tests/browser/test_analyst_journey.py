"""An analyst's journey: search, narrow by two facet values, drop one, open a claim, then open
a quote's permalink and see the quoted words highlighted in the archived article."""

import re

from playwright.sync_api import expect


def facet_value(page, facet, label):
    exact = page.locator(".facet-label", has_text=re.compile(f"^{re.escape(label)}$"))
    return page.locator(f'.facet[data-facet="{facet}"] .facet-value', has=exact)


def test_search_facets_claim_and_quote_permalink(page, live_server, live_seed):
    page.goto(f"{live_server.url}/")
    page.get_by_role("searchbox", name="Search the archive").fill("NATO")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Search the archive")).to_be_visible()
    expect(page.locator(".tabs")).to_contain_text("Claims")

    page.goto(f"{live_server.url}/claims/?q=NATO")
    total = int(page.locator(".result-count strong").inner_text())

    facet_value(page, "actor", "Donald Trump").click()
    expect(page.locator(".chip", has_text="Donald Trump")).to_be_visible()
    after_one = int(page.locator(".result-count strong").inner_text())
    assert after_one <= total

    facet_value(page, "topic", "Article 5").click()
    expect(page.locator(".chip", has_text="Article 5")).to_be_visible()
    after_two = int(page.locator(".result-count strong").inner_text())
    assert 0 < after_two <= after_one

    page.get_by_role("link", name="Remove Actor Donald Trump").click()
    expect(page.locator(".chip", has_text="Donald Trump")).to_have_count(0)
    expect(page.locator(".chip", has_text="Article 5")).to_be_visible()

    page.locator(".explorer-results .claim-statement", has_text="two-tier system").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Keith Kellogg")
    expect(page.locator(".timeline")).to_contain_text("Politico")

    page.locator(".quote-list blockquote", has_text="defense largess").get_by_role(
        "link", name="permalink"
    ).click()
    expect(page).to_have_url(
        re.compile(r"/articles/1/euromaidan-trump-nato-deal/\?quote=\d+#quote-\d+$")
    )
    focused = page.locator("mark.quote-mark.focused")
    expect(focused).to_have_text(
        "wouldn’t enjoy the defense largess and security guarantee of the United States"
    )
    expect(focused).to_be_in_viewport()


def test_the_copy_buttons_copy_this_versions_link_and_the_living_permalink(
    page, live_server, live_seed
):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(f"{live_server.url}/claims/1/")
    rows = page.locator(".cite-box .cite-row")
    for index, expected in [(0, r"/claims/1/v/1/"), (1, r"/claims/1/[a-z0-9-]+/")]:
        button = rows.nth(index).locator(".copy-button")
        button.click()
        expect(button).to_have_text("Copied")
        copied = page.evaluate("navigator.clipboard.readText()")
        assert re.fullmatch(rf"{live_server.url}{expected}", copied)


def test_a_citation_style_is_chosen_in_the_cite_box_and_kept_on_the_next_page(
    page, live_server, live_seed
):
    page.goto(f"{live_server.url}/claims/1/")
    box = page.locator(".cite-box")
    box.locator("summary").click()
    box.get_by_label("Style").select_option(label="MLA")
    shown = box.locator(".cite-row[data-style]:visible")
    expect(shown).to_have_count(1)
    expect(shown.locator("label")).to_have_text("MLA")
    expect(shown.locator("textarea")).to_contain_text(f"{live_server.url}/claims/1/v/1/")
    page.goto(f"{live_server.url}/claims/2/")
    page.locator(".cite-box summary").click()
    shown = page.locator(".cite-box .cite-row[data-style]:visible")
    expect(shown.locator("label")).to_have_text("MLA")


def test_a_long_facet_can_be_filtered(page, live_server, live_seed):
    page.goto(f"{live_server.url}/claims/")
    topics = page.locator('.facet[data-facet="topic"]')
    topics.locator(".facet-filter").fill("defense")
    visible = topics.locator(".facet-values li:visible")
    expect(visible).to_have_count(1)
    expect(visible).to_contain_text("Defense spending target")
