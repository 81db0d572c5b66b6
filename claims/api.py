"""A small read-only JSON API on Django REST framework: claims, quotes and articles, with the HTML
views' filters.

Rows have the export's stable fields (claims.exports); lists are paginated with next and
previous links. A bad parameter is a 400 whose JSON body lists what was wrong, never the
unfiltered archive. drf-spectacular generates /api/openapi.json from these views: the parameters
from their FilterSets, the responses from the declarations below.
"""

import re
import threading

import django_filters
from django import forms
from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import router
from django.http import HttpResponse
from django.utils.http import urlencode
from django.utils.log import log_response
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.plumbing import build_basic_type, build_parameter_type
from drf_spectacular.renderers import OpenApiJsonRenderer2
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from drf_spectacular.views import SpectacularAPIView
from rest_framework import generics, serializers
from rest_framework.exceptions import APIException
from rest_framework.pagination import BasePagination
from rest_framework.response import Response

from articles.models import Article, Outlet, Person, Quote
from claims.explorer import ClaimsInOrder, claim_ids
from claims.exports import article_row, claim_rows, quote_row
from claims.facets import PERIOD, UNDATED
from claims.filters import PAGE_SIZES, ClaimFilter, PeriodsFilter, SearchFilter, error_messages
from claims.models import Claim
from claims.search import RankedRows, prepare_search
from core.pages import NoSuchPage, page_of

DEFAULT_API_PAGE_SIZE = 25
API_VERSION = settings.SPECTACULAR_SETTINGS["VERSION"]
# Only reads: every other method is a 405 (HEAD is a GET without its body).
READ_ONLY = ["get", "head"]
# A period as facets.PERIOD reads it, or "undated"; without Python's group names, so that every
# JSON Schema validator reads the pattern.
PERIOD_PATTERN = f"^{UNDATED}$|{re.sub(r'[?]P<[a-z]+>', '?:', PERIOD.pattern)}"
# core.middleware answers a NUL character anywhere in the address with a 400 (BAD_PARAMETERS).
NO_NUL = r"^[^\x00]*$"
DOCUMENT_FAILED = "The API's description could not be generated. Please try again later."
# The JSON Schema keyword for each bound a form field checks.
BOUNDS = {
    MinValueValidator: "minimum",
    MaxValueValidator: "maximum",
    MaxLengthValidator: "maxLength",
}


class PagedSearchFilter(django_filters.FilterSet):
    """Search and paging, as the search page has them. With a search, the rows the other
    filters leave are those searched, best first (claims.search.RankedRows)."""

    q = SearchFilter(method="keep")
    page = django_filters.NumberFilter(min_value=1, method="keep")
    per_page = django_filters.TypedChoiceFilter(
        choices=[(size, size) for size in PAGE_SIZES], coerce=int, method="keep"
    )

    def keep(self, queryset, name, value):
        return queryset

    def filter_queryset(self, queryset):
        rows = super().filter_queryset(queryset)
        search = prepare_search(self.form.cleaned_data["q"])
        return RankedRows(rows, search) if search else rows


class QuoteFilter(PagedSearchFilter):
    speaker = django_filters.ModelMultipleChoiceFilter(queryset=Person.objects.all())

    class Meta:
        model = Quote
        fields = []


class ArticleFilter(PagedSearchFilter):
    outlet = django_filters.ModelMultipleChoiceFilter(queryset=Outlet.objects.all())

    class Meta:
        model = Article
        fields = []


class BadParameters(APIException):
    """A 400 whose body says which parameters were wrong: {"errors": {name: [message, …]}}."""

    status_code = 400

    def __init__(self, errors):
        super().__init__({"errors": errors})


