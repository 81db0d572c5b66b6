"""An editor signs in, annotates a claim and sets its status; an anonymous analyst then sees the
public note and the new status on the claim's permalink."""

from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from claims.models import Claim
from core.roles import EDITOR


def test_editor_annotates_and_analyst_sees_it(browser, page, live_server, live_seed):
    editor = User.objects.create_user("edith", password="a-long-password-1", is_staff=True)
    editor.groups.add(Group.objects.get(name=EDITOR))
    claim = Claim.objects.get(statement__startswith='A "two-tiered NATO alliance"')

    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("edith")
    page.get_by_label("Password").fill("a-long-password-1")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Curate the archive")).to_be_visible()

    page.goto(f"{live_server.url}/admin/claims/claim/{claim.pk}/change/")
    page.locator("#id_status").select_option("corroborated")
    page.locator("#id_annotations-0-text").fill("Two outlets report the same Bloomberg account.")
    page.locator("#id_annotations-0-visibility").select_option("public")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    analyst = browser.new_context()
    public_page = analyst.new_page()
    public_page.goto(f"{live_server.url}{claim.get_absolute_url()}")
    expect(public_page.locator(".kicker .status")).to_have_text("Corroborated")
    notes = public_page.locator(".editor-notes")
    expect(notes).to_contain_text("Two outlets report the same Bloomberg account.")
    expect(notes).to_contain_text("— edith")
    analyst.close()
