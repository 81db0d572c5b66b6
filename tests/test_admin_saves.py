"""Editors' saves are exact: a form saved as a browser sends it changes nothing it was not asked
to, a revert restores what history recorded, and every save is one history record.

These tests run outside the test transaction (transaction=True), as the live server does: the
admin opens its own transactions and row locks, and a test transaction would hide a lock taken
outside one (see tests/README.md)."""

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse

from articles.forms import WORDS_NOT_IN_TEXT, occurrences
from articles.models import Article, Capture, Quote
from claims.models import Claim, Topic
from core.roles import EDITOR
from core.text import normalise_text
from tests import factories
from tests.admin_forms import as_browser_sends, change_url, read_form, save_unchanged

pytestmark = pytest.mark.django_db(transaction=True)

CHANGELIST = reverse("admin:claims_claim_changelist")


@pytest.fixture
def editor():
    user = User.objects.create_user("edith", password="a-long-password-1", is_staff=True)
    user.groups.add(Group.objects.get(name=EDITOR))
    return user


@pytest.fixture
def editor_client(editor):
    client = Client()
    client.force_login(editor)
    return client


@pytest.fixture
def superuser_client():
    client = Client()
    client.force_login(User.objects.create_superuser("root", password="a-long-password-1"))
    return client


def status_field(changelist_data, claim):
    """The name of the claim's status input in the change list's form."""
    row = next(
        name.removesuffix("-id")
        for name, value in changelist_data.items()
        if name.endswith("-id") and value == str(claim.pk)
    )
    return f"{row}-status"


def quote_at(article, text, start):
    return Quote.objects.create(
        article=article, text=text, start_offset=start, end_offset=start + len(text),
        speaker_label="an official",
    )  # fmt: skip


def claim_state(claim):
    claim = Claim.objects.get(pk=claim.pk)
    return {
        "statement": claim.statement,
        "status": claim.status,
        "notes": claim.notes,
        "topics": set(claim.topics.values_list("pk", flat=True)),
        "articles": set(claim.articles.values_list("pk", flat=True)),
        "evidence": set(claim.evidence.values_list("pk", flat=True)),
        "actors": set(claim.claim_actors.values_list("person_id", "role")),
    }


def recorded_state(record):
    return {
        "statement": record.statement,
        "topics": {row.topic_id for row in record.topics.all()},
        "articles": {row.article_id for row in record.articles.all()},
        "evidence": {row.quote_id for row in record.evidence.all()},
    }


def test_the_claims_list_saved_unchanged_changes_nothing(editor_client, archive):
    claims = [archive["claim"], factories.make_claim(), factories.make_claim()]
    before = [(claim_state(claim), claim.history.count()) for claim in claims]
    data = {**read_form(editor_client, CHANGELIST, "changelist-form"), "_save": "Save"}

    response = editor_client.post(CHANGELIST, data)

    assert response.status_code == 302, response.text[:2000]
    assert [(claim_state(claim), claim.history.count()) for claim in claims] == before
    assert list(Claim.objects.order_by("pk").values_list("version", flat=True)) == [1, 1, 1]


def test_the_claims_list_saves_the_one_status_changed(editor, editor_client, archive):
    claim, other = archive["claim"], factories.make_claim()
    history_count = claim.history.count()
    data = {**read_form(editor_client, CHANGELIST, "changelist-form"), "_save": "Save"}
    data[status_field(data, claim)] = "disputed"

    assert editor_client.post(CHANGELIST, data).status_code == 302

    claim.refresh_from_db()
    assert (claim.status, claim.version) == ("disputed", 2)
    assert claim.history.count() == history_count + 1
    assert claim.history.latest().history_user == editor
    assert Claim.objects.get(pk=other.pk).version == 1


def test_a_list_save_is_refused_only_for_rows_someone_else_changed(editor_client, archive):
    claim, other = archive["claim"], factories.make_claim()
    data = {**read_form(editor_client, CHANGELIST, "changelist-form"), "_save": "Save"}
    Claim.objects.get(pk=other.pk).save()  # someone else saves a row this editor leaves alone
    data[status_field(data, claim)] = "disputed"
    assert editor_client.post(CHANGELIST, data).status_code == 302
    assert Claim.objects.get(pk=claim.pk).status == "disputed"

    data = {**read_form(editor_client, CHANGELIST, "changelist-form"), "_save": "Save"}
    Claim.objects.get(pk=claim.pk).save()  # and now the very row this editor changes
    data[status_field(data, claim)] = "corroborated"
    response = editor_client.post(CHANGELIST, data)
    assert "Someone else saved this claim" in response.text
    assert Claim.objects.get(pk=claim.pk).status == "disputed"


