"""Editors decide on appearance proposals in the admin: accept one (the claim's appearance is made
at its exact offsets, and the claim lists the article), correct it first (another claim, other
words, whom they credit, the source, a new claim's statement and people), or reject it; every
proposal and decision is in its history, and "Propose again" proposes an article's claims anew
(issue #22)."""

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.appearance_proposals import propose_appearances_for, reject_appearance_proposal
from claims.models import Appearance, AppearanceProposal, Claim, ClaimActor
from core.roles import EDITOR
from tests import factories
from tests.admin_forms import change_url, read_form, save_unchanged
from tests.proposed_claims import BODY, propose

CHANGELIST = "admin:claims_appearanceproposal_changelist"


def editor(username="edith"):
    user = User.objects.create_user(username, password="a-long-password-1", is_staff=True)
    user.groups.add(Group.objects.get(name=EDITOR))
    return user


@pytest.fixture
def editor_client(transactional_db):
    client = Client()
    client.editor = editor()
    client.force_login(client.editor)
    return client


def page_after(client, response):
    assert response.status_code == 302, response.text
    return client.get(response.url).text


# Accept


@pytest.mark.django_db(transaction=True)
def test_an_editor_accepts_a_proposal_and_the_appearance_stands_at_its_exact_offsets(
    editor_client,
):
    proposed = propose()
    proposal = proposed.deal
    page = page_after(editor_client, save_unchanged(editor_client, proposal, _accept="Accept"))
    assert "Accepted: it is now an appearance of its claim." in page
    appearance = Appearance.objects.get()
    assert (appearance.claim, appearance.article, appearance.capture) == (
        proposal.claim, proposed.article, proposal.capture,
    )  # fmt: skip
    assert (appearance.start_offset, appearance.end_offset) == (
        proposal.start_offset, proposal.end_offset,
    )  # fmt: skip
    assert proposal.capture.text[appearance.start_offset : appearance.end_offset] == proposal.text
    assert (appearance.attribution, appearance.source) == (
        "according to a report by Politico", proposed.politico,
    )  # fmt: skip
    assert list(proposal.claim.articles.all()) == [proposed.article]
    proposal.refresh_from_db()
    assert (proposal.status, proposal.appearance, proposal.decided_by) == (
        "accepted", appearance, editor_client.editor,
    )  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_the_claims_page_lists_the_article_once_accepted(editor_client):
    proposed = propose()
    save_unchanged(editor_client, proposed.deal, _accept="Accept")
    claim_page = editor_client.get(proposed.deal.claim.get_absolute_url()).text
    assert proposed.article.display_title in claim_page


@pytest.mark.django_db(transaction=True)
def test_accepting_records_one_new_version_of_the_claim_by_the_editor(editor_client):
    proposed = propose()
    claim = proposed.pledge.claim
    before = claim.history.count()
    save_unchanged(editor_client, proposed.pledge, _accept="Accept")
    claim.refresh_from_db()
    [record] = claim.history.all()[: claim.history.count() - before]
    assert (record.version, record.history_user) == (2, editor_client.editor)
    assert list(record.articles.values_list("article", flat=True)) == [proposed.article.pk]
    assert Appearance.objects.get().history.get().history_user == editor_client.editor


@pytest.mark.django_db(transaction=True)
def test_the_proposals_history_holds_it_as_proposed_its_corrections_and_the_decision(
    editor_client,
):
    proposed = propose()
    proposal = proposed.defence
    save_unchanged(editor_client, proposal, source=str(proposed.bloomberg.pk))
    save_unchanged(editor_client, AppearanceProposal.objects.get(pk=proposal.pk), _reject="Reject")
    history = proposal.history.order_by("history_date", "history_id")
    assert [(r.history_type, r.status, r.source_id, r.history_user) for r in history] == [
        ("+", "proposed", None, None),
        ("~", "proposed", proposed.bloomberg.pk, editor_client.editor),
        ("~", "rejected", proposed.bloomberg.pk, editor_client.editor),
    ]
    assert history.first().history_change_reason == "Proposed by the archive."
    url = reverse("admin:claims_appearanceproposal_history", args=[proposal.pk])
    assert editor_client.get(url).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_new_claims_proposed_people_are_in_its_first_version():
    proposed = propose()
    [first] = proposed.new.history.all()
    assert {person.person_id for person in first.actors.all()} == {
        proposed.trump.pk, proposed.roberts.pk,
    }  # fmt: skip


