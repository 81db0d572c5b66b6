"""Captures enter the archive through capture_archive(): extracted honestly, stored once, and kept
as versions of their article, with quotes anchored in the capture they were taken from."""

import contextlib
import datetime
import hashlib
import html
import importlib
import re
import threading

import pytest
from django.apps import apps as django_apps
from django.db import connection, transaction

from articles import capture as capture_module
from articles.capture import Archived, capture_archive, delete_capture, preview
from articles.extraction import MAX_CAPTURE_BYTES, CaptureRefused, extract
from articles.models import Article, Capture, Outlet, Quote
from core.versions import word_diff
from tests import factories
from tests.capture_pages import PARAGRAPHS, article_page

pytestmark = pytest.mark.django_db

RETRIEVED = datetime.datetime(2024, 7, 2, 12, 0, tzinfo=datetime.UTC)
TEXT = (
    "Allies argue over Ukraine aid\n\n"
    "date 2024-07-03 " + "\n\n".join(PARAGRAPHS) + "\n\nCopyright © 2024 The Daily Example\n"
)


def archive_page(page=None, **fields):
    return capture_archive(raw=page or article_page(), origin=Capture.Origin.FILE, **fields)


def test_an_html_page_archives_into_an_article_with_its_title_text_date_and_provenance():
    outlet = factories.make_outlet(name="The Daily Example")
    archived = archive_page(url="https://daily.example.org/news/allies-argue?ref=home",
                            retrieved_at=RETRIEVED)  # fmt: skip
    assert archived.outcome == Archived.ARCHIVED
    article, capture = archived.article, archived.capture
    assert article.title == "Allies argue over Ukraine aid in Brussels"
    assert not article.title_is_supplied
    assert article.byline == "Jane Roe"
    assert (article.published_date, article.published_date_precision) == (
        datetime.date(2024, 7, 2), "day",
    )  # fmt: skip
    assert article.outlet == outlet  # the site the page names
    assert article.url == "https://daily.example.org/news/allies-argue"  # its canonical URL
    assert article.body == capture.text == "\n\n".join(PARAGRAPHS)
    assert bytes(capture.raw) == article_page()
    assert capture.sha256 == hashlib.sha256(article_page()).hexdigest()
    assert capture.request_url == "https://daily.example.org/news/allies-argue?ref=home"
    assert capture.retrieved_at == RETRIEVED
    assert capture.content_type == "text/html"
    assert capture.extractor.startswith("trafilatura")
    removed = {piece["text"]: piece["reason"] for piece in capture.removed_boilerplate}
    assert removed["Allies argue over Ukraine aid in Brussels"] == "headline"
    assert removed["By Jane Roe"] == "byline"
    assert "Subscribe to our newsletter for the day's news in your inbox." in removed
    assert article.provenance_note == ""  # the page says everything


def test_what_a_page_does_not_say_stays_unknown_with_the_reason():
    page = article_page(date=None, author=None, site=None, canonical=None)
    archived = archive_page(page)
    article = archived.article
    assert article.published_date is None and article.published_date_precision == "unknown"
    assert article.byline == "" and article.outlet is None and article.url is None
    note = article.provenance_note
    assert "Date: the page gives no publication date" in note
    assert "Byline: the page names no author" in note
    assert "Outlet: the capture does not say which outlet" in note
    assert "URL: the capture gives none" in note


def test_a_site_the_archive_does_not_know_is_named_in_the_provenance_not_added():
    article = archive_page().article
    assert article.outlet is None and not Outlet.objects.exists()
    assert "names its site “The Daily Example”" in article.provenance_note


def test_an_articles_page_says_why_its_outlet_is_unknown_and_gives_readers_no_editors_to_do(
    client,
):
    article = archive_page().article
    page = client.get(article.get_absolute_url()).text
    assert '<dt>Outlet</dt><dd><span class="muted">unknown</span></dd>' in page
    provenance = page[page.index('<section class="provenance">') :]
    provenance = provenance[: provenance.index("</section>")]
    assert (
        "Outlet: the page names its site “The Daily Example”, which is not one of the "
        "archive&#x27;s outlets." in provenance
    )
    for to_do in ["choose", "add it", "yet"]:
        assert to_do not in provenance