def test_a_post_without_a_version_is_refused(editor_client, archive):
    claim = archive["claim"]
    data = read_form(editor_client, change_url(claim), "claim_form")
    del data["version"]
    data["notes"] = "Saved from a form that lost its version."
    response = editor_client.post(change_url(claim), data)
    assert response.status_code == 200
    assert "Someone else saved this claim" in response.text
    assert Claim.objects.get(pk=claim.pk).notes == "Two experts, one anonymous."
    (error,) = response.context["adminform"].form.non_field_errors().as_data()
    assert error.code == "stale"


def test_a_bulk_action_changes_only_the_status_and_records_it_once(editor, editor_client, archive):
    claims = [archive["claim"], factories.make_claim()]
    before = {claim.pk: (claim_state(claim), claim.history.count()) for claim in claims}
    editor_client.post(
        CHANGELIST, {"action": "mark_disputed", "_selected_action": [c.pk for c in claims]}
    )
    for claim in claims:
        state, history_count = before[claim.pk]
        claim.refresh_from_db()
        assert claim_state(claim) == {**state, "status": "disputed"}
        assert (claim.version, claim.history.count()) == (2, history_count + 1)
        assert claim.history.latest().history_user == editor


def test_adding_a_topic_to_many_claims_is_one_record_each_holding_the_topic(editor_client, archive):
    claims = [archive["claim"], factories.make_claim()]
    topic = factories.make_topic(name="Sanctions on Russia")
    counts = {claim.pk: claim.history.count() for claim in claims}
    editor_client.post(
        CHANGELIST,
        {"action": "add_topic", "_selected_action": [c.pk for c in claims], "apply": "1",
         "topic": topic.pk},
    )  # fmt: skip
    for claim in claims:
        assert claim.history.count() == counts[claim.pk] + 1
        assert topic.pk in recorded_state(claim.history.latest())["topics"]


def test_a_change_form_save_is_one_history_record_holding_its_relations(editor_client, archive):
    claim, topic = archive["claim"], factories.make_topic(name="Sanctions on Russia")
    count = claim.history.count()
    response = save_unchanged(
        editor_client, claim, statement="An edited statement.", topics=[topic.pk]
    )
    assert response.status_code == 302, response.text[:2000]
    assert claim.history.count() == count + 1
    latest = recorded_state(claim.history.latest())
    assert (latest["statement"], latest["topics"]) == ("An edited statement.", {topic.pk})


def test_a_revert_restores_the_recorded_statement_topics_articles_and_evidence(
    editor, editor_client, archive
):
    claim = archive["claim"]
    original = claim_state(claim)
    other_article = factories.make_article(body="“A different quote,” said someone.")
    other_quote = factories.make_quote(other_article, "A different quote")
    other_topic = factories.make_topic(name="Sanctions on Russia")
    save_unchanged(
        editor_client, claim, statement="Edited by mistake.", topics=[other_topic.pk],
        articles=[other_article.pk], evidence=[other_quote.pk],
    )  # fmt: skip
    assert claim_state(claim)["topics"] == {other_topic.pk}
    before_edit = claim.history.order_by("-history_date")[1]

    revert_url = reverse("admin:claims_claim_simple_history", args=[claim.pk, before_edit.pk])
    data = as_browser_sends(read_form(editor_client, revert_url, "historicalclaim_form"))
    response = editor_client.post(revert_url, data)

    assert response.status_code == 302, response.text[:3000]
    assert claim_state(claim) == original
    assert recorded_state(claim.history.latest()) == {
        key: original[key] for key in ("statement", "topics", "articles", "evidence")
    }
    assert claim.history.latest().history_user == editor


def test_a_revert_to_a_status_the_workflow_does_not_return_to_keeps_the_status(
    editor, editor_client, archive
):
    claim = archive["claim"]
    save_unchanged(editor_client, claim, notes="Two experts, one of them anonymous.")
    reported, reported_version = claim_state(claim), claim.history.latest()
    save_unchanged(editor_client, claim, status="corroborated")
    save_unchanged(
        editor_client, claim, statement="Edited by mistake.", notes="A wrong note.",
        topics=[factories.make_topic(name="Sanctions on Russia").pk],
    )  # fmt: skip
    revert_url = reverse("admin:claims_claim_simple_history", args=[claim.pk, reported_version.pk])

    page = editor_client.get(revert_url).text
    assert (
        "This version&#x27;s status, reported, is one a corroborated claim can&#x27;t return to. "
        "Reverting restores the version&#x27;s statement, date, source, articles, evidence, "
        "topics and editor notes, and keeps the status corroborated."
    ) in page
    data = as_browser_sends(read_form(editor_client, revert_url, "historicalclaim_form"))
    assert data["status"] == "corroborated"
    response = editor_client.post(revert_url, data)

    assert response.status_code == 302, response.text[:3000]
    assert claim_state(claim) == {**reported, "status": "corroborated"}
    latest = claim.history.latest()
    assert (latest.statement, latest.status, latest.history_user) == (
        reported["statement"], "corroborated", editor,
    )  # fmt: skip


