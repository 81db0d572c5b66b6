"""Build the seed fixture from the raw captures and the hand-curated annotation file.

The build is a pure function of fixtures/captures/ and fixtures/annotations.yaml: it extracts
each capture's text as every capture entering the archive is extracted (articles.extraction, the
plain-text rules of articles.cleaning), finds every quote's offsets in that text, and numbers the
rows in the order of the annotation file so that their ids, and so their permalinks, stay the same
from one build to the next. Each article has one capture, with the article's id.
"""

import base64
import datetime
import json
import re
from pathlib import Path

import yaml

from articles.extraction import CaptureRefused, extract
from articles.models import Capture, Quote, capture_hash
from core.dates import DatePrecision
from core.slugs import decorative_slug

FIXTURES_DIR = Path(__file__).resolve().parent.parent / "fixtures"
CAPTURES_DIR = FIXTURES_DIR / "captures"
ANNOTATIONS = FIXTURES_DIR / "annotations.yaml"
SEED_FIXTURE = FIXTURES_DIR / "seed.json"

PARTIAL_DATE_FORMS = [
    (re.compile(r"^\d{4}-\d{2}-\d{2}$"), DatePrecision.DAY, "{}"),
    (re.compile(r"^\d{4}-\d{2}$"), DatePrecision.MONTH, "{}-01"),
    (re.compile(r"^\d{4}$"), DatePrecision.YEAR, "{}-01-01"),
]


class AnnotationError(Exception):
    """The annotation file says something the captures or the rest of the file don't support."""


def build_seed(annotations_path=ANNOTATIONS, captures_dir=CAPTURES_DIR):
    """The fixture as a list of Django fixture rows."""
    annotations = yaml.safe_load(Path(annotations_path).read_text(encoding="utf-8"))
    return _SeedBuilder(annotations, Path(captures_dir)).rows()


def render_fixture(rows):
    return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"


def partial_date(value, where):
    """("2024-07-01", "month") for "2024-07"; (None, "unknown") for nothing."""
    if value is None:
        return None, DatePrecision.UNKNOWN
    text = str(value)
    for pattern, precision, template in PARTIAL_DATE_FORMS:
        if pattern.match(text):
            iso = template.format(text)
            try:
                datetime.date.fromisoformat(iso)
            except ValueError:
                break
            return iso, precision
    raise AnnotationError(f"{where}: {value!r} is not a date like 2024-07-02, 2024-07 or 2024.")


