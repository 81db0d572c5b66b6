"""Editors in the admin: annotations, status workflow, quotes from pasted words, no lost edits,
history, roles, and a login that resists guessing."""

import hashlib
import logging
import re
import threading
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from articles.models import Article, Capture, Quote
from claims.models import Annotation, Claim
from core.models import StaleEditError
from core.roles import ARCHIVIST, EDITOR
from tests import factories
from tests.admin_forms import read_form

pytestmark = pytest.mark.django_db


def make_user(username, role):
    user = User.objects.create_user(username, password="a-long-password-1", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def editor(db):
    return make_user("edith", EDITOR)


@pytest.fixture
def editor_client(editor):
    client = Client()
    client.force_login(editor)
    return client


def claim_change_url(claim):
    return reverse("admin:claims_claim_change", args=[claim.pk])


def test_an_editor_annotates_a_claim_and_only_the_public_note_is_public(
    client, editor, editor_client, archive
):
    claim = archive["claim"]
    data = read_form(editor_client, claim_change_url(claim), "claim_form")
    data.update({
        "annotations-TOTAL_FORMS": "2",
        "annotations-0-text": "Corroborated by a second outlet's interview.",
        "annotations-0-visibility": "public",
        "annotations-1-text": "Ask the desk about the anonymous expert.",
        "annotations-1-visibility": "internal",
        "annotations-1-claim": str(claim.pk),
    })  # fmt: skip
    response = editor_client.post(claim_change_url(claim), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    public, internal = Annotation.objects.order_by("pk")
    assert (public.author, internal.author) == (editor, editor)
    page = client.get(claim.get_absolute_url()).text
    assert "Corroborated by a second outlet&#x27;s interview." in page
    assert "— edith," in page
    assert "Ask the desk" not in page


def test_an_editor_sets_a_status_and_history_says_who(editor, editor_client, archive):
    claim = archive["claim"]
    data = read_form(editor_client, claim_change_url(claim), "claim_form")
    data["status"] = "disputed"
    assert editor_client.post(claim_change_url(claim), data).status_code == 302
    latest = claim.history.latest()
    assert (latest.status, latest.history_user) == ("disputed", editor)
    assert latest.prev_record.status == "reported"


def test_a_status_change_outside_the_workflow_is_a_form_error(editor_client, archive):
    claim = archive["claim"]
    Claim.objects.filter(pk=claim.pk).update(status="retracted")
    data = read_form(editor_client, claim_change_url(claim), "claim_form")
    data["status"] = "corroborated"
    response = editor_client.post(claim_change_url(claim), data)
    assert response.status_code == 200
    assert "A retracted claim can&#x27;t become corroborated; it can become reported." in (
        response.text
    )


def test_a_stale_save_is_refused_and_the_first_save_survives(editor, archive):
    claim = archive["claim"]
    first, second = Client(), Client()
    first.force_login(editor)
    second.force_login(make_user("other", EDITOR))
    first_form = read_form(first, claim_change_url(claim), "claim_form")
    second_form = read_form(second, claim_change_url(claim), "claim_form")

    first_form["notes"] = "The first editor's note."
    assert first.post(claim_change_url(claim), first_form).status_code == 302
    second_form["notes"] = "The second editor's note."
    response = second.post(claim_change_url(claim), second_form)

    assert response.status_code == 200
    assert "Someone else saved this claim after you opened it" in response.text
    assert "The second editor&#x27;s note." in response.text  # their input is kept
    claim.refresh_from_db()
    assert claim.notes == "The first editor's note."


@pytest.mark.django_db(transaction=True)
def test_of_two_editors_saving_at_once_exactly_one_wins():
    claim = factories.make_claim(statement="A claim two editors open.")
    copies = [Claim.objects.get(pk=claim.pk) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes = []

    def save(copy, notes):
        copy.notes = notes
        barrier.wait()
        try:
            copy.save()
            outcomes.append(("saved", notes))
        except StaleEditError:
            outcomes.append(("refused", notes))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=save, args=(copy, f"editor {number}"))
        for number, copy in enumerate(copies)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcome for outcome, _ in outcomes) == ["refused", "saved"]
    winner = next(notes for outcome, notes in outcomes if outcome == "saved")
    claim.refresh_from_db()
    assert (claim.notes, claim.version) == (winner, 2)


def test_list_editable_saves_are_version_checked_too(editor_client, archive):
    claim = archive["claim"]
    url = reverse("admin:claims_claim_changelist")
    data = read_form(editor_client, url, "changelist-form")
    Claim.objects.get(pk=claim.pk).save()  # someone else saves meanwhile
    data["form-0-status"] = "disputed"
    data["_save"] = "Save"
    response = editor_client.post(url, data)
    assert "Someone else saved this claim" in response.text
    claim.refresh_from_db()
    assert claim.status == "reported"


def test_bulk_actions_are_versioned_and_recorded_in_history(editor, editor_client, archive):
    claims = [archive["claim"], factories.make_claim()]
    topic = factories.make_topic(name="Sanctions on Russia")
    url = reverse("admin:claims_claim_changelist")
    selected = [str(claim.pk) for claim in claims]
    editor_client.post(url, {"action": "mark_disputed", "_selected_action": selected})
    editor_client.post(
        url, {"action": "add_topic", "_selected_action": selected, "apply": "1", "topic": topic.pk}
    )
    for claim in claims:
        claim.refresh_from_db()
        assert claim.status == "disputed"
        assert topic in claim.topics.all()
        assert claim.version == 3
        records = list(claim.history.order_by("-history_date")[:2])
        assert [record.history_user for record in records] == [editor, editor]
        assert topic.pk in [row.topic_id for row in records[0].topics.all()]


def test_an_action_skips_claims_the_workflow_does_not_allow(editor_client, archive):
    claim = archive["claim"]
    Claim.objects.filter(pk=claim.pk).update(status="retracted")
    response = editor_client.post(
        reverse("admin:claims_claim_changelist"),
        {"action": "mark_corroborated", "_selected_action": [claim.pk]},
        follow=True,
    )
    assert "can&#x27;t become corroborated" in response.text
    claim.refresh_from_db()
    assert claim.status == "retracted"


def test_a_change_can_be_reverted_from_the_history(editor, editor_client, archive):
    claim = archive["claim"]
    original = claim.statement
    data = read_form(editor_client, claim_change_url(claim), "claim_form")
    data["statement"] = "A statement edited by mistake."
    editor_client.post(claim_change_url(claim), data)
    first_record = claim.history.earliest()
    revert_url = reverse(
        "admin:claims_claim_simple_history", args=[claim.pk, first_record.history_id]
    )
    revert_data = read_form(editor_client, revert_url, "historicalclaim_form")
    response = editor_client.post(revert_url, revert_data)
    assert response.status_code == 302, response.content.decode()[:3000]
    claim.refresh_from_db()
    assert claim.statement == original
    latest = claim.history.latest()
    assert (latest.statement, latest.history_user) == (original, editor)


def test_history_is_kept_for_quotes_topics_and_people(editor_client, archive):
    for obj in [archive["quote"], archive["topic"], archive["person"]]:
        obj.save()
        assert obj.history.count() == 2


def quote_form(editor_client, article, text, **extra):
    data = read_form(editor_client, reverse("admin:articles_quote_add"), "quote_form")
    data.update({"article": article.pk, "text": text, "speaker_label": "an expert", **extra})
    return data


def test_a_pasted_quote_gets_its_offsets(editor_client, archive):
    article = archive["article"]
    data = quote_form(editor_client, article, "according to a report by Politico")
    response = editor_client.post(reverse("admin:articles_quote_add"), data)
    assert response.status_code == 302
    quote = Quote.objects.get(text="according to a report by Politico")
    assert article.body[quote.start_offset : quote.end_offset] == quote.text


def test_a_pasted_quote_not_in_the_body_is_refused_with_a_message(editor_client, archive):
    data = quote_form(editor_client, archive["article"], "words that are not there")
    response = editor_client.post(reverse("admin:articles_quote_add"), data)
    assert response.status_code == 200
    assert "These words are not in the article&#x27;s text." in response.text


def test_a_pasted_quote_found_twice_needs_its_occurrence(editor_client, db):
    article = factories.make_article(body="He said “no” and, asked again, he said “no” once more.")
    data = quote_form(editor_client, article, "no")
    response = editor_client.post(reverse("admin:articles_quote_add"), data)
    assert "These words appear 2 times in the article: say which occurrence" in response.text
    data["occurrence"] = "2"
    assert editor_client.post(reverse("admin:articles_quote_add"), data).status_code == 302
    assert Quote.objects.get().start_offset == article.body.rindex("no")


@pytest.mark.parametrize(
    ("text", "pasted"),
    [
        ("He said “we don’t know” twice.", "we don't know"),  # curly in the text, straight pasted
        ("He said \"we don't know\" twice.", "we don’t know"),  # and the reverse
        ("He said it was “a ‘final’ offer”.", "a 'final' offer"),
        ("Talks – and a deal — in July", "Talks - and a deal - in July"),
        ("A 10\u00a0per\u00a0cent cut", "A 10 per cent cut"),
    ],
)  # fmt: skip
def test_pasted_words_match_the_texts_quotation_marks_dashes_and_spaces_and_keep_its_own(
    editor_client, db, text, pasted
):
    article = factories.make_article(body=f"Officials met on Tuesday. {text} Nothing followed.")
    data = quote_form(editor_client, article, pasted)
    response = editor_client.post(reverse("admin:articles_quote_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    quote = Quote.objects.get()
    assert quote.start_offset == article.body.index(quote.text)
    assert quote.text == article.body[quote.start_offset : quote.end_offset] != pasted


def test_an_editor_cannot_delete_articles_or_outlets(editor_client, archive):
    for model, obj in [("article", archive["article"]), ("outlet", archive["outlet"])]:
        url = reverse(f"admin:articles_{model}_delete", args=[obj.pk])
        assert editor_client.post(url, {"post": "yes"}).status_code == 403
    assert Article.objects.filter(pk=archive["article"].pk).exists()


def test_an_archivist_can_delete_an_article(db):
    article = factories.make_article()
    client = Client()
    client.force_login(make_user("arch", ARCHIVIST))
    url = reverse("admin:articles_article_delete", args=[article.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Article.objects.exists()


def test_the_roles_exist_after_migrate_and_can_be_resynced(db):
    call_command("setup_roles", verbosity=0)
    editor = Group.objects.get(name=EDITOR)
    codenames = set(editor.permissions.values_list("codename", flat=True))
    assert {"change_claim", "add_annotation", "change_quote", "add_topic"} <= codenames
    assert not {"delete_article", "delete_outlet", "change_article"} & codenames
    archivist = set(
        Group.objects.get(name=ARCHIVIST).permissions.values_list("codename", flat=True)
    )
    assert {"delete_article", "delete_outlet", "delete_claim"} <= archivist


def test_anonymous_visitors_cannot_reach_the_admin(client, archive):
    response = client.get(claim_change_url(archive["claim"]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_admin_posts_need_a_csrf_token(editor, archive):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    data = read_form(client, claim_change_url(archive["claim"]), "claim_form")
    data.pop("csrfmiddlewaretoken")
    assert client.post(claim_change_url(archive["claim"]), data).status_code == 403


def login(client, username, password, address="10.0.0.1"):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
    )


def test_failed_logins_are_limited_per_user_and_address_with_a_cool_off(db, caplog):
    make_user("edith", EDITOR)
    client = Client()
    with caplog.at_level(logging.WARNING, logger="newsarchive.security"):
        for _ in range(4):
            assert login(client, "edith", "wrong").status_code == 200
        assert login(client, "edith", "wrong").status_code == 429  # the fifth reaches the limit
    failures = caplog.text.count("Failed login for 'edith' from 10.0.0.1")
    assert failures == 5  # every failure is logged

    locked = login(client, "edith", "a-long-password-1")
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.text
    # The same editor from her own address is not locked out by a guesser elsewhere.
    assert login(Client(), "edith", "a-long-password-1", address="10.0.0.2").status_code == 302

    from axes.models import AccessAttempt

    attempt = AccessAttempt.objects.get()
    AccessAttempt.objects.update(attempt_time=attempt.attempt_time - timedelta(minutes=14))
    assert login(Client(), "edith", "a-long-password-1").status_code == 429  # 15 minutes
    AccessAttempt.objects.update(attempt_time=attempt.attempt_time - timedelta(minutes=15))
    assert login(Client(), "edith", "a-long-password-1").status_code == 302


def test_an_occurrence_past_the_last_is_refused_with_the_count(editor_client, db):
    article = factories.make_article(body="He said “no” and, asked again, he said “no” once more.")
    data = quote_form(editor_client, article, "no", occurrence="3")
    response = editor_client.post(reverse("admin:articles_quote_add"), data)
    assert "The words appear only 2 time(s) in the article." in response.text
    assert not Quote.objects.exists()


def test_words_found_once_need_no_occurrence_and_take_no_second(editor_client, db):
    article = factories.make_article(body="He said “no” just once.")
    data = quote_form(editor_client, article, "no", occurrence="2")
    response = editor_client.post(reverse("admin:articles_quote_add"), data)
    assert "The words appear only 1 time(s) in the article." in response.text
    data["occurrence"] = ""
    assert editor_client.post(reverse("admin:articles_quote_add"), data).status_code == 302
    assert Quote.objects.get().start_offset == article.body.index("no")


def test_a_quote_form_starts_from_the_occurrence_its_offset_says(editor_client, db):
    article = factories.make_article(body="“no”, “no” and “no”.")
    single = factories.make_article(body="Only “yes” here.")
    quotes = [
        Quote.objects.create(article=article, text="no", start_offset=start,
                             end_offset=start + 2, speaker_label="an official")
        for start in (1, 7, 16)
    ] + [factories.make_quote(single, "yes")]  # fmt: skip
    shown = [
        read_form(editor_client, reverse("admin:articles_quote_change", args=[quote.pk]),
                  "quote_form")["occurrence"]
        for quote in quotes
    ]  # fmt: skip
    assert shown == ["1", "2", "3", ""]


def test_a_stale_save_says_both_versions(editor_client, archive):
    claim = archive["claim"]
    data = read_form(editor_client, claim_change_url(claim), "claim_form")
    Claim.objects.get(pk=claim.pk).save()
    Claim.objects.get(pk=claim.pk).save()
    response = editor_client.post(claim_change_url(claim), data)
    assert "(it is now at revision 3, you started from 1)" in response.text


def test_a_pasted_capture_is_kept_as_pasted_but_for_crlf(db):
    client = Client()
    client.force_login(User.objects.create_superuser("root", password="a-long-password-1"))
    first, second = (
        "The first paragraph of a pasted article, long enough to be one. " * 3,
        "And its second paragraph, which says a little more than the first. " * 3,
    )
    pasted = f"  {first}\r\n\r\n{second}\r\n"
    data = read_form(client, reverse("admin:articles_capture_add"), "capture_form")
    data.update({"text": pasted, "title": "A new capture", "_preview": "Preview"})
    preview = client.post(reverse("admin:articles_capture_add"), data)
    pending = re.search(r'name="pending" value="([^"]+)"', preview.text).group(1)
    response = client.post(
        reverse("admin:articles_capture_add"), {"pending": pending, "_archive": "Archive it"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    capture = Capture.objects.get()
    assert bytes(capture.raw) == pasted.replace("\r\n", "\n").encode()
    assert capture.sha256 == hashlib.sha256(bytes(capture.raw)).hexdigest()
    assert capture.article.body == capture.text == f"{first.strip()}\n\n{second.strip()}"


def test_a_quote_without_article_or_words_is_refused_on_that_field_alone(editor_client, db):
    article = factories.make_article()
    url = reverse("admin:articles_quote_add")
    for missing, message in [
        ("article", "Choose the article the words are from."),
        ("text", "Paste the article's words, exactly as they stand in its text."),
    ]:
        data = quote_form(editor_client, article, "according to a report by Politico")
        data[missing] = ""
        response = editor_client.post(url, data)
        assert response.status_code == 200
        assert response.context["adminform"].form.errors == {missing: [message]}
    assert not Quote.objects.exists()


def test_a_stale_quote_with_new_words_is_refused_as_stale_only(editor_client, archive):
    quote = archive["quote"]
    url = reverse("admin:articles_quote_change", args=[quote.pk])
    data = {**read_form(editor_client, url, "quote_form"), "text": "according to a report"}
    Quote.objects.get(pk=quote.pk).save()
    errors = editor_client.post(url, data).context["adminform"].form.errors
    assert list(errors) == ["__all__"]
    assert "Someone else saved this quote after you opened it" in errors["__all__"][0]


def test_words_not_in_the_article_get_the_whole_explanation(editor_client, db):
    data = quote_form(editor_client, factories.make_article(), "words that are not there")
    response = editor_client.post(reverse("admin:articles_quote_add"), data)
    assert response.context["adminform"].form.errors == {
        "text": [
            "These words are not in the article's text. Paste them word for word as they stand "
            "there (straight and curly quotation marks and apostrophes, and dashes of any length, "
            "are read alike)."
        ]
    }


def test_a_quote_moved_in_its_articles_form_gets_new_offsets(db):
    client = Client()
    client.force_login(User.objects.create_superuser("root", password="a-long-password-1"))
    article = factories.make_article()
    quote = factories.make_quote(article, "I would expect a very quick deal")
    url = reverse("admin:articles_article_change", args=[article.pk])
    data = read_form(client, url, "article_form")
    data["quotes-0-text"] = "according to a report by Politico"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    quote.refresh_from_db()
    assert article.body[quote.start_offset : quote.end_offset] == quote.text
    assert quote.text == "according to a report by Politico"