@pytest.mark.parametrize("occurrence", [2, 3])
def test_a_quote_at_a_later_occurrence_saved_unchanged_keeps_its_offset(editor_client, occurrence):
    article = factories.make_article(
        body="He said “no”.\n\nAsked again, he said “no”.\n\nAnd a third time: “no”."
    )
    start = occurrences("no", article.body)[occurrence - 1]
    quote = quote_at(article, "no", start)

    response = save_unchanged(editor_client, quote)

    assert response.status_code == 302, response.text[:2000]
    assert Quote.objects.values_list("start_offset", "end_offset").get() == (start, start + 2)


def test_an_article_saved_from_a_browser_keeps_its_text_capture_and_hash(superuser_client):
    article = factories.make_article(
        body="First paragraph, “quoted”.\n\nSecond paragraph, “quoted” again.",
        raw_capture="  Site menu\r\nFirst paragraph, “quoted”.\n\nSecond paragraph.\n",
    )
    quote_at(article, "quoted", article.body.rindex("quoted"))
    before = Article.objects.values().get()
    captures = list(Capture.objects.values())
    quotes = list(Quote.objects.values_list("capture", "start_offset", "end_offset", "version"))

    response = save_unchanged(superuser_client, article)

    assert response.status_code == 302, response.text[:3000]
    assert Article.objects.values().get() == before
    assert list(Capture.objects.values()) == captures
    assert (
        list(Quote.objects.values_list("capture", "start_offset", "end_offset", "version"))
        == quotes
    )


def test_text_is_normalised_the_same_way_wherever_it_enters(db):
    assert normalise_text("  one\r\ntwo\rthree\n") == "one\ntwo\nthree"
    assert normalise_text("Zelenskyy\u0301") == "Zelenskyý"  # composed (NFC)
    article = factories.make_article(body="A line.\r\nAnother “line”.\r\n")
    quote = factories.make_quote(article, "Another “line”.")
    assert Article.objects.get().body == "A line.\nAnother “line”."
    assert (quote.start_offset, Quote.objects.get().text) == (8, "Another “line”.")
    topic = factories.make_topic(description="Plans.\r\n\r\nAbove all to the east.\r\n")
    assert Topic.objects.get(pk=topic.pk).description == "Plans.\n\nAbove all to the east."


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/admin/claims/claim/abc/history/", 404),
        ("/admin/claims/claim/1/history/abc/", 404),
        ("/admin/articles/quote/abc/history/", 404),
        ("/admin/claims/claim/?status__exact=%00", 400),
        ("/admin/claims/claim/?q=%00", 400),
    ],
)
def test_bad_admin_addresses_are_client_errors(superuser_client, archive, url, status):
    assert superuser_client.get(url).status_code == status


def test_the_history_page_lists_each_save_with_its_editor(editor, editor_client, archive):
    claim = archive["claim"]
    save_unchanged(editor_client, claim, statement="Edited once.")
    response = editor_client.get(reverse("admin:claims_claim_history", args=[claim.pk]))
    assert response.status_code == 200
    records = list(response.context["page_obj"])
    assert records[0].statement == "Edited once." and records[0].history_user == editor
    assert len(records) == claim.history.count()


def test_the_history_pages_send_no_inline_style_for_the_csp_to_refuse(editor_client, archive):
    claim = archive["claim"]
    pages = [
        reverse("admin:claims_claim_history", args=[claim.pk]),
        reverse("admin:claims_claim_simple_history", args=[claim.pk, claim.history.latest().pk]),
    ]
    for url in pages:
        text = editor_client.get(url).text
        assert " style=" not in text and "<style" not in text, url


def test_a_model_without_relations_reverts_too(editor_client, archive):
    topic = archive["topic"]
    save_unchanged(editor_client, topic, description="A description added by mistake.")
    before_edit = topic.history.order_by("-history_date")[1]
    url = reverse("admin:claims_topic_simple_history", args=[topic.pk, before_edit.pk])
    response = editor_client.post(url, read_form(editor_client, url, "historicaltopic_form"))
    assert response.status_code == 302, response.text[:2000]
    topic.refresh_from_db()
    assert (topic.description, topic.version) == ("", 3)


