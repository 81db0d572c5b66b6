"""What analysts take away: the rows of any list or search view as CSV, JSON, BibTeX or CSL-JSON.

Exports stream: the rows' ids are read in order, and the rows a batch of ids at a time as the
file is written, so an export of the whole archive takes constant memory and has no row cap.
The first batch is small, so that the file starts at once. Claims, the big exports, are read
with one aggregated query per batch and no model instances, the next batch's query running
while Python writes this one's rows; their CSV cells are joined by PostgreSQL itself, so that
Python does little per row (issue #25: 20,000 rows a second). Quotes and articles are read as
models with their relations prefetched per batch. The file goes out in pieces of many rows, not
a write per row. Field names are stable; add fields, never rename them.
"""

import csv
import datetime
import errno
import itertools
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import connections, router
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.http import urlencode

from articles.models import Article, Quote, display_title
from claims.models import Claim, source_label
from core.citations import bibtex, csl_json, of_version
from core.models import VersionedModel
from core.permalinks import path_template
from core.versions import current_versions_recorded
from core.wikidata import WIKIDATA_ENTITY, wikidata_url

logger = logging.getLogger(__name__)

CHUNK_SIZE = 2000
# Claims, read without model instances, come in larger batches: a batch's query costs less a
# claim the more it reads at once (a fifth less at 5,000 than at 2,000; issue #25).
CLAIM_CHUNK_SIZE = 5000
# The first batch is small: its rows are the download's first, sent while the next batch is read.
FIRST_CHUNK_SIZE = 100
# Characters a download sends at a time: each piece is one write to the socket (and the gzip
# stream), so a piece of many rows costs what a row alone did.
PIECE_SIZE = 64 * 1024
# But the first, which goes out as soon as it holds a few rows: the download starts at once.
FIRST_PIECE_SIZE = 8 * 1024
# A cell a spreadsheet would read as a formula is prefixed with ' (OWASP's CSV injection advice).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")
LIST_SEPARATOR = "; "

# The claims of %(ids)s, each with its source and the lists a query's WITH clauses gathered.
CLAIMS_WITH_THEIR_LISTS = """
    FROM claims_claim claim
    LEFT JOIN claims_source source ON source.id = claim.source_id
    LEFT JOIN actors ON actors.claim_id = claim.id
    LEFT JOIN topics ON topics.claim_id = claim.id
    LEFT JOIN articles ON articles.claim_id = claim.id
    LEFT JOIN evidence ON evidence.claim_id = claim.id
    WHERE claim.id = ANY(%(ids)s::integer[])
"""

# Claims' rows with their relations, for a batch of ids: each relation aggregated per claim in
# one grouped pass over the batch (a subquery per claim costs ten times more), each list in the
# order the models' Meta.ordering gives (actors by role and name, topics by name, articles
# newest first, evidence by article and place in it).
CLAIM_ROWS_SQL = (
    """
    WITH actors AS (
        SELECT actor.claim_id, json_agg(json_build_array(person.name, actor.role, person.id,
                                                         person.slug, person.wikidata_id)
                                        ORDER BY actor.role, person.name) AS list
        FROM claims_claimactor actor JOIN articles_person person ON person.id = actor.person_id
        WHERE actor.claim_id = ANY(%(ids)s::integer[]) GROUP BY actor.claim_id
    ), topics AS (
        SELECT link.claim_id, json_agg(json_build_array(topic.name, topic.wikidata_id)
                                       ORDER BY topic.name) AS list
        FROM claims_claim_topics link JOIN claims_topic topic ON topic.id = link.topic_id
        WHERE link.claim_id = ANY(%(ids)s::integer[]) GROUP BY link.claim_id
    ), articles AS (
        SELECT link.claim_id, json_agg(json_build_array(article.id, article.slug, article.title,
                                                        article.title_is_supplied, outlet.name,
                                                        article.published_date,
                                                        article.published_date_precision,
                                                        appearance.text, appearance.attribution,
                                                        cited.id, cited.title,
                                                        cited.title_is_supplied, cited.publisher,
                                                        cited.kind, cited.date,
                                                        cited.date_precision,
                                                        outlet.wikidata_id)
                                       ORDER BY article.published_date DESC, article.title) AS list
        FROM claims_claim_articles link
        JOIN articles_article article ON article.id = link.article_id
        LEFT JOIN articles_outlet outlet ON outlet.id = article.outlet_id
        LEFT JOIN claims_appearance appearance
            ON appearance.claim_id = link.claim_id AND appearance.article_id = link.article_id
        LEFT JOIN claims_source cited ON cited.id = appearance.source_id
        WHERE link.claim_id = ANY(%(ids)s::integer[]) GROUP BY link.claim_id
    ), evidence AS (
        SELECT link.claim_id, json_agg(json_build_array(quote.id, quote.text, speaker.name,
                                                        quote.speaker_label, quote.transmission)
                                       ORDER BY article.published_date DESC, article.title,
                                                quote.start_offset) AS list
        FROM claims_claim_evidence link JOIN articles_quote quote ON quote.id = link.quote_id
        JOIN articles_article article ON article.id = quote.article_id
        LEFT JOIN articles_person speaker ON speaker.id = quote.speaker_id
        WHERE link.claim_id = ANY(%(ids)s::integer[]) GROUP BY link.claim_id
    )
    SELECT claim.id, claim.slug, claim.statement, claim.status, claim.claimed_date,
        claim.claimed_date_precision, claim.created_at, claim.updated_at,
        source.id, source.title, source.title_is_supplied, source.publisher, source.kind,
        source.date, source.date_precision, actors.list, topics.list, articles.list, evidence.list
"""
    + CLAIMS_WITH_THEIR_LISTS
)

