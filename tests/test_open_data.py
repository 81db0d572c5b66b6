"""Open data: every list as CSV and JSON (streamed, safe for spreadsheets), the JSON API and its
OpenAPI description, ClaimReview JSON-LD, Atom feeds, and citation exports of a set."""

import csv
import datetime
import io
import json
import math
import re
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Outlet, Person, Quote
from claims.exports import CLAIM_CHUNK_SIZE, FIRST_CHUNK_SIZE, _cell
from claims.models import Claim, ClaimActor, Topic
from core.permalinks import path_template
from tests import factories

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def body(response):
    return b"".join(response.streaming_content).decode("utf-8")


def csv_rows(response):
    return list(csv.DictReader(io.StringIO(body(response).removeprefix("\ufeff"))))


def html_claim_ids(client, url, parameters):
    exploration = client.get(url, {**parameters, "per_page": 100}).context["exploration"]
    return [claim.pk for claim in exploration.page.object_list]


@pytest.mark.parametrize(
    "parameters",
    [
        {},
        {"topic": "4"},
        {"q": "Zelenskyy"},
        {"status": "reported", "period": "2024", "sort": "oldest"},
    ],
)
def test_csv_and_json_hold_exactly_the_rows_of_the_html_view(client, seed, parameters):
    url = reverse("claims:claim_list")
    expected = html_claim_ids(client, url, parameters)
    as_csv = client.get(url, {**parameters, "format": "csv"})
    as_json = client.get(url, {**parameters, "format": "json"})
    assert [int(row["id"]) for row in csv_rows(as_csv)] == expected
    assert [row["id"] for row in json.loads(body(as_json))] == expected


def test_scoped_pages_export_their_own_rows(client, seed):
    topic = Topic.objects.get(slug="article-5")
    expected = html_claim_ids(client, topic.get_absolute_url(), {"status": "reported"})
    response = client.get(topic.get_absolute_url(), {"status": "reported", "format": "json"})
    assert [row["id"] for row in json.loads(body(response))] == expected
    assert 'filename="newsarchive-topics-' in response["Content-Disposition"]


def test_each_row_carries_permalink_actors_outlets_source_dates_status_topics(client, seed):
    claim = Claim.objects.get(statement__startswith='A "two-tiered NATO alliance"')
    rows = json.loads(body(client.get(reverse("claims:claim_list"), {"format": "json"})))
    row = next(row for row in rows if row["id"] == claim.pk)
    assert row["permalink"] == f"http://testserver{claim.get_absolute_url()}"
    assert row["actors"] == [
        {"name": "Donald Trump", "role": "subject",
         "permalink": "http://testserver/people/1/donald-trump/", "wikidata": None}
    ]  # fmt: skip
    assert row["source"]["publisher"] == "Bloomberg"
    assert row["source"]["date"] == "2024-02-01" and row["source"]["date_precision"] == "month"
    assert (row["status"], row["claimed_date"]) == ("reported", "2024-02-01")
    assert set(row["topics"]) == {"Two-tier Article 5", "Article 5", "Defense spending target"}
    assert len(row["reporting_articles"]) == 2
    rows = csv_rows(client.get(reverse("claims:claim_list"), {"format": "csv"}))
    csv_row = next(row for row in rows if row["id"] == str(claim.pk))
    assert csv_row["actors"] == "Donald Trump (subject)"
    assert csv_row["source"] == "Bloomberg news report (February 2024)"


