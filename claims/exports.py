"""What analysts take away: the rows of any list or search view as CSV, JSON, BibTeX or CSL-JSON.

Exports stream: rows are read in chunks (with their relations prefetched per chunk) and written
as they come, so an export of the whole archive takes constant memory and has no row cap.
Field names are stable; add fields, never rename them.
"""

import csv
import json
from collections.abc import Callable
from dataclasses import dataclass

from django.db import router
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.http import urlencode

from articles.models import Article, Quote
from claims.models import Claim
from core.citations import bibtex, csl_json

CHUNK_SIZE = 500
# A cell a spreadsheet would read as a formula is prefixed with ' (OWASP's CSV injection advice).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")
LIST_SEPARATOR = "; "


def claim_row(claim, absolute):
    return {
        "id": claim.pk,
        "permalink": absolute(claim.get_absolute_url()),
        "statement": claim.statement,
        "status": claim.status,
        "claimed_date": _iso(claim.claimed_date),
        "claimed_date_precision": claim.claimed_date_precision,
        "actors": [
            {
                "name": actor.person.name,
                "role": actor.role,
                "permalink": absolute(actor.person.get_absolute_url()),
            }
            for actor in claim.claim_actors.all()
        ],
        "topics": [topic.name for topic in claim.topics.all()],
        "source": _source(claim.source, absolute),
        "reporting_articles": [_article(article, absolute) for article in claim.articles.all()],
        "outlets": sorted({a.outlet.name for a in claim.articles.all() if a.outlet}),
        "evidence": [
            {
                "text": quote.text,
                "speaker": quote.speaker_display,
                "permalink": absolute(quote.get_absolute_url()),
            }
            for quote in claim.evidence.all()
        ],
        "created_at": claim.created_at.isoformat(),
        "updated_at": claim.updated_at.isoformat(),
    }


def quote_row(quote, absolute):
    return {
        "id": quote.pk,
        "permalink": absolute(quote.get_absolute_url()),
        "text": quote.text,
        "speaker": quote.speaker_display,
        "speaker_permalink": absolute(quote.speaker.get_absolute_url()) if quote.speaker else None,
        "occasion": quote.occasion,
        "occasion_date": _iso(quote.occasion_date),
        "occasion_date_precision": quote.occasion_date_precision,
        "article": _article(quote.article, absolute),
    }


def article_row(article, absolute):
    return {
        **_article(article, absolute),
        "id": article.pk,
        "title_is_supplied": article.title_is_supplied,
        "url": article.url,
        "byline": article.byline,
        "capture_sha256": article.capture_sha256,
        "archived_at": article.archived_at.isoformat(),
    }


def _article(article, absolute):
    return {
        "title": article.display_title,
        "outlet": article.outlet.name if article.outlet else None,
        "published_date": _iso(article.published_date),
        "published_date_precision": article.published_date_precision,
        "permalink": absolute(article.get_absolute_url()),
    }


def _source(source, absolute):
    if source is None:
        return None
    return {
        "label": str(source),
        "publisher": source.publisher,
        "kind": source.kind,
        "date": _iso(source.date),
        "date_precision": source.date_precision,
        "permalink": absolute(source.get_absolute_url()),
    }


def _iso(date):
    return date.isoformat() if date else None


ROW_BUILDERS = {Claim: claim_row, Quote: quote_row, Article: article_row}


def export_response(rows, export_format, *, name, request):
    """A streamed download of the queryset `rows` (claims, quotes or articles) in a format named
    in FORMATS."""
    chosen = FORMATS[export_format]
    # The database is chosen now, while the request's routing holds (a signed-in editor reads
    # the primary): the rows are read only as the response streams, after the request's end.
    objects = rows.using(router.db_for_read(rows.model)).iterator(chunk_size=CHUNK_SIZE)
    response = StreamingHttpResponse(
        chosen.write(objects, request.build_absolute_uri), content_type=chosen.content_type
    )
    stamp = timezone.now().strftime("%Y-%m-%d")
    response["Content-Disposition"] = (
        f'attachment; filename="newsarchive-{name}-{stamp}.{chosen.extension}"'
    )
    return response


def export_links(url, parameters=()):
    """(label, url) of a list in each format: `url` with `parameters` and ?format=."""
    return [
        (chosen.label, f"{url}?{urlencode([*parameters, ('format', name)])}")
        for name, chosen in FORMATS.items()
    ]


def _records(objects, absolute):
    for obj in objects:
        yield ROW_BUILDERS[type(obj)](obj, absolute)


class _Echo:
    """A file-like object whose write returns what it is given, for csv.writer."""

    def write(self, value):
        return value


def _csv(objects, absolute):
    writer = csv.writer(_Echo())
    header = None
    for record in _records(objects, absolute):
        flat = {key: _cell(value) for key, value in record.items()}
        if header is None:
            header = list(flat)
            yield "\ufeff" + writer.writerow(header)  # a BOM, so spreadsheets read UTF-8
        yield writer.writerow([flat[key] for key in header])


def _cell(value):
    if value is None:
        text = ""
    elif isinstance(value, list):
        text = LIST_SEPARATOR.join(_plain(item) for item in value)
    elif isinstance(value, dict):
        text = _plain(value)
    else:
        text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _plain(item):
    if isinstance(item, dict):
        if "role" in item:
            return f"{item['name']} ({item['role']})"
        return item.get("label") or item.get("title") or item.get("text") or ""
    return str(item)


def _json(objects, absolute):
    yield "["
    for index, record in enumerate(_records(objects, absolute)):
        yield ("," if index else "") + "\n" + json.dumps(record, ensure_ascii=False)
    yield "\n]\n"


def _bibtex(objects, absolute):
    today = timezone.now().date()
    for obj in objects:
        yield bibtex(obj.citable(absolute(obj.get_absolute_url())), today) + "\n\n"


def _csl_json(objects, absolute):
    accessed = timezone.now().date()
    yield "["
    for index, obj in enumerate(objects):
        item = csl_json(obj.citable(absolute(obj.get_absolute_url())), accessed)
        yield ("," if index else "") + "\n" + json.dumps(item, ensure_ascii=False)
    yield "\n]\n"


@dataclass(frozen=True)
class ExportFormat:
    label: str
    content_type: str
    extension: str
    write: Callable  # (objects, absolute) -> the file's text, in pieces


# Every export format, by the name ?format= takes: views, links and the API's document read this.
FORMATS = {
    "csv": ExportFormat("CSV", "text/csv; charset=utf-8", "csv", _csv),
    "json": ExportFormat("JSON", "application/json", "json", _json),
    "bibtex": ExportFormat("BibTeX", "application/x-bibtex; charset=utf-8", "bib", _bibtex),
    "csljson": ExportFormat(
        "CSL-JSON", "application/vnd.citationstyles.csl+json", "json", _csl_json
    ),
}
