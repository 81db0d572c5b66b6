from django.shortcuts import get_object_or_404, render

from articles.models import Outlet, Person, Quote
from claims.explorer import explore
from claims.forms import SearchForm
from claims.models import Claim, ClaimActor, Source, Topic
from claims.search import prepare_search, search_everything, search_quotes, suggest
from newsarchive.permalinks import redirect_to_canonical

QUOTES_ON_PERSON_PAGE = 20


def claim_list(request):
    return _render_exploration(request, "claims/claim_list.html", Claim.objects.all())


def claim_detail(request, pk, slug=None):
    claim = get_object_or_404(Claim.objects.for_detail_page(), pk=pk)
    if redirect := redirect_to_canonical(request, claim, slug):
        return redirect
    return render(request, "claims/claim_detail.html", {"claim": claim})


def topic_detail(request, pk, slug=None):
    topic = get_object_or_404(Topic, pk=pk)
    if redirect := redirect_to_canonical(request, topic, slug):
        return redirect
    scope = Claim.objects.filter(topics=topic)
    return _render_exploration(request, "claims/topic_detail.html", scope, topic=topic)


def outlet_detail(request, pk, slug=None):
    outlet = get_object_or_404(Outlet, pk=pk)
    if redirect := redirect_to_canonical(request, outlet, slug):
        return redirect
    reported = Claim.articles.through.objects.filter(article__outlet=outlet).values("claim")
    scope = Claim.objects.filter(pk__in=reported)
    articles = outlet.articles.for_lists()
    return _render_exploration(
        request, "claims/outlet_detail.html", scope, outlet=outlet, articles=articles
    )


def source_detail(request, pk):
    source = get_object_or_404(Source, pk=pk)
    scope = Claim.objects.filter(source=source)
    return _render_exploration(request, "claims/source_detail.html", scope, source=source)


def person_detail(request, pk, slug=None):
    person = get_object_or_404(Person, pk=pk)
    if redirect := redirect_to_canonical(request, person, slug):
        return redirect
    scope = Claim.objects.filter(pk__in=ClaimActor.objects.filter(person=person).values("claim"))
    quotes = Quote.objects.filter(speaker=person).select_related("article__outlet")
    search = prepare_search(request.GET.get("q", ""))
    quotes = search_quotes(quotes, search).order_by("-rank", "-pk") if search else quotes
    return _render_exploration(
        request,
        "claims/person_detail.html",
        scope,
        person=person,
        quotes=quotes[:QUOTES_ON_PERSON_PAGE],
        quote_count=quotes.count(),
        authored_articles=person.authored_articles.for_lists(),
    )


def search(request):
    form = SearchForm(request.GET)
    if not form.is_valid():
        return render(request, "claims/search.html", {"form": form}, status=400)
    query = prepare_search(form.cleaned_data["q"])
    context = {"form": form, "search": query, "kind": form.cleaned_data["type"]}
    if query:
        groups = search_everything(
            query, kind=form.cleaned_data["type"], page_number=form.cleaned_data["page"]
        )
        context["groups"] = groups
        if not any(group.count for group in groups):
            context["suggestion"] = suggest(query.text)
    return render(request, "claims/search.html", context)


def _render_exploration(request, template, scope, **context):
    """A page built around the claim explorer: 400 with the problem when a parameter is bad."""
    exploration = explore(scope, request.GET, request.path)
    return render(
        request,
        template,
        {**context, "exploration": exploration},
        status=200 if exploration.is_valid else 400,
    )
