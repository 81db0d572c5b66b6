from django.db.models import prefetch_related_objects
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse

from articles import memento
from articles.changes import anchored_texts, classify, summary, vanished, versions
from articles.forms import ArticleChangesForm, ArticleListForm, ArticleViewForm, OriginalUrlForm
from articles.highlight import body_segments
from articles.models import Article, Capture, Outlet, Person, Quote, Revisit
from articles.versions import quote_versions
from articles.wacz import capture_page_url, wacz_response
from articles.warc import capture_warc
from core.page_cache import cache_anonymous_page
from core.pages import NoSuchPage, page_of
from core.permalinks import redirect_to_canonical
from core.versions import changelog_page, version_page, word_diff


def bad_request(request, message):
    return render(request, "400.html", {"exception": message}, status=400)


def parameter_errors(form):
    return "; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items())


ARTICLES_PER_PAGE = 100


@cache_anonymous_page
def outlet_articles(request, pk, slug):
    """Every article archived from an outlet, newest first, a page at a time: its page shows
    the newest few."""
    outlet = get_object_or_404(Outlet, pk=pk)
    return _article_list(request, outlet, f"Articles archived from {outlet.name}", outlet.articles)


@cache_anonymous_page
def person_articles(request, pk, slug):
    """Every archived article a person wrote, newest first, a page at a time."""
    person = get_object_or_404(Person, pk=pk)
    return _article_list(
        request, person, f"Articles written by {person.name}", person.authored_articles
    )


def _article_list(request, owner, heading, articles):
    form = ArticleListForm(request.GET)
    if not form.is_valid():
        return bad_request(request, parameter_errors(form))
    try:
        page = page_of(articles.for_lists(), form.cleaned_data["page"] or 1, ARTICLES_PER_PAGE)
    except NoSuchPage as error:
        return bad_request(request, str(error))
    context = {"owner": owner, "heading": heading, "page": page}
    return render(request, "articles/article_list.html", context)


@cache_anonymous_page
def article_detail(request, pk, slug=None):
    """The article in its latest capture, or, when the page opens at a quote, in the capture the
    quote was taken from."""
    article = get_object_or_404(Article.objects.for_detail_page(), pk=pk)
    if redirect := redirect_to_canonical(request, article, slug):
        return redirect
    form = ArticleViewForm(request.GET)
    if not form.is_valid():
        return bad_request(request, parameter_errors(form))
    if chosen := form.cleaned_data["capture"]:
        # ?capture= was a capture's address before captures had pages of their own.
        capture = next((c for c in article.captures.all() if c.pk == chosen), None)
        if capture is None:
            return bad_request(request, f"This article has no capture {chosen}.")
        return HttpResponsePermanentRedirect(capture.get_absolute_url())
    return article_page(request, article, focus=form.cleaned_data["quote"])


@cache_anonymous_page
def capture_detail(request, pk, capture_pk):
    """A capture's own page, which always shows that capture: a memento of its original URL
    (RFC 7089), with the headers Memento clients read."""
    article = get_object_or_404(Article.objects.for_detail_page(), pk=pk)
    response = article_page(request, article, pinned=capture_pk)
    shown = response.context_data["shown"]
    if shown.is_memento:
        response["Memento-Datetime"] = memento.memento_datetime(shown)
        response["Link"] = memento.memento_links(request, shown)
    return response


@cache_anonymous_page
def revisit_detail(request, pk, capture_pk, revisit_pk):
    """A retrieval's own page when it found a capture's bytes again: a memento of its address at
    its own time (RFC 7089), showing the capture's text, which is what it retrieved."""
    revisit = get_object_or_404(Revisit.objects.select_related("capture"), pk=revisit_pk,
                                capture_id=capture_pk, capture__article_id=pk)  # fmt: skip
    article = get_object_or_404(Article.objects.for_detail_page(), pk=pk)
    response = article_page(request, article, pinned=capture_pk)
    response.context_data["revisit"] = revisit
    response["Memento-Datetime"] = memento.memento_datetime(revisit)
    response["Link"] = memento.memento_links(request, revisit)
    return response


