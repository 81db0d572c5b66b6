"""Quote proposals: the rules that find quotations and their speakers, their figures on the seed
corpus, the propose_quotes command, and editors accepting, correcting and rejecting proposals
in the admin (nothing becomes a quote without an editor)."""

import json
from io import StringIO

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from articles.capture import Archived, capture_archive
from articles.models import Article, Capture, Person, Quote, QuoteProposal
from articles.proposals import (
    KnownPerson,
    _undecided,
    accept_proposal,
    find_quotations,
    propose_quotations,
    propose_quotes_for,
    reject_proposal,
)
from claims.seed_proposals import evaluate_seed_proposals
from core.roles import EDITOR
from core.text import normalise_text
from tests import factories
from tests.admin_forms import read_form
from tests.capture_pages import PARAGRAPHS, article_page

TRUMP = KnownPerson(1, "Donald Trump", ("Trump",))
CALDWELL = KnownPerson(2, "Dan Caldwell")
STOLTENBERG = KnownPerson(3, "Jens Stoltenberg", ("Stoltenberg",))
PEOPLE = [TRUMP, CALDWELL, STOLTENBERG]


def proposals(text, people=PEOPLE):
    found = propose_quotations(text, people)
    for proposal in found:
        assert text[proposal.start : proposal.end] == proposal.text  # offsets are exact
    return found


def only(text, people=PEOPLE):
    [proposal] = proposals(text, people)
    return proposal


# Quotations


def test_curly_and_straight_quotations_are_found_without_the_closing_comma_or_full_stop():
    text = "He called it “a disgrace,” and later \"a mistake.\" She said: 'no'."
    assert [p.text for p in proposals(text)] == ["a disgrace", "a mistake", "no"]


def test_nested_quotations_are_proposed_once_as_the_outer_quotation():
    text = "“He told me ‘never again’ and left,” said Dan Caldwell."
    proposal = only(text)
    assert proposal.text == "He told me ‘never again’ and left"
    assert proposal.person == CALDWELL


@pytest.mark.parametrize(
    "text",
    [
        "‘He told me “never again” and left,’ said Dan Caldwell.",
        "'He told me \"never again\" and left,' said Dan Caldwell.",
    ],
)
def test_british_quotations_single_outside_double_inside_are_proposed_once_as_the_outer(text):
    proposal = only(text)
    assert proposal.text == text[1 : text.index("left") + 4]
    assert proposal.person == CALDWELL


def test_a_british_quotation_then_another_are_two_quotations():
    text = "‘We said “no”,’ said Dan Caldwell. Later he added: ‘It is “over” now.’"
    assert [p.text for p in proposals(text)] == ["We said “no”", "It is “over” now"]


def test_a_quotation_inside_one_of_the_same_marks_is_part_of_it():
    text = "‘He called it ‘a mistake’ on Tuesday,’ said Dan Caldwell."
    assert only(text).text == "He called it ‘a mistake’ on Tuesday"


def test_a_quotation_inside_one_left_open_is_part_of_it():
    text = "The report states: “He told me ‘never again’ and left.\n\nOther news followed."
    assert only(text).text == "He told me ‘never again’ and left"


def test_a_single_mark_left_open_is_no_quotation():
    assert proposals("The ‘special relationship was mentioned, said Dan Caldwell.") == []


def test_apostrophes_are_not_quotation_marks():
    text = "Trump’s allies’ plan, Kyiv's answer and O’Brien's view: “We don’t agree,” Trump said."
    assert only(text).text == "We don’t agree"


def test_a_quotation_left_open_ends_with_its_paragraph():
    text = 'The report states: "Troops would stay in Europe.\n\nOther news followed.'
    proposal = only(text)
    assert proposal.text == "Troops would stay in Europe"
    assert proposal.speaker_label == "The report"


def test_a_quotation_over_paragraphs_takes_the_speaker_given_in_its_last_paragraph():
    text = "“We will stay.\n\n“We will not leave,” said Jens Stoltenberg."
    assert [(p.text, p.person) for p in proposals(text)] == [
        ("We will stay", STOLTENBERG),
        ("We will not leave", STOLTENBERG),
    ]


# Speakers


def test_a_speech_verb_after_the_quotation_names_the_speaker_before_or_after_it():
    assert only("“We are ready,” said Dan Caldwell, a defense expert.").person == CALDWELL
    assert only("“We are ready,” Stoltenberg told reporters.").person == STOLTENBERG


def test_the_subject_of_a_speech_verb_before_the_quotation_is_the_speaker():
    text = "Dan Caldwell, a defense expert familiar with the campaign, told Politico, “No choice.”"
    proposal = only(text)
    assert (proposal.person, proposal.cue) == (CALDWELL, "told")


def test_an_attribution_after_a_question_ending_the_quotation_is_read():
    assert only("“Why now?” Stoltenberg asked.").person == STOLTENBERG


