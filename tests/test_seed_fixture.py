"""The seed corpus: built from the five captures and the annotation file, and honest about both."""

import json
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

from articles.models import Article, Capture, Person, Quote
from claims.models import Claim, Source, Topic
from claims.seed_build import (
    ANNOTATIONS,
    CAPTURES_DIR,
    SEED_FIXTURE,
    AnnotationError,
    build_seed,
    render_fixture,
)

SHARED_SEEDS = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds"
ANNOTATED = yaml.safe_load(ANNOTATIONS.read_text(encoding="utf-8"))
# Site chrome seen in the captures; none of it may reach an archived body.
BOILERPLATE_PHRASES = [
    "Copyright ©",
    "International Renaissance Foundation",
    "When referencing our materials",
    "Privacy and Cookie Policies",
    "Credit: AP",
    "donald-trump former us president",
    "Read also",
    "You could close this page",
    "Become a Patron",
    "suggest a correction",
    "Ctrl + Enter",
    "Will the West continue to support Ukraine?",
    "Premium journalism",
    "Special discount",
    "disabling your ad blocker",
    "Related Posts",
    "Is the NFL more important than America?",
    "Leave a Reply",
    "date 2024-07-04",
    "Francis Tawiah",
    "Advertisement",
    "Other Topics of Interest",
    "Tulsi Gabbard",
]


def test_rebuilding_from_the_captures_and_annotations_gives_the_committed_fixture():
    assert render_fixture(build_seed()) == SEED_FIXTURE.read_text(encoding="utf-8")


@pytest.mark.skipif(not SHARED_SEEDS.is_dir(), reason="../shared/seeds is not beside this clone")
def test_the_captures_are_byte_for_byte_copies_of_the_seed_documents():
    seeds = sorted(SHARED_SEEDS.glob("*.txt"))
    assert [path.name for path in seeds] == sorted(p.name for p in CAPTURES_DIR.glob("*.txt"))
    for path in seeds:
        assert (CAPTURES_DIR / path.name).read_bytes() == path.read_bytes()


def test_each_capture_is_exactly_one_article(seed):
    captures = sorted(CAPTURES_DIR.glob("*.txt"))
    assert Article.objects.count() == Capture.objects.count() == len(captures) == 5
    archived = {bytes(raw) for raw in Capture.objects.values_list("raw", flat=True)}
    assert archived == {path.read_bytes() for path in captures}
    for capture in Capture.objects.select_related("article"):
        assert capture.pk == capture.article.pk  # one capture per seed, with its article's id
        assert capture.text == capture.article.body
        assert capture.origin == Capture.Origin.SEED


def test_every_quote_is_anchored_in_its_articles_capture(seed):
    for quote in Quote.objects.select_related("capture"):
        assert quote.capture.article_id == quote.article_id


def test_counts_match_the_annotation_file(seed):
    assert Person.objects.count() == len(ANNOTATED["people"])
    assert Topic.objects.count() == len(ANNOTATED["topics"])
    assert Source.objects.count() == len(ANNOTATED["sources"])
    assert Claim.objects.count() == len(ANNOTATED["claims"])
    quotes = sum(len(article.get("quotes", {})) for article in ANNOTATED["articles"].values())
    assert Quote.objects.count() == quotes


def test_every_quote_is_the_body_slice_at_its_offsets_and_opens_a_quotation(seed):
    for quote in Quote.objects.select_related("capture"):
        body = quote.capture.text
        assert body[quote.start_offset : quote.end_offset] == quote.text
        assert body[quote.start_offset - 1] in '“‘"', f"quote {quote.pk} is not in quotes"


def test_no_boilerplate_survives_in_an_archived_body(seed):
    for capture in Capture.objects.all():
        for phrase in BOILERPLATE_PHRASES:
            assert phrase not in capture.text, f"{phrase!r} in capture {capture.pk}"
        for piece in capture.removed_boilerplate:
            if len(piece["text"]) > 20:
                assert piece["text"] not in capture.text


def test_every_kept_paragraph_is_verbatim_from_the_capture(seed):
    for capture in Capture.objects.all():
        for paragraph in capture.text.split("\n\n"):
            assert paragraph in capture.raw_text