# The same claims as CSV cells (CLAIM_CSV_FIELDS), each list joined here as _cell joins it in a
# row of CLAIM_ROWS_SQL, in the same order: a claims export's CSV is byte for byte what
# flattening its JSON rows gives (tests/test_exports_csv.py checks it). Only the source's label
# is left to Python (claims.models.source_label), once per source and batch.
CLAIM_CELLS_SQL = (
    """
    WITH actors AS (
        SELECT actor.claim_id, string_agg(person.name || ' (' || actor.role || ')', '; '
                                          ORDER BY actor.role, person.name) AS cell
        FROM claims_claimactor actor JOIN articles_person person ON person.id = actor.person_id
        WHERE actor.claim_id = ANY(%(ids)s::integer[]) GROUP BY actor.claim_id
    ), topics AS (
        SELECT link.claim_id, string_agg(topic.name, '; ' ORDER BY topic.name) AS cell,
            string_agg(CASE WHEN topic.wikidata_id <> '' THEN %(wikidata)s || topic.wikidata_id
                            ELSE '' END, '; ' ORDER BY topic.name) AS wikidata
        FROM claims_claim_topics link JOIN claims_topic topic ON topic.id = link.topic_id
        WHERE link.claim_id = ANY(%(ids)s::integer[]) GROUP BY link.claim_id
    ), articles AS (
        -- Titles as articles.models.display_title gives them; outlets named once each, in
        -- code point order (Python's sorted).
        SELECT link.claim_id,
            string_agg(CASE WHEN article.title_is_supplied THEN '[' || article.title || ']'
                            ELSE article.title END, '; '
                       ORDER BY article.published_date DESC, article.title) AS cell,
            string_agg(DISTINCT outlet.name::text COLLATE "C", '; '
                       ORDER BY outlet.name::text COLLATE "C")
                FILTER (WHERE outlet.name <> '') AS outlets
        FROM claims_claim_articles link
        JOIN articles_article article ON article.id = link.article_id
        LEFT JOIN articles_outlet outlet ON outlet.id = article.outlet_id
        WHERE link.claim_id = ANY(%(ids)s::integer[]) GROUP BY link.claim_id
    ), evidence AS (
        SELECT link.claim_id, string_agg(quote.text, '; '
                                         ORDER BY article.published_date DESC, article.title,
                                                  quote.start_offset) AS cell
        FROM claims_claim_evidence link JOIN articles_quote quote ON quote.id = link.quote_id
        JOIN articles_article article ON article.id = quote.article_id
        WHERE link.claim_id = ANY(%(ids)s::integer[]) GROUP BY link.claim_id
    )
    SELECT claim.id, claim.slug, claim.statement, claim.status,
        coalesce(to_char(claim.claimed_date, 'YYYY-MM-DD'), ''), claim.claimed_date_precision,
        coalesce(actors.cell, ''), coalesce(topics.cell, ''), coalesce(topics.wikidata, ''),
        source.id, source.title, source.title_is_supplied, source.publisher, source.kind,
        source.date, source.date_precision,
        coalesce(articles.cell, ''), coalesce(articles.outlets, ''), coalesce(evidence.cell, ''),
        -- As datetime.isoformat() gives them in UTC, the connection's time zone.
        replace(to_char(claim.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
                '.000000', '') || '+00:00',
        replace(to_char(claim.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
                '.000000', '') || '+00:00'
"""
    + CLAIMS_WITH_THEIR_LISTS
)
# The columns of a claims CSV: the keys of a claim's row (_claim_row), in their order.
CLAIM_CSV_FIELDS = [
    "id", "permalink", "statement", "status", "claimed_date", "claimed_date_precision", "actors",
    "topics", "topics_wikidata", "source", "reporting_articles", "outlets", "evidence",
    "created_at", "updated_at",
]  # fmt: skip


