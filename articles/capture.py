"""The one way captures enter the archive: the admin, `manage.py archive` and the seed build use it.

capture_archive() takes bytes as they were retrieved and where and when they came from, extracts
the article (articles.extraction) and stores, in one transaction, the capture, when it is the
first capture of its article the article, and the quotations proposed in the article's latest
text for editors (articles.proposals), and the claims it reports (articles.signals): nothing
half-written stays when anything fails.

- The same bytes are never stored twice: a duplicate is reported with the capture it repeats,
  and when it was retrieved over HTTP, the retrieval is recorded as a revisit of that capture
  (Revisit: when, from where, with what headers), as web archives write a WARC revisit record.
- A capture of an article already archived (the same canonical URL, or retrieved from the same
  address) is a new version of it only when its text, headline, byline or published date
  changed; otherwise it is reported as unchanged and nothing is stored. A new version is
  classified against the version before it (articles.changes).
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q

from articles.changes import is_same_version, metadata_from, record_changes, summary
from articles.extraction import CaptureRefused, check_size, extract
from articles.models import Article, Capture, Outlet, Revisit, capture_hash
from articles.proposals import propose_quotes_for
from articles.signals import proposals_wanted

MAX_URL_LENGTH = 2000  # as the URL fields hold
OUTLET_NAME_LENGTH = Outlet._meta.get_field("name").max_length

__all__ = [
    "Archived", "CaptureRefused", "add_proposed_outlet", "capture_archive", "delete_capture",
    "preview",
]  # fmt: skip


@dataclass
class Archived:
    """What capture_archive() did with the bytes: stored them (a new article or a new version),
    or found them already stored."""

    ARCHIVED = "archived"
    NEW_VERSION = "new version"
    DUPLICATE = "duplicate"
    UNCHANGED = "unchanged"

    outcome: str
    capture: Capture
    article: Article
    revisit: Revisit | None = None  # a duplicate's retrieval, recorded

    @property
    def stored(self):
        return self.outcome in {self.ARCHIVED, self.NEW_VERSION}

    def __str__(self):
        title, capture = self.article.display_title, self.capture.description
        if self.outcome == self.NEW_VERSION:
            # A capture retrieved before every other (or undated) is the first version.
            changes = self.capture.changes
            what = summary(changes) if changes else "the earliest version archived"
            return f"archived as a new version of: {title} ({what})"
        return {
            self.ARCHIVED: f"archived as a new article: {title}",
            self.DUPLICATE: f"a duplicate of the {capture} of {title}; "
            + ("recorded as retrieved again" if self.revisit else "nothing stored"),
            self.UNCHANGED: f"unchanged since the {capture} of {title}; nothing stored",
        }[self.outcome]


def preview(raw, *, content_type="", title="", url=""):
    """The article as capture_archive() would extract it, storing nothing."""
    return extract(raw, content_type=content_type, title=title, url=url)


def capture_archive(
    *,
    raw,
    origin,
    url="",
    final_url="",
    retrieved_at=None,
    outlet=None,
    http_protocol="",
    http_status=None,
    http_reason="",
    http_headers=(),
    http_request_headers=(),
    content_type="",
    title="",
    add_site_outlet=False,
):
    """Archive `raw` (bytes) and return an Archived; raise CaptureRefused with the reason when
    the bytes can't be archived. `outlet` is an Outlet, the name of one to find or create, or
    None to take the outlet the page names its site after: the archive's outlet of that name,
    else, with `add_site_outlet` (an editor confirmed it), a new outlet of that name, else
    none, the name kept as the article's proposed outlet. `title` is for plain text, which
    marks no headline."""
    check_size(raw)
    for address in (url, final_url):
        if len(address) > MAX_URL_LENGTH:
            raise CaptureRefused(f"The address is longer than {MAX_URL_LENGTH} characters.")
    capture = Capture(
        origin=origin,
        raw=raw,
        request_url=url,
        final_url=final_url,
        http_protocol=http_protocol,
        http_status=http_status,
        http_reason=http_reason,
        http_headers=[list(pair) for pair in http_headers],
        http_request_headers=[list(pair) for pair in http_request_headers],
        retrieved_at=retrieved_at,
    )
    duplicate = Capture.objects.filter(sha256=capture_hash(raw)).select_related("article").first()
    if duplicate:
        return _revisited(duplicate, capture)
    extracted = extract(raw, content_type=content_type, title=title, url=final_url or url)
    capture.content_type = extracted.content_type
    capture.text = extracted.text
    capture.removed_boilerplate = extracted.removed
    capture.extractor = extracted.extractor
    capture.metadata = metadata_from(extracted)
    try:
        with transaction.atomic():
            return _store(capture, extracted, outlet, add_site_outlet)
    except IntegrityError:
        # Someone archived the same bytes between the check above and this transaction.
        duplicate = Capture.objects.filter(sha256=capture_hash(raw)).select_related("article")
        if duplicate.exists():
            return _revisited(duplicate.get(), capture)
        raise


def _revisited(duplicate, retrieval):
    """The duplicate's outcome. A retrieval over HTTP (by URL, or a WARC file's response) is
    recorded as a revisit of the capture it repeats, unless it is that capture's own retrieval
    read again. An upload or a paste is no retrieval: it has no address, time or response."""
    revisit = None
    address = retrieval.request_url or retrieval.final_url
    retrieved = retrieval.http_status is not None and retrieval.retrieved_at and address
    if retrieved and not _same_retrieval(retrieval, duplicate):
        # get_or_create: the same retrieval read twice (a WARC file archived again) is one.
        revisit, _ = Revisit.objects.get_or_create(
            capture=duplicate,
            retrieved_at=retrieval.retrieved_at,
            request_url=retrieval.request_url,
            final_url=retrieval.final_url,
            defaults={
                field: getattr(retrieval, field)
                for field in ["origin", "http_protocol", "http_status", "http_reason",
                              "http_headers", "http_request_headers"]
            },
        )  # fmt: skip
    return Archived(Archived.DUPLICATE, duplicate, duplicate.article, revisit)


def _same_retrieval(retrieval, capture):
    """Whether `retrieval` is the capture's own read from a WARC file (one the archive wrote, or
    the one the capture came from): from the address its response came from (WARC-Target-URI),
    in the same second (WARC-Date's precision). A retrieval by URL is always a new one."""
    if retrieval.origin != Capture.Origin.WARC:
        return False
    address = retrieval.final_url or retrieval.request_url
    return address == (capture.final_url or capture.request_url) and (
        capture.retrieved_at is not None
        and capture.retrieved_at.replace(microsecond=0)
        == retrieval.retrieved_at.replace(microsecond=0)
    )


def _store(capture, extracted, outlet, add_site_outlet):
    addresses = {a for a in (extracted.canonical_url, capture.final_url, capture.request_url) if a}
    retrieved_from = Capture.objects.filter(
        Q(request_url__in=addresses) | Q(final_url__in=addresses)
    ).values("article")
    article = (
        Article.objects.select_for_update()  # one new version of an article at a time
        .filter(Q(url__in=addresses) | Q(pk__in=retrieved_from))
        .order_by("pk")
        .first()
    )
    outcome = Archived.NEW_VERSION
    if article is not None:
        latest = article.latest_capture
        if is_same_version(latest, capture):
            return Archived(Archived.UNCHANGED, latest, article)
    else:
        article = _new_article(extracted, capture, outlet, add_site_outlet)
        outcome = Archived.ARCHIVED
    capture.article = article
    capture.save()
    article.take_text_of_latest_capture()
    if outcome == Archived.NEW_VERSION:
        record_changes(capture)  # what changed since the version before (articles.changes)
    propose_quotes_for(article)  # for editors to decide on (articles.proposals)
    proposals_wanted.send(sender=Capture, article=article)  # and the claims it reports
    return Archived(outcome, capture, article)


def _new_article(extracted, capture, outlet, add_site_outlet):
    notes = list(extracted.unknowns)
    proposed_outlet = ""
    site_name = extracted.site_name
    if isinstance(outlet, str):
        outlet, _ = Outlet.objects.get_or_create(name=outlet.strip())
    elif outlet is None and site_name:
        outlet = _site_outlet(site_name, add=add_site_outlet)
        if outlet is None:
            notes.append(
                f"Outlet: the page names its site “{site_name}”, which is not one of the "
                "archive's outlets."
            )
            # The page's own name, for an editor to confirm: the archive adds no outlet unasked.
            proposed_outlet = site_name if len(site_name) <= OUTLET_NAME_LENGTH else ""
    elif outlet is None:
        notes.append("Outlet: the capture does not say which outlet published it.")
    # Only a URL the page gives, or the address it was retrieved from: never a guessed one.
    canonical = extracted.canonical_url
    if len(canonical) > MAX_URL_LENGTH:
        notes.append(f"URL: the page's canonical URL is longer than {MAX_URL_LENGTH} characters.")
        canonical = ""
    url = canonical or capture.final_url or capture.request_url or None
    if url is None:
        notes.append("URL: the capture gives none, and it was not retrieved by URL.")
    article = Article(
        outlet=outlet,
        proposed_outlet=proposed_outlet,
        title=extracted.title[:500],
        title_is_supplied=extracted.title_is_supplied,
        url=url,
        published_date=extracted.published_date,
        published_date_precision=extracted.published_date_precision,
        byline=extracted.byline[:300],
        body=capture.text,
        provenance_note="\n".join(notes),
    )
    article.save()
    return article


def add_proposed_outlet(article):
    """Give an article without an outlet the one its page names (Article.proposed_outlet): the
    archive's outlet of that name, else a new one. Returns the outlet, or None when the page
    proposed none."""
    if article.outlet_id or not article.proposed_outlet:
        return None
    article.outlet = _site_outlet(article.proposed_outlet, add=True)
    article.save()
    return article.outlet


def _site_outlet(site_name, *, add):
    """The archive's outlet of the name a page gives its site, or with `add` a new one."""
    outlet = Outlet.objects.filter(name__iexact=site_name).first()
    if outlet is None and add and len(site_name) <= OUTLET_NAME_LENGTH:
        outlet = Outlet.objects.create(name=site_name)
    return outlet


def delete_capture(capture, *, check_only=False):
    """Delete a capture no quote rests on; its article's body becomes the latest text left. An
    article's only capture is refused: the article itself is what to delete then."""
    if capture.quotes.exists():
        raise CaptureRefused(
            f"Quotes are anchored in this capture's text ({capture.quotes.count()}); it can't be "
            "deleted while they are."
        )
    if not capture.article.captures.exclude(pk=capture.pk).exists():
        raise CaptureRefused(
            "This is its article's only capture; delete the article instead, if it must go."
        )
    if check_only:
        return
    with transaction.atomic():
        capture.delete()
        capture.article.take_text_of_latest_capture()