def test_a_quotation_that_is_the_next_sentence_goes_on_with_the_same_speaker():
    first, second = proposals(
        "“We will stay,” Stoltenberg told reporters. “There is no other way.”"
    )
    assert (first.person, second.person) == (STOLTENBERG, STOLTENBERG)
    assert second.cue == "told (the quotation before)"


def test_a_cue_in_the_sentence_before_does_not_speak_for_the_next_one():
    first, second = proposals("Trump said the plan was “dead.” It was “a mistake” from the start.")
    assert (first.person, second.person, second.cue) == (TRUMP, None, "")


def test_a_colon_after_a_name_names_the_speaker():
    assert only("Stoltenberg: “NATO will not be divided.”").person == STOLTENBERG


def test_a_pronoun_is_the_last_person_named_before_it():
    text = "Trump spoke in Philadelphia.\n\nIn June, he vowed to end the war “before I arrive.”"
    assert only(text).person == TRUMP


def test_a_pronoun_with_no_one_named_before_it_has_no_speaker():
    proposal = only("He said the plan was “dead.”")
    assert (proposal.person, proposal.new_speaker, proposal.cue) == (None, "", "said")


def test_a_relative_clause_speaks_for_the_name_it_follows():
    assert only("Trump, who said in June that “we will win,” left.").person == TRUMP


def test_a_participle_takes_the_subject_of_its_sentence():
    text = (
        "Trump criticized the promise, stating that it was a “mistake” and “why this war started.”"
    )
    assert [p.person for p in proposals(text)] == [TRUMP, TRUMP]


def test_according_to_names_the_speaker_or_describes_them():
    proposal = only("Allies “would lose the guarantee,” according to an anonymous official.")
    assert (proposal.person, proposal.speaker_label) == (None, "an anonymous official")


def test_a_surname_alone_is_a_known_person_once_the_text_introduced_them():
    text = "Dan Caldwell joined the team. As Caldwell explained, it means “stepping back.”"
    assert only(text).person == CALDWELL
    assert only("As Caldwell explained, it means “stepping back.”").person is None


KOSINIAK_KAMYSZ = (
    "Defence Minister Władysław Kosiniak-Kamysz visited the base on Tuesday. "
    "“We are ready,” Kosiniak-Kamysz said."
)


def test_a_surname_alone_is_the_new_person_the_text_named_in_full_in_passing():
    proposal = only(KOSINIAK_KAMYSZ)
    assert (proposal.new_speaker, proposal.speaker_label) == ("Władysław Kosiniak-Kamysz", "")
    later = only("Dan Brown, a farmer, lost his barn. “It is gone,” Brown said.", [])
    assert later.new_speaker == "Dan Brown"


def test_a_surname_alone_is_only_a_label_when_it_could_be_another_person():
    two = only("Anna Brown met Dan Brown in June. “It is gone,” Brown said.", [])
    assert (two.new_speaker, two.speaker_label) == ("", "Brown")
    named_after = only("“It is gone,” Brown said. Dan Brown, a farmer, lost his barn.", [])
    assert (named_after.new_speaker, named_after.speaker_label) == ("", "Brown")
    # The archive knows a Caldwell: which one the text means is the editor's to say.
    known = only("Jim Caldwell visited. “It is gone,” Caldwell said.")
    assert (known.person, known.new_speaker, known.speaker_label) == (None, "", "Caldwell")


def test_a_name_printed_without_its_letters_diacritics_is_the_person_known_with_them():
    minister = KnownPerson(4, "Władysław Kosiniak-Kamysz")
    text = KOSINIAK_KAMYSZ.replace("Władysław", "Wladyslaw")
    assert only(text, [minister]).person == minister


def test_an_unknown_name_is_proposed_as_a_new_person():
    proposal = only("“It is over,” said Jane Smith, a spokeswoman for the ministry.")
    assert (proposal.person, proposal.new_speaker) == (None, "Jane Smith")
    assert proposal.as_json()["speaker"] is None  # not a person the archive knows


def test_a_name_that_contains_a_known_alias_is_not_that_person():
    proposal = only("Mary Trump said the family was “divided.”")
    assert (proposal.person, proposal.new_speaker) == (None, "Mary Trump")


def test_a_spokesperson_speaks_for_someone_without_being_them():
    proposal = only("Trump's spokesperson said the report was “fake news.”")
    assert (proposal.person, proposal.speaker_label) == (None, "Trump's spokesperson")
    named = only("Trump's spokesperson Karoline Leavitt said it was “fake news.”")
    assert named.new_speaker == "Karoline Leavitt"


def test_a_name_inside_the_quotation_or_as_its_subject_is_not_the_speaker():
    proposal = only("“Trump will lose,” the agency noted.")
    assert (proposal.person, proposal.speaker_label) == (None, "the agency")
    proposal = only("The other source added that Trump “would be open to a deal.”")
    assert (proposal.person, proposal.speaker_label) == (None, "The other source")


def test_several_speakers_together_are_none_of_them_alone():
    proposal = only("Trump and Stoltenberg said they were “united.”")
    assert (proposal.person, proposal.speaker_label) == (None, "Trump and Stoltenberg")