def test_csv_is_utf8_with_a_header_and_a_meaningful_file_name(client, seed):
    response = client.get(reverse("claims:claim_list"), {"format": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response["Content-Disposition"]
    assert re.fullmatch(
        r'attachment; filename="newsarchive-claims-\d{4}-\d{2}-\d{2}\.csv"', disposition
    )
    text = body(response)
    assert text.startswith("\ufeffid,permalink,statement,status,")
    assert "Zelenskyy" in text


@pytest.mark.parametrize("payload", ['=HYPERLINK("x")', "+1+1", "-2+3", "@SUM(A1)"])
def test_formula_injection_is_neutralized(client, db, payload):
    factories.make_claim(statement=f"{payload} claim")
    rows = csv_rows(client.get(reverse("claims:claim_list"), {"format": "csv"}))
    assert rows[0]["statement"] == f"'{payload} claim"


def test_formula_injection_is_neutralized_in_list_cells_too(client, db):
    factories.make_claim(
        statement="A claim.",
        topics=[factories.make_topic(name="=1+1")],
        actors=[factories.make_person(name="@SUM(A1)")],
    )
    (row,) = csv_rows(client.get(reverse("claims:claim_list"), {"format": "csv"}))
    assert (row["topics"], row["actors"]) == ("'=1+1", "'@SUM(A1) (claimant)")


def test_a_cell_starting_with_nul_or_carriage_return_is_neutralized_too():
    # PostgreSQL can't store NUL, and stored text is stripped: checked on the cell writer.
    assert _cell("\0x") == "'\0x"
    assert _cell("\rx") == "'\rx"
    assert _cell("\tcmd") == "'\tcmd"  # stored text can't start with one: it is stripped
    assert _cell("plain") == "plain"


def test_a_ten_thousand_claim_export_streams_in_chunks(client, db):
    source = factories.make_source()
    Claim.objects.bulk_create(
        Claim(statement=f"Claim {n}", slug=f"claim-{n}", source=source) for n in range(10_000)
    )
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("claims:claim_list"), {"format": "csv"})
        assert isinstance(response, StreamingHttpResponse)
        # The claims' ids, in order, come from the facet index (the changes since it was read,
        # and the claims changed); no row is read before the file streams.
        assert len(queries) <= 3
        assert not any("claims_claim_evidence" in sql["sql"] for sql in queries.captured_queries)
        pieces = list(response.streaming_content)
    assert b"".join(pieces).count(b"\n") == 10_001
    assert len(pieces) < 10_001 / 100  # pieces of many rows each, not a write per row
    chunks = 1 + math.ceil((10_000 - FIRST_CHUNK_SIZE) / CLAIM_CHUNK_SIZE)
    # Per chunk (a small first one, then CLAIM_CHUNK_SIZE each): one query for the claims with
    # their sources, actors, topics, articles and evidence.
    assert len(queries) == 3 + chunks


def test_invalid_filters_are_400_and_no_data(client, seed):
    response = client.get(reverse("claims:claim_list"), {"format": "csv", "topic": "999"})
    assert response.status_code == 400
    assert not response.streaming
    api = client.get(reverse("api:claims"), {"topic": "999", "period": "soon"})
    assert api.status_code == 400
    assert api.json() == {
        "errors": {
            "topic": ["Select a valid choice. 999 is not one of the available choices."],
            "period": ["“soon” is not a period: use a year (2024), a month (2024-07) or undated."],
        }
    }


def test_search_results_and_a_persons_quotes_export(client, seed):
    response = client.get(
        reverse("claims:search"), {"q": "NATO", "type": "quotes", "format": "json"}
    )
    quotes = json.loads(body(response))
    assert {row["id"] for row in quotes} == {
        quote.pk for quote in client.get(reverse("claims:search"), {"q": "NATO", "type": "quotes"})
        .context["groups"][1].page.object_list
    }  # fmt: skip
    trump = Person.objects.get(slug="donald-trump")
    url = reverse("claims:person_quotes", args=[trump.pk, trump.slug])
    rows = csv_rows(client.get(url, {"format": "csv"}))
    assert {row["text"] for row in rows} == set(
        Quote.objects.filter(speaker=trump).values_list("text", flat=True)
    )
    assert client.get(reverse("claims:search"), {"q": "NATO", "format": "csv"}).status_code == 400


def test_citation_exports_of_a_set(client, seed):
    bib = body(client.get(reverse("claims:claim_list"), {"topic": "4", "format": "bibtex"}))
    assert bib.count("@misc{newsarchive-claim-") == Claim.objects.filter(topics=4).count()
    csl = json.loads(
        body(client.get(reverse("claims:claim_list"), {"topic": "4", "format": "csljson"}))
    )
    topic_claims = Claim.objects.filter(topics=4).values_list("pk", flat=True)
    assert {item["id"] for item in csl} == {f"newsarchive-claim-{pk}" for pk in topic_claims}
    assert all(item["URL"].startswith("http://testserver/claims/") for item in csl)


def test_the_api_paginates_with_links_and_the_html_filters(client, seed):
    first = client.get(reverse("api:claims"), {"per_page": 10, "status": "reported"}).json()
    assert first["count"] == Claim.objects.count()
    assert first["previous"] is None
    assert "page=2" in first["next"] and "status=reported" in first["next"]
    second = client.get(first["next"]).json()
    assert {row["id"] for row in first["results"]}.isdisjoint(
        row["id"] for row in second["results"]
    )
    topic = client.get(reverse("api:claims"), {"topic": 4}).json()
    assert {row["id"] for row in topic["results"]} == set(
        Claim.objects.filter(topics=4).values_list("pk", flat=True)
    )


def test_the_openapi_document_lists_every_endpoint_and_each_answers(client, seed):
    document = client.get(reverse("api:openapi")).json()
    assert document["openapi"].startswith("3.")
    paths = set(document["paths"])
    assert paths == {
        "/api/claims/",
        "/api/claims/{id}/",
        "/api/quotes/",
        "/api/articles/",
        "/api/openapi.json",
    }
    for path in paths:
        response = client.get(path.replace("{id}", str(Claim.objects.first().pk)))
        assert response.status_code == 200, path
        assert response["Content-Type"] == "application/json"


def test_claim_pages_embed_claim_review_json_ld(client, seed):
    claim = Claim.objects.get(statement__startswith="A two-tier system proposed by Keith Kellogg")
    page = client.get(claim.get_absolute_url()).text
    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)[1]
    )
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Claim"
    assert data["text"] == claim.statement
    assert data["author"][0]["name"] == "Keith Kellogg"
    assert data["firstAppearance"]["publisher"]["name"] == "Politico"
    assert data["firstAppearance"]["datePublished"] == "2024-07-02"
    assert [item["@type"] for item in data["appearance"]] == ["NewsArticle"]
    assert data["dateCreated"] == "2024-07-02"

    Claim.objects.filter(pk=claim.pk).update(status="disputed")
    data = json.loads(
        re.search(r'ld\+json">(.*?)</script>', client.get(claim.get_absolute_url()).text, re.S)[1]
    )
    assert data["@type"] == "ClaimReview"
    assert data["itemReviewed"]["@type"] == "Claim"
    assert data["reviewRating"]["alternateName"] == "Disputed"


