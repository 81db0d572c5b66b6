"""Every admin form saved in real Chromium, as editors save them: unchanged, nothing stored changes;
with one edit, exactly that one thing changes.

Chromium submits what the page holds, text areas with CRLF line breaks: this is where the
archive's line-break normalisation, version checks, list saves and reverts are proven."""

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from articles.models import Article, Outlet, Person, Quote
from claims.models import Claim, ClaimActor, Source, Topic
from newsarchive.admin import history_paused
from newsarchive.roles import EDITOR
from tests import factories

PASSWORD = "a-long-password-1"
CHANGED = "was changed successfully"


def sign_in(page, live_server, *, archivist=False):
    if archivist:
        User.objects.create_superuser("archie", password=PASSWORD)
    else:
        editor = User.objects.create_user("edith", password=PASSWORD, is_staff=True)
        editor.groups.add(Group.objects.get(name=EDITOR))
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("archie" if archivist else "edith")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Curate the archive")).to_be_visible()


def snapshot(obj):
    """What is stored about a record: its row (less what every save bumps), its relations,
    its article's quotes, and how many history records it has."""
    model = type(obj)
    row = model.objects.values().get(pk=obj.pk)
    version = row.pop("version", None)
    row.pop("updated_at", None)
    fresh = model.objects.get(pk=obj.pk)
    state = {
        "row": row,
        "relations": {
            field.name: set(getattr(fresh, field.name).values_list("pk", flat=True))
            for field in model._meta.many_to_many
        },
        "history": fresh.history.count() if hasattr(model, "history") else None,
    }
    if model is Claim:
        state["actors"] = set(ClaimActor.objects.filter(claim=obj).values_list("person", "role"))
    if model is Article:
        state["quotes"] = list(
            Quote.objects.filter(article=obj).values_list(
                "pk", "text", "start_offset", "end_offset"
            )
        )
    return state, version


def expect_saved(page):
    expect(page.locator(".messagelist")).to_contain_text(CHANGED)
    expect(page.locator(".errornote, .errorlist")).to_have_count(0)


def assert_saved_once(obj, before, before_version, **changes):
    """Only `changes` (field: value) differ; a versioned record moved one version and one
    history record on."""
    after, after_version = snapshot(obj)
    expected = {**before, "row": {**before["row"], **changes}}
    if before_version is not None:
        assert after_version == before_version + 1
        expected["history"] = before["history"] + 1
    assert after == expected


def paragraphs_with_repeated_words():
    """An article whose words “no” stand three times, quoted at the second and third place."""
    article = factories.make_article(
        title="Asked three times",
        body="“no,” he said.\n\nAsked again, he said “no”.\n\nA third time: “no deal”.",
    )
    starts = [index for index in range(len(article.body)) if article.body.startswith("no", index)]
    return article, [
        factories.make_quote(article, "no", start_offset=start) for start in starts[1:]
    ]


def records(live_seed):
    article, quotes = paragraphs_with_repeated_words()
    return {
        "article": (Article.objects.get(pk=1), True),  # the seed article with eleven quotes
        "article with repeated words": (article, True),
        "quote at the second place": (quotes[0], False),
        "quote at the third place": (quotes[1], False),
        "claim": (Claim.objects.order_by("pk").first(), False),
        "topic": (Topic.objects.order_by("pk").first(), False),
        "person": (Person.objects.order_by("pk").first(), False),
        "source": (Source.objects.order_by("pk").first(), False),
        "outlet": (Outlet.objects.order_by("pk").first(), True),
    }


def change_url(live_server, obj):
    meta = obj._meta
    return f"{live_server.url}/admin/{meta.app_label}/{meta.model_name}/{obj.pk}/change/"


RECORDS = [
    "article", "article with repeated words", "quote at the second place",
    "quote at the third place", "claim", "topic", "person", "source", "outlet",
]  # fmt: skip


@pytest.mark.parametrize("name", RECORDS)
def test_a_form_saved_unchanged_changes_nothing(page, live_server, live_seed, name):
    obj, archivist = records(live_seed)[name]
    before, version = snapshot(obj)
    sign_in(page, live_server, archivist=archivist)
    page.goto(change_url(live_server, obj))
    page.get_by_role("button", name="Save", exact=True).click()
    expect_saved(page)
    assert_saved_once(obj, before, version)


