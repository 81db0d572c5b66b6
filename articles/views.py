from django.db.models import prefetch_related_objects
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from articles.forms import ArticleChangesForm, ArticleViewForm
from articles.highlight import body_segments
from articles.models import Article, Capture, Quote
from articles.versions import quote_versions
from articles.wacz import capture_page_url, wacz_response
from articles.warc import capture_warc
from core.permalinks import redirect_to_canonical
from core.versions import changelog_page, version_page, word_diff


def bad_request(request, message):
    return render(request, "400.html", {"exception": message}, status=400)


def parameter_errors(form):
    return "; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items())


def article_detail(request, pk, slug=None):
    """The article in one of its captures: the one a quote was taken from when the page opens at
    that quote, one chosen from its list of captures, or else the latest."""
    article = get_object_or_404(Article.objects.for_detail_page(), pk=pk)
    if redirect := redirect_to_canonical(request, article, slug):
        return redirect
    form = ArticleViewForm(request.GET)
    if not form.is_valid():
        return bad_request(request, parameter_errors(form))
    quotes = {quote.pk: quote for quote in article.quotes.all()}
    captures = {capture.pk: capture for capture in article.captures.all()}
    focus, chosen = form.cleaned_data["quote"], form.cleaned_data["capture"]
    if focus and focus not in quotes:
        return bad_request(request, f"This article has no quote {focus}.")
    if chosen and chosen not in captures:
        return bad_request(request, f"This article has no capture {chosen}.")
    for quote in quotes.values():
        quote.capture = captures[quote.capture_id]  # from the list above, not a query each
    focus = quotes.get(focus)
    if focus:
        # The reports the quote was taken from: claims.Source records them (Source.quotes).
        prefetch_related_objects([focus], "quoted_from")
    latest = max(captures.values(), key=Capture.latest_key)
    shown = captures[chosen] if chosen else captures[focus.capture_id] if focus else latest
    context = {
        "article": article,
        "focus": focus,
        "shown": shown,
        "latest": latest,
        "captures": list(captures.values()),
        "segments": body_segments(
            shown.text, [quote for quote in quotes.values() if quote.capture_id == shown.pk]
        ),
        "elsewhere": [quote for quote in quotes.values() if quote.capture_id != shown.pk],
    }
    return render(request, "articles/article_detail.html", context)


def article_changes(request, pk):
    """What changed between two captures of an article (the first and the latest by default)."""
    article = get_object_or_404(Article, pk=pk)
    captures = list(article.captures.defer("raw"))
    form = ArticleChangesForm(request.GET, captures=captures)
    if not form.is_valid():
        return bad_request(request, parameter_errors(form))
    old, new = form.cleaned_data["old"], form.cleaned_data["new"]
    context = {
        "article": article,
        "captures": captures,
        "old": old,
        "new": new,
        "changes": word_diff(old.text, new.text),
    }
    return render(request, "articles/article_changes.html", context)


def capture_warc_download(request, pk, capture_pk):
    capture = get_object_or_404(Capture.objects.select_related("article"), pk=capture_pk,
                                article_id=pk)  # fmt: skip
    if capture.http_status is None:
        return bad_request(request, "This capture was not retrieved by URL: it has no HTTP "
                           "response to put in a WARC file.")  # fmt: skip
    page_url = capture_page_url(request.build_absolute_uri("/"), capture)
    warc = capture_warc(capture, page_url=page_url)
    response = HttpResponse(warc, content_type="application/warc")
    response["Content-Disposition"] = (
        f'attachment; filename="article-{pk}-capture-{capture.pk}.warc.gz"'
    )
    return response


def article_wacz_download(request, pk):
    """Every capture of the article as a WACZ file (issue #24)."""
    article = get_object_or_404(Article, pk=pk)
    return wacz_response(
        Article.objects.filter(pk=pk),
        base_url=request.build_absolute_uri("/"),
        filename=f"article-{pk}.wacz",
        title=article.display_title,
        description=f"Every capture of {article.display_title}, as archived.",
    )


def quote_detail(request, pk):
    """A quote's permalink opens its article, scrolled to the quote and with its citation."""
    quote = get_object_or_404(Quote.objects.select_related("article"), pk=pk)
    return redirect(f"{quote.article.get_absolute_url()}?quote={quote.pk}#quote-{quote.pk}")


def quote_version(request, pk, number):
    return version_page(request, quote_versions(pk), number, "versions/_fields.html")


def quote_changelog(request, pk):
    return changelog_page(request, quote_versions(pk))