def claim_rows(ids, absolute, using):
    """The export rows of the claims with these ids, in their order (one query)."""
    with connections[using].cursor() as cursor:
        cursor.execute(CLAIM_ROWS_SQL, {"ids": _array(ids)})
        return list(_claim_rows(ids, cursor.fetchall(), absolute("/")[:-1]))


def _claim_rows(ids, fetched, site):
    """The export rows of the claims with these ids, in their order, from CLAIM_ROWS_SQL's rows."""
    found = {row[0]: row for row in fetched}
    return (_claim_row(found[pk], site) for pk in ids if pk in found)


def _read_ahead(batches, sql, parameters, using):
    """(ids, rows of `sql` for them) of each batch of ids. The next batch's query is sent before
    a batch's rows are handed on (psycopg's pipeline mode), so that PostgreSQL reads it while
    Python writes these (issue #25). The ids are read between pipelines: a queryset's come
    from a server-side cursor, which can't run in one."""
    connection = connections[using]
    read = None
    for ids in batches:
        connection.ensure_connection()
        with connection.connection.pipeline(), connection.cursor() as cursor:
            cursor.execute(sql, {**parameters, "ids": _array(ids)})
            if read is not None:
                yield read
            read = ids, cursor.fetchall()
    if read is not None:
        yield read


def _array(ids):
    """The ids as a PostgreSQL array's text, which the claims' queries name five times: psycopg
    would write the array out in Python at each (a fifth of a CSV export's time)."""
    return "{" + ",".join(map(str, ids)) + "}"


def _claim_row(row, site):
    pk, slug, statement, status, date, precision, created_at, updated_at = row[:8]
    source_id, source_title, source_title_is_supplied, publisher, kind = row[8:13]
    source_date, source_precision = row[13:15]
    actors, topics, articles, evidence = (value or [] for value in row[15:])
    reporting_articles = [
        {
            "title": display_title(title, is_supplied),
            "outlet": outlet,
            "outlet_wikidata": wikidata_url(outlet_wikidata),
            "published_date": published,
            "published_date_precision": published_precision,
            "permalink": site + path_template("articles:article").format(pk=article, slug=slug),
            # How the article reports it (claims.Appearance); null where not anchored yet.
            "words": words,
            "credits": credits,
            "cites": None
            if cited is None
            else source_label(
                cited_title, cited_supplied, publisher, kind, _date(cited_date), cited_precision
            ),
        }
        for (
            article, slug, title, is_supplied, outlet, published, published_precision,
            words, credits, cited, cited_title, cited_supplied, publisher, kind, cited_date,
            cited_precision, outlet_wikidata,
        ) in articles
    ]  # fmt: skip
    return {
        "id": pk,
        "permalink": site + path_template("claims:claim").format(pk=pk, slug=slug),
        "statement": statement,
        "status": status,
        "claimed_date": _iso(date),
        "claimed_date_precision": precision,
        "actors": [
            {
                "name": name,
                "role": role,
                "permalink": site + path_template("claims:person").format(pk=person, slug=slug),
                "wikidata": wikidata_url(wikidata_id),
            }
            for name, role, person, slug, wikidata_id in actors
        ],
        "topics": [name for name, _ in topics],
        # Each topic's Wikidata entity, in the order of topics; null where it has none.
        "topics_wikidata": [wikidata_url(wikidata_id) for _, wikidata_id in topics],
        "source": None
        if source_id is None
        else {
            "label": source_label(
                source_title,
                source_title_is_supplied,
                publisher,
                kind,
                source_date,
                source_precision,
            ),
            "publisher": publisher,
            "kind": kind,
            "date": _iso(source_date),
            "date_precision": source_precision,
            "permalink": site + path_template("claims:source", slug=False).format(pk=source_id),
        },
        "reporting_articles": reporting_articles,
        "outlets": sorted(
            {article["outlet"] for article in reporting_articles if article["outlet"]}
        ),
        "evidence": [
            {
                "text": text,
                "speaker": name or label,
                "permalink": site + path_template("articles:quote", slug=False).format(pk=quote),
                "transmission": transmission,
            }
            for quote, text, name, label, transmission in evidence
        ],
        "created_at": created_at.isoformat(),
        "updated_at": updated_at.isoformat(),
    }


