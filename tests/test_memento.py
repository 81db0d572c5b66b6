"""Memento (RFC 7089): each capture of an address is a memento with a page of its own; the
TimeGate negotiates by Accept-Datetime, the TimeMaps list every memento; a person looks an address
up; the Cite box cites the capture shown as a Robust Link. Checked as RFC 7089's examples lay
them out, with a strict link-format parser, and with the Memento project's own client
(memento-client) over HTTP."""

import datetime
import html
import json
import re

import pytest
import requests
from django.test import Client
from django.urls import reverse
from django.utils.http import http_date
from memento_client import MementoClient

from articles.models import Capture, Revisit
from tests import factories

pytestmark = pytest.mark.django_db

URL = "https://news.example/2025/07/aid-talks"
UTC = datetime.UTC
FIRST = datetime.datetime(2025, 7, 1, 9, 0, tzinfo=UTC)
SECOND = datetime.datetime(2025, 7, 3, 12, 30, tzinfo=UTC)
THIRD = datetime.datetime(2025, 7, 10, 18, 15, tzinfo=UTC)


def capture_of(article, retrieved_at, *, request_url=URL, final_url=URL):
    return Capture.objects.create(
        article=article,
        origin=Capture.Origin.URL,
        raw=f"{article.body} {request_url} {retrieved_at}".encode(),
        content_type="text/plain",
        request_url=request_url,
        final_url=final_url,
        http_status=200,
        retrieved_at=retrieved_at,
        text=article.body,
        extractor="tests",
    )


@pytest.fixture
def article():
    """An article of URL, pasted once (of unknown date), then captured three times."""
    article = factories.make_article(url=URL)
    for when in (SECOND, FIRST, THIRD):
        capture_of(article, when)
    return article


def mementos(article):
    return list(article.captures.filter(retrieved_at__isnull=False).order_by("retrieved_at"))


def vary(response):
    return [name.strip().lower() for name in response["Vary"].split(",")]


def rfc1123(when):
    return http_date(when.timestamp())


# A strict reading of application/link-format (RFC 6690 section 2, RFC 8288 section 3): links
# separated by commas, each <URI> then ;-separated parameters of a token and a quoted string or
# token. Anything else fails.
TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
LINK_VALUE = re.compile(
    rf'\s*<(?P<uri>[^<>\s]*)>(?P<params>(?:\s*;\s*{TOKEN}\s*=\s*(?:"[^"\\]*"|{TOKEN}))*)\s*'
)
PARAM = re.compile(rf'\s*;\s*(?P<name>{TOKEN})\s*=\s*(?:"(?P<quoted>[^"\\]*)"|(?P<token>{TOKEN}))')


def parse_links(text):
    """[(uri, {parameter: value})] of a link-format document or Link header; ValueError if it
    is not one."""
    links, position = [], 0
    while True:
        match = LINK_VALUE.match(text, position)
        if not match:
            raise ValueError(f"not a link at {position}: {text[position : position + 40]!r}")
        params = {
            param["name"].lower(): param["token"] if param["quoted"] is None else param["quoted"]
            for param in PARAM.finditer(match["params"])
        }
        links.append((match["uri"], params))
        position = match.end()
        if position == len(text):
            return links
        if text[position] != ",":
            raise ValueError(f"expected a comma at {position}: {text[position : position + 40]!r}")
        position += 1


def by_rel(links):
    """{each relation type: [uri, …]} (a rel holds space-separated types)."""
    found = {}
    for uri, params in links:
        for rel in params["rel"].split():
            found.setdefault(rel, []).append(uri)
    return found


def test_the_parser_is_strict():
    assert parse_links('<http://a.example/>; rel="original"') == [
        ("http://a.example/", {"rel": "original"})
    ]
    for broken in ['<http://a.example/> rel="original"', '<http://a.example/>; rel="x",',
                   'http://a.example/; rel="x"', '<http://a.example/>; rel="x" <b>']:  # fmt: skip
        with pytest.raises(ValueError):
            parse_links(broken)


# The TimeGate, as in RFC 7089 section 4.1.1 (pattern 2.2 without a redirect from URI-R).