def test_without_a_cue_there_is_no_speaker():
    for text in ["The so-called “peace plan” was rejected.", "“It is over.”"]:
        proposal = only(text)
        assert (proposal.person, proposal.new_speaker, proposal.speaker_label) == (None, "", "")
        assert proposal.cue == ""


def test_according_to_before_the_quotation_names_the_speaker():
    proposal = only("According to Dan Caldwell, the plan is “dead.”")
    assert (proposal.person, proposal.cue) == (CALDWELL, "according to")


@pytest.mark.parametrize(
    "text, person, label",
    [
        ("Reuters quoted Jens Stoltenberg as saying “we will stay.”", STOLTENBERG, ""),
        ("Reuters quoted NATO chief Jens Stoltenberg as saying “we will stay.”", STOLTENBERG, ""),
        ("Reuters quoted the minister as saying “we will stay.”", None, "the minister"),
        ("Stoltenberg was quoted as saying “we will stay.”", STOLTENBERG, ""),
    ],
)
def test_quoted_as_saying_names_the_one_quoted_or_the_subject(text, person, label):
    proposal = only(text)
    assert (proposal.person, proposal.speaker_label) == (person, label)
    assert proposal.cue == "quoted as saying"


def test_as_saying_without_quoted_names_no_speaker():
    proposal = only("Stoltenberg left the room as saying “we will stay” was enough.")
    assert (proposal.person, proposal.speaker_label, proposal.cue) == (None, "", "")


def test_a_verb_after_an_apposition_takes_the_name_before_it_not_the_sentence_subject():
    assert only("Trump's envoy, Dan Caldwell, said “no.”").person == CALDWELL


def test_a_verb_after_and_takes_the_subject_of_its_sentence():
    proposal = only("Trump met Stoltenberg and said it was “a mistake.”")
    assert (proposal.person, proposal.cue) == (TRUMP, "said")


def test_a_participle_takes_a_pronoun_or_name_after_an_opening_phrase():
    text = (
        "After long talks in Brussels, Trump left.\n\n"
        "On a rainy day in June, he criticized the plan, calling it “a mistake.”"
    )
    assert (only(text).person, only(text).cue) == (TRUMP, "calling")
    assert only("In Brussels, Trump criticized the plan, calling it “a mistake.”").person == TRUMP
    assert only("Today, Trump criticized the plan, calling it “a mistake.”").person == TRUMP


def test_a_participle_after_a_possessive_subject_names_no_speaker():
    proposal = only("Trump's team criticized the plan, calling it “a mistake.”")
    assert (proposal.person, proposal.speaker_label, proposal.cue) == (None, "", "")


def test_a_clause_closing_the_sentence_names_the_speaker():
    text = "It is a “two-tiered alliance” in which some stay, in effect, Stoltenberg said."
    proposal = only(text)
    assert (proposal.person, proposal.cue) == (STOLTENBERG, "said")


def test_a_closing_clause_does_not_reach_into_the_next_sentence():
    text = (
        "It is a “two-tiered alliance” in which some stay, in effect. Stoltenberg said so, later."
    )
    proposal = only(text)
    assert (proposal.person, proposal.speaker_label, proposal.cue) == (None, "", "")


@pytest.mark.parametrize(
    "text, person, label",
    [
        ("“We are ready,” said the agency.", None, "the agency"),
        ("“We are ready,” said a spokesman.", None, "a spokesman"),
        ("“We are ready,” said an official.", None, "an official"),
        ("“We are ready,” said Stoltenberg after the talks.", STOLTENBERG, ""),
        ("Trump spoke. “We are ready,” said he.", TRUMP, ""),
        ("Trump spoke. “We are ready,” said she.", TRUMP, ""),
    ],
)
def test_after_an_inverted_verb_an_article_or_pronoun_starts_the_speaker(text, person, label):
    proposal = next(p for p in proposals(text) if p.text == "We are ready")
    assert (proposal.person, proposal.speaker_label, proposal.cue) == (person, label, "said")


def test_an_inverted_verb_with_no_name_right_after_it_names_no_speaker():
    for text in ["“We are ready,” said.", "“We are ready,” said on Tuesday the agency."]:
        proposal = only(text)
        assert (proposal.person, proposal.speaker_label, proposal.cue) == (None, "", "")


@given(st.text(alphabet="ab Ab.,:!?\n“”‘’\"'«»", max_size=80))
@settings(deadline=None)
def test_every_proposal_is_its_texts_words_at_its_offsets_as_the_archive_stores_them(text):
    text = normalise_text(text)  # as a capture's text is
    for proposal in propose_quotations(text, PEOPLE):
        assert proposal.text == text[proposal.start : proposal.end]
        assert proposal.text == normalise_text(proposal.text) != ""


def test_a_description_or_name_longer_than_a_proposal_holds_is_not_proposed():
    label = f"the {'very' * 80} agency"
    described = only(f"“We are ready,” {label} said.")
    named = only(f"“We are not,” said Jane Q{'u' * 200}incy.")
    for proposal in (described, named):
        assert (proposal.speaker_label, proposal.new_speaker, proposal.cue) == ("", "", "said")