class FilterSetBackend(DjangoFilterBackend):
    """django-filter's backend, answering bad parameters with the archive's 400. It keeps the
    valid FilterSet on the view, whose page and per_page the pagination reads."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if not filterset.is_valid():
            raise BadParameters(error_messages(filterset.form))
        view.filterset = filterset
        return filterset.qs


class Pages(BasePagination):
    """Page `page` of `per_page` rows, with absolute links to the pages either side that keep
    every other parameter. A page past the end is a 400 (core.pages)."""

    def paginate_queryset(self, queryset, request, view=None):
        cleaned = view.filterset.form.cleaned_data
        self.request = request
        self.number = int(cleaned.get("page") or 1)
        try:
            self.page = page_of(
                queryset, self.number, cleaned.get("per_page") or DEFAULT_API_PAGE_SIZE
            )
        except NoSuchPage as error:
            raise BadParameters({"page": [str(error)]}) from None
        return list(self.page.object_list)

    def get_paginated_response(self, data):
        page, paginator = self.page, self.page.paginator
        return Response(
            {
                "count": paginator.count,
                "page": self.number,
                "pages": paginator.num_pages,
                "next": self._link(page.next_page_number() if page.has_next() else None),
                "previous": self._link(
                    page.previous_page_number() if page.has_previous() else None
                ),
                "results": data,
            }
        )

    def _link(self, number):
        """The absolute URL of page `number`, keeping every other parameter; None for no page."""
        if number is None:
            return None
        query = [
            (name, value)
            for name, values in self.request.GET.lists()
            if name != "page"
            for value in values
        ]
        path = f"{self.request.path}?{urlencode([*query, ('page', number)])}"
        return self.request.build_absolute_uri(path)

    def get_paginated_response_schema(self, schema):
        link = {"type": ["string", "null"], "format": "uri"}
        return {
            "type": "object",
            "required": ["count", "page", "pages", "next", "previous", "results"],
            "properties": {
                "count": {"type": "integer"},
                "page": {"type": "integer"},
                "pages": {"type": "integer"},
                "next": link,
                "previous": link,
                "results": schema,
            },
        }


class FilterSetParameters(DjangoFilterExtension):
    """The FilterSets' parameters as drf-spectacular reads them, completed (complete_parameter)."""

    target_class = FilterSetBackend
    priority = 1  # before drf-spectacular's own extension for django-filter

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        if isinstance(filter_field, django_filters.TypedChoiceFilter):
            parameters = [typed_choice_parameter(field_name, filter_field)]
        else:
            parameters = super().resolve_filter_field(
                auto_schema, model, filterset_class, field_name, filter_field
            )
        for parameter in parameters:
            complete_parameter(parameter, filter_field)
        return parameters


def typed_choice_parameter(name, filter_field):
    """drf-spectacular doesn't read TypedChoiceFilters: their values have their choices' type."""
    choices = [value for value, _ in filter_field.extra["choices"]]
    return build_parameter_type(
        name=name,
        location=OpenApiParameter.QUERY,
        schema={**build_basic_type(type(choices[0])), "enum": choices},
        description=filter_field.label or "",
    )


def complete_parameter(parameter, filter_field):
    """What drf-spectacular leaves out of a filter's parameter: what ids name, choices in the
    code's order, the bounds its form field checks, that an empty value is none (the default),
    and what a period is (not a date, as the model's field would have it)."""
    extra = filter_field.extra
    schema = parameter["schema"]
    value = schema.get("items", schema)  # one value of a repeatable parameter
    if schema is value:
        parameter["allowEmptyValue"] = True
    if isinstance(filter_field, django_filters.ModelMultipleChoiceFilter):
        things = extra["queryset"].model._meta.verbose_name_plural
        parameter["description"] = f"Ids of {things} (any of)."
    if isinstance(filter_field, PeriodsFilter):
        value.clear()
        value.update(type="string", pattern=PERIOD_PATTERN)
        parameter["description"] = f"Years (2024), months (2024-07) or {UNDATED} (any of)."
    if value.get("type") == "string" and not {"pattern", "enum"} & value.keys():
        value["pattern"] = NO_NUL
    if "enum" in value:
        value["enum"] = [choice for choice, _ in extra["choices"]]
    for validator in filter_field.field.validators:
        if type(validator) in BOUNDS:
            value[BOUNDS[type(validator)]] = validator.limit_value


class Rows(serializers.ListSerializer):
    """A page of export rows, built together: a page of claims is one query."""

    def to_representation(self, data):
        return self.child.rows(list(data), self.context["request"].build_absolute_uri)


class Row(serializers.BaseSerializer):
    """An export row (claims.exports) per object; `rows` builds those of a list of objects."""

    class Meta:
        list_serializer_class = Rows

    def to_representation(self, instance):
        (row,) = self.rows([instance], self.context["request"].build_absolute_uri)
        return row


class RowAsObject(OpenApiSerializerExtension):
    """A row is an object whose fields claims.exports defines (and keeps stable)."""

    target_class = Row
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        return {"type": "object", "additionalProperties": True}


class ClaimRow(Row):
    @staticmethod
    def rows(claims, absolute):
        using = claims[0]._state.db if claims else None
        return claim_rows([claim.pk for claim in claims], absolute, using) if claims else []


class QuoteRow(Row):
    @staticmethod
    def rows(quotes, absolute):
        return [quote_row(quote, absolute) for quote in quotes]