@pytest.mark.parametrize(
    ("asked", "expected"),
    [
        (datetime.datetime(2020, 1, 1, tzinfo=UTC), 0),  # before the first
        (datetime.datetime(2025, 7, 2, 8, 0, tzinfo=UTC), 0),  # nearer the first
        (datetime.datetime(2025, 7, 2, 12, 0, tzinfo=UTC), 1),  # nearer the second
        (SECOND, 1),  # exactly one
        (datetime.datetime(2025, 7, 8, 0, 0, tzinfo=UTC), 2),  # nearer the third
        (datetime.datetime(2030, 1, 1, tzinfo=UTC), 2),  # after the last
    ],
)
def test_the_timegate_redirects_to_the_memento_nearest_the_datetime_asked(
    client, article, asked, expected
):
    response = client.get(f"/timegate/{URL}", headers={"Accept-Datetime": rfc1123(asked)})
    assert response.status_code == 302
    chosen = mementos(article)[expected]
    assert response["Location"] == f"http://testserver{chosen.get_absolute_url()}"
    assert "accept-datetime" in vary(response)
    rels = by_rel(parse_links(response["Link"]))
    assert rels["original"] == [URL]
    assert rels["timemap"] == [f"http://testserver/timemap/link/{URL}"]
    assert rels["first"] == [f"http://testserver{mementos(article)[0].get_absolute_url()}"]
    assert rels["last"] == [f"http://testserver{mementos(article)[-1].get_absolute_url()}"]


def test_the_timegate_redirects_to_the_latest_without_a_datetime(client, article):
    response = client.get(f"/timegate/{URL}")
    assert response.status_code == 302
    assert response["Location"].endswith(mementos(article)[-1].get_absolute_url())
    assert "accept-datetime" in vary(response)


@pytest.mark.parametrize(
    "header",
    ["yesterday", "2025-07-03", "Thu, 31 Feb 2025 12:00:00 GMT", "Thu, 03 Jul 2025 25:00:00 GMT",
     "", "Thu, 03 Jul 2025 12:00:00", "<hostile-tag>", "Thu, 03 Jul 99999 12:00:00 GMT"],
)  # fmt: skip
def test_a_malformed_accept_datetime_is_a_400(client, article, header):
    response = client.get(f"/timegate/{URL}", headers={"Accept-Datetime": header})
    assert response.status_code == 400
    assert "RFC 1123" in response.text
    assert "accept-datetime" in vary(response)


def test_the_older_http_date_forms_are_read_as_http_says(client, article):
    response = client.get(
        f"/timegate/{URL}", headers={"Accept-Datetime": "Thursday, 03-Jul-25 12:30:00 GMT"}
    )
    assert response["Location"].endswith(mementos(article)[1].get_absolute_url())


@pytest.mark.parametrize("prefix", ["/timegate/", "/timemap/link/", "/timemap/json/"])
def test_an_address_never_captured_is_a_404(client, article, prefix):
    assert client.get(f"{prefix}https://news.example/never").status_code == 404
    assert client.get(f"{prefix}{URL}/").status_code == 404  # another resource


def test_a_capture_of_unknown_date_is_no_memento(client):
    factories.make_article(url="https://news.example/pasted")
    assert client.get("/timegate/https://news.example/pasted").status_code == 404


def test_the_address_is_matched_as_captured_redirected_or_canonical(client, article):
    other = factories.make_article(url="https://news.example/canonical")
    capture_of(other, FIRST, request_url="https://short.example/x",
               final_url="https://news.example/landed")  # fmt: skip
    addresses = ["https://short.example/x", "https://news.example/landed",
                 "https://news.example/canonical", "HTTPS://News.Example/canonical#x"]  # fmt: skip
    for address in addresses:
        response = client.get(f"/timegate/{address}")
        assert response.status_code == 302, address
        assert f"/articles/{other.pk}/captures/" in response["Location"]


def test_the_query_string_is_the_original_urls_own(client):
    article = factories.make_article(url="https://news.example/story?id=7&page=2")
    capture_of(article, FIRST, request_url="https://news.example/story?id=7&page=2")
    assert client.get("/timegate/https://news.example/story?id=7&page=2").status_code == 302
    assert client.get("/timegate/https://news.example/story?id=7").status_code == 404


