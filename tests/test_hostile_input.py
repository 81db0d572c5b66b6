"""Every input gets a 2xx, a 3xx or a 4xx: never a 5xx, never markup reflected unescaped, never a
JSON body or download that doesn't parse.

The endpoints and their parameters are read from the URLconf and from each view's form or
FilterSet, so a new page or a new parameter is covered without touching this file; a view this
file can't place fails the test until PARAMETERS names where its parameters come from. The
archive is the seed corpus, loaded once for the module, and the requests run outside any test
transaction, as they do in production: a query that fails doesn't hide the next one's result.
"""

import json
import re
from urllib.parse import quote, unquote, urlencode

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alerts import urls as alert_urls
from alerts import views as alert_views
from articles import views as article_views
from articles.forms import ArticleListForm, ArticleViewForm, OriginalUrlForm
from articles.models import Article, Outlet, Person, Quote, Revisit
from claims import feeds, views
from claims.api import ClaimDetail, OpenApiDocument
from claims.exports import FORMATS, INCOMPLETE
from claims.filters import ClaimFilter
from claims.forms import ExportForm, SearchForm
from claims.models import Claim, Source, Topic
from claims.search import RESULT_KINDS
from claims.seed_build import SEED_FIXTURE
from core import views as core_views
from reconciliation import views as reconciliation_views
from reconciliation.forms import PreviewForm, QueriesForm, SuggestForm

MARKUP = [
    "<script>alert('hostile')</script>",
    "\"><img src=x onerror=alert('hostile')>",
    "'><svg/onload=alert('hostile')>",
    "<hostile-tag>",
    "</textarea><hostile-tag>",
    "</title><hostile-tag>",
    "<![CDATA[<hostile-tag>]]>",
    "javascript:alert('hostile')",
    "<a href=//hostile.example>x</a>",
    "&lt;hostile-tag&gt;",
]
SEARCH_SYNTAX = [
    "-" * 33,
    "-" * 200,
    "- " * 40,
    "-! " * 40,
    "(-" * 60,
    "-& " * 40,
    "!" * 60,
    '"' * 60,
    '"unterminated',
    '-"-"-"-"',
    "or " * 60,
    "OR",
    "a OR",
    "OR a",
    "--NATO",
    "NATO:*",
    "NATO & Ukraine | !Russia",
    "NATO <-> Ukraine",
    "(((((NATO",
    "'" * 50,
    "a " * 33,
    "a" * 200,
    "a" * 201,
    "x" * 3000,
    'Zelenskyy\'s -Kiev "Article 5" OR NATO',
    "e\u0301" * 60,
    "\\" * 40,
    "%",
    "_",
    "*",
]
NUMBERS = [
    "0",
    "-1",
    "-0",
    "1.5",
    "1e2",
    "1e999999",
    "9" * 5000,
    "NaN",
    "inf",
    "-Infinity",
    "0x10",
    "1_000",
    " 1",
    "+1",
    "\uff11",  # a fullwidth 1
    "٣",
    "2147483648",
    "9223372036854775808",
    "-9223372036854775809",
    "99999999999999999999999999",
]
PERIODS = ["0000", "0000-01", "9999", "9999-12", "10000", "2024-00", "2024-13", "2024-1",
           "2024-07-01", "-2024", "UNDATED", "2024-07\n", "\uff12\uff10\uff12\uff14"]  # fmt: skip
OTHERS = [
    "",
    " ",
    "\t\r\n",
    "\x01\x1f\x7f",
    "\u202e\u200b\ufeff",
    "😀" * 10,
    "1,2",
    "1;2",
    "[1]",
    "{1}",
    "1 OR 1=1",
    "' OR '1'='1",
    "1; DROP TABLE claims_claim;--",
    "../../etc/passwd",
    "{{7*7}}",
    "{% debug %}",
    "${7*7}",
    "%s%s%s%n",
    "%(x)s",
    "null",
    "true",
    "csv ",
    "JSON",
    "relevance\x0b",
]
HOSTILE_VALUES = [*MARKUP, *SEARCH_SYNTAX, *NUMBERS, *PERIODS, *OTHERS]
# Bytes that aren't text, sent percent-encoded as they stand: NUL, invalid and overlong UTF-8,
# an encoded surrogate.
RAW_VALUES = ["%00", "a%00b", "%FF%FE", "%C0%AF", "%ED%A0%80", "%E2%82", "%25%00"]