def json_ld(client, claim):
    page = client.get(claim.get_absolute_url()).text
    return json.loads(re.search(r'ld\+json">(.*?)</script>', page, re.S)[1])


def test_a_claim_review_names_the_claimant_and_where_the_claim_appeared(client, db):
    claimant = factories.make_person(name="Kevin Roberts", wikidata_id="Q6396868")
    reported = factories.make_article(
        outlet=factories.make_outlet(name="Euromaidan Press"), url="https://example.org/deal"
    )
    copied = factories.make_article(title="Pasted, from nowhere known")
    claim = factories.make_claim(
        statement="A deal.", status="disputed", articles=[reported, copied],
        actors=[claimant, (factories.make_person(name="Subject Person"), "subject")],
    )  # fmt: skip
    review = json_ld(client, claim)
    assert {key: review[key] for key in ["@context", "@type", "claimReviewed", "url"]} == {
        "@context": "https://schema.org", "@type": "ClaimReview", "claimReviewed": "A deal.",
        "url": f"http://testserver{claim.get_absolute_url()}",
    }  # fmt: skip
    assert review["reviewRating"] == {"@type": "Rating", "alternateName": "Disputed"}
    assert review["author"] == {"@type": "Organization", "name": "newsarchive"}
    claimed = review["itemReviewed"]
    assert claimed["@type"] == "Claim"
    assert claimed["author"] == [
        {"@type": "Person", "name": "Kevin Roberts",
         "url": f"http://testserver{claimant.get_absolute_url()}",
         "sameAs": "https://www.wikidata.org/entity/Q6396868"}
    ]  # fmt: skip
    # The article where it appeared at its own URL; the archive's copy is where it is archived.
    by_title = {article["headline"]: article for article in claimed["appearance"]}
    assert by_title[reported.title]["url"] == "https://example.org/deal"
    assert by_title[reported.title]["archivedAt"] == (
        f"http://testserver{reported.get_absolute_url()}"
    )
    assert by_title[reported.title]["publisher"] == {
        "@type": "Organization", "name": "Euromaidan Press"
    }  # fmt: skip
    assert "url" not in by_title[copied.title] and "publisher" not in by_title[copied.title]