def _claim_csv_rows(ids, fetched, site):
    """The CSV rows of the claims with these ids, {field: cell}, in their order, from
    CLAIM_CELLS_SQL's rows."""
    claim_path = path_template("claims:claim")
    found = {row[0]: row for row in fetched}
    labels = {None: ""}  # each source's label, by id
    for pk in ids:
        if (row := found.get(pk)) is None:
            continue
        slug, statement, status, date, precision, actors, topics, topics_wikidata = row[1:9]
        source_id, source = row[9], row[10:16]
        articles, outlets, evidence, created_at, updated_at = row[16:]
        if source_id not in labels:
            labels[source_id] = source_label(*source)
        cells = [
            str(pk), site + claim_path.format(pk=pk, slug=slug), statement, status, date,
            precision, actors, topics, topics_wikidata, labels[source_id], articles, outlets,
            evidence, created_at, updated_at,
        ]  # fmt: skip
        yield dict(zip(CLAIM_CSV_FIELDS, map(_guarded, cells), strict=True))


def quote_row(quote, absolute):
    return {
        "id": quote.pk,
        "permalink": absolute(quote.get_absolute_url()),
        "text": quote.text,
        "speaker": quote.speaker_display,
        "speaker_permalink": absolute(quote.speaker.get_absolute_url()) if quote.speaker else None,
        "speaker_wikidata": wikidata_url(quote.speaker.wikidata_id) if quote.speaker else None,
        "occasion": quote.occasion,
        "occasion_date": _iso(quote.occasion_date),
        "occasion_date_precision": quote.occasion_date_precision,
        "article": _article(quote.article, absolute),
        "transmission": quote.transmission,
        "transmission_note": quote.transmission_note,
        "quoted_from": [
            {"label": str(source), "permalink": absolute(source.get_absolute_url())}
            for source in quote.quoted_from.all()
        ],
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
        "outlet_wikidata": wikidata_url(article.outlet.wikidata_id) if article.outlet else None,
        "published_date": _iso(article.published_date),
        "published_date_precision": article.published_date_precision,
        "permalink": absolute(article.get_absolute_url()),
    }


def _date(iso):
    """A date that came through json_agg, as text."""
    return datetime.date.fromisoformat(iso) if iso else None


def _iso(date):
    return date.isoformat() if date else None


@dataclass(frozen=True)
class InOrder:
    """Records of `model` with these ids, in this order (the explorer's, from its facet index: an
    array, turned into lists of ints a batch at a time)."""

    model: type
    ids: Sequence[int]


def _in_batches(ids, chunk_size):
    """Lists of `ids` (a list, an array, a query's iterator), FIRST_CHUNK_SIZE then chunk_size
    of them."""
    remaining, size = iter(ids), FIRST_CHUNK_SIZE
    while batch := [int(pk) for pk in itertools.islice(remaining, size)]:
        yield batch
        size = chunk_size