# Correct, then accept


@pytest.mark.django_db(transaction=True)
def test_an_editor_corrects_the_claim_and_the_words_then_accepts(editor_client):
    proposed = propose()
    proposal = proposed.pledge
    other = factories.make_claim(statement="NATO would rule out any further enlargement.")
    words = "NATO would commit to no further eastward expansion"
    response = save_unchanged(
        editor_client, proposal, claim=str(other.pk), text=words, _accept="Accept"
    )
    assert "Accepted" in page_after(editor_client, response)
    appearance = Appearance.objects.get()
    assert (appearance.claim, appearance.text) == (other, words)
    assert appearance.start_offset == BODY.index(words)
    assert appearance.end_offset == BODY.index(words) + len(words)
    assert list(other.articles.all()) == [proposed.article]
    assert not proposal.claim.articles.exists()


@pytest.mark.django_db(transaction=True)
def test_words_that_stand_twice_are_taken_where_they_stand_nearest_the_proposed_ones(
    editor_client,
):
    proposed = propose()
    save_unchanged(editor_client, proposed.pledge, text="NATO")  # also in the sentence before
    proposal = AppearanceProposal.objects.get(pk=proposed.pledge.pk)
    assert proposal.start_offset == BODY.index("NATO would commit")
    assert proposal.end_offset == proposal.start_offset + len("NATO")
    assert proposal.status == "proposed"


@pytest.mark.django_db(transaction=True)
def test_an_editor_corrects_whom_the_words_credit_and_the_source_then_accepts(editor_client):
    proposed = propose()
    response = save_unchanged(
        editor_client, proposed.defence, attribution="Bloomberg reported",
        source=str(proposed.bloomberg.pk), _accept="Accept",
    )  # fmt: skip
    assert "Accepted" in page_after(editor_client, response)
    appearance = Appearance.objects.get()
    assert (appearance.attribution, appearance.source) == (
        "Bloomberg reported", proposed.bloomberg,
    )  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_corrected_words_and_attribution_are_the_captures_whatever_marks_and_spaces_they_had(
    editor_client,
):
    proposed = propose()
    words = "most of the alliance’s conventional defence"  # the text has a straight apostrophe
    response = save_unchanged(
        editor_client, proposed.defence, text=words, attribution="officials\u00a0said",
        _accept="Accept",
    )  # fmt: skip
    assert "Accepted" in page_after(editor_client, response)
    appearance = Appearance.objects.get()
    assert appearance.text == "most of the alliance's conventional defence"
    assert appearance.start_offset == BODY.index(appearance.text)
    assert appearance.attribution == "officials said"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        (
            "text",
            "NATO would commit to no eastward expansion",
            "These words are not in the article",
        ),
        ("attribution", "according to Reuters", "exactly as it stands in its text"),
    ],
)
def test_words_or_an_attribution_the_capture_does_not_hold_are_refused(
    editor_client, field, value, error
):
    proposed = propose()
    response = save_unchanged(editor_client, proposed.pledge, **{field: value}, _accept="Accept")
    assert response.status_code == 200
    assert error in response.text
    proposal = AppearanceProposal.objects.get(pk=proposed.pledge.pk)
    assert (proposal.status, proposal.text, proposal.attribution) == (
        "proposed", proposed.pledge.text, "Bloomberg reported",
    )  # fmt: skip
    assert not Appearance.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_of_two_editors_correcting_a_proposal_the_second_is_told_not_overwritten(editor_client):
    proposed = propose()
    other = Client()
    other.force_login(editor("olga"))
    url = change_url(proposed.defence)
    first = read_form(editor_client, url, "appearanceproposal_form")
    second = read_form(other, url, "appearanceproposal_form")
    assert editor_client.post(url, {**first, "source": proposed.bloomberg.pk}).status_code == 302
    response = other.post(url, {**second, "source": proposed.politico.pk, "_accept": "Accept"})
    assert "Someone else saved this appearance proposal after you opened it" in response.text
    assert AppearanceProposal.objects.get(pk=proposed.defence.pk).source == proposed.bloomberg
    assert not Appearance.objects.exists()


# New claims