def test_merged_slashes_and_percent_encoding_are_read_as_clients_mean_them(client):
    article = factories.make_article(url="https://news.example/caf%C3%A9/a%20b")
    capture_of(article, FIRST, request_url="https://news.example/caf%C3%A9/a%20b")
    for path in ["/timegate/https:/news.example/caf%C3%A9/a%20b",
                 "/timegate/https://news.example/café/a b"]:  # fmt: skip
        assert client.get(path).status_code == 302, path


# The TimeMaps, as in RFC 7089 section 5.1.


def test_the_link_timemap_lists_every_memento_as_the_rfc_lays_it_out(client, article):
    response = client.get(f"/timemap/link/{URL}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/link-format"
    links = parse_links(response.text)
    rels = by_rel(links)
    expected = [f"http://testserver{memento.get_absolute_url()}" for memento in mementos(article)]
    assert rels["original"] == [URL]
    assert rels["timegate"] == [f"http://testserver/timegate/{URL}"]
    assert rels["self"] == [f"http://testserver/timemap/link/{URL}"]
    assert rels["memento"] == expected
    assert rels["first"] == expected[:1] and rels["last"] == expected[-1:]
    params = dict(links)
    assert params[rels["self"][0]]["type"] == "application/link-format"
    assert params[rels["self"][0]]["from"] == rfc1123(FIRST)
    assert params[rels["self"][0]]["until"] == rfc1123(THIRD)
    assert [params[uri]["datetime"] for uri in expected] == [rfc1123(FIRST), rfc1123(SECOND),
                                                             rfc1123(THIRD)]  # fmt: skip


def test_one_memento_is_both_first_and_last(client):
    article = factories.make_article(url="https://news.example/once")
    capture_of(article, FIRST, request_url="https://news.example/once")
    links = parse_links(client.get("/timemap/link/https://news.example/once").text)
    assert [params["rel"] for _, params in links][-1] == "first last memento"


def test_the_json_timemap_has_the_shape_aggregators_give(client, article):
    response = client.get(f"/timemap/json/{URL}")
    assert response.status_code == 200
    timemap = response.json()
    assert timemap["original_uri"] == URL
    assert timemap["timegate_uri"] == f"http://testserver/timegate/{URL}"
    assert timemap["timemap_uri"] == {
        "link_format": f"http://testserver/timemap/link/{URL}",
        "json_format": f"http://testserver/timemap/json/{URL}",
    }
    listed = timemap["mementos"]["list"]
    assert [m["datetime"] for m in listed] == [
        "2025-07-01T09:00:00Z", "2025-07-03T12:30:00Z", "2025-07-10T18:15:00Z"
    ]  # fmt: skip
    assert [m["uri"] for m in listed] == [
        f"http://testserver{m.get_absolute_url()}" for m in mementos(article)
    ]
    assert timemap["mementos"]["first"] == listed[0]
    assert timemap["mementos"]["last"] == listed[-1]


# Each capture's own page.


def test_each_memento_page_gives_its_datetime_and_links(client, article):
    for memento in mementos(article):
        response = client.get(memento.get_absolute_url())
        assert response.status_code == 200
        assert response["Memento-Datetime"] == rfc1123(memento.retrieved_at)
        rels = by_rel(parse_links(response["Link"]))
        assert rels == {
            "original": [URL],
            "timegate": [f"http://testserver/timegate/{URL}"],
            "timemap": [f"http://testserver/timemap/link/{URL}"],
        }
        own = f"http://testserver{memento.get_absolute_url()}"
        assert f'<link rel="canonical" href="{own}">' in response.text
        assert f'name="citation_public_url" content="{own}"' in response.text


def test_a_capture_of_unknown_date_has_a_page_but_no_memento_headers(client, article):
    pasted = article.captures.get(retrieved_at=None)
    response = client.get(pasted.get_absolute_url())
    assert response.status_code == 200
    assert "Memento-Datetime" not in response and "Link" not in response


def test_a_capture_of_another_article_is_a_404(client, article):
    other = factories.make_article()
    capture = mementos(article)[0]
    assert client.get(f"/articles/{other.pk}/captures/{capture.pk}/").status_code == 404


def test_the_old_capture_links_redirect_permanently_to_the_captures_page(client, article):
    capture = mementos(article)[0]
    response = client.get(f"{article.get_absolute_url()}?capture={capture.pk}")
    assert response.status_code == 301
    assert response["Location"] == capture.get_absolute_url()
    other = factories.make_article().captures.get()
    assert client.get(f"{article.get_absolute_url()}?capture={other.pk}").status_code == 400


def test_a_memento_page_reads_as_many_queries_as_the_article_page(
    client, article, django_assert_num_queries
):
    # As tests/test_pages.py counts the article page: article with outlet, its authors, quotes,
    # captures without their bytes (none retrieved again: no revisits read), claims it reports,
    # the claims' appearances in it, the bytes of the capture shown.
    url = mementos(article)[0].get_absolute_url()
    with django_assert_num_queries(7):
        client.get(url)


# The Cite box cites the capture shown, as a Robust Link.


def robust_link(page):
    """The HTML the Cite box gives to copy (escaped in its text area, as it must be)."""
    textarea = re.search(r'<textarea id="robust-link-[^"]*"[^>]*>([^<]*)</textarea>', page)
    return textarea and html.unescape(textarea[1])


def test_the_cite_box_cites_the_capture_shown_as_a_robust_link(client, article):
    earlier = mementos(article)[0]
    page = client.get(earlier.get_absolute_url()).text
    own = f"http://testserver{earlier.get_absolute_url()}"
    assert f'readonly value="{own}"' in page  # This capture
    link = robust_link(page)
    assert f'href="{own}"' in link
    assert f'data-originalurl="{URL}"' in link
    assert 'data-versiondate="2025-07-01T09:00:00Z"' in link
    assert f"{own} (accessed" in page  # the plain-text citation
    assert "Archived by newsarchive, 1 July 2025." in page
    living = article.get_absolute_url()
    assert f'readonly value="http://testserver{living}"' in page  # the living permalink


def test_the_article_page_cites_its_latest_capture(client, article):
    page = client.get(article.get_absolute_url()).text
    latest = f"http://testserver{mementos(article)[-1].get_absolute_url()}"
    assert 'data-versiondate="2025-07-10T18:15:00Z"' in robust_link(page)
    assert f'name="citation_public_url" content="{latest}"' in page
    assert f'<link rel="canonical" href="http://testserver{article.get_absolute_url()}">' in page


def test_a_title_with_markup_stays_text_in_the_robust_link(client, article):
    article.title = "</textarea><hostile-tag> & more"
    article.save()
    page = client.get(mementos(article)[0].get_absolute_url()).text
    assert "<hostile-tag>" not in page
    assert ">&lt;/textarea&gt;&lt;hostile-tag&gt; &amp; more</a>" in robust_link(page)


def test_a_capture_without_an_address_is_cited_at_its_page_with_no_robust_link(client):
    article = factories.make_article()
    page = client.get(article.captures.get().get_absolute_url()).text
    assert "This capture" in page and robust_link(page) is None


# The lookup page.


def test_the_lookup_page_lists_an_addresss_captures_by_date(client, article):
    response = client.get(reverse("articles:lookup"), {"url": URL})
    assert response.status_code == 200
    page = response.text
    shown = [page.index(m.get_absolute_url()) for m in mementos(article)]
    assert shown == sorted(shown)
    assert "date unknown" in page  # the pasted capture of its article
    assert f"/timemap/json/{URL}" in page


def test_the_lookup_page_says_when_an_address_was_never_captured(client, article):
    response = client.get(reverse("articles:lookup"), {"url": "https://news.example/never"})
    assert response.status_code == 200
    assert "The archive holds no capture of" in response.text


def test_the_lookup_page_is_linked_from_every_page(client, article):
    assert f'href="{reverse("articles:lookup")}"' in client.get("/").text


@pytest.mark.parametrize(
    "value",
    ["javascript:alert('hostile')", "ftp://news.example/", "not a url at all <hostile-tag>",
     "https://" + "a" * 2100 + ".example/", "http://", "data:text/html,<hostile-tag>"],
)  # fmt: skip
def test_the_lookup_page_refuses_what_is_no_web_address_with_a_400(client, value):
    response = client.get(reverse("articles:lookup"), {"url": value})
    assert response.status_code == 400
    assert "That address can't be looked up." in response.text
    assert "<hostile-tag>" not in response.text


# A retrieval that found a capture's bytes again (a revisit) is a memento at its own time, with
# a page of its own: clients key mementos by URI, and a URI-M's page gives its datetime.

REVISITED = datetime.datetime(2025, 7, 5, 6, 0, tzinfo=UTC)


def revisit_of(capture, retrieved_at, *, url=URL):
    return Revisit.objects.create(
        capture=capture, origin=Capture.Origin.URL, request_url=url, final_url=url,
        http_status=200, retrieved_at=retrieved_at,
    )  # fmt: skip


@pytest.fixture
def revisit(article):
    """The page retrieved again on 5 July, its bytes those of the capture of 3 July."""
    return revisit_of(mementos(article)[1], REVISITED)


def test_the_timemap_lists_a_revisit_at_its_own_datetime_and_page(client, article, revisit):
    links = parse_links(client.get(f"/timemap/link/{URL}").text)
    listed = [(uri, params["datetime"]) for uri, params in links if "datetime" in params]
    first, second, third = mementos(article)
    assert listed == [
        (f"http://testserver{first.get_absolute_url()}", rfc1123(FIRST)),
        (f"http://testserver{second.get_absolute_url()}", rfc1123(SECOND)),
        (f"http://testserver{revisit.get_absolute_url()}", rfc1123(REVISITED)),
        (f"http://testserver{third.get_absolute_url()}", rfc1123(THIRD)),
    ]
    timemap = client.get(f"/timemap/json/{URL}").json()
    assert [m["datetime"] for m in timemap["mementos"]["list"]][2] == "2025-07-05T06:00:00Z"


@pytest.mark.parametrize(
    ("asked", "expected"),
    [(datetime.datetime(2025, 7, 4, 0, 0, tzinfo=UTC), "second"),
     (datetime.datetime(2025, 7, 5, 0, 0, tzinfo=UTC), "revisit"),
     (datetime.datetime(2025, 7, 9, 0, 0, tzinfo=UTC), "third")],
)  # fmt: skip
def test_the_timegate_chooses_among_captures_and_revisits_by_datetime(
    client, article, revisit, asked, expected
):
    chosen = {"second": mementos(article)[1], "revisit": revisit, "third": mementos(article)[2]}
    response = client.get(f"/timegate/{URL}", headers={"Accept-Datetime": rfc1123(asked)})
    assert response["Location"] == f"http://testserver{chosen[expected].get_absolute_url()}"


def test_a_revisit_is_the_last_memento_when_it_is_the_latest_retrieval(client, article):
    latest = revisit_of(mementos(article)[0], datetime.datetime(2025, 8, 1, tzinfo=UTC))
    response = client.get(f"/timegate/{URL}")
    assert response["Location"] == f"http://testserver{latest.get_absolute_url()}"
    assert by_rel(parse_links(response["Link"]))["last"] == [response["Location"]]


def test_a_revisits_page_gives_its_own_datetime_and_its_addresss_links(client, article, revisit):
    response = client.get(revisit.get_absolute_url())
    assert response.status_code == 200
    assert response["Memento-Datetime"] == rfc1123(REVISITED)
    assert by_rel(parse_links(response["Link"])) == {
        "original": [URL],
        "timegate": [f"http://testserver/timegate/{URL}"],
        "timemap": [f"http://testserver/timemap/link/{URL}"],
    }


def test_a_revisit_from_another_address_is_a_memento_of_that_address(client, article):
    other = "https://news.example/amp/aid-talks"
    revisit = revisit_of(mementos(article)[0], REVISITED, url=other)
    response = client.get(f"/timegate/{other}")
    assert response["Location"] == f"http://testserver{revisit.get_absolute_url()}"
    page = client.get(revisit.get_absolute_url())
    assert by_rel(parse_links(page["Link"]))["original"] == [other]


def test_the_lookup_page_lists_revisits(client, article, revisit):
    page = client.get(reverse("articles:lookup"), {"url": URL}).text
    assert "Retrieved again, the same bytes found" in page
    assert f'<a href="{revisit.get_absolute_url()}">5 July 2025, 06:00 UTC</a>: identical' in page


# Hostile input in the path of the TimeGate and TimeMaps: never a 5xx.

HOSTILE_ADDRESSES = [
    "javascript:alert(1)",
    "ftp://news.example/",
    "data:text/html,<script>x</script>",
    "file:///etc/passwd",
    "mailto:a@news.example",
    "https://news.example/" + "a" * 5000,
    "https://news.example/%00",
    "https://news.example/\x00",
    "https://news.example/%FF%FE",
    "https://news.example/%ED%A0%80",
    "https://news.example/../../etc/passwd",
    "https://[::1",
    "https://news.example:99999/",
    "https://user:pass@news.example/",
    "<hostile-tag>",
    "%3Chostile-tag%3E",
    'https://news.example/a>b; rel="x", <c',
    "😀",
    "http:",
    "http:/",
    "//news.example/",
]


@pytest.mark.parametrize("prefix", ["/timegate/", "/timemap/link/", "/timemap/json/"])
@pytest.mark.parametrize("address", HOSTILE_ADDRESSES)
def test_hostile_addresses_get_a_400_or_404_never_a_5xx(article, prefix, address):
    response = Client(raise_request_exception=False).get(
        prefix + address, headers={"Accept-Datetime": rfc1123(FIRST)}
    )
    assert response.status_code in (400, 404), response.status_code
    assert "<hostile-tag>" not in response.content.decode(errors="replace")


# A real Memento client, over HTTP.


@pytest.fixture
def memento_client(live_server):
    session = requests.Session()
    session.trust_env = False  # loopback only, never a proxy
    client = MementoClient(
        timegate_uri=f"{live_server.url}/timegate/", check_native_timegate=False, session=session
    )
    yield client
    session.close()


def test_the_memento_client_finds_the_memento_nearest_a_date(
    live_server, transactional_db, memento_client
):
    article = factories.make_article(url=URL)
    for when in (FIRST, SECOND, THIRD):
        capture_of(article, when)
    first, second, third = mementos(article)
    asked = datetime.datetime(2025, 7, 3, 0, 0)  # the client sends naive datetimes as GMT
    # Asked from a memento's page, the client reads its original URL there (rel="original"): it
    # never goes to the original site.
    info = memento_client.get_memento_info(f"{live_server.url}{first.get_absolute_url()}", asked)
    assert info["original_uri"] == URL
    closest = info["mementos"]["closest"]
    assert closest["uri"] == [f"{live_server.url}{second.get_absolute_url()}"]
    assert closest["datetime"] == SECOND.replace(tzinfo=None)
    assert info["mementos"]["first"]["uri"] == [f"{live_server.url}{first.get_absolute_url()}"]
    assert info["mementos"]["last"]["uri"] == [f"{live_server.url}{third.get_absolute_url()}"]
    assert MementoClient.is_memento(
        f"{live_server.url}{first.get_absolute_url()}", session=memento_client.session
    )
    session = memento_client.session
    timemap = session.get(f"{live_server.url}/timemap/link/{URL}", timeout=10).text
    assert MementoClient.parse_link_header(timemap)[URL]["rel"] == ["original"]
    timemap = session.get(f"{live_server.url}/timemap/json/{URL}", timeout=10).text
    assert json.loads(timemap)["original_uri"] == URL


def test_the_memento_client_finds_a_revisit_as_the_memento_nearest_its_date(
    live_server, transactional_db, memento_client
):
    article = factories.make_article(url=URL)
    for when in (FIRST, THIRD):
        capture_of(article, when)
    first = mementos(article)[0]
    revisit = revisit_of(first, SECOND)
    # Asked from a memento's page, as above: the client never goes to the original site.
    info = memento_client.get_memento_info(
        f"{live_server.url}{first.get_absolute_url()}", datetime.datetime(2025, 7, 3, 0, 0)
    )
    closest = info["mementos"]["closest"]
    assert closest["uri"] == [f"{live_server.url}{revisit.get_absolute_url()}"]
    assert closest["datetime"] == SECOND.replace(tzinfo=None)
    assert MementoClient.is_memento(closest["uri"][0], session=memento_client.session)
    timemap = memento_client.session.get(f"{live_server.url}/timemap/link/{URL}", timeout=10)
    parsed = MementoClient.parse_link_header(timemap.text)
    assert parsed[f"{live_server.url}{revisit.get_absolute_url()}"]["datetime"] == [rfc1123(SECOND)]
