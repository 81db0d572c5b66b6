"""Where each reporting article reports a claim, and how their tellings differ."""

import datetime
import html
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from articles.models import Article
from claims.models import Appearance, Claim
from claims.reporting import differ_in_spelling, find_terms, hedges_in, outlet_tellings
from tests import factories

pytestmark = pytest.mark.django_db

# Seed claims, found by the words of one of their appearances (statements get corrected).
AID_CLAIM = "Conversely, Russia could face the threat of increased US support for Kyiv"


def seed_claim(words):
    return Claim.objects.for_detail_page().get(appearances__text__contains=words)


def test_every_seed_claim_article_link_is_anchored_in_the_articles_text(seed):
    links = Claim.articles.through.objects.count()
    assert links and Appearance.objects.count() == links
    for appearance in Appearance.objects.select_related("capture", "claim"):
        assert appearance.capture.article_id == appearance.article_id
        text = appearance.capture.text[appearance.start_offset : appearance.end_offset]
        assert text == appearance.text
        assert appearance.claim.articles.filter(pk=appearance.article_id).exists()


def test_words_that_are_not_in_the_article_are_refused(seed):
    appearance = Appearance.objects.first()
    appearance.text = "words the article never printed"
    with pytest.raises(ValidationError, match="not these words"):
        appearance.save()