# Where each view's parameters come from. Views of the REST framework name their FilterSet
# themselves (filterset_class); a new view must be added here, or the test below fails.
PARAMETERS = {
    views.home: None,
    views.search: SearchForm,
    views.search_wacz: SearchForm,
    views.claim_list: ClaimFilter,
    views.claim_detail: None,
    views.claim_version: None,
    views.claim_changelog: None,
    views.record_version: None,
    views.record_changelog: None,
    views.topic_detail: ClaimFilter,
    views.source_detail: ClaimFilter,
    views.person_detail: ClaimFilter,
    views.outlet_detail: ClaimFilter,
    views.person_quotes: ExportForm,
    article_views.article_detail: ArticleViewForm,
    article_views.outlet_articles: ArticleListForm,
    article_views.person_articles: ArticleListForm,
    # Its form's choices are the article's captures: every value is sent to it.
    article_views.article_changes: ["old", "new"],
    article_views.capture_warc_download: None,
    article_views.capture_detail: None,
    article_views.revisit_detail: None,
    article_views.capture_lookup: OriginalUrlForm,
    # Memento's: the query string is the original URL's own, so any name carries a value into
    # the address looked up.
    article_views.timegate: ["q"],
    article_views.timemap_link: ["q"],
    article_views.timemap_json: ["q"],
    article_views.article_wacz_download: None,
    article_views.quote_detail: None,
    article_views.quote_version: None,
    article_views.quote_changelog: None,
    core_views.health: None,
    core_views.favicon: None,
    feeds.ClaimFeed: ClaimFilter,
    feeds.TopicClaimFeed: ClaimFilter,
    feeds.PersonClaimFeed: ClaimFilter,
    ClaimDetail: None,
    # drf-spectacular reads these two by hand.
    OpenApiDocument: ["lang", "version"],
    reconciliation_views.service: QueriesForm,
    reconciliation_views.suggest_entity: SuggestForm,
    reconciliation_views.suggest_type: SuggestForm,
    reconciliation_views.preview: PreviewForm,
    # The follow pages read the followed page's parameters; the alert feeds, of a view or a
    # search, too (every name is sent to each: a record's feed reads none).
    alert_views.follow_view: ClaimFilter,
    alert_views.follow_search: ["q"],
    alert_views.follow_record: None,
    alert_urls.feed: ["q", *ClaimFilter.base_filters],
    # Their one parameter is the signed value in the address.
    alert_views.confirm: None,
    alert_views.unsubscribe: None,
}
# The object each kind of permalink names, by the URL's first segments.
OBJECTS = {
    "claims": Claim,
    "topics": Topic,
    "sources": Source,
    "people": Person,
    "outlets": Outlet,
    "articles": Article,
    "quotes": Quote,
    "feeds/topics": Topic,
    "feeds/people": Person,
    "api/claims": Claim,
    **{
        f"alerts/{action}/{kind}": model
        for action in ["follow", "feeds"]
        for kind, model in [
            ("claims", Claim),
            ("topics", Topic),
            ("people", Person),
            ("outlets", Outlet),
            ("articles", Article),
        ]
    },
}
# Besides its own view, each list's downloads (?format=) and search's kinds are exercised with
# every value of the search text, the parameter that reaches their queries (the others are
# validated by the same form as the view's).
EXTRA_CONTEXTS = {
    views.claim_list: [{"format": name} for name in FORMATS],
    views.person_quotes: [{"format": name} for name in FORMATS],
    views.search: [
        *({"type": kind, "format": "json"} for kind in RESULT_KINDS),
        *({"type": "claims", "format": name} for name in FORMATS if name != "json"),
    ],
}


