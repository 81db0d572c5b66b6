"""Changes that matter between versions of an article (issue #23): each new version classified
against the one before, words no longer there flagged on their pages, the changes page leading
with a line for each version."""

import datetime

import pytest
from django.urls import reverse

from articles.capture import Archived, capture_archive
from articles.changes import summary
from articles.models import Article, Capture
from claims.models import Appearance
from tests import factories
from tests.capture_pages import PARAGRAPHS, article_page

pytestmark = pytest.mark.django_db

FIRST_DAY = datetime.datetime(2024, 7, 2, 12, 0, tzinfo=datetime.UTC)
NEXT_DAY = FIRST_DAY + datetime.timedelta(days=1)
QUOTED = "We will not be divided on Ukraine"  # in the second paragraph


def archive(page, retrieved_at):
    return capture_archive(raw=page, origin=Capture.Origin.URL, retrieved_at=retrieved_at,
                           url="https://daily.example.org/news/allies-argue")  # fmt: skip


def first_then(page):
    """The article archived on the first day, then `page` archived the next day: the second."""
    archive(article_page(), FIRST_DAY)
    return archive(page, NEXT_DAY)


def test_a_rewritten_headline_with_the_same_text_is_a_new_version():
    second = first_then(article_page(title="Allies agree on Ukraine aid in Brussels"))
    assert second.outcome == Archived.NEW_VERSION
    changes = second.capture.changes
    assert changes["headline"] == [
        "Allies argue over Ukraine aid in Brussels",
        "Allies agree on Ukraine aid in Brussels",
    ]
    assert "byline" not in changes and "published" not in changes
    assert summary(changes).startswith("Headline changed · ")


def test_a_new_byline_is_a_new_version():
    changes = first_then(article_page(author="John Doe")).capture.changes
    assert "headline" not in changes
    assert changes["byline"][1] == "John Doe"
    assert "Byline changed" in summary(changes)


def test_a_new_published_date_is_a_new_version():
    changes = first_then(article_page(date="2024-07-03")).capture.changes
    assert changes["published"] == ["2 July 2024", "3 July 2024"]
    assert summary(changes) == "Date changed · The same text"


def test_paragraphs_added_and_removed_are_counted():
    added = [
        "A first paragraph added at the end, about the summit in July and what it decides.",
        "A second one, about the ammunition that the alliance's members promised to send.",
    ]
    changes = first_then(article_page([PARAGRAPHS[0], PARAGRAPHS[2], *added])).capture.changes
    assert (changes["paragraphs_added"], changes["paragraphs_removed"]) == (2, 1)
    assert 0.3 < changes["text_changed"] < 0.7
    line = summary(changes)
    assert line.startswith("2 paragraphs added · 1 paragraph removed · ")
    assert f"{round(changes['text_changed'] * 100)}% of the text changed" in line


def test_an_edited_paragraph_is_neither_added_nor_removed():
    edited = PARAGRAPHS[2].replace("July", "August")
    changes = first_then(article_page([*PARAGRAPHS[:2], edited])).capture.changes
    assert (changes["paragraphs_added"], changes["paragraphs_removed"]) == (0, 0)
    assert summary(changes) == "1% of the text changed"


def test_a_boilerplate_only_change_is_no_new_version():
    first = archive(article_page(), FIRST_DAY)
    page = article_page().replace(b"<footer>", b"<div>An advertisement</div><footer>")
    again = archive(page.replace(b"Markets fall", b"Stocks rise"), NEXT_DAY)
    assert again.outcome == Archived.UNCHANGED
    assert again.capture == first.capture
    assert first.article.captures.count() == 1


def quote_in(article):
    article.refresh_from_db()
    return factories.make_quote(article, QUOTED, speaker_label="the Secretary General")


def test_a_quote_whose_words_are_removed_says_so_on_its_page(client):
    first = archive(article_page(), FIRST_DAY)
    quote = quote_in(first.article)
    second = archive(article_page([PARAGRAPHS[0], PARAGRAPHS[2]]), NEXT_DAY)
    assert second.capture.changes["gone"] == {"articles.quote": [quote.pk]}
    assert summary(second.capture.changes).endswith(" · 1 quote no longer there")
    flag = (
        '<span class="vanished">No longer in the article since 3 July 2024 <span class="muted">'
        f'(<a href="{first.capture.get_absolute_url()}">last in the capture of 2024-07-02 12:00 '
        "UTC (retrieved by URL)</a>)</span></span>"
    )
    quote_page = client.get(quote.get_absolute_url(), follow=True).content.decode()
    assert flag in quote_page
    article_page_now = client.get(first.article.get_absolute_url()).content.decode()
    assert "No longer in the article</h2>" in article_page_now
    assert f"quote by the Secretary General</span>: {flag}" in article_page_now


