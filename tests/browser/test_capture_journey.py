"""An editor archives a web page saved from a browser: uploads it, reads the preview of the
article and of what was removed, archives it, and the article page shows the capture."""

from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from articles.models import Article, Outlet
from core.roles import EDITOR
from tests.capture_pages import article_page


def test_editor_uploads_a_page_previews_and_archives_it(
    page, live_server, transactional_db, tmp_path
):
    editor = User.objects.create_user("edith", password="a-long-password-1", is_staff=True)
    editor.groups.add(Group.objects.get(name=EDITOR))
    outlet = Outlet.objects.create(name="The Daily Example")
    saved_page = tmp_path / "allies-argue.html"
    saved_page.write_bytes(article_page())

    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("edith")
    page.get_by_label("Password").fill("a-long-password-1")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Curate the archive")).to_be_visible()

    page.goto(f"{live_server.url}/admin/articles/capture/add/")
    page.get_by_label("File").set_input_files(str(saved_page))
    page.get_by_label("Outlet:", exact=True).select_option(str(outlet.pk))
    page.get_by_role("button", name="Preview").click()

    expect(page.locator("#preview-title")).to_have_text("Allies argue over Ukraine aid in Brussels")
    expect(page.locator("#preview-text")).to_contain_text("We will not be divided on Ukraine")
    expect(page.locator("#preview-removed")).to_contain_text("Subscribe to our newsletter")
    assert not Article.objects.exists()  # a preview stores nothing

    page.get_by_role("button", name="Archive it").click()
    expect(page.locator(".messagelist")).to_contain_text("archived as a new article")
    article = Article.objects.get()
    assert article.outlet == outlet

    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    expect(
        page.get_by_role("heading", name="Allies argue over Ukraine aid in Brussels")
    ).to_be_visible()
    expect(page.locator(".captures")).to_contain_text(article.captures.get().sha256)
    expect(page.locator(".removed-boilerplate")).to_contain_text("Subscribe to our newsletter")


def test_an_editor_confirms_the_outlet_the_page_names_in_the_preview(
    page, live_server, transactional_db, tmp_path
):
    editor = User.objects.create_user("edith", password="a-long-password-1", is_staff=True)
    editor.groups.add(Group.objects.get(name=EDITOR))
    saved_page = tmp_path / "ledger.html"
    saved_page.write_bytes(article_page(site="The Kyiv Ledger"))

    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("edith")
    page.get_by_label("Password").fill("a-long-password-1")
    page.get_by_role("button", name="Log in").click()

    page.goto(f"{live_server.url}/admin/articles/capture/add/")
    page.get_by_label("File").set_input_files(str(saved_page))
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview-outlet")).to_contain_text(
        "no outlet of the archive is called “The Kyiv Ledger”"
    )
    confirm = page.get_by_label("Add “The Kyiv Ledger”, the name the page gives its site")
    expect(confirm).not_to_be_checked()  # the editor confirms; the archive adds nothing unasked
    assert not Outlet.objects.exists()
    confirm.check()
    page.get_by_role("button", name="Archive it").click()
    expect(page.locator(".messagelist")).to_contain_text("archived as a new article")
    article = Article.objects.get()
    assert article.outlet == Outlet.objects.get(name="The Kyiv Ledger")

    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    expect(page.locator(".facts").get_by_role("link", name="The Kyiv Ledger")).to_be_visible()