def test_the_cue_of_quotations_going_on_from_one_before_says_so_once():
    text = "“A,” Rutte told reporters. " + " ".join(f"“Part {n}.”" for n in range(1, 30))
    cues = {proposal.cue for proposal in proposals(text)[1:]}
    assert cues == {"told (the quotation before)"}


def test_a_text_without_quotation_marks_has_no_proposals():
    assert find_quotations("Trump's team didn't say. The allies' view is known.") == []


# The seed corpus


def test_on_the_seed_captures_the_curated_quotes_are_proposed_with_their_speakers():
    evaluation = evaluate_seed_proposals()
    assert evaluation.quotes == 21
    assert evaluation.span_recall >= 0.9, evaluation.report()
    assert evaluation.speaker_accuracy >= 0.75, evaluation.report()


def test_the_evaluation_command_prints_the_figures():
    out = StringIO()
    call_command("evaluate_quote_proposals", stdout=out)
    assert "Proposed with their exact span: 21 (100.0%" in out.getvalue()
    assert "of which with the right speaker: 21 (100.0%" in out.getvalue()


# The propose_quotes command


@pytest.mark.django_db
def test_propose_quotes_prints_a_text_captures_proposals_as_json_and_stores_nothing(tmp_path):
    factories.make_person(name="Kevin Roberts")
    capture = tmp_path / "capture.txt"
    first = (
        "A potential deal to end the war was discussed by advisers of the former president, "
        "who met in Washington this week with officials from several allied governments to "
        "weigh what such an agreement could mean for the alliance."
    )
    second = "“I would expect a very quick deal,” said Kevin Roberts, of The Heritage Foundation."
    capture.write_text(f"Copyright © 2024\n{first}\n{second}\n", encoding="utf-8")
    out = StringIO()
    call_command("propose_quotes", "--json", str(capture), stdout=out)
    start = len(f"{first}\n\n“")  # offsets in the text less the copyright line
    assert json.loads(out.getvalue()) == [
        {"text": "I would expect a very quick deal", "start": start, "end": start + 32,
         "speaker": "Kevin Roberts"},
    ]  # fmt: skip
    assert not QuoteProposal.objects.exists()


@pytest.mark.django_db
def test_propose_quotes_reads_the_main_text_of_an_html_page(tmp_path):
    paragraph = (
        "The alliance met in Brussels on Tuesday to discuss its plans for the coming years. "
    )
    page = tmp_path / "page.html"
    page.write_text(
        "<!doctype html><html><head><title>NATO</title></head><body><nav>Home | News</nav>"
        f"<article><h1>NATO meets</h1><p>{paragraph * 3}</p>"
        "<p>“We will not be divided,” said Jens Stoltenberg at the meeting in Brussels.</p>"
        "</article></body></html>",
        encoding="utf-8",
    )
    out = StringIO()
    call_command("propose_quotes", "--json", str(page), stdout=out)
    [row] = json.loads(out.getvalue())
    assert (row["text"], row["speaker"]) == ("We will not be divided", None)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "content, reason",
    [
        (b"\xff\xd8\xff\xe0 not text", "cannot be decoded as utf-8"),
        (
            "The alliance met in Brussels on Tuesday. “We will not be divided,” said Jens "
            "Stoltenberg at the meeting of its foreign ministers and their deputies.".encode(),
            "does not look like an article",
        ),
    ],
)
def test_propose_quotes_refuses_a_file_the_archive_would_refuse_and_says_why(
    tmp_path, content, reason
):
    capture = tmp_path / "capture.txt"
    capture.write_bytes(content)
    with pytest.raises(CommandError, match=reason):
        call_command("propose_quotes", "--json", str(capture))


# Proposals stored for editors


def proposal_article():
    caldwell = factories.make_person(name="Dan Caldwell")
    article = factories.make_article(
        body="“We don’t have a choice,” said Dan Caldwell.\n\n"
        "The agency noted it could “upend decades of policy.”\n\n"
        "“It is over,” said Jane Smith, a spokeswoman."
    )
    return article, caldwell


@pytest.mark.django_db
def test_proposing_stores_proposals_and_makes_no_quote():
    article, caldwell = proposal_article()
    stored = propose_quotes_for(article)
    assert [(p.text, p.speaker, p.new_speaker_name, p.speaker_label) for p in stored] == [
        ("We don’t have a choice", caldwell, "", ""),
        ("upend decades of policy", None, "", "The agency"),
        ("It is over", None, "Jane Smith", ""),
    ]
    assert all(p.status == QuoteProposal.Status.PROPOSED for p in stored)
    assert not Quote.objects.exists()