def test_a_new_record_starts_at_version_one_whatever_the_form_says(editor_client, db):
    data = read_form(editor_client, reverse("admin:claims_topic_add"), "topic_form")
    data.update({"name": "Sanctions", "slug": "sanctions", "version": "7"})
    assert editor_client.post(reverse("admin:claims_topic_add"), data).status_code == 302
    topic = Topic.objects.get(name="Sanctions")
    assert (topic.version, topic.history.count()) == (1, 1)


def add_appearance_row(data, **row):
    """The change form's data with one more row in the claim's appearances inline."""
    index = int(data["appearances-TOTAL_FORMS"])
    data = {**data, "appearances-TOTAL_FORMS": str(index + 1)}
    data.update({f"appearances-{index}-{name}": value for name, value in row.items()})
    return data


def test_pasted_words_anchor_where_an_article_reports_the_claim(editor_client, seed):
    claim = Claim.objects.get(appearances__text__contains="support for Kyiv")
    appearance = claim.appearances.get(text__contains="Kyiv")
    article, text, start = appearance.article, appearance.text, appearance.start_offset
    appearance.delete()
    data = read_form(editor_client, change_url(claim), "claim_form")
    data = add_appearance_row(
        as_browser_sends(data), article=str(article.pk), text=text.replace("\n", "\r\n"),
        attribution="According to these sources",
    )  # fmt: skip
    response = editor_client.post(change_url(claim), data)
    assert response.status_code == 302, response.context["errors"]
    saved = claim.appearances.get(article=article)
    assert (saved.text, saved.start_offset, saved.capture) == (text, start, article.latest_capture)


def test_an_appearance_in_an_article_that_does_not_report_the_claim_is_refused(editor_client, seed):
    claim = Claim.objects.get(appearances__text__contains="support for Kyiv")
    other = Article.objects.exclude(reported_claims=claim).first()
    words = other.body.split("\n")[0][:40]
    data = add_appearance_row(
        as_browser_sends(read_form(editor_client, change_url(claim), "claim_form")),
        article=str(other.pk), text=words,
    )  # fmt: skip
    response = editor_client.post(change_url(claim), data)
    assert response.status_code == 200
    assert "This article is not among the claim&#x27;s reporting articles" in response.text
    assert not claim.appearances.filter(article=other).exists()


def test_an_attribution_that_is_not_the_articles_words_is_refused(editor_client, seed):
    claim = Claim.objects.get(appearances__text__contains="support for Kyiv")
    data = read_form(editor_client, change_url(claim), "claim_form")
    row = next(name for name, value in data.items() if name.endswith("-attribution") and value)
    response = editor_client.post(
        change_url(claim), {**as_browser_sends(data), row: "as the archive sums it up"}
    )
    assert response.status_code == 200
    assert "Copy whom the article credits exactly as it stands in its text" in response.text


@pytest.mark.parametrize(
    "row, errors",
    [
        (
            {"article": "", "text": "Some words of the article"},
            {"article": ["Choose the article the words are from."]},
        ),
        (
            {"article": "REPORTING", "text": ""},
            {"text": ["Paste the article's words, exactly as they stand in its text."]},
        ),
        (
            {"article": "REPORTING", "text": "Words that are not in the article"},
            {"text": [WORDS_NOT_IN_TEXT]},
        ),
        (
            {"article": "", "text": "", "attribution": "Politico reported"},
            {
                "article": ["Choose the article the words are from."],
                "text": ["Paste the article's words, exactly as they stand in its text."],
            },
        ),
    ],
    ids=["no article", "no words", "words not in the article", "only an attribution"],
)
def test_an_unfinished_appearance_is_refused_on_the_field_to_fix(editor_client, seed, row, errors):
    claim = Claim.objects.get(appearances__text__contains="support for Kyiv")
    reporting = str(claim.articles.first().pk)
    data = add_appearance_row(
        as_browser_sends(read_form(editor_client, change_url(claim), "claim_form")),
        **{name: reporting if value == "REPORTING" else value for name, value in row.items()},
    )  # fmt: skip
    response = editor_client.post(change_url(claim), data)
    assert response.status_code == 200
    appearances = next(
        inline.formset for inline in response.context["inline_admin_formsets"]
        if inline.formset.prefix == "appearances"
    )  # fmt: skip
    assert appearances.forms[-1].errors == errors
    assert "offsets" not in response.text
