"""The forms editors use every day pass axe-core's WCAG 2.2 A and AA rules in real Chromium, as
the public pages do (test_accessibility.py), and break no rule of the CSP: a claim with its
actors, appearances and notes (also with a row added, its lists open, and refused with errors),
a quote, archiving a capture, a quote proposal, an appearance proposal, and a claim's history
and a revert of it (issue #26)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from articles.models import Quote
from articles.proposals import propose_quotes_for
from claims.appearance_proposals import propose_appearances_for
from claims.models import AppearanceProposal, Claim
from core.roles import EDITOR
from tests import factories
from tests.admin_forms import change_url
from tests.browser.test_accessibility import axe_violations, describe
from tests.browser.test_admin_saves import sign_in
from tests.proposed_claims import BODY


@pytest.fixture
def forms(live_seed):
    """{what: path} of the editors' forms, on the seed corpus with proposals waiting."""
    claim = Claim.objects.filter(
        status=Claim.Status.REPORTED, appearances__isnull=False, claim_actors__isnull=False
    ).first()
    reported = claim.history.latest()
    claim.status = Claim.Status.CORROBORATED
    claim.save()  # a revert to the version before keeps this status, and says so
    propose_appearances_for(factories.make_article(body=BODY))
    [quote_proposal] = propose_quotes_for(
        factories.make_article(body="“We will never sign,” said Kevin Roberts on Tuesday.")
    )
    appearance_proposal = AppearanceProposal.objects.filter(claim__isnull=False).first()
    return {
        "claim": change_url(claim),
        "new claim": reverse("admin:claims_claim_add"),
        "quote": change_url(Quote.objects.first()),
        "new quote": reverse("admin:articles_quote_add"),
        "archive a capture": reverse("admin:articles_capture_add"),
        "quote proposal": change_url(quote_proposal),
        "appearance proposal": change_url(appearance_proposal),
        "claim's history": reverse("admin:claims_claim_history", args=[claim.pk]),
        "revert": reverse("admin:claims_claim_simple_history", args=[claim.pk, reported.pk]),
    }


@pytest.fixture
def axe_page(browser, live_server):
    """An editor's page. Playwright injects axe as an inline script, which the CSP refuses: this
    context bypasses it (test_no_admin_form_breaks_the_csp checks the pages under it)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, live_server, EDITOR)
    yield page
    context.close()


def test_the_forms_editors_use_have_no_wcag_aa_violations(axe_page, live_server, forms, axe_script):
    found = {}
    for name, path in forms.items():
        axe_page.goto(f"{live_server.url}{path}")
        found[name] = describe(axe_violations(axe_page, axe_script))
    assert found == dict.fromkeys(forms, ""), "\n".join(
        f"{name}: {violations}" for name, violations in found.items() if violations
    )


def test_a_claim_form_in_use_has_no_wcag_aa_violations(axe_page, live_server, forms, axe_script):
    page, found = axe_page, {}
    page.goto(f"{live_server.url}{forms['claim']}")
    page.locator("#appearances-group .add-row a").click()
    page.locator(".field-source .select2-selection").last.click()
    expect(page.locator(".select2-search--dropdown .select2-search__field")).to_be_focused()
    found["a new appearance, its source's list open"] = axe_violations(page, axe_script)
    page.keyboard.press("Escape")
    page.locator(".field-topics .select2-search__field").press_sequentially("NATO")
    expect(page.locator(".select2-results__option--highlighted")).to_be_visible()
    found["the topics' list open"] = axe_violations(page, axe_script)
    page.keyboard.press("Escape")
    page.locator("#id_statement").fill("")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".errornote")).to_be_visible()
    found["refused with errors"] = axe_violations(page, axe_script)
    assert not any(found.values()), "\n".join(
        f"{state}: {describe(violations)}" for state, violations in found.items() if violations
    )


def test_no_admin_form_breaks_the_csp(page, live_server, forms):
    refused = []

    def note_refusal(message):
        if "Content Security Policy" in message.text:
            refused.append(f"{page.url}: {message.text}")

    page.on("console", note_refusal)
    sign_in(page, live_server, EDITOR)
    for path in forms.values():
        page.goto(f"{live_server.url}{path}")
    assert not refused, "\n".join(refused)