@pytest.mark.django_db
def test_proposing_again_replaces_waiting_proposals_and_keeps_decided_ones_and_quotes():
    article, _ = proposal_article()
    first, second, _ = propose_quotes_for(article)
    editor = User.objects.create_user("edith")
    QuoteProposal.objects.filter(pk=first.pk).update(status="rejected", decided_by=editor)
    factories.make_quote(article, "It is over", speaker_label="a spokeswoman")
    again = propose_quotes_for(article)
    assert [p.text for p in again] == ["upend decades of policy"]
    assert QuoteProposal.objects.filter(article=article).count() == 2
    assert not QuoteProposal.objects.filter(pk=second.pk).exists()


@pytest.fixture
def editor_client(transactional_db):
    editor = User.objects.create_user("edith", password="a-long-password-1", is_staff=True)
    editor.groups.add(Group.objects.get(name=EDITOR))
    client = Client()
    client.force_login(editor)
    client.editor = editor
    return client


def change_url(proposal):
    return reverse("admin:articles_quoteproposal_change", args=[proposal.pk])


def post_change_form(client, proposal, **changes):
    data = {**read_form(client, change_url(proposal), "quoteproposal_form"), **changes}
    return client.post(change_url(proposal), data)


@pytest.mark.django_db(transaction=True)
def test_an_editor_accepts_a_proposal_and_the_quote_stands_at_its_exact_offsets(editor_client):
    article, caldwell = proposal_article()
    proposal = propose_quotes_for(article)[0]
    response = post_change_form(editor_client, proposal, _accept="Accept")
    assert response.status_code == 302
    quote = Quote.objects.get()
    assert (quote.start_offset, quote.end_offset) == (proposal.start_offset, proposal.end_offset)
    assert article.body[quote.start_offset : quote.end_offset] == "We don’t have a choice"
    assert quote.speaker == caldwell
    assert quote.history.latest().history_user == editor_client.editor
    proposal.refresh_from_db()
    assert (proposal.status, proposal.quote, proposal.decided_by) == (
        "accepted", quote, editor_client.editor,
    )  # fmt: skip
    assert editor_client.get(change_url(proposal)).status_code == 200  # decided: view only
    assert post_change_form(editor_client, proposal, _reject="Reject").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_an_editor_corrects_the_speaker_then_accepts(editor_client):
    article, caldwell = proposal_article()
    proposal = propose_quotes_for(article)[2]  # "It is over": Jane Smith, a new person
    response = post_change_form(editor_client, proposal, speaker=str(caldwell.pk), _accept="Accept")
    assert response.status_code == 302
    assert Quote.objects.get().speaker == caldwell
    assert not Person.objects.filter(name="Jane Smith").exists()


@pytest.mark.django_db(transaction=True)
def test_an_editor_says_how_the_words_reached_the_article_then_accepts(editor_client):
    article, _ = proposal_article()
    proposal = propose_quotes_for(article)[0]
    form = editor_client.get(change_url(proposal)).text
    assert "How the words reached the article" in form and "Not recorded" in form
    response = post_change_form(
        editor_client, proposal, transmission="retold", _accept="Accept",
        transmission_note="Translated from the minister's Polish by the outlet.",
    )  # fmt: skip
    assert response.status_code == 302
    quote = Quote.objects.get()
    assert (quote.transmission, quote.transmission_note) == (
        "retold", "Translated from the minister's Polish by the outlet.",
    )  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_words_attributed_differently_are_not_accepted_without_the_note(editor_client):
    article, _ = proposal_article()
    proposal = propose_quotes_for(article)[0]
    response = post_change_form(
        editor_client, proposal, transmission="attributed_differently", _accept="Accept"
    )
    assert response.status_code == 200
    assert "Say what the original report attributes the words to." in response.text
    assert not Quote.objects.exists()
    assert QuoteProposal.objects.get(pk=proposal.pk).transmission == "unknown"


@pytest.mark.django_db(transaction=True)
def test_accepting_a_proposed_new_person_adds_them(editor_client):
    article, _ = proposal_article()
    proposal = propose_quotes_for(article)[2]
    assert post_change_form(editor_client, proposal, _accept="Accept").status_code == 302
    assert Quote.objects.get().speaker == Person.objects.get(name="Jane Smith")


def jane_smith_twice():
    article = factories.make_article(
        body="“It is over,” said Jane Smith, a spokeswoman.\n\n“There is no deal,” Jane Smith said."
    )
    return propose_quotes_for(article)


@pytest.mark.django_db(transaction=True)
def test_accepting_two_proposals_of_one_new_person_adds_them_once(editor_client):
    proposals = jane_smith_twice()
    assert [p.new_speaker_name for p in proposals] == ["Jane Smith", "Jane Smith"]
    url = reverse("admin:articles_quoteproposal_changelist")
    response = editor_client.post(url, {"action": "accept_selected",
                                        "_selected_action": [p.pk for p in proposals]})  # fmt: skip
    assert response.status_code == 302
    jane = Person.objects.get(name="Jane Smith")
    assert [quote.speaker for quote in Quote.objects.order_by("pk")] == [jane, jane]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "known", [{"name": "Jane Smith"}, {"name": "JANE SMITH"}, {"name": "Jane A. Smith",
              "aliases": ["Jane Smith"]}],
)  # fmt: skip
def test_accepting_a_new_person_known_since_by_that_name_or_alias_reuses_them(known):
    proposal = jane_smith_twice()[0]
    person = factories.make_person(**known)  # added by an editor after the proposals
    editor = User.objects.create_user("edith", password="a-long-password-1", is_staff=True)
    assert accept_proposal(proposal, editor).speaker == person
    assert Person.objects.get() == person


