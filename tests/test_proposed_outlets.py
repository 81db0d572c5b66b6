"""The outlet a page names: the name it gives its site (og:site_name) is the archive's outlet of
that name, or a proposal an editor confirms (in the capture's preview, or later from the list of
articles); the archive never adds an outlet unasked, nor names one after anything but the page
(issue #26). The browser journey is in tests/browser/test_capture_journey.py."""

import re

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

from articles.capture import add_proposed_outlet, capture_archive
from articles.models import Article, Capture, Outlet
from core.roles import ARCHIVIST, EDITOR
from tests import factories
from tests.admin_forms import read_form
from tests.capture_pages import article_page

pytestmark = pytest.mark.django_db
ADD = reverse("admin:articles_capture_add")
ARTICLES = reverse("admin:articles_article_changelist")


def archive_page(page=None, **fields):
    return capture_archive(raw=page or article_page(), origin=Capture.Origin.FILE, **fields)


def another_page(**fields):
    return article_page(["Another story, told at length."] * 20, canonical=None, **fields)


def staff_client(role):
    user = User.objects.create_user(role.lower(), password="a-long-password-1", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    client = Client()
    client.force_login(user)
    return client


# Archiving


def test_a_site_the_archive_has_no_outlet_for_is_proposed_not_added():
    article = archive_page(article_page(site="The Kyiv Ledger")).article
    assert (article.outlet, article.proposed_outlet) == (None, "The Kyiv Ledger")
    assert (
        "Outlet: the page names its site “The Kyiv Ledger”, which is not one of the archive's "
        "outlets." in article.provenance_note
    )
    assert "choose or add" not in article.provenance_note  # no editor's to-do on a public page
    assert not Outlet.objects.exists()


def test_a_site_the_archive_has_an_outlet_for_is_that_outlet_whatever_its_case():
    outlet = factories.make_outlet(name="The Kyiv Ledger")
    article = archive_page(article_page(site="THE KYIV LEDGER")).article
    assert (article.outlet, article.proposed_outlet) == (outlet, "")


def test_a_site_an_editor_confirmed_is_added_as_an_outlet_by_the_pages_name():
    article = archive_page(article_page(site="The Kyiv Ledger"), add_site_outlet=True).article
    assert article.outlet == Outlet.objects.get(name="The Kyiv Ledger")
    assert article.proposed_outlet == ""


def test_a_page_that_names_no_site_proposes_no_outlet_not_even_its_address():
    page = article_page(site=None, canonical="https://www.kyivledger.example/news/1")
    article = archive_page(page, url="https://www.kyivledger.example/news/1").article
    assert (article.outlet, article.proposed_outlet) == (None, "")
    assert "Site: the page does not name its site." in article.provenance_note
    assert "Outlet: the capture does not say which outlet published it." in (
        article.provenance_note
    )
    archive_page(another_page(site=None), add_site_outlet=True)
    assert not Outlet.objects.exists()


def test_a_site_name_longer_than_an_outlets_is_noted_but_neither_proposed_nor_added():
    longest = archive_page(article_page(site="L" * 200), add_site_outlet=False).article
    assert longest.proposed_outlet == "L" * 200
    too_long = archive_page(another_page(site="L" * 201), add_site_outlet=True).article
    assert (too_long.outlet, too_long.proposed_outlet) == (None, "")
    assert f"Outlet: the page names its site “{'L' * 201}”, which" in too_long.provenance_note
    assert not Outlet.objects.exists()


def test_choosing_an_outlet_clears_the_proposal():
    article = archive_page(article_page(site="The Kyiv Ledger")).article
    article.outlet = factories.make_outlet(name="Kyiv Ledger")
    article.save()
    assert Article.objects.get().proposed_outlet == ""


def test_adding_the_proposed_outlet_finds_the_archives_or_adds_it_once():
    first = archive_page(article_page(site="The Kyiv Ledger")).article
    second = archive_page(another_page(site="the kyiv ledger")).article
    added = add_proposed_outlet(first)
    assert added.name == "The Kyiv Ledger"
    assert second != first and add_proposed_outlet(second) == added
    assert add_proposed_outlet(first) is None  # it has its outlet now
    assert Outlet.objects.count() == 1


# The capture's preview


def preview_page(client, page):
    data = read_form(client, ADD, "capture_form")
    upload = SimpleUploadedFile("story.html", page, content_type="text/html")
    return client.post(ADD, {**data, "file": upload, "_preview": "Preview"})


def archive_previewed(client, response, **fields):
    pending = re.search(r'name="pending" value="([^"]+)"', response.text)[1]
    return client.post(ADD, {"pending": pending, "_archive": "Archive it", **fields})


@pytest.mark.parametrize("confirmed", [True, False])
def test_the_preview_offers_an_editor_the_pages_site_as_a_new_outlet(confirmed):
    editor = staff_client(EDITOR)
    response = preview_page(editor, article_page(site="The Kyiv Ledger"))
    assert "no outlet of the archive is called “The Kyiv Ledger”" in response.text
    assert 'name="add_site_outlet"' in response.text
    archive_previewed(editor, response, **({"add_site_outlet": "on"} if confirmed else {}))
    article = Article.objects.get()
    if confirmed:
        assert (article.outlet.name, article.proposed_outlet) == ("The Kyiv Ledger", "")
    else:
        assert (article.outlet, article.proposed_outlet) == (None, "The Kyiv Ledger")


def test_the_preview_shows_the_outlet_the_archive_has_and_offers_none():
    factories.make_outlet(name="The Kyiv Ledger")
    response = preview_page(staff_client(EDITOR), article_page(site="The Kyiv Ledger"))
    assert re.search(r'id="preview-outlet">The Kyiv Ledger<', response.text)
    assert 'name="add_site_outlet"' not in response.text


def test_a_confirmation_adds_nothing_when_the_editor_chose_an_outlet():
    editor, outlet = staff_client(EDITOR), factories.make_outlet(name="Ledger")
    data = read_form(editor, ADD, "capture_form")
    upload = SimpleUploadedFile("story.html", article_page(site="The Kyiv Ledger"))
    response = editor.post(ADD, {**data, "file": upload, "outlet": outlet.pk, "_preview": "1"})
    assert 'name="add_site_outlet"' not in response.text
    archive_previewed(editor, response, add_site_outlet="on")  # sent all the same
    assert Article.objects.get().outlet == outlet
    assert list(Outlet.objects.all()) == [outlet]


# The list of articles


def test_an_editor_adds_the_outlets_their_pages_name_from_the_list_of_articles():
    proposed = archive_page(article_page(site="The Kyiv Ledger")).article
    other = factories.make_outlet(name="The Daily Example")
    chosen = archive_page(another_page(), outlet=other).article
    editor = staff_client(EDITOR)
    listed = editor.get(ARTICLES).text
    assert "the page names its site “The Kyiv Ledger”" in listed
    response = editor.post(
        ARTICLES,
        {"action": "add_proposed_outlets", "_selected_action": [proposed.pk, chosen.pk]},
        follow=True,
    )
    assert "1 article(s) now have the outlet their page names: “The Kyiv Ledger”." in (
        response.text
    )
    assert Article.objects.get(pk=proposed.pk).outlet.name == "The Kyiv Ledger"
    assert Article.objects.get(pk=chosen.pk).outlet == other
    # Adding the outlet is all an editor may change of an article.
    change = reverse("admin:articles_article_change", args=[proposed.pk])
    assert editor.post(change, read_form(editor, change, "article_form")).status_code == 403


def test_an_archivist_sees_the_proposed_outlet_in_the_article():
    article = archive_page(article_page(site="The Kyiv Ledger")).article
    change = reverse("admin:articles_article_change", args=[article.pk])
    page = staff_client(ARCHIVIST).get(change).text
    assert "Proposed outlet" in page and "The Kyiv Ledger" in page


# Articles archived before the proposal was a field


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_the_old_to_do_note_into_a_proposed_outlet():
    before = [("articles", "0012_quote_transmission")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    OldArticle = executor.loader.project_state(before).apps.get_model("articles", "Article")
    old = OldArticle.objects.create(
        title="Allies argue", slug="allies-argue", body="Text.",
        provenance_note="Byline: the page names no author.\nOutlet: the page names its site "
        "“The Kyiv Ledger”, which is no outlet of the archive yet; choose or add it.",
    )  # fmt: skip
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    article = Article.objects.get(pk=old.pk)
    assert article.proposed_outlet == "The Kyiv Ledger"
    assert article.provenance_note == (
        "Byline: the page names no author.\nOutlet: the page names its site “The Kyiv Ledger”, "
        "which is not one of the archive's outlets."
    )