def article_page(request, article, *, focus=None, pinned=None):
    """The article page, showing the capture `pinned` (its own page), or the one the quote
    `focus` was taken from, or else the latest."""
    quotes = {quote.pk: quote for quote in article.quotes.all()}
    captures = {capture.pk: capture for capture in article.captures.all()}
    if focus and focus not in quotes:
        return bad_request(request, f"This article has no quote {focus}.")
    if pinned and pinned not in captures:
        raise Http404("This article has no such capture.")
    for quote in quotes.values():
        quote.capture = captures[quote.capture_id]  # from the list above, not a query each
    # The revisits listed under their captures: a query only when a capture has some.
    prefetch_related_objects([c for c in captures.values() if c.revisited], "revisits")
    focus = quotes.get(focus)
    if focus:
        # The reports the quote was taken from: claims.Source records them (Source.quotes).
        prefetch_related_objects([focus], "quoted_from")
    anchored = anchored_texts(article)  # its quotes (read above), and the claims' appearances
    for words in anchored:
        words.vanished = vanished(words.text, captures.values())
    latest = max(captures.values(), key=Capture.latest_key)
    shown = captures[pinned] if pinned else captures[focus.capture_id] if focus else latest
    context = {
        "article": article,
        "focus": focus,
        "shown": shown,
        "pinned": bool(pinned),
        "latest": latest,
        "captures": list(captures.values()),
        "segments": body_segments(
            shown.text, [quote for quote in quotes.values() if quote.capture_id == shown.pk]
        ),
        "elsewhere": [quote for quote in quotes.values() if quote.capture_id != shown.pk],
        "no_longer_there": [words for words in anchored if words.vanished],
    }
    return TemplateResponse(request, "articles/article_detail.html", context)


@cache_anonymous_page
def article_changes(request, pk):
    """What changed in each version of an article, in a line each, then between two captures
    word by word (the first and the latest by default)."""
    article = get_object_or_404(Article, pk=pk)
    captures = list(article.captures.defer("raw"))
    form = ArticleChangesForm(request.GET, captures=captures)
    if not form.is_valid():
        return bad_request(request, parameter_errors(form))
    old, new = form.cleaned_data["old"], form.cleaned_data["new"]
    anchored = anchored_texts(article)
    context = {
        "article": article,
        "versions": versions(captures, anchored),
        "captures": captures,
        "old": old,
        "new": new,
        "summary": summary(classify(old, new, anchored)),
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


@cache_anonymous_page
def quote_version(request, pk, number):
    return version_page(request, quote_versions(pk), number, "versions/_fields.html")


@cache_anonymous_page
def quote_changelog(request, pk):
    return changelog_page(request, quote_versions(pk))


def capture_lookup(request):
    """Where a person pastes an address and sees the archive's captures of it, by date."""
    form = OriginalUrlForm(request.GET or None)
    context = {"form": form, "captures": None, "revisits": None}
    if form.is_valid():
        url = form.cleaned_data["url"]
        context["captures"] = list(memento.captures_of(url))
        context["revisits"] = list(memento.revisits_of(url))
        if context["revisits"] or any(capture.retrieved_at for capture in context["captures"]):
            for name in ["timegate", "timemap_link", "timemap_json"]:
                context[name] = memento.service_url(request, f"articles:{name}", url)
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "articles/capture_lookup.html", context, status=status)


def original_and_mementos(request, url):
    """(the original URL of a TimeGate or TimeMap address, its mementos oldest first), or the
    answer for an address no page can have (400) or one never captured (404)."""
    form = OriginalUrlForm({"url": memento.requested_original(request, url)})
    if not form.is_valid():
        return bad_request(request, f"Not the address of a web page: {parameter_errors(form)}")
    original = form.cleaned_data["url"]
    mementos = list(memento.mementos_of(original))
    if not mementos:
        raise Http404("The archive holds no capture of this address.")
    return original, mementos


def timegate(request, url):
    """RFC 7089's TimeGate: a redirect to the memento nearest the Accept-Datetime asked for,
    or to the latest when none is."""
    found = original_and_mementos(request, url)
    if isinstance(found, HttpResponse):
        return found
    original, mementos = found
    asked = request.headers.get("Accept-Datetime")
    try:
        when = None if asked is None else memento.parse_accept_datetime(asked)
    except ValueError:
        response = bad_request(request, "Accept-Datetime must be a date as HTTP gives it "
                               "(RFC 1123), e.g. “Thu, 03 Jul 2025 12:00:00 GMT”.")  # fmt: skip
    else:
        chosen = mementos[-1] if when is None else memento.nearest(mementos, when)
        response = redirect(memento.memento_url(request, chosen))
        response["Link"] = memento.timegate_links(request, original, mementos)
    # The answer depends on the header: caches must tell (RFC 7089 section 4.1.1).
    response["Vary"] = "accept-datetime"
    return response


def timemap_link(request, url):
    """RFC 7089's TimeMap in application/link-format: every memento of the address."""
    found = original_and_mementos(request, url)
    if isinstance(found, HttpResponse):
        return found
    body = memento.timemap_link_format(request, *found)
    return HttpResponse(body, content_type=memento.LINK_FORMAT)


def timemap_json(request, url):
    """The TimeMap in the JSON of pywb and the Memento aggregator."""
    found = original_and_mementos(request, url)
    if isinstance(found, HttpResponse):
        return found
    return JsonResponse(memento.timemap_json(request, *found))