@pytest.mark.django_db(transaction=True)
def test_accepting_a_new_person_named_in_passing_adds_them_with_their_letters_transliterated():
    [proposal] = propose_quotes_for(factories.make_article(body=KOSINIAK_KAMYSZ))
    editor = User.objects.create_user("edith", password="a-long-password-1", is_staff=True)
    minister = accept_proposal(proposal, editor).speaker
    assert (minister.name, minister.slug) == (
        "Władysław Kosiniak-Kamysz", "wladyslaw-kosiniak-kamysz",
    )  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_accepting_a_new_person_whose_name_two_people_have_asks_which_one():
    proposal = jane_smith_twice()[0]
    factories.make_person(name="Jane Smith", description="spokeswoman")
    factories.make_person(name="Jane Smith", description="economist")
    editor = User.objects.create_user("edith", password="a-long-password-1", is_staff=True)
    with pytest.raises(ValidationError, match="2 people are called Jane Smith"):
        accept_proposal(proposal, editor)
    assert Person.objects.count() == 2 and not Quote.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_proposal_without_speaker_or_label_is_not_accepted_and_says_why(editor_client):
    article, _ = proposal_article()
    proposal = propose_quotes_for(article)[1]
    response = post_change_form(editor_client, proposal, speaker_label="", _accept="Accept")
    assert response.status_code == 302
    page = editor_client.get(response.url).text
    assert "Say who said it before accepting" in page
    assert not Quote.objects.exists()
    assert QuoteProposal.objects.get(pk=proposal.pk).status == "proposed"


@pytest.mark.django_db(transaction=True)
def test_an_editor_rejects_a_proposal_and_no_quote_is_made(editor_client):
    article, _ = proposal_article()
    proposal = propose_quotes_for(article)[0]
    assert post_change_form(editor_client, proposal, _reject="Reject").status_code == 302
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by) == ("rejected", editor_client.editor)
    assert not Quote.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_accepting_many_from_the_list_reports_the_one_that_cannot_be(editor_client):
    article, _ = proposal_article()
    stored = propose_quotes_for(article)
    QuoteProposal.objects.filter(pk=stored[1].pk).update(speaker_label="")
    response = editor_client.post(
        reverse("admin:articles_quoteproposal_changelist"),
        {"action": "accept_selected", "_selected_action": [str(p.pk) for p in stored]},
        follow=True,
    )
    assert "2 proposal(s) accepted." in response.text
    assert "Say who said it before accepting" in response.text
    assert Quote.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_an_editor_proposes_quotes_and_claims_again_from_the_article_list(editor_client):
    article, _ = proposal_article()
    response = editor_client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "propose_again", "_selected_action": [str(article.pk)]},
        follow=True,
    )
    assert "3 quote proposal(s) and 1 claim proposal(s) waiting for an editor." in response.text
    assert QuoteProposal.objects.filter(article=article).count() == 3


@pytest.mark.django_db(transaction=True)
def test_the_proposal_list_takes_the_same_queries_however_many_rows(editor_client):
    url = reverse("admin:articles_quoteproposal_changelist")
    for articles in (1, 3):
        for _ in range(articles - QuoteProposal.objects.values("article").distinct().count()):
            propose_quotes_for(proposal_article()[0])
        with CaptureQueriesContext(connection) as queries:
            response = editor_client.get(url)
        assert response.text.count('name="_selected_action"') == 3 * articles
        # The session, the editor, their group's and their own permissions, the articles the
        # filter offers, the count of proposals and of all of them (the list's "show all"), the
        # rows with their article, speaker and deciding editor.
        assert len(queries) == 8


@pytest.mark.django_db(transaction=True)
def test_of_two_editors_correcting_a_proposal_the_second_is_told_not_overwritten(editor_client):
    article, _ = proposal_article()
    proposal = propose_quotes_for(article)[1]
    other = Client()
    other.force_login(User.objects.create_user("olga", is_staff=True, is_superuser=True))
    first = read_form(editor_client, change_url(proposal), "quoteproposal_form")
    second = read_form(other, change_url(proposal), "quoteproposal_form")
    first["speaker_label"] = "the news agency"
    assert editor_client.post(change_url(proposal), first).status_code == 302
    second["speaker_label"] = "Bloomberg"
    response = other.post(change_url(proposal), second)
    assert "Someone else saved this quote proposal after you opened it" in response.text
    assert QuoteProposal.objects.get(pk=proposal.pk).speaker_label == "the news agency"


# Proposals for every capture archived