def public_patterns(resolver=None, prefix=""):
    """(route, pattern) of every URL but the admin's."""
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name != "admin":
                yield from public_patterns(pattern, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


def view_of(pattern: URLPattern):
    callback = pattern.callback
    return getattr(callback, "cls", None) or (
        type(callback) if isinstance(callback, feeds.ClaimFeed) else callback
    )


def parameter_source(view):
    """The FilterSet or form that reads the view's parameters, a list of names read without
    one, or None for a view without parameters."""
    return getattr(view, "filterset_class", None) or PARAMETERS[view]


def parameter_names(view):
    source = parameter_source(view)
    if source is None or isinstance(source, list):
        return source or []
    return list(getattr(source, "base_filters", None) or source.base_fields)


def acceptance(view):
    """(name, value) -> whether the parameter's own field accepts the value alone."""
    source = parameter_source(view)

    def accepts(name, value):
        if not hasattr(source, "base_filters") and not hasattr(source, "base_fields"):
            return True  # read without a form: every value goes through
        data = MultiValueDict({name: [value]})
        if hasattr(source, "base_filters"):
            form = source(data, queryset=source._meta.model.objects.none()).form
        else:
            form = source(data)
        return name not in form.errors

    return accepts


# The original URL of Memento's TimeGate and TimeMaps (the seed corpus has none).
ORIGINAL_URL = "https://news.example/2025/07/aid"


def concrete_path(route):
    """The route with the ids and slug of an object of the seed corpus (its first version, and
    its first capture)."""
    route = route.replace("<path:url>", ORIGINAL_URL).replace("<str:token>", "not-signed")
    if "<" not in route:
        return "/" + route
    kind = re.match(r"(.*?)/<", route)[1]
    obj = OBJECTS[kind].objects.order_by("pk").first()
    path = route.replace("<int:pk>", str(obj.pk)).replace("<int:number>", "1")
    if "<int:capture_pk>" in path:
        capture = obj.captures.order_by("pk").first()
        path = path.replace("<int:capture_pk>", str(capture.pk))
        if "<int:revisit_pk>" in path:
            path = path.replace("<int:revisit_pk>", str(capture.revisits.get().pk))
    return "/" + (path.replace("<slug:slug>", obj.slug) if "<slug:slug>" in path else path)


def endpoints():
    """(path, parameter names, fixed parameters, acceptance) of every public endpoint, once as
    it is and once in each of its EXTRA_CONTEXTS."""
    found = []
    for route, pattern in public_patterns():
        view = view_of(pattern)
        unplaced = view not in PARAMETERS and not hasattr(view, "filterset_class")
        assert not unplaced, f"say where {route}'s parameters come from in PARAMETERS"
        names = parameter_names(view)
        path = concrete_path(route)
        found.append((path, names, {}, acceptance(view)))
        for context in EXTRA_CONTEXTS.get(view, []):
            found.append((path, ["q"], context, acceptance(view)))
    return found


@pytest.fixture
def public_endpoints(transactional_db):
    """Every endpoint, over the seed corpus. The requests run in autocommit, as in production;
    each test loops over every endpoint, so the corpus is loaded (and emptied) once per test."""
    call_command("loaddata", str(SEED_FIXTURE), verbosity=0)
    # The seed has no page retrieved again: a revisit of the first capture, for its page.
    Revisit.objects.create(
        capture=Article.objects.order_by("pk").first().captures.order_by("pk").first(),
        origin="url", request_url="https://news.example/again", http_status=200,
        retrieved_at=timezone.now(),
    )  # fmt: skip
    return endpoints()


def problems_with(response, sent):
    """What is wrong with a response to a request that sent the values `sent`: [] if nothing."""
    if response.status_code >= 500:
        return [f"status {response.status_code}"]
    content_type = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8", errors="replace")
    problems = []
    if INCOMPLETE in text:
        problems.append("a download marked incomplete")
    if response.status_code == 200 and "json" in content_type:
        try:
            json.loads(text)
        except ValueError as error:
            problems.append(f"JSON that doesn't parse: {error}")
    if "html" in content_type or "xml" in content_type:
        # Every value with markup holds "hostile" (the generated ones, <hostile-tag>).
        reflected = [value for value in sent if "hostile" in value and value in text]
        problems += [f"{value!r} reflected unescaped" for value in reflected]
    return problems


def request(client, path, parameters, raw_query=""):
    """What is wrong with the answer to GET path with parameters ([(name, value)]) and,
    appended as it stands, a raw query."""
    query = "&".join(filter(None, [urlencode(parameters, quote_via=quote), raw_query]))
    return problems_with(client.get(f"{path}?{query}"), [value for _, value in parameters])


def test_the_corpus_is_large_and_the_endpoints_are_all_found(public_endpoints):
    assert len(HOSTILE_VALUES) + len(RAW_VALUES) >= 80
    paths = {path for path, *_ in public_endpoints}
    assert {"/claims/", "/search/", "/api/claims/", "/feeds/claims/", "/health/"} <= paths
    assert len(paths) >= 20
    assert any("format" in context for _, _, context, _ in public_endpoints)


@pytest.mark.timeout(600)  # some 5,400 requests
def test_no_hostile_value_in_any_parameter_gets_a_5xx_or_is_reflected(public_endpoints):
    """Each value goes into every parameter of an endpoint at once, so that each parameter's
    validation sees it; and alone into each parameter whose validation accepts it, so that it
    reaches the queries and the page. (A value a parameter refuses is a 400 before any query.)"""
    client = Client(raise_request_exception=False)
    failures = []
    for path, names, context, accepts in public_endpoints:
        fixed = list(context.items())
        # The same request is sent once: a view without parameters gets none of the values, and
        # a single parameter's "every parameter at once" is the value alone.
        sent = set()
        for value in HOSTILE_VALUES:
            alone = [[(name, value)] for name in names if accepts(name, value)]
            for parameters in [[(name, value) for name in names], *alone]:
                if (key := tuple(parameters)) not in sent:
                    sent.add(key)
                    problems = request(client, path, [*fixed, *parameters])
                    failures += [(path, context, parameters, problem) for problem in problems]
        for raw in RAW_VALUES:
            decoded = unquote(raw, errors="replace")
            alone = [f"{name}={raw}" for name in names if accepts(name, decoded)]
            for query in ["&".join(f"{name}={raw}" for name in names), *alone]:
                if query not in sent:
                    sent.add(query)
                    problems = request(client, path, fixed, query)
                    failures += [(path, context, query, problem) for problem in problems]
    assert not failures, f"{len(failures)} failures, the first: {failures[:20]}"


# Text of any kind, and text made of what search syntax and numbers are made of.
ANY_TEXT = st.text(max_size=250)
SYNTAX_TEXT = st.text(alphabet="-\"!()|&:*<> 'aoORrNATO019.e+", max_size=250)
NUMBER_TEXT = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.from_regex(r"\A-?\d{1,6}(-\d{1,3})?\Z"),
)
VALUES = st.one_of(ANY_TEXT, SYNTAX_TEXT, NUMBER_TEXT, ANY_TEXT.map("<hostile-tag>{}".format))
# A few hundred examples per endpoint (every public path, as it is).
EXAMPLES_PER_ENDPOINT = 200


def generated_endpoints():
    """(route, parameter names) of each endpoint with parameters; not the permalinks without a
    slug, which only redirect to those with one."""
    found = []
    for route, pattern in public_patterns():
        names = parameter_names(view_of(pattern))
        if names and pattern.name:
            found.append((route, names))
    return found


def generated_requests(client, path, names):
    """A hypothesis test: requests to path with up to four generated values of its parameters."""

    @settings(
        max_examples=EXAMPLES_PER_ENDPOINT,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
        database=None,
    )
    @given(st.lists(st.tuples(st.sampled_from(names), VALUES), min_size=1, max_size=4))
    def check(parameters):
        problems = request(client, path, parameters)
        assert not problems, (path, parameters, problems)

    return check


@pytest.mark.timeout(600)  # some 4,000 requests
def test_generated_text_and_numbers_get_no_5xx(public_endpoints):
    client = Client(raise_request_exception=False)
    failures = []
    for route, names in generated_endpoints():
        try:
            generated_requests(client, concrete_path(route), names)()
        except AssertionError as failure:  # the smallest example hypothesis found
            failures.append(str(failure))
    assert not failures, "\n".join(failures)
