"""A reconciliation service (W3C Entity Reconciliation Community Group's Reconciliation Service
API, version 0.2: https://reconciliation-api.github.io/specs/0.2/) over the archive's people,
outlets and topics, so that OpenRefine can match a column of names against them.

Ids are the paths of the records' pages ("people/12"), in the identifier space of the archive's
own address; the types (person, outlet, topic) are the service's own, in the schema space of
its manifest's address. Every answer may be read from other origins (CORS), as the
specification asks of services; no JSONP, which the specification has dropped.
"""

from functools import wraps

from csp.decorators import csp_replace
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt

from claims.filters import error_messages
from core.middleware import takes_posts
from core.wikidata import wikidata_url
from reconciliation.forms import (
    SUGGESTIONS_PER_PAGE,
    PreviewForm,
    QueriesForm,
    SuggestForm,
)
from reconciliation.matching import (
    TYPES,
    TYPES_BY_ID,
    entity,
    entity_page,
    reconcile,
    suggest_entities,
    suggest_types,
)

SERVICE_NAME = "newsarchive: people, outlets and topics"
PREVIEW_WIDTH, PREVIEW_HEIGHT = 400, 200


def readable_anywhere(view):
    """Lets a page of another origin read the answer (OpenRefine runs in the user's browser)."""

    @wraps(view)
    def answer(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        return response

    return answer


@takes_posts
@csrf_exempt  # a read: the posted form is a batch of queries, and changes nothing
@readable_anywhere
def service(request):
    """The manifest, or the results of a batch of queries (by GET or POST, in `queries`)."""
    data = request.POST if request.method == "POST" else request.GET
    if request.method != "POST" and "queries" not in data:
        return JsonResponse(manifest(request.build_absolute_uri))
    form = QueriesForm(data)
    if not form.is_valid():
        return JsonResponse({"errors": error_messages(form)}, status=400)
    return JsonResponse(reconcile(form.cleaned_data["queries"]))


def manifest(absolute):
    site = absolute("/")
    return {
        "versions": ["0.2"],
        "name": SERVICE_NAME,
        "identifierSpace": site,
        "schemaSpace": absolute(reverse("reconcile:service")),
        "view": {"url": site + "{{id}}/"},
        "defaultTypes": [entity_type.as_json() for entity_type in TYPES],
        "suggest": {
            "entity": {
                "service_url": site.rstrip("/"),
                "service_path": reverse("reconcile:suggest_entity"),
            },
            "type": {
                "service_url": site.rstrip("/"),
                "service_path": reverse("reconcile:suggest_type"),
            },
        },
        "preview": {
            "url": absolute(reverse("reconcile:preview")) + "?id={{id}}",
            "width": PREVIEW_WIDTH,
            "height": PREVIEW_HEIGHT,
        },
    }


@readable_anywhere
def suggest_entity(request):
    form = SuggestForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": error_messages(form)}, status=400)
    chosen = form.cleaned_data["type"]
    suggestions = suggest_entities(
        form.cleaned_data["prefix"],
        [TYPES_BY_ID[chosen]] if chosen else TYPES,
        start=form.cleaned_data["cursor"] or 0,
        size=SUGGESTIONS_PER_PAGE,
    )
    return JsonResponse({"result": suggestions})


@readable_anywhere
def suggest_type(request):
    form = SuggestForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": error_messages(form)}, status=400)
    return JsonResponse({"result": suggest_types(form.cleaned_data["prefix"])})


# OpenRefine shows the card in a frame of its own page, whatever its origin; the card has no
# form or button to trick anyone into pressing.
@xframe_options_exempt
@csp_replace({"frame-ancestors": ["*"]})
@readable_anywhere
def preview(request):
    """A small card of an entity: its name, type, description, other names and Wikidata id."""
    form = PreviewForm(request.GET)
    if not form.is_valid():
        return render(request, "400.html", {"exception": form.errors["id"][0]}, status=400)
    entity_type, pk = form.cleaned_data["id"]
    record = entity(entity_type, pk)
    if record is None:
        raise Http404(f"No {entity_type.name.lower()} has the id {pk}.")
    return render(
        request,
        "reconciliation/preview.html",
        {
            "record": record,
            "entity_type": entity_type,
            "page": entity_page(entity_type, record),
            "other_names": getattr(record, "aliases", None) or getattr(record, "synonyms", []),
            "wikidata": wikidata_url(record.wikidata_id),
        },
    )