def test_notes_stored_with_the_editors_to_do_are_migrated_to_the_fact():
    migration = importlib.import_module(
        "articles.migrations.0013_provenance_notes_without_editors_to_do"
    )
    stored = factories.make_article(
        provenance_note="Byline: the page names no author.\nOutlet: the page names its site "
        "“The Kyiv Ledger”, which is no outlet of the archive yet; choose or add it."
    )
    migration.drop_the_to_do(django_apps, None)
    stored.refresh_from_db()
    assert stored.provenance_note == (
        "Byline: the page names no author.\nOutlet: the page names its site “The Kyiv Ledger”, "
        "which is not one of the archive's outlets."
    )


def test_an_outlet_named_by_the_archivist_is_added_with_the_article():
    article = archive_page(outlet="Daily Example Ltd").article
    assert article.outlet.name == "Daily Example Ltd"


def test_plain_text_is_cleaned_by_the_archives_rules_and_its_date_stamp_read():
    archived = capture_archive(raw=TEXT.encode(), origin=Capture.Origin.PASTE,
                               title="Allies argue over Ukraine aid")  # fmt: skip
    article, capture = archived.article, archived.capture
    assert capture.text == "\n\n".join(PARAGRAPHS)
    assert not article.title_is_supplied  # the headline stands in the text
    assert article.published_display == "3 July 2024"
    reasons = {piece["reason"] for piece in capture.removed_boilerplate}
    assert reasons == {"headline", "date stamp", "copyright notice"}
    assert capture.extractor == "plain-text rules (articles.cleaning)"


def test_plain_text_without_a_title_gets_one_in_brackets_and_says_why():
    article = capture_archive(raw=TEXT.encode(), origin=Capture.Origin.PASTE).article
    assert article.title_is_supplied and article.display_title.startswith("[")
    assert "Title: plain text marks no headline" in article.provenance_note


@pytest.mark.parametrize(
    ("raw", "content_type", "message"),
    [
        (b"", "", "empty"),
        (b"   \n\n  ", "text/plain", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "", "binary"),
        ("Caf\u00e9 au lait".encode("latin-1") * 30, "text/plain", "cannot be decoded as utf-8"),
        (b"Some words." * 40, "text/plain; charset=klingon", "unknown encoding"),
        (b"<html><body><ul><li>Home</li><li>News</li></ul></body></html>", "", "not look like"),
        (
            b"A note of a dozen words or so, in one line longer than seventy characters.",
            "text/plain",
            "not look like an article",
        ),
        (b"%PDF-1.7 ...", "application/pdf", "only HTML pages and plain text"),
    ],
)
def test_bytes_the_archive_cannot_take_are_refused_with_the_reason(raw, content_type, message):
    with pytest.raises(CaptureRefused, match=message):
        capture_archive(raw=raw, origin=Capture.Origin.FILE, content_type=content_type)
    assert not Article.objects.exists() and not Capture.objects.exists()


