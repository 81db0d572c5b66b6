"""Every kind of page passes axe-core's WCAG 2.2 A and AA rules in real Chromium.

The ids are the seed fixture's, chosen for full pages: a claim with a timeline and quotes, the
article with the most highlighted quotes, one of its quotes, Donald Trump, and Article 5; and
an old version of that claim, its change log and a deleted claim's version.
"""

import pytest

from claims.models import Claim
from tests import factories

WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

PAGES = {
    "home": "/",
    "explorer": "/claims/",
    "explorer, one year's months": "/claims/?period=2024",
    "search": "/search/?q=NATO",
    "claim": "/claims/10/",
    "article": "/articles/1/",
    "quote permalink": "/quotes/3/",
    "changes between captures": "/articles/1/captures/changes/",
    "person": "/people/1/",
    "topic": "/topics/4/",
}


def describe(violations):
    return "\n".join(
        f"{violation['id']} ({violation['impact']}): "
        + ", ".join(" ".join(node["target"]) for node in violation["nodes"])
        for violation in violations
    )


def axe_violations(page, axe_script):
    """What axe-core finds against the WCAG A and AA rules on the page as it stands."""
    page.add_script_tag(path=axe_script)
    results = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_AA
    )
    return results["violations"]


def violations(browser, url, axe_script, viewport=None):
    # The site's CSP allows no inline scripts, and Playwright injects axe as one, so this
    # context bypasses the CSP. The pages send no inline script or style for it to let through.
    viewport = viewport or {"width": 1280, "height": 900}
    context = browser.new_context(viewport=viewport, bypass_csp=True)
    page = context.new_page()
    page.goto(url)
    found = axe_violations(page, axe_script)
    context.close()
    return found


@pytest.mark.parametrize("path", PAGES.values(), ids=PAGES.keys())
def test_the_page_has_no_wcag_aa_violations(browser, live_server, live_seed, axe_script, path):
    found = violations(browser, f"{live_server.url}{path}", axe_script)
    assert not found, describe(found)


def test_an_old_version_its_change_log_and_a_gone_version_have_no_violations(
    browser, live_server, live_seed, axe_script
):
    claim = Claim.objects.get(pk=10)
    claim.statement += " Reportedly."
    claim.status = Claim.Status.DISPUTED
    claim.save()
    gone = factories.make_claim(statement="A claim an archivist deleted.")
    gone.delete()
    for path in ["/claims/10/v/1/", "/claims/10/v/", f"/claims/{gone.pk}/v/1/"]:
        found = violations(browser, f"{live_server.url}{path}", axe_script)
        assert not found, f"{path}: {describe(found)}"