def test_a_claim_no_one_is_recorded_making_has_no_empty_author(client, db):
    claim = factories.make_claim(statement="Nobody said it.", status="denied")
    assert "author" not in json_ld(client, claim)["itemReviewed"]


def test_json_ld_cannot_close_its_script_block(client, db):
    claim = factories.make_claim(statement="</script><script>alert(1)</script>")
    page = client.get(claim.get_absolute_url()).text
    block = re.search(r'ld\+json">(.*?)</script>', page, re.S)[1]
    assert "<" not in block
    assert json.loads(block)["text"] == claim.statement


@pytest.mark.parametrize(
    "url",
    [
        "/feeds/claims/",
        "/feeds/claims/?topic=4&status=reported",
        "/feeds/topics/4/",
        "/feeds/people/1/",
    ],
)
def test_feeds_are_valid_atom(client, seed, url):
    response = client.get(url)
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    entries = feed.findall(f"{ATOM}entry")
    assert entries
    for entry in entries:
        assert entry.find(f"{ATOM}id").text.startswith("http://testserver/claims/")
        assert entry.find(f"{ATOM}title").text
        assert entry.find(f"{ATOM}updated").text


def test_a_saved_query_feed_follows_the_view(client, seed):
    feed = ET.fromstring(client.get("/feeds/claims/", {"topic": "4"}).content)
    titles = {entry.find(f"{ATOM}title").text for entry in feed.findall(f"{ATOM}entry")}
    assert titles == set(Claim.objects.filter(topics=4).values_list("statement", flat=True))
    assert client.get("/feeds/claims/", {"topic": "x"}).status_code == 400


def test_list_pages_link_their_exports_and_feed(client, seed):
    page = client.get(reverse("claims:claim_list"), {"topic": "4"}).text
    assert 'href="/claims/?topic=4&amp;format=csv"' in page
    assert 'href="/claims/?topic=4&amp;format=json"' in page
    assert 'type="application/atom+xml"' in page and 'href="/feeds/claims/?topic=4"' in page


@pytest.fixture
def dated_archive(archive):
    """The small archive with known dates, so whole rows can be written out."""
    utc = datetime.UTC
    Claim.objects.filter(pk=archive["claim"].pk).update(
        claimed_date=datetime.date(2024, 7, 1), claimed_date_precision="month",
        created_at=datetime.datetime(2026, 11, 19, tzinfo=utc),
        updated_at=datetime.datetime(2026, 11, 20, tzinfo=utc),
    )  # fmt: skip
    Article.objects.filter(pk=archive["article"].pk).update(
        published_date=datetime.date(2024, 7, 2), published_date_precision="day",
        archived_at=datetime.datetime(2026, 11, 18, tzinfo=utc), url="https://example.org/a",
        byline="Jane Doe",
    )  # fmt: skip
    # Wikidata ids, which rows give as entity URIs (these are made up for the test).
    Person.objects.filter(pk=archive["person"].pk).update(wikidata_id="Q7345346")
    Outlet.objects.filter(pk=archive["outlet"].pk).update(wikidata_id="Q19826469")
    Topic.objects.filter(pk=archive["topic"].pk).update(wikidata_id="Q1128462")
    return archive


def test_a_claims_json_row_has_every_field(client, dated_archive):
    claim, article, quote = (dated_archive[key] for key in ["claim", "article", "quote"])
    person, source = dated_archive["person"], dated_archive["source"]
    site = "http://testserver"
    (row,) = json.loads(body(client.get(reverse("claims:claim_list"), {"format": "json"})))
    assert row == {
        "id": claim.pk,
        "permalink": site + claim.get_absolute_url(),
        "statement": "Trump would make a deal with Putin to halt NATO expansion.",
        "status": "reported",
        "claimed_date": "2024-07-01",
        "claimed_date_precision": "month",
        "actors": [{"name": "Kevin Roberts", "role": "claimant",
                    "permalink": site + person.get_absolute_url(),
                    "wikidata": "https://www.wikidata.org/entity/Q7345346"}],
        "topics": ["NATO expansion"],
        "topics_wikidata": ["https://www.wikidata.org/entity/Q1128462"],
        "source": {"label": "Politico report (date unknown)", "publisher": "Politico",
                   "kind": "report", "date": None, "date_precision": "unknown",
                   "permalink": site + source.get_absolute_url()},
        "reporting_articles": [{"title": "Trump considers NATO deal",
                                "outlet": "Euromaidan Press",
                                "outlet_wikidata": "https://www.wikidata.org/entity/Q19826469",
                                "published_date": "2024-07-02",
                                "published_date_precision": "day",
                                "permalink": site + article.get_absolute_url(),
                                "words": None, "credits": None, "cites": None}],
        "outlets": ["Euromaidan Press"],
        "evidence": [{"text": "I would expect a very quick deal to end the conflict",
                      "speaker": "Kevin Roberts", "permalink": site + quote.get_absolute_url(),
                      "transmission": "unknown"}],
        "created_at": "2026-11-19T00:00:00+00:00",
        "updated_at": "2026-11-20T00:00:00+00:00",
    }  # fmt: skip