def test_a_capture_larger_than_the_cap_is_refused():
    with pytest.raises(CaptureRefused, match="too large"):
        extract(b"a " * (MAX_CAPTURE_BYTES // 2 + 1))


def test_a_duplicate_is_reported_and_not_stored():
    first = archive_page()
    again = archive_page(url="https://elsewhere.example.org/copy")
    assert again.outcome == Archived.DUPLICATE and not again.stored
    assert again.capture == first.capture and again.article == first.article
    assert Capture.objects.count() == Article.objects.count() == 1


def test_a_changed_page_makes_a_second_capture_and_the_body_follows_it():
    first = archive_page(url="https://daily.example.org/news/allies-argue", retrieved_at=RETRIEVED)
    changed = [*PARAGRAPHS[:2], "A decision was taken late on Tuesday after all, officials said."]
    later = RETRIEVED + datetime.timedelta(days=1)
    second = archive_page(article_page(changed), url="https://daily.example.org/news/allies-argue",
                          retrieved_at=later)  # fmt: skip
    assert second.outcome == Archived.NEW_VERSION
    assert second.article == first.article
    article = Article.objects.get()
    assert article.captures.count() == 2
    assert article.latest_capture == second.capture
    assert article.body == second.capture.text  # search and the explorer read the latest text
    assert list(Article.objects.changed_since_first_capture()) == [article]


def test_the_same_text_in_new_bytes_is_unchanged_and_not_stored():
    first = archive_page()
    # A new advertisement slot, say: other bytes, the same article.
    same = article_page().replace(b"<footer>", b"<div class='ad'>Ad</div><footer>")
    again = archive_page(same)
    assert again.outcome == Archived.UNCHANGED and again.capture == first.capture
    assert Capture.objects.count() == 1
    assert not Article.objects.changed_since_first_capture().exists()


def test_quotes_keep_their_offsets_and_text_across_a_new_capture():
    first = archive_page()
    words = "We will not be divided on Ukraine"
    quote = factories.make_quote(first.article, words)
    assert quote.capture == first.capture
    changed = ["A new opening paragraph pushes everything down a few hundred characters.",
               *PARAGRAPHS]  # fmt: skip
    second = archive_page(article_page(changed))
    assert second.outcome == Archived.NEW_VERSION
    quote.refresh_from_db()
    assert quote.capture == first.capture
    assert quote.capture.text[quote.start_offset : quote.end_offset] == words
    assert second.capture.text.index(words) != quote.start_offset
    # A quote added now is read in the latest text.
    new_quote = factories.make_quote(Article.objects.get(), "A new opening paragraph")
    assert new_quote.capture == second.capture


def test_nothing_is_half_written_when_storing_fails(monkeypatch):
    def fail(article):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(Article, "take_text_of_latest_capture", fail)
    with pytest.raises(RuntimeError), transaction.atomic():
        archive_page(outlet="A new outlet")
    assert not Article.objects.exists()
    assert not Capture.objects.exists()
    assert not Outlet.objects.exists()


def test_a_capture_with_quotes_or_its_articles_only_capture_is_not_deleted():
    first = archive_page()
    with pytest.raises(CaptureRefused, match="only capture"):
        delete_capture(first.capture)
    second = archive_page(article_page(["An added paragraph that changes the text.", *PARAGRAPHS]))
    factories.make_quote(first.article, "We will not be divided on Ukraine", capture=first.capture)
    with pytest.raises(CaptureRefused, match="Quotes are anchored"):
        delete_capture(first.capture)
    Quote.objects.all().delete()
    delete_capture(second.capture)
    assert Article.objects.get().body == first.capture.text


@pytest.mark.parametrize("field", ["url", "final_url"])
def test_an_address_longer_than_the_archive_holds_is_refused(field):
    with pytest.raises(CaptureRefused, match="longer than 2000 characters"):
        archive_page(**{field: "https://daily.example.org/" + "a" * 1975})  # 2001 characters
    assert not Capture.objects.exists()
    assert archive_page(**{field: "https://daily.example.org/" + "a" * 1974}).stored


def test_a_canonical_url_longer_than_the_archive_holds_is_noted_and_the_address_kept_instead():
    page = article_page(canonical="https://daily.example.org/" + "a" * 1975)
    article = archive_page(page, url="https://daily.example.org/short").article
    assert article.url == "https://daily.example.org/short"
    assert "URL: the page's canonical URL is longer than 2000 characters." in (
        article.provenance_note
    )


def test_the_outlet_a_page_names_is_found_whatever_its_case_and_a_named_one_is_trimmed():
    outlet = factories.make_outlet(name="the daily EXAMPLE")
    assert archive_page().article.outlet == outlet
    other = archive_page(article_page(["Another story.", *PARAGRAPHS],
                                      canonical="https://other.example.org/story"),
                         outlet="  Another Outlet ")  # fmt: skip
    assert other.article.outlet.name == "Another Outlet"


def test_a_page_retrieved_again_from_an_address_of_an_earlier_capture_is_a_version_of_it():
    address = "https://daily.example.org/2024/07/02/allies"  # redirected to, not canonical
    first = archive_page(url=f"{address}?from=feed", final_url=address)
    assert first.article.url == "https://daily.example.org/news/allies-argue"
    # Pages that name no canonical URL, retrieved from where the first capture was redirected...
    again = archive_page(article_page([*PARAGRAPHS, "One."], canonical=None), url=address)
    # ... or redirected from where it was retrieved.
    redirected = archive_page(
        article_page([*PARAGRAPHS, "Two."], canonical=None),
        url="https://short.example/a",
        final_url=f"{address}?from=feed",
    )
    assert again.outcome == redirected.outcome == Archived.NEW_VERSION
    assert again.article == redirected.article == first.article
    elsewhere = archive_page(article_page(["Three.", *PARAGRAPHS], canonical=None),
                             url=f"{address}-2")  # fmt: skip
    assert elsewhere.outcome == Archived.ARCHIVED


def test_what_capture_archive_did_is_said_in_words():
    first = archive_page(retrieved_at=RETRIEVED)
    title = "Allies argue over Ukraine aid in Brussels"
    assert first.stored and str(first) == f"archived as a new article: {title}"
    duplicate = archive_page(retrieved_at=RETRIEVED)
    assert not duplicate.stored and str(duplicate) == (
        "a duplicate of the capture of 2024-07-02 12:00 UTC (uploaded or read from a file) "
        f"of {title}; nothing stored"
    )
    same = archive_page(article_page().replace(b"<footer>", b"<div>Ad</div><footer>"))
    assert not same.stored and str(same).startswith("unchanged since the capture of 2024-07-02")
    later = RETRIEVED + datetime.timedelta(days=1)
    changed = archive_page(article_page([*PARAGRAPHS, "An added paragraph."]), retrieved_at=later)
    assert changed.stored
    assert str(changed) == (
        f"archived as a new version of: {title} (1 paragraph added · 2% of the text changed)"
    )


def test_a_capture_named_mid_sentence_keeps_the_capitals_of_utc_and_url(client):
    article = factories.make_article(retrieved_at=RETRIEVED)
    Capture.objects.filter(article=article).update(origin=Capture.Origin.URL)
    quote = factories.make_quote(article, "I would expect a very quick deal")
    page = client.get(quote.get_absolute_url(), follow=True).text
    assert "of the text of the capture of 2024-07-02 12:00 UTC (retrieved by URL), below" in page
    assert str(article.captures.get()) == "Capture of 2024-07-02 12:00 UTC (retrieved by URL)"


def paragraphs(text):
    """A text's paragraphs, each with its spaces collapsed."""
    return [" ".join(part.split()) for part in re.split(r"\n\s*\n", text) if part.strip()]


def test_the_changes_between_captures_keep_the_articles_paragraphs(client):
    first = archive_page(retrieved_at=RETRIEVED)
    changed = ["An added paragraph.", PARAGRAPHS[0], PARAGRAPHS[1].replace("divided", "split")]
    second = archive_page(article_page(changed), retrieved_at=RETRIEVED + datetime.timedelta(1))
    page = client.get(f"/articles/{first.article.pk}/captures/changes/").text
    diff = page[page.index('<div class="article-body diff">') :]
    diff = html.unescape(diff[: diff.index("</div>")])
    as_new = re.sub(r"<[^>]+>", "", re.sub(r"<del>.*?</del>", "", diff, flags=re.S))
    as_old = re.sub(r"<[^>]+>", "", re.sub(r"<ins>.*?</ins>", "", diff, flags=re.S))
    assert paragraphs(as_new) == paragraphs(second.capture.text) == changed
    assert paragraphs(as_old) == paragraphs(first.capture.text) == PARAGRAPHS
    assert "Words struck through were in the capture of 2024-07-02 12:00 UTC" in page


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("One two.\n\nThree four.", "One two.\n\nThree five."),  # a paragraph's last word
        ("One two.\n\nThree four.", "One two. Three four."),  # paragraphs joined
        ("One two. Three four.", "One two.\n\nThree four."),  # a paragraph split
        ("One.\n\nTwo.\n\nThree.", "One.\n\nThree."),  # a paragraph taken out
        ("One.\n\nThree.", "Zero.\n\nOne.\n\nTwo.\n\nThree four."),  # paragraphs put in
    ],
)
def test_a_diff_read_either_way_has_each_texts_paragraphs(old, new):
    runs = word_diff(old, new)
    as_new = "".join(("" if run.kind == "removed" else run.words) + run.after for run in runs)
    as_old = "".join(("" if run.kind == "added" else run.words) + run.after for run in runs)
    assert paragraphs(as_new) == paragraphs(new)
    assert paragraphs(as_old) == paragraphs(old)


