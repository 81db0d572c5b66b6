from django.db import router
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from articles.models import Article, Outlet, Person, Quote
from articles.wacz import wacz_response
from claims.changes import mark_vanished
from claims.explorer import explore
from claims.exports import InOrder, export_links, export_response
from claims.facets import archive_claim_counts
from claims.filters import error_messages
from claims.forms import ExportForm, SearchForm
from claims.models import Claim, Source, Topic
from claims.reporting import outlet_tellings
from claims.search import (
    articles_found,
    prepare_search,
    search_articles,
    search_claims,
    search_everything,
    search_quotes,
    suggest,
)
from claims.versions import claim_versions, source_versions
from core.middleware import wants_json
from core.page_cache import cache_anonymous_page
from core.pages import NoSuchPage, first_rows
from core.permalinks import redirect_to_canonical
from core.versions import changelog_page, record_versions, version_page

LATEST_CLAIMS = 10
QUOTES_ON_PERSON_PAGE = 20
# An outlet's or an author's newest articles; the rest on their own pages (articles.views).
ARTICLES_ON_PAGE = 20


def home(request):
    claims, topics = archive_claim_counts(router.db_for_read(Claim))
    context = {
        "counts": {
            "articles": Article.objects.count(),
            "outlets": Outlet.objects.count(),
            "people": Person.objects.count(),
            "quotes": Quote.objects.count(),
            "claims": claims,
        },
        "latest_claims": Claim.objects.for_lists()[:LATEST_CLAIMS],
        "topics": topics,
    }
    return render(request, "home.html", context)


def claim_list(request):
    return _render_exploration(request, "claims/claim_list.html", {})


@cache_anonymous_page
def claim_detail(request, pk, slug=None):
    claim = get_object_or_404(Claim.objects.for_detail_page(), pk=pk)
    if redirect := redirect_to_canonical(request, claim, slug):
        return redirect
    context = {"claim": claim, **_how_outlets_reported(claim)}
    return render(request, "claims/claim_detail.html", context)


@cache_anonymous_page
def claim_version(request, pk, number):
    return version_page(
        request,
        claim_versions(pk),
        number,
        "claims/_claim_body.html",
        content_context=_how_outlets_reported,
    )


def _how_outlets_reported(claim):
    """What the claim's page shows beside the claim itself: its reporting articles' words."""
    tellings, differences = outlet_tellings(claim)
    mark_vanished([telling.appearance for telling in tellings if telling.appearance])
    return {"tellings": tellings, "differences": differences}


@cache_anonymous_page
def claim_changelog(request, pk):
    return changelog_page(request, claim_versions(pk))


# People, topics and sources: their version pages show their own fields (a source's with the
# quotes taken from it, as recorded).
VERSIONS_BY_KIND = {
    "person": lambda pk: record_versions(Person, pk),
    "topic": lambda pk: record_versions(Topic, pk),
    "source": source_versions,
}


@cache_anonymous_page
def record_version(request, kind, pk, number):
    versions = VERSIONS_BY_KIND[kind](pk)
    return version_page(request, versions, number, "versions/_fields.html")


@cache_anonymous_page
def record_changelog(request, kind, pk):
    return changelog_page(request, VERSIONS_BY_KIND[kind](pk))


@cache_anonymous_page
def topic_detail(request, pk, slug=None):
    topic = get_object_or_404(Topic.objects.for_detail_page(), pk=pk)
    if redirect := redirect_to_canonical(request, topic, slug):
        return redirect
    return _render_exploration(request, "claims/topic_detail.html", {"topic": [topic]}, topic=topic)


@cache_anonymous_page
def outlet_detail(request, pk, slug=None):
    outlet = get_object_or_404(Outlet.objects.for_detail_page(), pk=pk)
    if redirect := redirect_to_canonical(request, outlet, slug):
        return redirect
    return _render_exploration(
        request,
        "claims/outlet_detail.html",
        {"outlet": [outlet]},
        outlet=outlet,
        articles=list(outlet.articles.for_lists()[:ARTICLES_ON_PAGE]),
        article_count=outlet.article_count,
    )


@cache_anonymous_page
def source_detail(request, pk):
    source = get_object_or_404(Source.objects.for_detail_page(), pk=pk)
    quotes = list(source.quotes.select_related("speaker", "article")) if source.has_quotes else []
    return _render_exploration(
        request, "claims/source_detail.html", {"source": [source]}, source=source, quotes=quotes
    )


@cache_anonymous_page
def person_detail(request, pk, slug=None):
    person = get_object_or_404(Person.objects.for_detail_page(), pk=pk)
    if redirect := redirect_to_canonical(request, person, slug):
        return redirect
    exploration = explore(request.GET, request.path, {"actor": [person]})
    if export := _export(request, exploration):
        return export
    # The explorer's search box searches the person's quotes too: the same validated search.
    search = exploration.search
    quotes = Quote.objects.filter(speaker=person).select_related("article__outlet")
    quotes = search_quotes(quotes, search).order_by("-rank", "-pk") if search else quotes
    quotes, quote_count = (
        first_rows(quotes, QUOTES_ON_PERSON_PAGE) if person.has_quotes else ([], 0)
    )
    authored, authored_count = (
        first_rows(person.authored_articles.for_lists(), ARTICLES_ON_PAGE)
        if person.has_authored_articles
        else ([], 0)
    )
    quotes_url = reverse("claims:person_quotes", args=[person.pk, person.slug])
    return _exploration_page(
        request,
        "claims/person_detail.html",
        exploration,
        person=person,
        quotes=quotes,
        quote_count=quote_count,
        quote_export_links=export_links(quotes_url, [("q", search.text)] if search else []),
        quotes_described="these quotes" if search else f"all {person.name}'s quotes",
        authored_articles=authored,
        authored_count=authored_count,
    )


