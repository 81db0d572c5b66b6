"""Every kind of page passes axe-core's WCAG 2.2 A and AA rules in real Chromium.

The ids are the seed fixture's, chosen for full pages: a claim with a timeline and quotes, the
article with the most highlighted quotes, one of its quotes, Donald Trump, and Article 5; and
an old version of that claim, its change log and a deleted claim's version.
"""

import datetime

import pytest

from articles.capture import capture_archive
from articles.models import Article, Capture
from claims.models import Appearance, Claim
from tests import factories
from tests.capture_pages import PARAGRAPHS, article_page

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


def test_pages_flagging_words_no_longer_there_have_no_violations(
    browser, live_server, live_seed, axe_script
):
    # Issue #23: an article rewritten after a quote and an appearance were anchored in it.
    first_day = datetime.datetime(2024, 7, 2, 12, 0, tzinfo=datetime.UTC)
    first = capture_archive(raw=article_page(), origin=Capture.Origin.FILE, retrieved_at=first_day)
    article = Article.objects.get(pk=first.article.pk)
    quote = factories.make_quote(
        article, "We will not be divided on Ukraine", speaker_label="the Secretary General"
    )
    claim = factories.make_claim(articles=[article])
    start = article.body.index(PARAGRAPHS[2])
    end = start + len(PARAGRAPHS[2])
    Appearance.objects.create(
        claim=claim, article=article, text=PARAGRAPHS[2], start_offset=start, end_offset=end
    )
    next_day = first_day + datetime.timedelta(days=1)
    added = "Nothing was decided, the ministers said; they meet again before the summit."
    rewritten = article_page([PARAGRAPHS[0], added], title="Allies agree")
    capture_archive(raw=rewritten, origin=Capture.Origin.FILE, retrieved_at=next_day)
    pages = [
        f"/articles/{article.pk}/captures/changes/",
        article.get_absolute_url(),
        quote.get_absolute_url(),
        claim.get_absolute_url(),
    ]
    for path in pages:
        found = violations(browser, f"{live_server.url}{path}", axe_script)
        assert not found, f"{path}: {describe(found)}"
