from django.shortcuts import get_object_or_404, redirect, render

from articles.forms import ArticleViewForm
from articles.highlight import body_segments
from articles.models import Article, Quote
from articles.versions import quote_versions
from core.permalinks import redirect_to_canonical
from core.versions import changelog_page, version_page


def article_detail(request, pk, slug=None):
    article = get_object_or_404(Article.objects.for_detail_page(), pk=pk)
    if redirect := redirect_to_canonical(request, article, slug):
        return redirect
    form = ArticleViewForm(request.GET)
    if not form.is_valid():
        return render(request, "400.html", {"exception": form.errors.as_text()}, status=400)
    quotes = {quote.pk: quote for quote in article.quotes.all()}
    focus = form.cleaned_data["quote"]
    if focus and focus not in quotes:
        message = f"This article has no quote {focus}."
        return render(request, "400.html", {"exception": message}, status=400)
    context = {
        "article": article,
        "segments": body_segments(article.body, quotes.values()),
        "focus": quotes.get(focus),
    }
    return render(request, "articles/article_detail.html", context)


def quote_detail(request, pk):
    """A quote's permalink opens its article, scrolled to the quote and with its citation."""
    quote = get_object_or_404(Quote.objects.select_related("article"), pk=pk)
    return redirect(f"{quote.article.get_absolute_url()}?quote={quote.pk}#quote-{quote.pk}")


def quote_version(request, pk, number):
    return version_page(request, quote_versions(pk), number, "versions/_fields.html")


def quote_changelog(request, pk):
    return changelog_page(request, quote_versions(pk))