# One edit per form: (record, field, value typed or chosen, value stored).
EDITS = [
    ("article", "provenance_note", "Checked against the outlet's site.", None),
    ("quote at the second place", "note", "The second “no”.", None),
    ("claim", "status", "disputed", None),
    ("topic", "description", "Plans to enlarge NATO.", None),
    ("person", "description", "Heritage Foundation president", None),
    ("source", "title", "[A Politico report]", None),
    ("outlet", "country", "UA", None),
]


@pytest.mark.parametrize(("name", "field", "value", "stored"), EDITS)
def test_one_edit_changes_exactly_that(page, live_server, live_seed, name, field, value, stored):
    obj, archivist = records(live_seed)[name]
    before, version = snapshot(obj)
    sign_in(page, live_server, archivist=archivist)
    page.goto(change_url(live_server, obj))
    control = page.locator(f"#id_{field}")
    if control.evaluate("element => element.tagName") == "SELECT":
        control.select_option(value)
    else:
        control.fill(value)
    page.get_by_role("button", name="Save", exact=True).click()
    expect_saved(page)
    assert_saved_once(obj, before, version, **{field: stored or value})


def claims_list(page, live_server):
    page.goto(f"{live_server.url}/admin/claims/claim/?o=-7")
    expect(page.locator("#result_list")).to_be_visible()


def test_the_claims_list_saved_unchanged_changes_nothing(page, live_server, live_seed):
    before = [snapshot(claim) for claim in Claim.objects.order_by("pk")]
    sign_in(page, live_server)
    claims_list(page, live_server)
    page.locator("#changelist-form").get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".errornote, .errorlist")).to_have_count(0)
    assert [snapshot(claim) for claim in Claim.objects.order_by("pk")] == before


def test_the_claims_list_saves_one_changed_status(page, live_server, live_seed):
    claims = list(Claim.objects.order_by("pk"))
    before = {claim.pk: snapshot(claim) for claim in claims}
    sign_in(page, live_server)
    claims_list(page, live_server)
    row = page.locator("#result_list tr", has=page.locator(f"input[value='{claims[0].pk}']"))
    row.locator("select[name$='-status']").select_option("disputed")
    page.locator("#changelist-form").get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("1 claim was changed successfully")
    for claim in claims:
        state, version = before[claim.pk]
        if claim == claims[0]:
            assert_saved_once(claim, state, version, status="disputed")
        else:
            assert snapshot(claim) == (state, version)


def test_a_bulk_action_changes_only_the_chosen_claims_status(page, live_server, live_seed):
    claims = list(Claim.objects.order_by("pk"))
    chosen = claims[:3]
    before = {claim.pk: snapshot(claim) for claim in claims}
    sign_in(page, live_server)
    claims_list(page, live_server)
    for claim in chosen:
        page.locator(f"input.action-select[value='{claim.pk}']").check()
    page.locator("select[name='action']").select_option("mark_disputed")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist")).to_contain_text("3 claim(s) marked disputed.")
    for claim in claims:
        state, version = before[claim.pk]
        if claim in chosen:
            assert_saved_once(claim, state, version, status="disputed")
        else:
            assert snapshot(claim) == (state, version)


def test_a_revert_restores_the_statement_topics_articles_and_evidence(page, live_server, live_seed):
    claim = Claim.objects.order_by("pk").first()
    claim.save()  # the version to go back to, with its relations recorded
    original, _ = snapshot(claim)
    with history_paused(claim):
        claim.topics.set([Topic.objects.exclude(claims=claim).first()])
        claim.articles.set([Article.objects.exclude(reported_claims=claim).first()])
        claim.evidence.set([Quote.objects.exclude(claims=claim).first()])
    claim.statement = "A statement edited by mistake."
    claim.save()
    older = claim.history.order_by("-history_date")[1]

    sign_in(page, live_server)
    page.goto(f"{live_server.url}/admin/claims/claim/{claim.pk}/history/")
    page.locator(f"a[href$='/history/{older.pk}/']").click()
    page.get_by_role("button", name="Revert").first.click()
    expect_saved(page)

    restored, _ = snapshot(claim)
    assert restored["row"] == original["row"]
    assert restored["relations"] == original["relations"]
    assert restored["actors"] == original["actors"]