class Batches:
    """What an export writes, in order, a batch at a time: `ids` are read as the file streams
    (but for the first batch: read_first_ids), and the records of each batch with one query
    (claims) or a few (quotes, articles)."""

    def __init__(self, model, ids, using):
        self.model, self.using, self.ids = model, using, ids
        self.batches = _in_batches(ids, CLAIM_CHUNK_SIZE if model is Claim else CHUNK_SIZE)

    def read_first_ids(self):
        """Read the first batch of ids now: the query that finds them runs, or fails, at once."""
        first = next(self.batches, [])
        self.batches = itertools.chain([first] if first else [], self.batches)

    def close(self):
        if hasattr(self.ids, "close"):
            self.ids.close()  # a query's iterator: its cursor is released

    def records(self, absolute):
        if self.model is Claim:
            site = absolute("/")[:-1]
            for ids, fetched in _read_ahead(self.batches, CLAIM_ROWS_SQL, {}, self.using):
                yield from _claim_rows(ids, fetched, site)
            return
        row = {Quote: quote_row, Article: article_row}[self.model]
        for ids in self.batches:
            yield from (row(obj, absolute) for obj in self._objects(ids))

    def csv_records(self, absolute):
        """Each record as its CSV row, {field: cell}: lists and objects flattened by _cell
        (claims' by PostgreSQL, the same way)."""
        if self.model is not Claim:
            for record in self.records(absolute):
                yield {key: _cell(value) for key, value in record.items()}
            return
        site, parameters = absolute("/")[:-1], {"wikidata": WIKIDATA_ENTITY}
        for ids, fetched in _read_ahead(self.batches, CLAIM_CELLS_SQL, parameters, self.using):
            yield from _claim_csv_rows(ids, fetched, site)

    def citables(self, absolute):
        """The citation of each record as its Cite box gives it: of its current version, at
        that version's permalink, where the record is versioned (claims and quotes)."""
        for ids in self.batches:
            objects = self._objects(ids)
            versioned = issubclass(self.model, VersionedModel)
            recorded = current_versions_recorded(objects) if versioned else {}
            for obj in objects:
                item = obj.citable(absolute(obj.get_absolute_url()))
                if obj.pk in recorded:
                    url = absolute(obj.get_version_url(obj.version))
                    item = of_version(item, url, obj.version, recorded[obj.pk].date())
                yield item

    def _objects(self, ids):
        found = self.model.objects.using(self.using).for_export().in_bulk(ids)
        return [found[pk] for pk in ids if pk in found]


def export_response(rows, export_format, *, name, request):
    """A streamed download, in a format named in FORMATS, of `rows`: a queryset of claims,
    quotes or articles in the order wanted, or their ids `InOrder`.

    The query that finds the rows (a search, say) runs before the response starts, so that one
    that fails raises here and the request gets an error status, not a 200 and a file cut short
    (an explorer's ids are found before this). If reading fails later, the file ends with its
    format's failure_mark and the transfer is broken off (Download)."""
    chosen = FORMATS[export_format]
    # The database is chosen now, while the request's routing holds (a signed-in editor reads
    # the primary): the rows are read only as the response streams, after the request's end.
    using = router.db_for_read(rows.model)
    if isinstance(rows, InOrder):
        ids = rows.ids
    else:
        ids = rows.using(using).values_list("pk", flat=True).iterator(chunk_size=CHUNK_SIZE)
    download = Download(chosen, Batches(rows.model, ids, using), request.build_absolute_uri, name)
    response = StreamingHttpResponse(download, content_type=chosen.content_type)
    stamp = timezone.now().strftime("%Y-%m-%d")
    response["Content-Disposition"] = (
        f'attachment; filename="newsarchive-{name}-{stamp}.{chosen.extension}"'
    )
    return response