def test_nothing_is_invented_where_a_capture_is_silent(seed):
    for article in Article.objects.all():
        raw = article.captures.get().raw_text
        assert article.url is None  # no capture gives its URL
        if article.title_is_supplied:
            assert article.title not in raw
            assert article.display_title.startswith("[")
        else:
            assert article.title in raw
        unknowns = article.outlet is None or article.published_date_precision != "day"
        assert not unknowns or article.provenance_note, f"article {article.pk} lacks its evidence"
    assert list(Article.objects.filter(outlet__isnull=False).values_list("slug", flat=True)) == [
        "euromaidan-trump-nato-deal"
    ]


def test_the_date_stamp_and_signature_become_metadata(seed):
    article = Article.objects.get(slug="politico-plan-restructure-nato")
    assert article.published_display == "4 July 2024"
    assert article.byline == "Francis Tawiah (Duisburg-Germany)"
    assert [author.name for author in article.authors.all()] == ["Francis Tawiah"]


def test_a_claim_reported_by_several_articles_from_one_source_is_one_claim(seed):
    claim = Claim.objects.get(statement__startswith='A "two-tiered NATO alliance"')
    assert claim.source.publisher == "Bloomberg"
    assert sorted(claim.articles.values_list("slug", flat=True)) == [
        "bloomberg-report-ukraine-talks-a",
        "bloomberg-report-ukraine-talks-b",
    ]
    assert Claim.objects.filter(statement__iregex=r"two-tier(ed)? NATO").count() == 1


def test_people_keep_the_spellings_the_captures_use(seed):
    assert "Vladimir Zelensky" in Person.objects.get(slug="volodymyr-zelenskyy").aliases
    assert "Donald John Trump" in Person.objects.get(slug="donald-trump").aliases


def test_seed_quotes_say_how_their_words_reached_the_article(seed):
    taken_from = {
        quote.text: (quote.transmission, [source.publisher for source in quote.quoted_from.all()])
        for quote in Quote.objects.prefetch_related("quoted_from")
    }
    from_politico = ("quoted_from_report", ["Politico"])
    assert taken_from["I would expect a very quick deal to end the conflict"] == from_politico
    assert taken_from["radical reorientation"] == from_politico
    assert taken_from["We don’t really have a choice anymore"] == from_politico
    assert taken_from["a two-tiered NATO alliance"] == ("quoted_from_report", ["Bloomberg"])
    assert taken_from["upend decades of US policy"] == ("quoted_from_report", ["Bloomberg"])
    # "reportedly told": from a report the capture does not name.
    assert taken_from["never going to be there for us"] == ("quoted_from_report", [])
    # Words the captures give without an intermediary stay unknown, with the reason.
    rally = Quote.objects.get(text__startswith="before I even arrive")
    assert (rally.transmission, taken_from[rally.text][1]) == ("unknown", [])
    assert "names no intermediary" in rally.transmission_note
    assert all(Quote.objects.values_list("transmission_note", flat=True))


def test_every_quote_a_seed_source_records_was_taken_from_a_report(seed):
    for source in Source.objects.prefetch_related("quotes"):
        assert Source.quotes_not_from_a_report(source.quotes.all()) == [], source


def test_the_article_page_says_what_was_removed(client, seed):
    article = Article.objects.get(slug="bloomberg-report-ukraine-talks-a")
    response = client.get(article.get_absolute_url())
    assert "What the archive left out" in response.text
    assert "Is the NFL more important than America?" in response.text
    assert "comment prompt" in response.text


def write_case(
    tmp_path,
    quote_text,
    body="He said “yes” and then, after a pause that all of us noticed, “yes” again.",
):
    (tmp_path / "one.txt").write_text(body, encoding="utf-8")
    annotations = {
        "curated_at": "2026-11-22T00:00:00Z",
        **{section: {} for section in ["outlets", "people", "topics", "sources"]},
        "articles": {
            "one": {
                "capture": "one.txt",
                "title": "A made-up capture",
                "title_is_supplied": True,
                "quotes": {"the-quote": {"text": quote_text, "speaker_label": "someone"}},
            }
        },
        "claims": [],
    }
    path = tmp_path / "annotations.yaml"
    path.write_text(yaml.safe_dump(annotations), encoding="utf-8")
    return path


@pytest.mark.parametrize(("text", "times"), [("maybe", 0), ("yes", 2)])
def test_the_build_names_a_quote_not_found_exactly_once(tmp_path, text, times):
    with pytest.raises(AnnotationError, match=f"quote the-quote .* found {times} times"):
        build_seed(write_case(tmp_path, text), captures_dir=tmp_path)


