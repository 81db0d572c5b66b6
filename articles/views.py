from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render

from articles.highlight import body_segments
from articles.models import Article, Outlet, Person, Quote
from newsarchive.permalinks import redirect_to_canonical


def outlet_detail(request, pk, slug=None):
    outlet = get_object_or_404(
        Outlet.objects.prefetch_related(Prefetch("articles", Article.objects.for_lists())),
        pk=pk,
    )
    if redirect := redirect_to_canonical(outlet, slug):
        return redirect
    return render(request, "articles/outlet_detail.html", {"outlet": outlet})


def article_detail(request, pk, slug=None):
    article = get_object_or_404(Article.objects.for_detail_page(), pk=pk)
    if redirect := redirect_to_canonical(article, slug):
        return redirect
    context = {
        "article": article,
        "segments": body_segments(article.body, article.quotes.all()),
    }
    return render(request, "articles/article_detail.html", context)


def person_detail(request, pk, slug=None):
    person = get_object_or_404(Person.objects.for_detail_page(), pk=pk)
    if redirect := redirect_to_canonical(person, slug):
        return redirect
    return render(request, "articles/person_detail.html", {"person": person})


def quote_detail(request, pk):
    quote = get_object_or_404(Quote.objects.select_related("speaker", "article__outlet"), pk=pk)
    return render(request, "articles/quote_detail.html", {"quote": quote})