def test_checking_whether_a_capture_may_be_deleted_deletes_nothing():
    first = archive_page()
    archive_page(article_page(["An added paragraph that changes the text.", *PARAGRAPHS]))
    delete_capture(first.capture, check_only=True)
    assert Capture.objects.count() == 2


def test_the_article_page_shows_a_quotes_own_capture_and_lists_the_others(client):
    first = archive_page()
    quote = factories.make_quote(first.article, "We will not be divided on Ukraine")
    changed = ["The Secretary General's words were later corrected by his office.", *PARAGRAPHS]
    second = archive_page(article_page(changed))
    url = first.article.get_absolute_url()

    latest = client.get(url).text
    assert "The latest capture" in latest
    assert "were later corrected" in latest  # the latest text
    assert "Quotes in other captures" in latest and quote.get_absolute_url() in latest
    assert f'href="/articles/{first.article.pk}/captures/changes/"' in latest

    at_quote = client.get(client.get(quote.get_absolute_url()).url).text
    assert "An earlier capture" in at_quote and "were later corrected" not in at_quote
    assert f'id="quote-{quote.pk}"' in at_quote

    chosen = client.get(url, {"capture": second.capture.pk}, follow=True).text  # its own page
    assert "were later corrected" in chosen


@pytest.mark.parametrize(
    ("path", "query", "message"),
    [
        ("article", {"capture": "999"}, "This article has no capture 999."),
        ("article", {"capture": "abc"}, "capture: Enter a whole number."),
        ("changes", {"old": "999"}, "old: There is no capture 999."),
        ("changes", {"new": "x"}, "new: There is no capture x."),
    ],
)
def test_bad_capture_parameters_get_a_400_that_says_what_is_wrong(client, path, query, message):
    article = archive_page().article
    url = {"article": article.get_absolute_url(),
           "changes": f"/articles/{article.pk}/captures/changes/"}[path]  # fmt: skip
    response = client.get(url, query)
    assert response.status_code == 400
    assert message in response.text