def test_quote_and_article_rows_have_every_field(client, dated_archive):
    article, quote, person = (dated_archive[key] for key in ["article", "quote", "person"])
    source = dated_archive["source"]
    quote.transmission, quote.transmission_note = "quoted_from_report", 'Roberts "told Politico".'
    quote.save()
    source.quotes.add(quote)
    site = "http://testserver"
    article_fields = {
        "title": "Trump considers NATO deal", "outlet": "Euromaidan Press",
        "outlet_wikidata": "https://www.wikidata.org/entity/Q19826469",
        "published_date": "2024-07-02", "published_date_precision": "day",
        "permalink": site + article.get_absolute_url(),
    }  # fmt: skip
    quotes = client.get(reverse("api:quotes")).json()["results"]
    assert quotes == [{
        "id": quote.pk, "permalink": site + quote.get_absolute_url(),
        "text": "I would expect a very quick deal to end the conflict",
        "speaker": "Kevin Roberts", "speaker_permalink": site + person.get_absolute_url(),
        "speaker_wikidata": "https://www.wikidata.org/entity/Q7345346",
        "occasion": "", "occasion_date": None, "occasion_date_precision": "unknown",
        "article": article_fields,
        "transmission": "quoted_from_report", "transmission_note": 'Roberts "told Politico".',
        "quoted_from": [{"label": "Politico report (date unknown)",
                         "permalink": site + source.get_absolute_url()}],
    }]  # fmt: skip
    articles = client.get(reverse("api:articles")).json()["results"]
    assert articles == [{
        **article_fields, "id": article.pk, "title_is_supplied": False,
        "url": "https://example.org/a", "byline": "Jane Doe",
        "capture_sha256": Article.objects.get().latest_capture.sha256,
        "archived_at": "2026-11-18T00:00:00+00:00",
    }]  # fmt: skip


def test_a_claims_csv_row_flattens_lists_and_objects(client, dated_archive):
    (row,) = csv_rows(client.get(reverse("claims:claim_list"), {"format": "csv"}))
    assert {key: row[key] for key in ["actors", "topics", "source", "outlets", "evidence"]} == {
        "actors": "Kevin Roberts (claimant)",
        "topics": "NATO expansion",
        "source": "Politico report (date unknown)",
        "outlets": "Euromaidan Press",
        "evidence": "I would expect a very quick deal to end the conflict",
    }
    assert row["reporting_articles"] == "Trump considers NATO deal"
    assert row["topics_wikidata"] == "https://www.wikidata.org/entity/Q1128462"
    assert row["claimed_date"] == "2024-07-01"
    factories.make_claim(statement="Nothing known.")
    rows = csv_rows(client.get(reverse("claims:claim_list"), {"format": "csv"}))
    unknown = next(row for row in rows if row["statement"] == "Nothing known.")
    assert [unknown[key] for key in ["claimed_date", "source", "actors", "topics"]] == [""] * 4