class ArticleRow(Row):
    @staticmethod
    def rows(articles, absolute):
        return [article_row(article, absolute) for article in articles]


BAD_PARAMETERS = OpenApiResponse(
    inline_serializer(
        "Errors",
        {
            "errors": serializers.DictField(
                child=serializers.ListField(child=serializers.CharField())
            )
        },
    ),
    description="A parameter is not valid (an unknown id among them), or the page is past the "
    "end, or the address holds a NUL character: the body says which and why, and nothing else "
    "is returned.",
)


def listing(row):
    """A list's responses: a page of rows, or a 400 (see BAD_PARAMETERS)."""
    return {200: row(many=True), 400: BAD_PARAMETERS}


class List(generics.ListAPIView):
    http_method_names = READ_ONLY
    filter_backends = [FilterSetBackend]
    pagination_class = Pages


@extend_schema(
    summary="Claims, filtered and ordered as in the claim explorer",
    responses=listing(ClaimRow),
    # The explorer's download formats: the API only answers JSON.
    parameters=[OpenApiParameter("format", exclude=True)],
)
class ClaimList(List):
    queryset = Claim.objects.all()
    filterset_class = ClaimFilter
    serializer_class = ClaimRow

    def filter_queryset(self, queryset):
        """The explorer's claims, in its order, from its facet index (the filter validates);
        a page is loaded by id and its rows read by claims.exports.claim_rows."""
        super().filter_queryset(queryset)
        using = router.db_for_read(Claim)
        ids = claim_ids(self.filterset, using)
        return ClaimsInOrder(ids, lambda page: Claim.objects.using(using).filter(pk__in=page))


@extend_schema(
    summary="One claim",
    responses={200: ClaimRow, 404: OpenApiResponse(description="There is no such claim.")},
)
class ClaimDetail(generics.RetrieveAPIView):
    http_method_names = READ_ONLY
    queryset = Claim.objects.only("pk")
    serializer_class = ClaimRow


@extend_schema(summary="Quotes", responses=listing(QuoteRow))
class QuoteList(List):
    queryset = Quote.objects.for_export().order_by("pk")
    filterset_class = QuoteFilter
    serializer_class = QuoteRow


@extend_schema(summary="Archived articles", responses=listing(ArticleRow))
class ArticleList(List):
    queryset = Article.objects.for_export().order_by("pk")
    filterset_class = ArticleFilter
    serializer_class = ArticleRow


class OpenApiDocumentParameters(forms.Form):
    """What drf-spectacular reads from the address by hand, checked before it does: a language
    for the descriptions, and the API's version (it has one; another put a newline in a header)."""

    lang = forms.ChoiceField(choices=settings.LANGUAGES, required=False)
    version = forms.ChoiceField(choices=[(API_VERSION, API_VERSION)], required=False)


class OpenApiDocument(SpectacularAPIView):
    """This description of the API, generated from its views."""

    http_method_names = READ_ONLY
    renderer_classes = [OpenApiJsonRenderer2]  # served as application/json
    # drf-spectacular's generator changes the views' shared state as it runs: requests generating
    # the document at once in one process (gunicorn's threads) got 500s and documents missing
    # parts (issue #21). So it is generated once per language and version, under a lock, and
    # served from memory.
    generating = threading.Lock()
    documents = {}  # (lang, version): (content, headers), as generate() renders them

    @extend_schema(summary="This description", responses={200: OpenApiTypes.OBJECT})
    def get(self, request, *args, **kwargs):
        parameters = OpenApiDocumentParameters(request.GET)
        if not parameters.is_valid():
            raise BadParameters(error_messages(parameters))
        key = (parameters.cleaned_data["lang"], parameters.cleaned_data["version"])
        try:
            with self.generating:
                if key not in self.documents:
                    self.documents[key] = self.generate(request, *args, **kwargs)
        except Exception as error:
            # A JSON error like the API's others, logged once with its traceback; nothing is
            # kept, so the next request tries again.
            response = Response({"detail": DOCUMENT_FAILED}, status=500)
            log_response(
                "Internal Server Error: %s (the OpenAPI document could not be generated)",
                request.path,
                response=response,
                request=request,
                exception=error,
            )
            return response
        content, headers = self.documents[key]
        return HttpResponse(content, headers=headers)

    def generate(self, request, *args, **kwargs):
        """The document's bytes and headers, rendered as drf-spectacular serves them."""
        response = self.finalize_response(request, super().get(request, *args, **kwargs))
        response.render()
        return response.content, {
            name: response[name] for name in ("Content-Type", "Content-Disposition")
        }