def capture_at_once(pages, monkeypatch):
    """Archive the pages (bytes) at once, from two threads each with its own connection; each
    waits, after storing its capture, for the other to store its own (or to be seen waiting
    for the article's row lock), so that without the lock both would decide on the same
    latest text."""
    stored = threading.Barrier(len(pages), timeout=2)
    propose = capture_module.propose_quotes_for

    def propose_when_both_stored(article):
        with contextlib.suppress(threading.BrokenBarrierError):
            stored.wait()  # broken: the other waits for the row lock, as it should
        return propose(article)

    monkeypatch.setattr(capture_module, "propose_quotes_for", propose_when_both_stored)
    outcomes = [None] * len(pages)

    def archive(number):
        try:
            outcomes[number] = archive_page(pages[number], retrieved_at=RETRIEVED).outcome
        finally:
            connection.close()

    threads = [threading.Thread(target=archive, args=(n,)) for n in range(len(pages))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_captures_of_the_same_new_text_at_once_store_one_new_version(monkeypatch):
    archive_page(retrieved_at=RETRIEVED - datetime.timedelta(days=1))
    changed = article_page([*PARAGRAPHS, "A paragraph added after the summit."])
    # Other bytes, the same text: a new advertisement slot.
    same = changed.replace(b"<footer>", b"<div class='ad'>Ad</div><footer>")
    outcomes = capture_at_once([changed, same], monkeypatch)
    assert sorted(outcomes) == [Archived.NEW_VERSION, Archived.UNCHANGED]
    article = Article.objects.get()
    assert article.captures.count() == 2
    assert article.body == article.latest_capture.text


@pytest.mark.parametrize(
    ("raw", "fields"),
    [
        (article_page(), {}),
        (article_page(), {"content_type": "text/plain"}),
        (article_page(canonical=None), {}),
        (article_page(canonical=None, date=None), {"url": "https://daily.example.org/2024/07/02/a"}),
        (TEXT.encode(), {}),
        (TEXT.encode(), {"title": "Allies argue over Ukraine aid"}),
    ],
)  # fmt: skip
def test_a_preview_is_the_article_as_it_would_be_archived_and_stores_nothing(raw, fields):
    assert preview(raw, **fields) == extract(raw, **fields)
    assert not Capture.objects.exists()


def test_a_page_names_its_date_in_the_address_it_was_redirected_to():
    page = article_page(canonical=None, date=None)
    address = "https://daily.example.org/2024/07/02/allies"
    article = archive_page(page, url="https://short.example/a", final_url=address).article
    assert article.published_date == datetime.date(2024, 7, 2)
    assert article.url == address


def test_a_duplicate_is_found_with_its_article_in_one_query(django_assert_num_queries):
    archive_page()
    with django_assert_num_queries(1):
        archived = archive_page()
        assert archived.article.title == "Allies argue over Ukraine aid in Brussels"


def test_bytes_archived_by_someone_else_while_these_were_extracted_are_a_duplicate(monkeypatch):
    page = article_page(canonical=None)
    other = []

    def extract_while_another_archives(raw, **fields):
        if not other:  # another archivist, from another address, gets there first
            other.append(None)
            other[0] = archive_page(page, url="https://daily.example.org/elsewhere")
        return extract(raw, **fields)

    monkeypatch.setattr(capture_module, "extract", extract_while_another_archives)
    archived = archive_page(page, url="https://daily.example.org/here")
    assert archived.outcome == Archived.DUPLICATE and not archived.stored
    assert (archived.capture, archived.article) == (other[0].capture, other[0].article)
    assert Capture.objects.count() == Article.objects.count() == 1


def test_what_a_page_does_not_say_is_noted_line_by_line_word_for_word():
    page = article_page(date=None, author=None, site=None, canonical=None)
    assert archive_page(page).article.provenance_note.split("\n") == [
        *extract(page).unknowns,
        "Outlet: the capture does not say which outlet published it.",
        "URL: the capture gives none, and it was not retrieved by URL.",
    ]
    assert archive_page(article_page(["Another story.", *PARAGRAPHS])).article.provenance_note == (
        "Outlet: the page names its site “The Daily Example”, which is not one of the archive's "
        "outlets."
    )


def test_a_canonical_url_as_long_as_the_archive_holds_is_kept():
    canonical = "https://daily.example.org/" + "a" * 1974  # 2000 characters
    article = archive_page(
        article_page(canonical=canonical), url="https://daily.example.org/short"
    ).article
    assert article.url == canonical and "URL:" not in article.provenance_note


def test_a_title_and_byline_longer_than_the_archive_holds_are_cut_to_fit():
    # Neither cut falls on a space: PostgreSQL drops spaces beyond a column's length unasked.
    page = article_page(title="Allies argue over aid " * 30, author="Jane Roe " * 50)
    extracted = extract(page)
    assert extracted.title[500] != " " and extracted.byline[300] != " "
    assert len(extracted.title) > 500 and len(extracted.byline) > 300
    article = Article.objects.get(pk=archive_page(page).article.pk)
    assert article.title == extracted.title[:500] and article.byline == extracted.byline[:300]


def test_why_a_capture_is_not_deleted_is_said_in_full():
    first = archive_page()
    with pytest.raises(CaptureRefused) as refused:
        delete_capture(first.capture)
    assert str(refused.value) == (
        "This is its article's only capture; delete the article instead, if it must go."
    )
    archive_page(article_page(["An added paragraph that changes the text.", *PARAGRAPHS]))
    factories.make_quote(first.article, "We will not be divided on Ukraine", capture=first.capture)
    with pytest.raises(CaptureRefused) as refused:
        delete_capture(first.capture)
    assert str(refused.value) == (
        "Quotes are anchored in this capture's text (1); it can't be deleted while they are."
    )