def test_csl_json_items_name_type_title_container_author_and_dates(client, dated_archive):
    claim, article = dated_archive["claim"], dated_archive["article"]
    today = timezone.now().date()
    accessed = {"date-parts": [[today.year, today.month, today.day]]}
    Claim.history.filter(id=claim.pk).update(
        history_date=datetime.datetime(2026, 11, 20, tzinfo=datetime.UTC)
    )
    (item,) = json.loads(body(client.get(reverse("claims:claim_list"), {"format": "csljson"})))
    # A claim is cited as its Cite box cites it: at its current version, recorded that day.
    assert item == {
        "id": f"newsarchive-claim-{claim.pk}", "type": "webpage",
        "title": "Trump would make a deal with Putin to halt NATO expansion",  # the style ends it
        "container-title": "newsarchive", "URL": f"http://testserver/claims/{claim.pk}/v/1/",
        "version": "1", "accessed": accessed, "author": [{"family": "Roberts", "given": "Kevin"}],
        "issued": {"date-parts": [[2024, 7]]}, "note": "Archived 2026-11-20",
    }  # fmt: skip
    url = reverse("claims:search")
    (item,) = json.loads(body(client.get(url, {"q": "NATO deal", "type": "articles",
                                               "format": "csljson"})))  # fmt: skip
    assert item == {
        "id": f"newsarchive-article-{article.pk}", "type": "article-newspaper",
        "title": "Trump considers NATO deal", "container-title": "Euromaidan Press",
        "URL": "http://testserver" + article.get_absolute_url(), "accessed": accessed,
        "author": [{"family": "Doe", "given": "Jane"}], "publisher": "Euromaidan Press",
        "issued": {"date-parts": [[2024, 7, 2]]}, "archive": "newsarchive",
    }  # fmt: skip


def test_csl_json_cites_a_claim_no_one_made_under_the_archive_and_leaves_out_a_date(client, db):
    factories.make_claim(statement="Nobody claims this.")
    (item,) = json.loads(body(client.get(reverse("claims:claim_list"), {"format": "csljson"})))
    assert item["author"] == [{"literal": "newsarchive"}]
    assert "issued" not in item and item["accessed"]


def test_an_export_is_a_download_named_for_its_view_and_day(client, archive):
    today = timezone.now().strftime("%Y-%m-%d")
    expected = {
        "csv": ("text/csv; charset=utf-8", "csv"),
        "json": ("application/json", "json"),
        "bibtex": ("application/x-bibtex; charset=utf-8", "bib"),
        "csljson": ("application/vnd.citationstyles.csl+json", "json"),
    }
    for export_format, (content_type, extension) in expected.items():
        response = client.get(reverse("claims:claim_list"), {"format": export_format})
        assert isinstance(response, StreamingHttpResponse)
        assert response["Content-Type"] == content_type
        assert response["Content-Disposition"] == (
            f'attachment; filename="newsarchive-claims-{today}.{extension}"'
        )


def test_quote_and_article_exports_load_no_texts_and_a_fixed_number_of_queries(client, db):
    article = factories.make_article(outlet=factories.make_outlet(), body="“Yes,” she said.")
    for _ in range(3):
        factories.make_quote(article, "Yes", speaker=factories.make_person())
    for name, url, parameters in [
        ("quotes", reverse("claims:search"), {"q": "yes", "type": "quotes", "format": "json"}),
        ("articles", reverse("claims:search"), {"q": "yes", "type": "articles", "format": "json"}),
    ]:
        with CaptureQueriesContext(connection) as queries:
            rows = json.loads(body(client.get(url, parameters)))
        assert rows, name
        ranked = [query["sql"] for query in queries.captured_queries if "ts_rank" in query["sql"]]
        # Alias look-ups (3), the ids in order of relevance, then the rows, with speakers and
        # outlets joined; for quotes, then the reports they were taken from.
        assert (len(queries), len(ranked)) == ({"quotes": 6, "articles": 5}[name], 1), name
        exported = queries.captured_queries[4]["sql"]
        assert '"raw_capture"' not in exported, name
        assert '"articles_article"."body"' not in exported, name
        assert "articles_outlet" in exported, name


def test_a_quotes_row_gives_its_occasion(client, db):
    article = factories.make_article(body="“Peace now,” he said at the rally.")
    factories.make_quote(
        article, "Peace now", speaker_label="a speaker", occasion="a rally",
        occasion_date=datetime.date(2024, 2, 1), occasion_date_precision="month",
    )  # fmt: skip
    (row,) = client.get(reverse("api:quotes")).json()["results"]
    assert (row["occasion"], row["occasion_date"], row["occasion_date_precision"]) == (
        "a rally", "2024-02-01", "month"
    )  # fmt: skip


