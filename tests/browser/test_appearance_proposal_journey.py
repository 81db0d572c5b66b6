"""An editor decides on the claims an archived article was found to report (issue #22): accepts
one as proposed, corrects another's claim and accepts it, rejects a third; the claims' public
pages then list the article, or don't."""

from django.contrib.auth.models import Group, User
from django.urls import reverse
from playwright.sync_api import expect

from articles.capture import capture_archive
from articles.models import Capture
from core.roles import EDITOR
from tests import factories
from tests.capture_pages import article_page
from tests.proposed_claims import PARAGRAPHS, archive_claims, waiting_proposals

TITLE = "Trump weighs a deal on NATO"
ACCEPT = "Accept: make it an appearance"


def test_editor_accepts_corrects_and_rejects_what_an_article_reports(
    page, live_server, transactional_db
):
    editor = User.objects.create_user("edith", password="a-long-password-1", is_staff=True)
    editor.groups.add(Group.objects.get(name=EDITOR))
    archive_claims()
    archived = capture_archive(
        raw=article_page(PARAGRAPHS, title=TITLE), origin=Capture.Origin.FILE
    )
    proposals = waiting_proposals(archived.article)
    enlargement = factories.make_claim(statement="NATO would rule out any further enlargement.")

    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("edith")
    page.get_by_label("Password").fill("a-long-password-1")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Curate the archive")).to_be_visible()

    # Accepted as proposed, from the list of proposals of claims the archive holds.
    deal = proposals["deal"]
    page.goto(f"{live_server.url}{reverse('admin:claims_appearanceproposal_changelist')}")
    page.get_by_role("link", name="A claim the archive holds").click()
    page.locator("#result_list a", has_text=deal.text[:40]).click()
    expect(page.locator(".field-in_the_capture mark")).to_have_text(deal.text)
    page.get_by_role("button", name=ACCEPT).click()
    expect(page.locator(".messagelist")).to_contain_text("Accepted: it is now an appearance")

    # Another claim, chosen, then accepted.
    page.goto(f"{live_server.url}{change_url(proposals['pledge'])}")
    page.locator(".field-claim .select2-selection").click()
    page.locator(".select2-dropdown .select2-search__field").fill("rule out")
    page.locator(".select2-results__option", has_text=enlargement.statement).click()
    page.get_by_role("button", name=ACCEPT).click()
    expect(page.locator(".messagelist")).to_contain_text("Accepted: it is now an appearance")

    page.goto(f"{live_server.url}{change_url(proposals['defence'])}")
    page.get_by_role("button", name="Reject").click()
    expect(page.locator(".messagelist")).to_contain_text("Rejected.")

    for claim, reported in [
        (deal.claim, True),
        (enlargement, True),
        (proposals["pledge"].claim, False),
        (proposals["defence"].claim, False),
    ]:
        page.goto(f"{live_server.url}{claim.get_absolute_url()}")
        expect(page.get_by_role("heading", name=claim.statement[:30])).to_be_visible()
        reporting = page.get_by_role("link", name=TITLE)
        if reported:
            expect(reporting.first).to_be_visible()
        else:
            expect(reporting).to_have_count(0)


def change_url(proposal):
    return reverse("admin:claims_appearanceproposal_change", args=[proposal.pk])