WORDS = "We will not be divided on Ukraine"
NEW_OPENING = "“Time is short,” said Jane Roe, who opened the meeting with a warning about money."


def archive(paragraphs=PARAGRAPHS):
    return capture_archive(raw=article_page(paragraphs), origin=Capture.Origin.FILE)


@pytest.mark.django_db
def test_archiving_a_capture_proposes_its_quotations_in_its_text():
    archived = archive()
    [proposal] = QuoteProposal.objects.all()
    assert (proposal.article, proposal.capture) == (archived.article, archived.capture)
    assert archived.capture.text[proposal.start_offset : proposal.end_offset] == WORDS
    assert proposal.status == QuoteProposal.Status.PROPOSED


@pytest.mark.django_db
def test_a_new_version_is_proposed_in_its_text_and_words_decided_on_are_not_proposed_again():
    first = archive()
    rejected = QuoteProposal.objects.get()
    reject_proposal(rejected, User.objects.create_user("edith"))
    second = archive([NEW_OPENING, *PARAGRAPHS])
    assert second.outcome == Archived.NEW_VERSION
    [waiting] = QuoteProposal.objects.filter(status=QuoteProposal.Status.PROPOSED)
    assert (waiting.text, waiting.capture) == ("Time is short", second.capture)
    assert QuoteProposal.objects.get(pk=rejected.pk).capture == first.capture


@pytest.mark.django_db
def test_a_proposal_replaced_after_a_newer_capture_is_refused_with_the_reason():
    archive()
    proposal = QuoteProposal.objects.get()
    archive([NEW_OPENING, *PARAGRAPHS])
    with pytest.raises(ValidationError, match="no longer waiting"):
        accept_proposal(proposal, User.objects.create_user("edith"))
    assert not Quote.objects.exists()


@pytest.mark.django_db
def test_accepting_makes_the_quote_in_the_proposals_capture_even_after_a_newer_one():
    first = archive()
    proposal = QuoteProposal.objects.get()
    proposal.speaker_label = "the Secretary General"
    proposal.save()
    # A newer capture that was not proposed on (restored from a backup, say): the words moved.
    newer = Capture.objects.create(
        article=first.article, origin=Capture.Origin.PASTE, raw=b"newer",
        text=f"{NEW_OPENING}\n\n{first.capture.text}", extractor="tests",
    )  # fmt: skip
    first.article.take_text_of_latest_capture()
    quote = accept_proposal(proposal, User.objects.create_user("edith"))
    assert quote.capture == first.capture != newer
    assert (quote.start_offset, quote.end_offset) == (proposal.start_offset, proposal.end_offset)
    assert first.capture.text[quote.start_offset : quote.end_offset] == WORDS


@pytest.mark.django_db(transaction=True)
def test_nothing_of_a_capture_is_stored_when_proposing_fails(monkeypatch):
    def fail(text, people):
        raise RuntimeError("proposing failed")

    monkeypatch.setattr("articles.proposals.propose_quotations", fail)
    with pytest.raises(RuntimeError):
        archive()
    assert not Article.objects.exists()
    assert not Capture.objects.exists()
    assert not QuoteProposal.objects.exists()


# How a quotation goes on, pronouns and subjects, and deciding twice (mutation survivors)


def test_a_paragraph_that_continues_an_open_quotation_keeps_its_speaker():
    text = "Stoltenberg: “We will defend every inch.\n“Allies must spend more.”"
    first, second = proposals(text)
    assert (first.person, second.person) == (STOLTENBERG, STOLTENBERG)
    assert (first.cue, second.cue) == (":", ": (the quotation before)")


def test_a_quotation_later_in_a_sentence_is_not_a_continuation_of_the_one_before():
    text = "“We are ready,” Stoltenberg said. The plan is now “dead in the water.”"
    second = proposals(text)[1]
    assert (second.person, second.new_speaker, second.speaker_label, second.cue) == (
        None, "", "", ""
    )  # fmt: skip


def test_a_closed_quotation_opening_the_next_paragraph_does_not_take_the_speaker_before():
    text = "“We are ready,” Stoltenberg said.\n“The plan is dead.”"
    second = proposals(text)[1]
    assert (second.person, second.cue) == (None, "")


def test_a_quotation_of_its_own_ending_with_a_full_stop_outside_the_marks_continues():
    text = "“We are ready,” Stoltenberg said. “The plan is dead”."
    assert [p.person for p in proposals(text)] == [STOLTENBERG, STOLTENBERG]


def test_a_quotation_followed_by_a_colon_is_not_a_sentence_of_its_own():
    text = "“We are ready,” Stoltenberg said. “Three things matter”:\nSpending, troops and time."
    second = proposals(text)[1]
    assert (second.person, second.cue) == (None, "")


def test_a_pronoun_after_a_new_speaker_is_that_new_speaker():
    text = "“We are ready,” said Jane Smith. “We will stay,” she added."
    first, second = proposals(text)
    assert first.new_speaker == second.new_speaker == "Jane Smith"
    assert second.cue == "added"


