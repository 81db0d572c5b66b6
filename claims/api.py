"""A small read-only JSON API: claims, quotes and articles, with the HTML views' filters.

Rows have the export's stable fields (claims.exports); lists are paginated with next and
previous links. A bad parameter is a 400 whose JSON body lists what was wrong, never the
unfiltered archive. /api/openapi.json describes every endpoint.
"""

import django_filters
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from articles.models import Article, Outlet, Person, Quote
from claims.exports import article_row, claim_row, quote_row
from claims.filters import PAGE_SIZES, ClaimFilter, error_messages
from claims.models import Claim
from claims.search import prepare_search, search_articles, search_quotes
from core.pages import NoSuchPage, page_of

DEFAULT_API_PAGE_SIZE = 25


class PagedSearchFilter(django_filters.FilterSet):
    """Search and paging, as the search page has them; `searcher` is claims.search's function."""

    q = django_filters.CharFilter(max_length=200, method="filter_search")
    page = django_filters.NumberFilter(min_value=1, method="keep")
    per_page = django_filters.TypedChoiceFilter(
        choices=[(size, size) for size in PAGE_SIZES], coerce=int, method="keep"
    )

    def filter_search(self, queryset, name, value):
        search = prepare_search(value)
        if not search:
            return queryset
        return type(self).searcher(queryset, search).order_by("-rank", "pk")

    def keep(self, queryset, name, value):
        return queryset


class QuoteFilter(PagedSearchFilter):
    searcher = staticmethod(search_quotes)
    speaker = django_filters.ModelMultipleChoiceFilter(queryset=Person.objects.all())

    class Meta:
        model = Quote
        fields = []


class ArticleFilter(PagedSearchFilter):
    searcher = staticmethod(search_articles)
    outlet = django_filters.ModelMultipleChoiceFilter(queryset=Outlet.objects.all())

    class Meta:
        model = Article
        fields = []


@require_GET
def claim_list(request):
    filterset = ClaimFilter(request.GET, queryset=Claim.objects.all())
    if not filterset.is_valid():
        return _errors(filterset.form)
    return _page(request, filterset.qs.for_export(), claim_row, filterset.form.cleaned_data)


@require_GET
def claim_detail(request, pk):
    claim = get_object_or_404(Claim.objects.for_export(), pk=pk)
    return JsonResponse(claim_row(claim, request.build_absolute_uri))


@require_GET
def quote_list(request):
    filterset = QuoteFilter(request.GET, queryset=Quote.objects.order_by("pk"))
    if not filterset.is_valid():
        return _errors(filterset.form)
    return _page(request, filterset.qs.for_export(), quote_row, filterset.form.cleaned_data)


@require_GET
def article_list(request):
    filterset = ArticleFilter(request.GET, queryset=Article.objects.order_by("pk"))
    if not filterset.is_valid():
        return _errors(filterset.form)
    rows = filterset.qs.for_export()
    return _page(request, rows, article_row, filterset.form.cleaned_data)


def _errors(form):
    return JsonResponse({"errors": error_messages(form)}, status=400)


def _page(request, rows, to_row, cleaned):
    number = int(cleaned.get("page") or 1)
    try:
        page = page_of(rows, number, cleaned.get("per_page") or DEFAULT_API_PAGE_SIZE)
    except NoSuchPage as error:
        return JsonResponse({"errors": {"page": [str(error)]}}, status=400)
    paginator = page.paginator

    def link(target):
        query = [
            (name, value)
            for name, values in request.GET.lists()
            if name != "page"
            for value in values
        ]
        return request.build_absolute_uri(f"{request.path}?{urlencode([*query, ('page', target)])}")

    return JsonResponse(
        {
            "count": paginator.count,
            "page": number,
            "pages": paginator.num_pages,
            "next": link(page.next_page_number()) if page.has_next() else None,
            "previous": link(page.previous_page_number()) if page.has_previous() else None,
            "results": [to_row(obj, request.build_absolute_uri) for obj in page.object_list],
        }
    )


@require_GET
def openapi(request):
    return JsonResponse(openapi_document(request))


# Declarative data, not logic: mutants of its strings say nothing about the suite, and a
# document generated from the code replaces it (issue #11).
def openapi_document(request):  # pragma: no mutate block
    def parameter(name, description, schema=None, many=False):
        schema = schema or {"type": "string"}
        if many:
            schema = {"type": "array", "items": schema}
        return {
            "name": name,
            "in": "query",
            "required": False,
            "description": description,
            "schema": schema,
            **({"explode": True} if many else {}),
        }

    paging = [
        parameter("page", "Page number, from 1.", {"type": "integer", "minimum": 1}),
        parameter("per_page", "Rows per page.", {"type": "integer", "enum": PAGE_SIZES}),
    ]
    search = parameter("q", 'Full-text search: words, "phrases", OR, -exclusion.')
    listing = {
        "type": "object",
        "properties": {
            "count": {"type": "integer"},
            "page": {"type": "integer"},
            "pages": {"type": "integer"},
            "next": {"type": ["string", "null"]},
            "previous": {"type": ["string", "null"]},
            "results": {"type": "array", "items": {"type": "object"}},
        },
    }
    errors = {
        "description": "A parameter is not valid; nothing else is returned.",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "errors": {
                            "type": "object",
                            "additionalProperties": {"type": "array", "items": {"type": "string"}},
                        }
                    },
                }
            }
        },
    }

    def operation(summary, parameters, schema=listing):
        return {
            "get": {
                "summary": summary,
                "parameters": parameters,
                "responses": {
                    "200": {
                        "description": "OK",
                        "content": {"application/json": {"schema": schema}},
                    },
                    "400": errors,
                },
            }
        }

    integer = {"type": "integer"}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "newsarchive API",
            "version": "1",
            "description": "Read-only access to the archive's claims, quotes and articles. Field "
            "names are stable. Each HTML list also downloads as CSV, JSON, BibTeX and CSL-JSON "
            "with ?format=.",
        },
        "servers": [{"url": request.build_absolute_uri("/")}],
        "paths": {
            reverse("api:claims"): operation(
                "Claims, filtered as in the claim explorer",
                [
                    search,
                    parameter("actor", "Person ids (any of).", integer, many=True),
                    parameter("topic", "Topic ids (any of).", integer, many=True),
                    parameter("outlet", "Reporting outlet ids (any of).", integer, many=True),
                    parameter("source", "Original source ids (any of).", integer, many=True),
                    parameter(
                        "status", "Statuses (any of).", {"enum": Claim.Status.values}, many=True
                    ),
                    parameter("period", "Years (2024), months (2024-07) or undated.", many=True),
                    parameter(
                        "sort",
                        "relevance, newest or oldest.",
                        {"enum": ["relevance", "newest", "oldest"]},
                    ),
                    *paging,
                ],
            ),
            reverse("api:claim", args=[0]).replace("/0/", "/{id}/"): {
                "get": {
                    "summary": "One claim",
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": integer}
                    ],
                    "responses": {"200": {"description": "OK"}, "404": {"description": "None"}},
                }
            },
            reverse("api:quotes"): operation(
                "Quotes",
                [
                    search,
                    parameter("speaker", "Person ids (any of).", integer, many=True),
                    *paging,
                ],
            ),
            reverse("api:articles"): operation(
                "Archived articles",
                [
                    search,
                    parameter("outlet", "Outlet ids (any of).", integer, many=True),
                    *paging,
                ],
            ),
            reverse("api:openapi"): operation("This description", [], {"type": "object"}),
        },
    }