def test_the_build_finds_a_unique_quote(tmp_path):
    rows = build_seed(write_case(tmp_path, "yes” and"), captures_dir=tmp_path)
    quote = next(row for row in rows if row["model"] == "articles.quote")
    assert (quote["fields"]["start_offset"], quote["fields"]["end_offset"]) == (9, 17)


def test_the_build_refuses_a_url_that_the_capture_does_not_contain(tmp_path):
    path = write_case(tmp_path, "yes” and")
    annotations = yaml.safe_load(path.read_text())
    annotations["articles"]["one"]["url"] = "https://example.org/guessed"
    path.write_text(yaml.safe_dump(annotations))
    with pytest.raises(AnnotationError, match="does not appear in its capture"):
        build_seed(path, captures_dir=tmp_path)


def test_the_build_refuses_a_malformed_date(tmp_path):
    path = write_case(tmp_path, "yes” and")
    annotations = yaml.safe_load(path.read_text())
    annotations["articles"]["one"]["published"] = "July 2024"
    path.write_text(yaml.safe_dump(annotations))
    with pytest.raises(AnnotationError, match="is not a date"):
        build_seed(path, captures_dir=tmp_path)


@pytest.mark.parametrize(
    ("fields", "refusal"),
    [
        ({"transmission": "overheard"}, "quote the-quote .* transmission 'overheard' is not one"),
        ({"transmission": "attributed_differently"}, "quote the-quote .* transmission_note must"),
        (
            {"transmission": "quoted_from_report", "quoted_from": ["nowhere"]},
            "quote the-quote .* no sources entry 'nowhere'",
        ),
        ({"quoted_from": ["a-report"]}, "quote the-quote .* its transmission is 'unknown'"),
    ],
)
def test_the_build_refuses_a_transmission_it_cannot_record(tmp_path, fields, refusal):
    path = write_case(tmp_path, "yes” and")
    annotations = yaml.safe_load(path.read_text())
    annotations["sources"]["a-report"] = {"publisher": "Politico", "kind": "report"}
    annotations["articles"]["one"]["quotes"]["the-quote"].update(fields)
    path.write_text(yaml.safe_dump(annotations))
    with pytest.raises(AnnotationError, match=refusal):
        build_seed(path, captures_dir=tmp_path)


def test_the_build_links_a_quote_to_the_report_it_was_taken_from(tmp_path):
    path = write_case(tmp_path, "yes” and")
    annotations = yaml.safe_load(path.read_text())
    annotations["sources"]["a-report"] = {"publisher": "Politico", "kind": "report"}
    annotations["articles"]["one"]["quotes"]["the-quote"].update(
        transmission="quoted_from_report",
        transmission_note="Told Politico.",
        quoted_from="a-report",
    )
    path.write_text(yaml.safe_dump(annotations))
    rows = build_seed(path, captures_dir=tmp_path)
    source = next(row for row in rows if row["model"] == "claims.source")
    quote = next(row for row in rows if row["model"] == "articles.quote")
    assert source["fields"]["quotes"] == [quote["pk"]]
    assert (quote["fields"]["transmission"], quote["fields"]["transmission_note"]) == (
        "quoted_from_report",
        "Told Politico.",
    )


def test_the_check_command_passes_on_the_committed_fixture():
    call_command("build_seed_fixtures", "--check")


def test_the_fixture_has_stable_ids_for_permalinks():
    rows = json.loads(SEED_FIXTURE.read_text(encoding="utf-8"))
    articles = [row for row in rows if row["model"] == "articles.article"]
    assert [(row["pk"], row["fields"]["slug"]) for row in articles][:2] == [
        (1, "euromaidan-trump-nato-deal"),
        (2, "bloomberg-report-ukraine-talks-a"),
    ]


@pytest.mark.parametrize(
    ("appearances", "refusal"),
    [
        ({}, "its appearances must anchor exactly its articles"),
        ({"one": {"text": "no such words"}}, "appearance in one: its text is found 0 times"),
        (
            {"one": {"text": "after a pause", "attribution": "according to Politico"}},
            "its attribution is not the article's words",
        ),
    ],
)
def test_the_build_refuses_a_claims_appearance_it_cannot_anchor(tmp_path, appearances, refusal):
    path = write_case(tmp_path, "yes” and")
    annotations = yaml.safe_load(path.read_text())
    annotations["claims"] = [
        {"statement": "Someone said yes twice.", "articles": ["one"], "appearances": appearances}
    ]
    path.write_text(yaml.safe_dump(annotations))
    with pytest.raises(AnnotationError, match=refusal):
        build_seed(path, captures_dir=tmp_path)