def person_quotes(request, pk, slug):
    """A person's quotes (searched with ?q=) as a download: ?format=csv, json, bibtex, csljson."""
    person = get_object_or_404(Person, pk=pk)
    form = ExportForm(request.GET)
    if not form.is_valid():
        return _refused(request, form, "400.html", {"exception": form.errors.as_text()})
    quotes = Quote.objects.filter(speaker=person).order_by("pk")
    search = prepare_search(form.cleaned_data["q"])
    if search:
        quotes = search_quotes(quotes, search).order_by("-rank", "pk")
    return export_response(
        quotes,
        form.cleaned_data["format"],
        name=f"people-{person.pk}-{person.slug}-quotes",
        request=request,
    )


def search(request):
    form = SearchForm(request.GET)
    if not form.is_valid():
        return _refused(request, form, "claims/search.html", {"form": form})
    query = prepare_search(form.cleaned_data["q"])
    kind, export_format = form.cleaned_data["type"], form.cleaned_data["format"]
    if query and export_format:
        rows = {
            "claims": lambda: search_claims(Claim.objects.all(), query),
            "quotes": lambda: search_quotes(Quote.objects.all(), query),
            "articles": lambda: search_articles(Article.objects.all(), query),
        }[kind]().order_by("-rank", "pk")
        return export_response(rows, export_format, name=f"search-{kind}", request=request)
    context = {"form": form, "search": query, "kind": kind}
    if query:
        try:
            context["groups"] = _result_groups(request, query, kind, form.cleaned_data["page"])
        except NoSuchPage as error:
            form.add_error("page", str(error))
            return _refused(request, form, "claims/search.html", {"form": form})
        if not any(group.count for group in context["groups"]):
            context["suggestion"] = suggest(query.text)
    return render(request, "claims/search.html", context)


# A WACZ is written whole before it is sent: a search's is kept to what a request can carry; the
# whole archive is `manage.py export_wacz`'s.
MAX_WACZ_ARTICLES = 100


def search_wacz(request):
    """Every capture of the articles behind a search's results, as a WACZ file (issue #24)."""
    form = SearchForm(request.GET)
    if not form.is_valid():
        return _refused(request, form, "claims/search.html", {"form": form})
    query = prepare_search(form.cleaned_data["q"])
    kind = form.cleaned_data["type"]
    articles = articles_found(query, kind) if query else Article.objects.none()
    count = articles.count()
    if not count or count > MAX_WACZ_ARTICLES:
        form.add_error(
            "q",
            f"This search finds {count} articles; a WACZ file holds from 1 to "
            f"{MAX_WACZ_ARTICLES}: narrow the search.",
        )
        return _refused(request, form, "claims/search.html", {"form": form})
    title = f"Search for {query.text}" + ("" if kind == "all" else f" ({kind})")
    return wacz_response(
        articles,
        base_url=request.build_absolute_uri("/"),
        filename="search.wacz",
        title=title,
        description=f"{title}: every capture of the {count} article(s) behind the results.",
    )


def _result_groups(request, query, kind, page_number):
    groups = search_everything(query, kind=kind, page_number=page_number)
    for group in groups:
        group.export_links = export_links(request.path, [("q", query.text), ("type", group.kind)])
    return groups


def _render_exploration(request, template, scope, **context):
    """A page built around the claim explorer of the claims with the `scope`'s facet values
    ({facet: [value]}; {} for all): 400 with the problem when a parameter is bad; with
    ?format=…, its claims as a download."""
    exploration = explore(request.GET, request.path, scope)
    return _export(request, exploration) or _exploration_page(
        request, template, exploration, **context
    )


def _export(request, exploration):
    """The exploration's claims as a download when ?format= asks for one, else None."""
    if not (exploration.is_valid and exploration.export_format):
        return None
    return export_response(
        InOrder(Claim, exploration.ids),
        exploration.export_format,
        name=_export_name(request.path),
        request=request,
    )


def _exploration_page(request, template, exploration, **context):
    if not exploration.is_valid:
        return _refused(
            request, exploration.filterset.form, template, {**context, "exploration": exploration}
        )
    return render(
        request,
        template,
        {**context, "exploration": exploration},
    )


def _refused(request, form, template, context):
    """The 400 for parameters the form refused: the page, or for a request that asks for JSON (a
    JSON download, say) the API's JSON body, so that a JSON client can read why."""
    if wants_json(request):
        return JsonResponse({"errors": error_messages(form)}, status=400)
    return render(request, template, context, status=400)


def _export_name(path):
    """ "claims", "topics-4-article-5", …: the view the file came from, for its name."""
    return "-".join(part for part in path.split("/") if part) or "claims"