@pytest.mark.django_db(transaction=True)
def test_accepting_a_new_claim_makes_it_with_its_people_and_its_appearance(editor_client):
    proposed = propose()
    proposal = proposed.new
    assert proposal.claimant == proposed.roberts
    statement = "Trump plans to cut the number of US troops in Germany."
    response = save_unchanged(editor_client, proposal, new_statement=statement, _accept="Accept")
    assert "Accepted" in page_after(editor_client, response)
    claim = Claim.objects.get(statement=statement)
    assert {(actor.person, actor.role) for actor in claim.claim_actors.all()} == {
        (proposed.roberts, ClaimActor.Role.CLAIMANT),
        (proposed.trump, ClaimActor.Role.SUBJECT),
    }
    assert list(claim.articles.all()) == [proposed.article]
    appearance = Appearance.objects.get(claim=claim)
    assert BODY[appearance.start_offset : appearance.end_offset] == proposal.text
    assert appearance.attribution == "Kevin Roberts said"
    # One version, by the editor, holding the article; its actors recorded with it.
    assert {(r.version, r.history_user) for r in claim.history.all()} == {(1, editor_client.editor)}
    assert list(claim.history.latest().articles.values_list("article", flat=True)) == [
        proposed.article.pk
    ]
    assert ClaimActor.history.filter(claim_id=claim.pk).count() == 2


@pytest.mark.django_db(transaction=True)
def test_an_editor_chooses_the_new_claims_people_before_accepting(editor_client):
    proposed = propose()
    response = save_unchanged(
        editor_client, proposed.new, actors=[str(proposed.trump.pk)], claimant="",
        _accept="Accept",
    )  # fmt: skip
    assert "Accepted" in page_after(editor_client, response)
    claim = Claim.objects.get(statement=proposed.new.new_statement)
    assert [(a.person, a.role) for a in claim.claim_actors.all()] == [
        (proposed.trump, ClaimActor.Role.SUBJECT)
    ]


@pytest.mark.django_db(transaction=True)
def test_a_new_claim_without_a_statement_is_not_accepted_and_says_why(editor_client):
    proposed = propose()
    response = save_unchanged(editor_client, proposed.new, new_statement="", _accept="Accept")
    assert "statement, or choose the claim these words report" in page_after(
        editor_client, response
    )
    assert not Appearance.objects.exists()
    assert Claim.objects.count() == 3


# Reject, and decided proposals


@pytest.mark.django_db(transaction=True)
def test_an_editor_rejects_a_proposal_and_no_appearance_is_made(editor_client):
    proposed = propose()
    page = page_after(editor_client, save_unchanged(editor_client, proposed.deal, _reject="Reject"))
    assert "Rejected." in page
    proposal = AppearanceProposal.objects.get(pk=proposed.deal.pk)
    assert (proposal.status, proposal.decided_by) == ("rejected", editor_client.editor)
    assert not Appearance.objects.exists()
    assert not proposal.claim.articles.exists()


@pytest.mark.django_db(transaction=True)
def test_a_decided_proposal_is_read_only(editor_client):
    proposed = propose()
    reject_appearance_proposal(proposed.deal, editor_client.editor)
    page = editor_client.get(change_url(proposed.deal)).text
    assert 'name="_accept"' not in page and 'name="_save"' not in page
    response = editor_client.post(change_url(proposed.deal), {"_accept": "Accept"})
    assert response.status_code == 403
    assert not Appearance.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_its_history_is_read_never_reverted(editor_client):
    proposed = propose()
    reject_appearance_proposal(proposed.deal, editor_client.editor)
    first = proposed.deal.history.earliest()
    url = reverse(
        "admin:claims_appearanceproposal_simple_history", args=[proposed.deal.pk, first.pk]
    )
    page = editor_client.get(url)
    assert page.status_code == 200 and "Revert" not in page.text
    assert editor_client.post(url, {"text": proposed.deal.text}).status_code == 403
    assert AppearanceProposal.objects.get(pk=proposed.deal.pk).status == "rejected"


@pytest.mark.django_db(transaction=True)
def test_accepting_from_the_list_says_which_were_decided_already_and_by_whom(editor_client):
    proposed = propose()
    reject_appearance_proposal(proposed.deal, editor("olga"))
    response = editor_client.post(
        reverse(CHANGELIST),
        {"action": "accept_selected",
         "_selected_action": [str(proposed.deal.pk), str(proposed.pledge.pk)]},
        follow=True,
    )  # fmt: skip
    assert "1 proposal(s) accepted." in response.text
    assert "This proposal was already rejected by olga." in response.text
    assert Appearance.objects.get().claim == proposed.pledge.claim