def test_a_quote_still_in_the_latest_version_is_not_flagged(client):
    first = archive(article_page(), FIRST_DAY)
    quote = quote_in(first.article)
    second = archive(article_page([*PARAGRAPHS, "A paragraph added later."]), NEXT_DAY)
    assert second.capture.changes["gone"] == {}
    page = client.get(quote.get_absolute_url(), follow=True).content.decode()
    assert "No longer in the article" not in page


def test_words_back_in_a_later_version_are_no_longer_flagged(client):
    first = archive(article_page(), FIRST_DAY)
    quote = quote_in(first.article)
    archive(article_page([PARAGRAPHS[0], PARAGRAPHS[2]]), NEXT_DAY)
    archive(article_page([*PARAGRAPHS, "Restored."]), NEXT_DAY + datetime.timedelta(days=1))
    page = client.get(quote.get_absolute_url(), follow=True).content.decode()
    assert "No longer in the article" not in page


def test_an_appearance_whose_words_are_removed_says_so_on_the_claim_page(client):
    first = archive(article_page(), FIRST_DAY)
    claim = factories.make_claim(articles=[first.article])
    words = "a decision is now expected at the summit in July"  # in the third paragraph
    appearance = Appearance.objects.create(
        claim=claim,
        article=first.article,
        text=words,
        start_offset=first.capture.text.index(words),
        end_offset=first.capture.text.index(words) + len(words),
    )
    second = archive(article_page(PARAGRAPHS[:2]), NEXT_DAY)
    assert second.capture.changes["gone"] == {"claims.appearance": [appearance.pk]}
    assert summary(second.capture.changes).endswith(" · 1 appearance no longer there")
    page = client.get(claim.get_absolute_url()).content.decode()
    assert "No longer in the article since 3 July 2024" in page
    assert f'href="{first.capture.get_absolute_url()}">last in the capture of' in page
    article_page_now = client.get(first.article.get_absolute_url()).content.decode()
    assert f"reporting the claim “{claim.statement}”</span>: " in article_page_now


def test_the_changes_page_leads_with_a_line_for_each_version(client):
    first = archive(article_page(), FIRST_DAY)
    second = archive(article_page([*PARAGRAPHS[:2]], title="Allies agree"), NEXT_DAY)
    page = client.get(reverse("articles:changes", args=[first.article.pk])).content.decode()
    line = summary(second.capture.changes)
    assert line.startswith("Headline changed · 1 paragraph removed · ")
    latest_line = page.index(f'<span class="version-summary">{line}</span>')
    first_line = page.index('<span class="version-summary">The first version archived</span>')
    assert latest_line < first_line < page.index('<div class="article-body diff">')
    word_by_word = f"?old={first.capture.pk}&amp;new={second.capture.pk}"
    assert f'<a href="{word_by_word}">what changed, word by word</a>' in page


def test_the_changes_page_summarises_the_two_captures_compared(client):
    first = archive(article_page(), FIRST_DAY)
    archive(article_page([*PARAGRAPHS, "Added."]), NEXT_DAY)
    third = archive(
        article_page([*PARAGRAPHS, "Added.", "And more."]), NEXT_DAY + datetime.timedelta(hours=1)
    )
    url = reverse("articles:changes", args=[first.article.pk])
    page = client.get(url).content.decode()
    assert '<p class="version-summary">2 paragraphs added · ' in page  # the first to the latest
    page = client.get(url, {"old": third.capture.pk, "new": third.capture.pk}).content.decode()
    assert "These are the same capture" in page


def test_a_capture_archived_before_metadata_was_recorded_is_read_again_from_its_bytes():
    first = archive(article_page(), FIRST_DAY)
    Capture.objects.filter(pk=first.capture.pk).update(metadata=None)
    second = archive(article_page(title="Allies agree on Ukraine aid"), NEXT_DAY)
    assert second.outcome == Archived.NEW_VERSION
    assert second.capture.changes["headline"][1] == "Allies agree on Ukraine aid"
    first.capture.refresh_from_db()
    assert first.capture.metadata["headline"] == "Allies argue over Ukraine aid in Brussels"


def test_a_capture_retrieved_between_two_versions_is_classified_and_so_is_the_next():
    first = archive(article_page(), FIRST_DAY)
    latest = archive(article_page([*PARAGRAPHS, "One.", "Two."]), NEXT_DAY)
    between = archive(article_page([*PARAGRAPHS, "One."]), FIRST_DAY + datetime.timedelta(hours=1))
    assert between.outcome == Archived.NEW_VERSION
    assert between.capture.changes["previous"] == first.capture.pk
    assert between.capture.changes["paragraphs_added"] == 1
    latest.capture.refresh_from_db()
    assert latest.capture.changes["previous"] == between.capture.pk
    assert latest.capture.changes["paragraphs_added"] == 1


def test_a_first_capture_has_no_changes_and_its_metadata():
    first = archive(article_page(), FIRST_DAY)
    assert first.capture.changes is None
    assert Article.objects.get().captures.get().metadata == {
        "headline": "Allies argue over Ukraine aid in Brussels",
        "byline": "Jane Roe",
        "published": {"date": "2024-07-02", "precision": "day"},
    }