def test_an_article_reports_a_claim_once(seed):
    appearance = Appearance.objects.first()
    twin = Appearance(
        claim=appearance.claim,
        article=appearance.article,
        text=appearance.text,
        start_offset=appearance.start_offset,
        end_offset=appearance.end_offset,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()


def test_the_cross_outlet_view_shows_both_spans_and_marks_spelling_and_a_dropped_hedge(
    client, seed
):
    claim = seed_claim(AID_CLAIM)
    page = client.get(claim.get_absolute_url()).content.decode()
    words = html.unescape(re.sub(r"<[^>]+>", "", page))
    assert "How outlets reported it" in words
    for appearance in claim.appearances.all():
        assert appearance.text in words
    # Kiev in one capture, Kyiv in the other: each marked as a spelling variant.
    assert re.search(r'<mark class="variant"[^>]*>Kiev</mark>', page)
    assert re.search(r'<mark class="variant"[^>]*>Kyiv</mark>', page)
    # "suggested" (an epistemic verb, a hedge) qualifies one telling; the other states the
    # discussions without it.
    assert re.search(r'<mark class="hedge" title="not in [^"]+">suggested</mark>', page)
    assert "Spelled differently: “Kiev” in" in page


def test_could_against_can_is_a_dropped_hedge_said_beside_the_firmer_word(client, seed):
    # "The deal would also involve negotiations over how much ... Moscow could retain" against
    # "to negotiate ... over how much Ukrainian territory, Moscow can keep".
    claim = seed_claim("Moscow could retain")
    tellings, differences = outlet_tellings(claim)
    marked = {
        piece.text: piece.mark for telling in tellings for piece in telling.pieces if piece.mark
    }
    assert marked == {"could": "hedge"}
    assert any(
        difference.startswith("“could” in Euromaidan Press; not in [Trump plans")
        and difference.endswith("says “can”).")
        for difference in differences
    )
    page = client.get(claim.get_absolute_url()).content.decode()
    assert re.search(r'<mark class="hedge" title="not in [^"]+">could</mark>', page)


def test_may_the_month_and_firm_modals_are_not_hedges():
    assert list(hedges_in("In May he would, and will, and can, but may not.")) == ["may"]
    assert list(hedges_in("It reportedly could happen, Reuters suggested.")) == [
        "reportedly", "could", "suggested",
    ]  # fmt: skip


def test_may_the_month_is_never_a_hedge_wherever_it_stands_and_may_the_modal_always_is():
    assert hedges_in("In May 2024, and again in May, talks stalled.") == {}
    assert hedges_in("Moscow may consider it; they may.") == {"may": [(7, 10), (29, 32)]}


def test_a_name_spelled_two_ways_differs_but_a_shorter_form_of_it_does_not():
    assert differ_in_spelling({"Vladimir Zelensky", "Volodymyr Zelenskyy"})
    assert differ_in_spelling({"Zelensky", "Zelenskyy"})
    assert not differ_in_spelling({"Donald Trump", "Trump"})
    # The longest spelling is found first, and its words are not counted again.
    found = find_terms("Vladimir Zelensky met Zelensky's aides", ["Zelensky", "Vladimir Zelensky"])
    assert found == {"Vladimir Zelensky": [(0, 17)], "Zelensky": [(22, 30)]}


def test_differing_cited_sources_are_said(seed):
    claim = seed_claim(AID_CLAIM)
    appearance = claim.appearances.first()
    appearance.source = None
    appearance.save()
    _, differences = outlet_tellings(Claim.objects.for_detail_page().get(pk=claim.pk))
    assert any("cite different original sources" in d and "no original source" in d
               for d in differences)  # fmt: skip


def test_an_article_without_anchored_words_is_listed_as_not_recorded(client, seed):
    claim = seed_claim(AID_CLAIM)
    claim.articles.add(Article.objects.exclude(reported_claims=claim).first())
    page = client.get(claim.get_absolute_url()).content.decode()
    assert "Where this article reports the claim is not recorded yet." in page


def test_the_claim_page_reads_tellings_in_a_fixed_number_of_queries(
    client, seed, django_assert_max_num_queries
):
    claim = seed_claim(AID_CLAIM)
    # As tests/test_pages.py counts for a claim page, whatever the number of appearances (two
    # here): an appearance's article or source read one by one would go over. Two more: the
    # spelling variants, read when two articles hold the claim's words, and the texts of their
    # articles' captures, to tell words no longer there (claims.changes).
    with django_assert_max_num_queries(7 + 1):
        client.get(claim.get_absolute_url())


def test_read_it_in_the_article_opens_its_capture_at_a_text_fragment(seed):
    appearance = seed_claim(AID_CLAIM).appearances.get(text__contains="Kyiv")
    url = appearance.get_absolute_url()
    assert url.startswith(f"{appearance.capture.get_absolute_url()}#:~:text=")
    assert "re%2Dengage" not in url and "discussions%20among%20the%20advisers" in url


def test_a_claims_export_row_gives_each_articles_words_credit_and_cited_source(client, seed):
    claim = seed_claim(AID_CLAIM)
    row = client.get(reverse("api:claim", kwargs={"pk": claim.pk})).json()
    told = {article["words"]: article for article in row["reporting_articles"]}
    kyiv = next(words for words in told if "Kyiv" in words)
    assert told[kyiv]["credits"] == "According to these sources"
    assert told[kyiv]["cites"] == str(claim.source)


# Each mark on a small archive of three tellings, with the sentences said word for word.


def told_in(claim, words, *, source=None, **article_fields):
    """An article reporting the claim in `words` (its whole text), anchored."""
    article = factories.make_article(body=words, **article_fields)
    claim.articles.add(article)
    Appearance.objects.create(claim=claim, article=article, text=words, start_offset=0,
                              end_offset=len(words), source=source)  # fmt: skip
    return article


def day(*date):
    return {"published_date": datetime.date(*date), "published_date_precision": "day"}


def tellings_of(claim):
    tellings, differences = outlet_tellings(Claim.objects.for_detail_page().get(pk=claim.pk))
    marked = [
        [(piece.text, piece.mark, piece.title) for piece in telling.pieces if piece.mark]
        for telling in tellings
    ]
    return tellings, marked, differences


def test_tellings_run_in_date_order_undated_last_named_by_outlet_or_else_title(db):
    claim = factories.make_claim()
    times = factories.make_outlet(name="The Times")
    told_in(claim, "Talks begin.", title="Undated report", outlet=times)
    told_in(claim, "Talks begin.", title="Wire copy", title_is_supplied=True)  # no outlet
    told_in(claim, "Talks began.", title="Later report", outlet=times, **day(2024, 7, 2))
    told_in(claim, "Talks began.", title="Earlier report",
            outlet=factories.make_outlet(name="The Post"), **day(2024, 7, 1))  # fmt: skip
    tellings, _, _ = tellings_of(claim)
    # Two articles of The Times, and one of no outlet: each is named by its title, a supplied
    # one in brackets.
    assert [telling.name for telling in tellings] == [
        "The Post", "Later report", "Undated report", "[Wire copy]",
    ]  # fmt: skip


def test_kiev_and_kyiv_are_marked_and_said_while_one_spelling_alone_is_not(db):
    claim = factories.make_claim()
    told_in(claim, "Aid to Kiev grows; Odesa waits.", outlet=factories.make_outlet(name="A"))
    told_in(claim, "Aid to Kyiv grows; Odesa waits.", outlet=factories.make_outlet(name="B"))
    _, marked, differences = tellings_of(claim)
    assert marked == [
        [("Kiev", "variant", "spelled Kyiv elsewhere")],
        [("Kyiv", "variant", "spelled Kiev elsewhere")],
    ]
    assert differences == ["Spelled differently: “Kiev” in A; “Kyiv” in B."]


def test_a_name_and_its_shorter_form_are_no_spelling_difference(db):
    trump = factories.make_person(name="Donald Trump", aliases=["Trump"])
    claim = factories.make_claim(actors=[trump])
    told_in(claim, "Donald Trump spoke.", outlet=factories.make_outlet(name="A"))
    told_in(claim, "Trump spoke.", outlet=factories.make_outlet(name="B"))
    _, marked, differences = tellings_of(claim)
    assert marked == [[], []] and differences == []


def test_an_actors_alias_is_a_spelling_of_their_name(db):
    zelensky = factories.make_person(name="Volodymyr Zelensky", aliases=["Zelenskyy"])
    claim = factories.make_claim(actors=[zelensky])
    told_in(claim, "Volodymyr Zelensky spoke.", outlet=factories.make_outlet(name="A"))
    told_in(claim, "Zelenskyy spoke.", outlet=factories.make_outlet(name="B"))
    _, _, differences = tellings_of(claim)
    assert differences == ["Spelled differently: “Volodymyr Zelensky” in A; “Zelenskyy” in B."]


def test_a_dropped_hedge_is_marked_and_said_with_the_firmer_words_of_the_others(db):
    claim = factories.make_claim()
    told_in(claim, "Moscow may keep land, reportedly.", outlet=factories.make_outlet(name="A"))
    told_in(claim, "Moscow will keep land, reportedly.", outlet=factories.make_outlet(name="B"))
    told_in(claim, "Moscow keeps land, reportedly.", outlet=factories.make_outlet(name="C"))
    _, marked, differences = tellings_of(claim)
    # "reportedly" is in every telling: no difference.
    assert marked == [[("may", "hedge", "not in B, C")], [], []]
    assert differences == ["“may” in A; not in B, C (B says “will”)."]


def test_may_the_month_is_no_hedge_to_tell_apart(db):
    claim = factories.make_claim()
    told_in(claim, "Talks ended in May 2024.", outlet=factories.make_outlet(name="A"))
    told_in(claim, "Talks ended in 2024.", outlet=factories.make_outlet(name="B"))
    assert tellings_of(claim)[1:] == ([[], []], [])


def test_one_telling_has_nothing_to_differ_from(db):
    claim = factories.make_claim()
    # Both spellings and a hedge in it: none of them differ from another telling.
    told_in(claim, "Aid to Kiev (Kyiv) may grow.", source=factories.make_source(publisher="P"))
    claim.articles.add(factories.make_article(body="Aid to Kyiv will grow."))  # not anchored
    tellings, marked, differences = tellings_of(claim)
    assert [telling.appearance is None for telling in tellings] == [False, True]
    assert marked == [[], []] and differences == []


def test_differing_cited_sources_are_each_named_and_one_source_is_no_difference(db):
    claim = factories.make_claim()
    politico = factories.make_source(publisher="Politico", title="Politico report")
    told_in(claim, "Talks began.", source=politico, outlet=factories.make_outlet(name="A"))
    told_in(claim, "Talks began.", source=politico, outlet=factories.make_outlet(name="B"))
    assert tellings_of(claim)[2] == []
    told_in(claim, "Talks began.", outlet=factories.make_outlet(name="C"))
    assert tellings_of(claim)[2] == [
        f"They cite different original sources: A cites {politico}; B cites {politico}; "
        "C cites no original source."
    ]


def test_words_an_article_gives_to_someone_else_are_marked_as_attributed_differently(client, db):
    claim = factories.make_claim()
    told_in(claim, "A two-tier NATO is planned.", outlet=factories.make_outlet(name="A"))
    other = told_in(claim, "“two-tier NATO,” he said.", outlet=factories.make_outlet(name="B"))
    note = "Politico gives these words to a former official."
    quote = factories.make_quote(other, "two-tier NATO", transmission="attributed_differently",
                                 transmission_note=note)  # fmt: skip
    claim.evidence.add(quote)
    page = client.get(claim.get_absolute_url()).content.decode()
    assert re.search(r'<mark class="attribution" title="[^"]+">two-tier NATO</mark>', page)
    assert "Attributed differently in" in page


def test_words_given_to_someone_else_are_marked_only_in_their_own_article(db):
    claim = factories.make_claim()
    told_in(claim, "A two-tier NATO is planned.", outlet=factories.make_outlet(name="A"))
    other = told_in(claim, "two-tier NATO, he said.", outlet=factories.make_outlet(name="B"))
    note = "Politico gives these words to a former official."
    quote = factories.make_quote(other, "two-tier NATO", transmission="attributed_differently",
                                 transmission_note=note)  # fmt: skip
    claim.evidence.add(quote, factories.make_quote(other, "he said"))  # transmission unknown
    _, marked, differences = tellings_of(claim)
    assert marked == [[], [("two-tier NATO", "attribution", note)]]
    assert differences == [f"Attributed differently in B: “two-tier NATO”. {note}"]


def test_the_pieces_of_a_telling_are_its_words_in_order_with_no_empty_piece(db):
    claim = factories.make_claim()
    told_in(claim, "Kiev asks; Kiev", outlet=factories.make_outlet(name="A"))
    told_in(claim, "Kyiv asks; Kyiv", outlet=factories.make_outlet(name="B"))
    tellings, _, _ = tellings_of(claim)
    # Marked words open and close the text: no empty stretch before or after them.
    assert [(piece.text, piece.mark) for piece in tellings[0].pieces] == [
        ("Kiev", "variant"), (" asks; ", ""), ("Kiev", "variant"),
    ]  # fmt: skip


def test_a_hedge_inside_words_given_to_someone_else_leaves_the_marks_after_it(db):
    claim = factories.make_claim()
    told_in(claim, "Moscow would keep land, aid to Kyiv.", outlet=factories.make_outlet(name="A"))
    other = told_in(claim, "Moscow could keep land, aid to Kiev.",
                    outlet=factories.make_outlet(name="B"))  # fmt: skip
    note = "Politico gives these words to an adviser."
    claim.evidence.add(factories.make_quote(other, "Moscow could keep land",
                                            transmission="attributed_differently",
                                            transmission_note=note))  # fmt: skip
    _, marked, _ = tellings_of(claim)
    # "could" stands inside the attributed words: their mark stands, and Kiev's after them too.
    assert marked[1] == [
        ("Moscow could keep land", "attribution", note),
        ("Kiev", "variant", "spelled Kyiv elsewhere"),
    ]


def test_spellings_are_found_whatever_their_case():
    assert find_terms("KIEV and kyiv", ["Kiev", "Kyiv"]) == {"KIEV": [(0, 4)], "kyiv": [(9, 13)]}


def test_spellings_that_touch_are_each_found_and_only_overlapping_ones_are_not():
    # The longer spelling first, then the shorter one just before and just after it.
    # (Spellings that begin and end in punctuation: the only ones that can touch.)
    assert find_terms("(US)(U.S.A.)(US)", ["(US)", "(U.S.A.)"]) == {
        "(U.S.A.)": [(4, 12)], "(US)": [(0, 4), (12, 16)],
    }  # fmt: skip
    assert find_terms("(U.S.A.)", ["(US)", "(U.S.A.)", "U.S.A"]) == {"(U.S.A.)": [(0, 8)]}


def test_sharp_s_and_ss_are_two_spellings():
    assert differ_in_spelling({"Straße", "Strasse"})


def test_each_tellings_words_link_to_the_capture_they_were_read_in(client, seed):
    claim = seed_claim(AID_CLAIM)
    page = client.get(claim.get_absolute_url()).content.decode()
    for appearance in Appearance.objects.filter(claim=claim):
        assert f'<a href="{html.escape(appearance.get_absolute_url())}">Read it' in page
