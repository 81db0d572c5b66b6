"""Every admin form saved in real Chromium, as editors save them: unchanged, nothing stored
changes; with one edit, exactly that one thing changes.

Chromium submits what the page holds, text areas with CRLF line breaks, and the live server saves
outside any test transaction: this is where line-break normalisation, version checks under row
locks, list saves, bulk actions and reverts are proven (see tests/README.md)."""

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect
from simple_history.manager import HistoryManager

from articles.forms import occurrences
from articles.models import Article, Outlet, Person, Quote
from claims.models import Claim, Source, Topic
from core.admin import history_paused
from core.models import VersionedModel
from core.roles import ARCHIVIST, EDITOR
from tests import factories

PASSWORD = "a-long-password-1"
CHANGED = "was changed successfully"
# The seeds have line breaks only in article bodies; the archive stores them as LF.
PARAGRAPHS = "A first paragraph.\n\nA second one,\nover two lines."


def sign_in(page, live_server, role):
    """Through the login form, as a staff member of the group `role`."""
    user = User.objects.create_user(role.lower(), password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Curate the archive")).to_be_visible()


def save(page, button, message=CHANGED):
    """Press a form's save button: the admin accepts the save (it redirects rather than redraw
    the form with errors or fail) and says so."""
    with page.expect_navigation() as navigation:
        button.click()
    landed = navigation.value
    assert (landed.request.method, landed.status) == ("GET", 200), landed.url
    if message:
        expect(page.locator(".messagelist")).to_contain_text(message)
    expect(page.locator(".errornote, .errorlist")).to_have_count(0)


def snapshot(record):
    """What is stored about a record: every field (but `updated_at`, which any save may bump, and
    the columns the database computes from the others), its many-to-many sets, an article's
    quotes, a claim's appearances, and its count of history records."""
    model = type(record)
    stored = model.objects.get(pk=record.pk)
    fields = [field.attname for field in model._meta.concrete_fields if not field.generated]
    state = model.objects.values(*fields).get(pk=record.pk)
    state.pop("updated_at", None)
    for field in model._meta.many_to_many:
        state[field.name] = set(getattr(stored, field.name).values_list("pk", flat=True))
    if model is Article:
        state["quotes"] = list(
            stored.quotes.order_by("pk").values_list(
                "pk", "text", "start_offset", "end_offset", "version"
            )
        )
    if model is Claim:
        state["appearances"] = list(
            stored.appearances.order_by("pk").values_list(
                "pk", "article", "text", "start_offset", "end_offset", "attribution", "version"
            )
        )
    if isinstance(record, VersionedModel):
        state["history"] = stored.history.count()
    return state


def saved_once(before, **changes):
    """What a record holds after one save of `changes`: a versioned one is a version and a
    history record further on."""
    after = {**before, **changes}
    if "version" in before:
        after["version"] += 1
        after["history"] += 1
    return after


def history_records():
    """History records in the whole archive, of every model that keeps them."""
    return sum(
        model.history.count()
        for model in apps.get_models()
        if isinstance(getattr(model, "history", None), HistoryManager)
    )


def with_paragraphs(record, field):
    """The record with PARAGRAPHS in one text area, stored directly: no save, no history."""
    type(record).objects.filter(pk=record.pk).update(**{field: PARAGRAPHS})
    return record


def article_with_repeated_words():
    """An article in paragraphs whose word “Never” stands three times, quoted at its second and
    third place, and a quote that runs over a paragraph break."""
    article = factories.make_article(
        title="Asked three times",
        body="The minister was asked whether he would sign. “Never,” he said.\n\n"
        "Asked again, he said: “Never. Not while the war goes on.\n\n"
        "Not before the parliament votes.”\n\nA third time: “Never.”",
    )
    for start in occurrences("Never", article.body)[1:]:
        factories.make_quote(article, "Never", start_offset=start)
    factories.make_quote(
        article, "Never. Not while the war goes on.\n\nNot before the parliament votes.",
        note=PARAGRAPHS,
    )  # fmt: skip
    return article


def never_quote(place):
    """The quote of “Never” at its `place` (2 for the second) in article_with_repeated_words."""
    article = article_with_repeated_words()
    start = occurrences("Never", article.body)[place - 1]
    return article.quotes.get(text="Never", start_offset=start)


# The records each form is saved on: how to find or make one, and who may change it.
RECORDS = {
    "article with eleven quotes": (
        lambda: with_paragraphs(Article.objects.get(pk=1), "provenance_note"),
        ARCHIVIST,
    ),
    "article with repeated words": (article_with_repeated_words, ARCHIVIST),
    "quote at the second place": (lambda: never_quote(2), EDITOR),
    "quote at the third place": (lambda: never_quote(3), EDITOR),
    "quote over a paragraph break": (
        lambda: article_with_repeated_words().quotes.get(text__contains="\n"),
        EDITOR,
    ),
    # Reported, with topics, articles, evidence and two actors.
    "claim": (lambda: with_paragraphs(Claim.objects.get(pk=1), "notes"), EDITOR),
    # Reported by two articles, in one of them in words over a paragraph break.
    "claim with words over a paragraph break": (
        lambda: Claim.objects.get(appearances__text__contains="\n\n"),
        EDITOR,
    ),
    "topic": (lambda: with_paragraphs(Topic.objects.get(pk=1), "description"), EDITOR),
    "person with aliases": (lambda: Person.objects.get(pk=1), EDITOR),
    "source": (lambda: with_paragraphs(Source.objects.get(pk=1), "notes"), EDITOR),
    "outlet": (lambda: with_paragraphs(Outlet.objects.get(pk=1), "notes"), ARCHIVIST),
}


def open_change_form(page, live_server, name):
    """Make the record, sign in as who may change it, and open its change form."""
    make, role = RECORDS[name]
    record = make()
    sign_in(page, live_server, role)
    meta = record._meta
    page.goto(f"{live_server.url}/admin/{meta.app_label}/{meta.model_name}/{record.pk}/change/")
    return record


def save_button(page):
    return page.get_by_role("button", name="Save", exact=True)


@pytest.mark.parametrize("name", RECORDS)
def test_a_form_saved_unchanged_changes_nothing(page, live_server, live_seed, name):
    record = open_change_form(page, live_server, name)
    before, history = snapshot(record), history_records()
    save(page, save_button(page))
    assert snapshot(record) == saved_once(before)
    assert history_records() == history + (1 if isinstance(record, VersionedModel) else 0)


# One edit per form: the record, the field, and the value typed or chosen (stored as it is).
EDITS = [
    ("article with eleven quotes", "provenance_note", "Checked against the outlet's site."),
    ("quote at the second place", "note", "The second “Never”."),
    ("claim", "status", "disputed"),
    ("topic", "description", "Plans to enlarge NATO.\n\nAbove all to the east."),
    ("person with aliases", "description", "Former US president"),
    ("source", "title", "A Politico report"),
    ("outlet", "country", "UA"),
]


@pytest.mark.parametrize(("name", "field", "value"), EDITS)
def test_one_edit_changes_exactly_that(page, live_server, live_seed, name, field, value):
    record = open_change_form(page, live_server, name)
    before, history = snapshot(record), history_records()
    assert before[field] != value
    control = page.locator(f"#id_{field}")
    if control.evaluate("element => element.tagName") == "SELECT":
        control.select_option(value)
    else:
        control.fill(value)
    save(page, save_button(page))
    assert snapshot(record) == saved_once(before, **{field: value})
    assert history_records() == history + (1 if isinstance(record, VersionedModel) else 0)


def test_a_topic_added_to_a_claim_is_its_only_change(page, live_server, live_seed):
    claim = open_change_form(page, live_server, "claim")
    topic = Topic.objects.exclude(claims=claim).order_by("pk").first()
    before, history = snapshot(claim), history_records()
    page.locator(".field-topics .select2-selection").click()
    page.locator(".field-topics .select2-search__field").fill(topic.name)
    page.locator(".select2-results__option", has_text=topic.name).click()
    save(page, save_button(page))
    assert snapshot(claim) == saved_once(before, topics=before["topics"] | {topic.pk})
    assert history_records() == history + 1


def test_words_pasted_into_a_new_appearance_anchor_the_claim_in_its_article(
    page, live_server, live_seed
):
    claim = Claim.objects.get(appearances__text__contains="\n\n")
    removed = claim.appearances.get(text__contains="\n\n")
    article, text, start = removed.article, removed.text, removed.start_offset
    removed.delete()
    sign_in(page, live_server, EDITOR)
    page.goto(f"{live_server.url}/admin/claims/claim/{claim.pk}/change/")
    page.get_by_role("button", name="Add another Appearance in a reporting article").click()
    row = page.locator(".dynamic-appearances").last
    row.locator(".field-article .select2-selection").click()
    page.locator(".select2-dropdown .select2-search__field").fill(article.title[:20])
    page.locator(".select2-results__option", has_text=article.title[:20]).click()
    row.locator("textarea[name$='-text']").fill(text)
    save(page, save_button(page))
    saved = claim.appearances.get(article=article)
    assert (saved.text, saved.start_offset, saved.end_offset) == (text, start, start + len(text))


def open_claims_list(page, live_server):
    sign_in(page, live_server, EDITOR)
    page.goto(f"{live_server.url}/admin/claims/claim/")


def claims_snapshot():
    return {claim.pk: snapshot(claim) for claim in Claim.objects.all()}


def test_the_claims_list_saved_unchanged_changes_nothing(page, live_server, live_seed):
    before, history = claims_snapshot(), history_records()
    open_claims_list(page, live_server)
    save(page, page.locator("#changelist-form").get_by_role("button", name="Save"), message=None)
    assert claims_snapshot() == before
    assert history_records() == history


def test_the_claims_list_saves_one_changed_status(page, live_server, live_seed):
    claim = Claim.objects.get(pk=1)
    before, history = claims_snapshot(), history_records()
    open_claims_list(page, live_server)
    row = page.locator("#result_list tbody tr").filter(
        has=page.locator(f"input.action-select[value='{claim.pk}']")
    )
    row.locator("select[name$='-status']").select_option("disputed")
    save(
        page,
        page.locator("#changelist-form").get_by_role("button", name="Save"),
        message="1 claim was changed successfully",
    )
    assert claims_snapshot() == {
        **before, claim.pk: saved_once(before[claim.pk], status="disputed")
    }  # fmt: skip
    assert history_records() == history + 1


def test_a_bulk_action_changes_only_the_chosen_claims_status(page, live_server, live_seed):
    chosen = list(Claim.objects.filter(status=Claim.Status.REPORTED).order_by("pk")[:3])
    before, history = claims_snapshot(), history_records()
    open_claims_list(page, live_server)
    for claim in chosen:
        page.locator(f"input.action-select[value='{claim.pk}']").check()
    page.locator("select[name='action']").select_option("mark_disputed")
    save(page, page.get_by_role("button", name="Go"), message="3 claim(s) marked disputed.")
    changed = {claim.pk: saved_once(before[claim.pk], status="disputed") for claim in chosen}
    assert claims_snapshot() == {**before, **changed}
    assert history_records() == history + 3


def claim_with_two_versions():
    """The seed claim as a version, then a version with another statement, topics, articles and
    evidence, each recorded with its relations as the admin records them."""
    claim = Claim.objects.get(pk=1)
    claim.save()
    older = snapshot(claim)
    with history_paused(claim):
        claim.topics.set(Topic.objects.exclude(claims=claim)[:1])
        claim.articles.set(Article.objects.exclude(reported_claims=claim)[:1])
        claim.evidence.set(Quote.objects.exclude(claims=claim)[:1])
    claim.statement = "A statement saved by mistake."
    claim.save()
    return claim, older


def revert(page, live_server, claim, record):
    """From the claim's History page, open the record and press Revert."""
    sign_in(page, live_server, EDITOR)
    page.goto(f"{live_server.url}/admin/claims/claim/{claim.pk}/history/")
    page.locator(f"a[href$='/history/{record.pk}/']").click()
    save(page, page.get_by_role("button", name="Revert").first)


def test_a_revert_restores_the_older_statement_topics_articles_and_evidence(
    page, live_server, live_seed
):
    claim, older = claim_with_two_versions()
    before, history = snapshot(claim), history_records()
    revert(page, live_server, claim, claim.history.all()[1])
    restored = {name: older[name] for name in ["statement", "topics", "articles", "evidence"]}
    assert restored != {name: before[name] for name in restored}
    assert snapshot(claim) == saved_once(before, **restored)
    assert history_records() == history + 1


def test_a_revert_to_the_current_version_changes_nothing(page, live_server, live_seed):
    claim, _ = claim_with_two_versions()
    before, history = snapshot(claim), history_records()
    revert(page, live_server, claim, claim.history.first())
    assert snapshot(claim) == saved_once(before)
    assert history_records() == history + 1