class Download:
    """A file's pieces, written from `batches`, whose first ids are read at once. If reading or
    writing fails midway, the failure is logged (once), the file ends with its format's
    failure_mark, so that no reader of the partial file takes it for complete, and the transfer
    is broken off, so that no HTTP client (curl, wget, a proxy) reports success (issue #21)."""

    def __init__(self, chosen, batches, absolute, name):
        self.chosen, self.batches, self.absolute, self.name = chosen, batches, absolute, name
        batches.read_first_ids()
        self.pieces = _in_pieces(self.chosen.write(batches, absolute))

    def __iter__(self):
        try:
            yield from self.pieces
        except Exception:
            logger.exception(
                "The %s download %r failed midway; its file ends marked as incomplete.",
                self.chosen.label,
                self.name,
            )
            yield self.chosen.failure_mark
            # A WSGI server drops the connection when the body's iterator raises, before the
            # chunked body's end. A connection reset is what both gunicorn and Django's server
            # expect then, and log no second time (gunicorn at debug level); any other exception
            # gunicorn logs again, with its traceback. Django's own server (runserver, the test
            # live server) doesn't chunk a stream but ends it by closing the connection, so
            # there the marked last line is all that tells.
            raise ConnectionResetError(errno.ECONNRESET, "the download failed midway") from None

    def close(self):
        """Called when the response closes, read to the end or not (a client that left): the
        ids' cursor is released then, not whenever the garbage collector comes by."""
        self.pieces.close()  # first: out of _read_ahead's pipeline, where no cursor closes
        self.batches.close()


def _in_pieces(texts):
    """`texts` joined into pieces of PIECE_SIZE characters or so (the first of FIRST_PIECE_SIZE).
    What was written before a failure goes out before the failure does, as it did a row at a
    time."""
    held, size, piece_size = [], 0, FIRST_PIECE_SIZE
    try:
        for text in texts:
            held.append(text)
            size += len(text)
            if size >= piece_size:
                yield "".join(held)
                held, size, piece_size = [], 0, PIECE_SIZE
    except Exception:
        if held:
            yield "".join(held)
        raise
    if held:
        yield "".join(held)


def export_links(url, parameters=()):
    """(label, url) of a list in each format: `url` with `parameters` and ?format=."""
    return [
        (chosen.label, f"{url}?{urlencode([*parameters, ('format', name)])}")
        for name, chosen in FORMATS.items()
    ]


class _Echo:
    """A file-like object whose write returns what it is given, for csv.writer."""

    def write(self, value):
        return value


def csv_row(cells):
    return csv.writer(_Echo()).writerow(cells)


def _csv(batches, absolute):
    writer = csv.writer(_Echo())
    header = None
    for flat in batches.csv_records(absolute):
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
    return _guarded(text)


def _guarded(text):
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _plain(item):
    if item is None:
        return ""
    if isinstance(item, dict):
        if "role" in item:
            return f"{item['name']} ({item['role']})"
        return item.get("label") or item.get("title") or item.get("text") or ""
    return str(item)


def _json(batches, absolute):
    yield "["
    for index, record in enumerate(batches.records(absolute)):
        yield ("," if index else "") + "\n" + json.dumps(record, ensure_ascii=False)
    yield "\n]\n"


def _bibtex(batches, absolute):
    """An entry for each record; the day of the export is their date of access."""
    accessed = timezone.now().date()
    for item in batches.citables(absolute):
        yield bibtex(item, accessed) + "\n\n"


def _csl_json(batches, absolute):
    accessed = timezone.now().date()
    yield "["
    for index, item in enumerate(batches.citables(absolute)):
        yield (
            ("," if index else "") + "\n" + json.dumps(csl_json(item, accessed), ensure_ascii=False)
        )
    yield "\n]\n"


@dataclass(frozen=True)
class ExportFormat:
    label: str
    content_type: str
    extension: str
    write: Callable  # (Batches, absolute) -> the file's text, in pieces
    # Ends a file whose writing failed midway so that its readers see it is broken: after an
    # open "[" no JSON parser accepts it; CSV has no such thing, so a row says it.
    failure_mark: str


# Every export format, by the name ?format= takes: views, links and the API's document read this.
INCOMPLETE = "ERROR: the download failed here; this file is incomplete."
FORMATS = {
    "csv": ExportFormat("CSV", "text/csv; charset=utf-8", "csv", _csv, csv_row([INCOMPLETE])),
    "json": ExportFormat("JSON", "application/json", "json", _json, f"\n{INCOMPLETE}\n"),
    "bibtex": ExportFormat(
        "BibTeX",
        "application/x-bibtex; charset=utf-8",
        "bib",
        _bibtex,
        # An entry left open: BibTeX tools stop at it with an error.
        f"% {INCOMPLETE}\n@incomplete{{",
    ),
    "csljson": ExportFormat(
        "CSL-JSON",
        "application/vnd.citationstyles.csl+json",
        "json",
        _csl_json,
        f"\n{INCOMPLETE}\n",
    ),
}