def test_a_pronoun_does_not_reach_back_more_than_two_paragraphs():
    text = (
        "Donald Trump spoke in Warsaw.\nThe summit went on.\nAllies met.\n“We are ready,” he said."
    )
    proposal = only(text)
    assert (proposal.person, proposal.new_speaker, proposal.cue) == (None, "", "said")


def test_quoted_as_saying_with_a_name_alone_is_that_person():
    proposal = only("Reuters quoted Stoltenberg as saying “we will stay.”")
    assert (proposal.person, proposal.cue) == (STOLTENBERG, "quoted as saying")


def test_an_age_set_off_by_commas_is_not_part_of_the_subject():
    proposal = only("Stoltenberg, 65, told reporters “We are ready.”")
    assert proposal.person == STOLTENBERG


def test_a_four_letter_subject_is_read_as_it_is():
    proposal = only("Lula told reporters “We are ready.”")
    assert (proposal.person, proposal.speaker_label, proposal.cue) == (None, "Lula", "told")


@pytest.mark.django_db
def test_a_proposal_replaced_since_is_refused_with_the_whole_reason():
    archive()
    proposal = QuoteProposal.objects.get()
    archive([NEW_OPENING, *PARAGRAPHS])
    with pytest.raises(ValidationError) as refused:
        reject_proposal(proposal, User.objects.create_user("edith"))
    assert refused.value.messages == [
        "This proposal is no longer waiting: the article's quotations were proposed again since "
        "(a newer capture, or “Propose quotes and claims again”). Decide on its new proposals."
    ]


@pytest.mark.django_db
def test_deciding_twice_says_who_decided_in_one_query():
    archive()
    proposal = QuoteProposal.objects.get()
    reject_proposal(proposal, User.objects.create_user("edith"))
    with CaptureQueriesContext(connection) as queries, pytest.raises(ValidationError) as refused:
        _undecided(proposal)
    assert refused.value.messages == ["This proposal was already rejected by edith."]
    assert len(queries) == 1


@pytest.mark.django_db
def test_a_waiting_proposal_is_read_with_its_capture_and_speaker():
    archive()
    proposal = QuoteProposal.objects.get()
    proposal.speaker = factories.make_person(name="Jens Stoltenberg")
    proposal.save()
    with CaptureQueriesContext(connection) as queries:
        undecided = _undecided(proposal)
        assert (undecided.capture.pk, undecided.speaker.name) == (
            proposal.capture_id, "Jens Stoltenberg"
        )  # fmt: skip
        assert undecided.decided_by is None
    assert len(queries) == 1


def test_a_surname_alone_after_a_new_speaker_named_in_full_is_that_new_speaker():
    text = "“We are ready,” said Jane Smith. “We will stay,” Smith added."
    second = proposals(text)[1]
    assert (second.new_speaker, second.speaker_label, second.cue) == ("Jane Smith", "", "added")


@pytest.mark.parametrize(
    ("speaker", "new_speaker", "label"),
    [
        ("the White House", "", "White House"),
        ("the Heritage Foundation", "", "Heritage Foundation"),
        ("Defense Secretary Hegseth", "", "Hegseth"),
        ("TV Azteca", "", "TV Azteca"),
        ("George W Bush", "George W Bush", ""),
        ("Ursula von der Leyen", "Ursula von der Leyen", ""),
        ("Anna Maria Lopez Garcia Ruiz", "", "Anna Maria Lopez Garcia Ruiz"),
    ],
)
def test_a_personal_name_is_two_to_four_capitalised_words_of_no_organisation(
    speaker, new_speaker, label
):
    proposal = only(f"“We are ready,” said {speaker}.")
    assert (proposal.person, proposal.new_speaker, proposal.speaker_label) == (
        None, new_speaker, label
    )  # fmt: skip


@pytest.mark.parametrize("words", ["We don’t know", "It is the U.K’s call", "It is the U.K's call"])
def test_an_apostrophe_inside_single_quotation_marks_does_not_close_them(words):
    mark, close = ("‘", "’") if "’" in words else ("'", "'")
    text = f"He said: {mark}{words}.{close}"
    assert [text[q.start : q.end] for q in find_quotations(text)] == [words]


def test_a_guillemet_after_a_space_closes_its_quotation_as_french_typography_sets_it():
    text = "Macron a dit : « Nous sommes prêts »."
    assert [text[q.start : q.end] for q in find_quotations(text)] == ["Nous sommes prêts"]


def test_an_apostrophe_in_the_last_word_of_a_paragraph_does_not_close_a_single_quotation():
    assert find_quotations("The banner read ‘Europe’s\nThe summit went on.") == []


def test_a_closing_clause_is_read_up_to_its_own_comma():
    text = (
        "NATO risks becoming “a two-tiered alliance” in which some pay more, in the view of "
        "many, said Jane Smith, a defense expert."
    )
    proposal = only(text)
    assert (proposal.new_speaker, proposal.speaker_label) == ("Jane Smith", "")