def test_bibtex_and_csl_json_exports_keep_text_as_written(client, db):
    claims = [factories.make_claim(statement=f"Zelenskyy’s plan {n}.") for n in range(2)]
    bib = body(client.get(reverse("claims:claim_list"), {"format": "bibtex"}))
    entries = bib.split("\n\n")
    assert entries[-1] == "" and len(entries) == 3
    for entry, claim in zip(entries, sorted(claims, key=lambda c: -c.pk), strict=False):
        assert entry.startswith(f"@misc{{newsarchive-claim-{claim.pk},\n")
        assert f"  url = {{http://testserver/claims/{claim.pk}/v/1/}}," in entry
    csl = body(client.get(reverse("claims:claim_list"), {"format": "csljson"}))
    assert '"title": "Zelenskyy’s plan 0"' in csl  # its full stop the style gives


def test_json_exports_keep_text_as_written(client, db):
    factories.make_claim(statement="Zelenskyy’s plan for Kyiv.")
    assert "Zelenskyy’s plan for Kyiv." in body(
        client.get(reverse("claims:claim_list"), {"format": "json"})
    )


def test_a_claim_export_loads_each_relation_in_one_query_without_article_texts(client, db):
    for number in range(3):
        articles = [factories.make_article(outlet=factories.make_outlet()) for _ in range(2)]
        evidence = [
            factories.make_quote(articles[0], "I would expect", speaker=factories.make_person())
        ]
        factories.make_claim(
            statement=f"Claim {number}.", actors=[factories.make_person(), factories.make_person()],
            topics=[factories.make_topic()], articles=articles, evidence=evidence,
            source=factories.make_source(),
        )  # fmt: skip
    with CaptureQueriesContext(connection) as queries:
        rows = json.loads(body(client.get(reverse("claims:claim_list"), {"format": "json"})))
    assert len(rows) == 3 and all(row["outlets"] and row["evidence"] for row in rows)
    # The claims' ids from the facet index (the changes since it was read, and the claims
    # changed), then the claims with their sources, actors, topics, articles with outlets and
    # evidence with speakers: one query, whatever the number of rows.
    assert len(queries) == 4
    assert not any('"raw_capture"' in query["sql"] for query in queries.captured_queries)
    assert not any('"articles_article"."body"' in q["sql"] for q in queries.captured_queries)


def test_a_claims_lists_come_in_the_order_its_page_gives_them(client, db):
    """Export rows are read with one aggregated query; their lists keep the models' order."""
    older = factories.make_article(
        title="B older",
        published_date=datetime.date(2024, 1, 1),
        published_date_precision="day",
        body="“Yes,” he said.",
    )
    newer = factories.make_article(
        title="A newer",
        published_date=datetime.date(2024, 6, 1),
        published_date_precision="day",
        body="“No,” she said.",
    )
    evidence = [factories.make_quote(older, "Yes"), factories.make_quote(newer, "No")]
    claim = factories.make_claim(
        topics=[factories.make_topic(name=name) for name in ["Ukraine", "NATO expansion"]],
        articles=[older, newer],
        evidence=evidence,
    )
    for name, role in [("Zed", "claimant"), ("Abe", "subject"), ("Amy", "claimant")]:
        ClaimActor.objects.create(claim=claim, person=factories.make_person(name=name), role=role)
    (row,) = json.loads(body(client.get(reverse("claims:claim_list"), {"format": "json"})))
    assert (
        [actor["name"] for actor in row["actors"]]
        == [actor.person.name for actor in claim.claim_actors.all()]
        == ["Amy", "Zed", "Abe"]
    )
    assert row["topics"] == [topic.name for topic in claim.topics.all()]
    assert (
        [article["title"] for article in row["reporting_articles"]]
        == [article.display_title for article in claim.articles.all()]
        == ["A newer", "B older"]
    )
    assert (
        [quote["text"] for quote in row["evidence"]]
        == [quote.text for quote in claim.evidence.all()]
        == ["No", "Yes"]
    )


def test_path_templates_give_what_reverse_gives(db):
    person = factories.make_person(name="Jens Stoltenberg")
    assert path_template("claims:person").format(pk=person.pk, slug=person.slug) == (
        person.get_absolute_url()
    )
    source = factories.make_source()
    assert path_template("claims:source", slug=False).format(pk=source.pk) == (
        source.get_absolute_url()
    )