@pytest.mark.django_db(transaction=True)
def test_rejecting_from_the_list_rejects_each(editor_client):
    proposed = propose()
    response = editor_client.post(
        reverse(CHANGELIST),
        {"action": "reject_selected",
         "_selected_action": [str(proposed.deal.pk), str(proposed.new.pk)]},
        follow=True,
    )  # fmt: skip
    assert "2 proposal(s) rejected." in response.text
    assert AppearanceProposal.objects.filter(status="rejected").count() == 2


# Who may


@pytest.mark.django_db(transaction=True)
def test_accepting_needs_the_right_to_add_appearances(editor_client):
    proposed = propose()
    Group.objects.get(name=EDITOR).permissions.remove(
        Permission.objects.get(codename="add_appearance")
    )
    response = save_unchanged(editor_client, proposed.deal, _accept="Accept")
    assert "You may not add appearances to claims." in page_after(editor_client, response)
    assert AppearanceProposal.objects.get(pk=proposed.deal.pk).status == "proposed"
    actions = editor_client.get(reverse(CHANGELIST)).text
    assert "accept_selected" not in actions and "reject_selected" in actions


@pytest.mark.django_db(transaction=True)
def test_accepting_a_new_claim_needs_the_right_to_add_claims(editor_client):
    proposed = propose()
    Group.objects.get(name=EDITOR).permissions.remove(Permission.objects.get(codename="add_claim"))
    response = save_unchanged(editor_client, proposed.new, _accept="Accept")
    assert "you may not add claims" in page_after(editor_client, response)
    assert Claim.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_no_one_types_a_proposal_in():
    client = Client()
    client.force_login(User.objects.create_user("root", is_staff=True, is_superuser=True))
    response = client.get(reverse("admin:claims_appearanceproposal_add"))
    assert response.status_code == 403


# The list


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ({"kind": "new"}, ["Kevin Roberts said"]),
        ({"kind": "appearance"}, ["Donald Trump would", "Under the plan", "European members"]),
        ({"status__exact": "rejected"}, ["Donald Trump would"]),
        ({"q": "Bloomberg"}, ["Under the plan"]),
    ],
)
def test_the_list_filters_by_kind_and_status_and_searches(editor_client, query, shown):
    proposed = propose()
    reject_appearance_proposal(proposed.deal, editor_client.editor)
    page = editor_client.get(reverse(CHANGELIST), query).text
    starts = ["Donald Trump would", "Under the plan", "European members", "Kevin Roberts said"]
    assert [start for start in starts if f">{start}" in page] == shown


@pytest.mark.django_db(transaction=True)
def test_the_list_takes_the_same_queries_however_many_rows(editor_client):
    url = reverse(CHANGELIST)
    propose()
    counts = []
    for rows in (4, 8):
        with CaptureQueriesContext(connection) as queries:
            response = editor_client.get(url)
        assert response.text.count('name="_selected_action"') == rows
        counts.append(len(queries))
        # Another article reporting the same claims: 4 more rows.
        propose_appearances_for(factories.make_article(body=BODY))
    # The session, the editor, their group's and their own permissions, the articles the filter
    # offers, the count of proposals and of all of them (the list's "show all"), the rows with
    # their claim, article and deciding editor.
    assert counts == [8, 8]


# Propose again


@pytest.mark.django_db(transaction=True)
def test_proposing_again_from_the_article_list_proposes_quotes_and_claims(editor_client):
    proposed = propose()
    reject_appearance_proposal(proposed.deal, editor_client.editor)
    AppearanceProposal.objects.filter(pk=proposed.pledge.pk).delete()
    response = editor_client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "propose_again", "_selected_action": [str(proposed.article.pk)]},
        follow=True,
    )
    # The rejected one is not proposed again; the others wait again, the one deleted too.
    assert "0 quote proposal(s) and 3 claim proposal(s) waiting for an editor." in response.text
    assert set(
        AppearanceProposal.objects.filter(status="proposed").values_list("text", flat=True)
    ) == {proposed.pledge.text, proposed.defence.text, proposed.new.text}