class _SeedBuilder:
    def __init__(self, annotations, captures_dir):
        self.annotations = annotations
        self.captures_dir = captures_dir
        self.curated_at = annotations["curated_at"]
        self.ids = {}  # (section, key) -> pk
        self.bodies = {}  # article key -> the text its capture's offsets count in
        self.quotes_taken_from = {}  # source pk -> pks of the quotes taken from it

    def rows(self):
        rows = [
            *self._keyed_rows("outlets", "articles.outlet", self._outlet_fields),
            *self._keyed_rows("people", "articles.person", self._person_fields),
            *self._keyed_rows("topics", "claims.topic", self._topic_fields),
            *self._keyed_rows("sources", "claims.source", self._source_fields),
            *self._article_and_quote_rows(),
            *self._claim_rows(),
            *self._appearance_rows(),
        ]
        for row in rows:  # a quote names its sources; a source holds the relation
            if row["model"] == "claims.source":
                row["fields"]["quotes"] = self.quotes_taken_from.get(row["pk"], [])
        return rows

    def _keyed_rows(self, section, model, fields):
        rows = []
        for pk, (key, entry) in enumerate(self.annotations[section].items(), start=1):
            self.ids[section, key] = pk
            rows.append({"model": model, "pk": pk, "fields": fields(key, entry)})
        return rows

    def _id(self, section, key, where):
        try:
            return self.ids[section, key]
        except KeyError:
            raise AnnotationError(f"{where}: there is no {section} entry {key!r}.") from None

    def _outlet_fields(self, key, entry):
        return {
            "name": entry["name"],
            "slug": key,
            "homepage": entry.get("homepage", ""),
            "country": entry.get("country", ""),
            "language": entry.get("language", ""),
            "description": entry.get("description", ""),
            "notes": entry.get("notes", ""),
        }

    def _person_fields(self, key, entry):
        return {
            "name": entry["name"],
            "slug": key,
            "aliases": entry.get("aliases", []),
            "description": entry.get("description", ""),
            "wikidata_id": entry.get("wikidata_id", ""),
        }

    def _topic_fields(self, key, entry):
        return {
            "name": entry["name"],
            "slug": key,
            "description": entry.get("description", ""),
            "synonyms": entry.get("synonyms", []),
        }

    def _source_fields(self, key, entry):
        date, precision = partial_date(entry.get("date"), f"source {key}")
        return {
            "publisher": entry["publisher"],
            "title": entry.get("title", ""),
            "title_is_supplied": entry.get("title_is_supplied", False),
            "kind": entry["kind"],
            "date": date,
            "date_precision": precision,
            "url": entry.get("url", ""),
            "notes": entry.get("notes", ""),
        }

    def _article_and_quote_rows(self):
        articles, captures, quotes = [], [], []
        for pk, (key, entry) in enumerate(self.annotations["articles"].items(), start=1):
            self.ids["articles", key] = pk
            raw_bytes = (self.captures_dir / entry["capture"]).read_bytes()
            raw = raw_bytes.decode("utf-8")
            supplied = entry.get("title_is_supplied", False)
            try:
                extracted = extract(
                    raw_bytes,
                    content_type="text/plain",
                    title="" if supplied else entry["title"],
                    require_article=False,
                )
            except CaptureRefused as error:
                raise AnnotationError(f"article {key}: {error}") from None
            self.bodies[key] = extracted.text
            date, precision = partial_date(entry.get("published"), f"article {key}")
            authors = [
                self._id("people", person, f"article {key}") for person in entry.get("authors", [])
            ]
            articles.append(
                {
                    "model": "articles.article",
                    "pk": pk,
                    "fields": {
                        "outlet": self._id("outlets", entry["outlet"], f"article {key}")
                        if entry.get("outlet")
                        else None,
                        "title": entry["title"],
                        "title_is_supplied": supplied,
                        "slug": key,
                        "url": self._url_in_capture(entry.get("url"), raw, key),
                        "published_date": date,
                        "published_date_precision": precision,
                        "authors": authors,
                        "byline": entry.get("byline", ""),
                        "language": entry.get("language", "en"),
                        "body": extracted.text,
                        "archived_at": self.curated_at,
                        "provenance_note": entry.get("provenance_note", ""),
                    },
                }
            )
            captures.append(
                {
                    "model": "articles.capture",
                    "pk": pk,
                    "fields": {
                        "article": pk,
                        "origin": Capture.Origin.SEED,
                        "raw": base64.b64encode(raw_bytes).decode("ascii"),
                        "sha256": capture_hash(raw_bytes),
                        "content_type": extracted.content_type,
                        "request_url": "",
                        "final_url": "",
                        "http_status": None,
                        "http_headers": [],
                        "retrieved_at": None,
                        "archived_at": self.curated_at,
                        "text": extracted.text,
                        "removed_boilerplate": extracted.removed,
                        "extractor": extracted.extractor,
                    },
                }
            )
            for quote_key, quote in entry.get("quotes", {}).items():
                quotes.append(self._quote_row(len(quotes) + 1, key, quote_key, quote))
        return articles + captures + quotes

    def _url_in_capture(self, url, raw, key):
        """Never a guessed URL: one is recorded only when the capture itself contains it."""
        if url and url not in raw:
            raise AnnotationError(f"article {key}: the URL {url} does not appear in its capture.")
        return url or None

    def _anchor(self, article_key, text, where):
        """The offsets of words found exactly once in the article's cleaned body."""
        body = self.bodies[article_key]
        found = body.count(text)
        if found != 1:
            raise AnnotationError(
                f"{where}: its text is found {found} times in the cleaned body, "
                f"not exactly once: {text!r}"
            )
        start = body.index(text)
        return start, start + len(text)

    def _quote_row(self, pk, article_key, key, quote):
        where = f"quote {key} in article {article_key}"
        self.ids["quotes", key] = pk
        text = quote["text"]
        start, end = self._anchor(article_key, text, where)
        speaker = quote.get("speaker")
        date, precision = partial_date(quote.get("occasion_date"), where)
        transmission = self._transmission(quote, where)
        sources = quote.get("quoted_from", [])
        for source in [sources] if isinstance(sources, str) else sources:
            source_pk = self._id("sources", source, where)
            self.quotes_taken_from.setdefault(source_pk, []).append(pk)
        return {
            "model": "articles.quote",
            "pk": pk,
            "fields": {
                "article": self.ids["articles", article_key],
                "capture": self.ids["articles", article_key],
                "speaker": self._id("people", speaker, where) if speaker else None,
                "speaker_label": quote.get("speaker_label", ""),
                "text": text,
                "start_offset": start,
                "end_offset": end,
                "occasion": quote.get("occasion", ""),
                "occasion_date": date,
                "occasion_date_precision": precision,
                "note": quote.get("note", ""),
                "transmission": transmission,
                "transmission_note": quote.get("transmission_note", ""),
            },
        }

    @staticmethod
    def _transmission(quote, where):
        """The quote's transmission, checked against what else the entry says of it."""
        transmission = quote.get("transmission", Quote.Transmission.UNKNOWN.value)
        if transmission not in Quote.Transmission.values:
            raise AnnotationError(
                f"{where}: transmission {transmission!r} is not one of "
                f"{', '.join(Quote.Transmission.values)}."
            )
        if transmission == Quote.Transmission.ATTRIBUTED_DIFFERENTLY and not quote.get(
            "transmission_note"
        ):
            raise AnnotationError(
                f"{where}: attributed differently, so its transmission_note must say what the "
                "original report attributes the words to."
            )
        if quote.get("quoted_from") and transmission not in Quote.FROM_A_REPORT:
            raise AnnotationError(
                f"{where}: quoted_from names a report, but its transmission is {transmission!r}."
            )
        return transmission

    def _claim_rows(self):
        claims, actors = [], []
        for pk, entry in enumerate(self.annotations["claims"], start=1):
            where = f"claim {pk} ({entry['statement'][:40]}…)"
            source_key = entry.get("source")
            source = self.annotations["sources"].get(source_key, {}) if source_key else {}
            date, precision = partial_date(entry.get("date", source.get("date")), where)
            claims.append(
                {
                    "model": "claims.claim",
                    "pk": pk,
                    "fields": {
                        "statement": entry["statement"],
                        "slug": decorative_slug(entry["statement"]),
                        "topics": [self._id("topics", t, where) for t in entry.get("topics", [])],
                        "source": self._id("sources", source_key, where) if source_key else None,
                        "articles": [self._id("articles", a, where) for a in entry["articles"]],
                        "evidence": [
                            self._id("quotes", q, where) for q in entry.get("evidence", [])
                        ],
                        "status": entry.get("status", "reported"),
                        "claimed_date": date,
                        "claimed_date_precision": precision,
                        "notes": entry.get("notes", ""),
                        "created_at": self.curated_at,
                        "updated_at": self.curated_at,
                    },
                }
            )
            for person, role in entry.get("actors", {}).items():
                actors.append(
                    {
                        "model": "claims.claimactor",
                        "pk": len(actors) + 1,
                        "fields": {
                            "claim": pk,
                            "person": self._id("people", person, where),
                            "role": role,
                        },
                    }
                )
        return claims + actors

    def _appearance_rows(self):
        """Every claim-to-article link anchored: the words of the article that report the claim,
        whom it credits, and the source it cites (the claim's, unless the entry says otherwise;
        null when the article names none)."""
        rows = []
        for pk, entry in enumerate(self.annotations["claims"], start=1):
            where = f"claim {pk} ({entry['statement'][:40]}…)"
            appearances = entry.get("appearances", {})
            if set(appearances) != set(entry["articles"]):
                raise AnnotationError(
                    f"{where}: its appearances must anchor exactly its articles "
                    f"{sorted(entry['articles'])}, not {sorted(appearances)}."
                )
            for article_key in entry["articles"]:
                appearance = appearances[article_key]
                text = appearance["text"]
                start, end = self._anchor(
                    article_key, text, f"{where}, appearance in {article_key}"
                )
                attribution = appearance.get("attribution", "")
                if attribution not in self.bodies[article_key]:
                    raise AnnotationError(
                        f"{where}, appearance in {article_key}: its attribution is not the "
                        f"article's words: {attribution!r}"
                    )
                source_key = appearance.get("source", entry.get("source"))
                rows.append(
                    {
                        "model": "claims.appearance",
                        "pk": len(rows) + 1,
                        "fields": {
                            "claim": pk,
                            "article": self.ids["articles", article_key],
                            "capture": self.ids["articles", article_key],
                            "text": text,
                            "start_offset": start,
                            "end_offset": end,
                            "attribution": attribution,
                            "source": self._id("sources", source_key, where)
                            if source_key
                            else None,
                        },
                    }
                )
        return rows
