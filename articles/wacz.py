"""WACZ 1.1.1 (https://specs.webrecorder.net/wacz/1.1.1/): captures packed as web archives
exchange them (ReplayWeb.page, pywb and py-wacz read it), issue #24.

A WACZ is a ZIP of one WARC file (archive/data.warc.gz, stored uncompressed in the ZIP so that
a reader can seek to a record), its CDXJ index (indexes/index.cdx, keyed by SURT as pywb and
py-wacz key theirs: the surt package is theirs; a revisit record indexed as pywb indexes one,
mime warc/revisit, no status, the original's digest), the list of pages (pages/pages.jsonl: one
per capture, at its URL and date; a revisit is no new page), datapackage.json naming each file
with its SHA-256 and size, and datapackage-digest.json with the SHA-256 of that. Written here
rather than by py-wacz, which would re-read the WARC file to index it and brings a dozen
packages (frictionless, boilerpy3…) the archive does not otherwise need.
"""

import datetime
import hashlib
import json
import tempfile
import zipfile

import surt
from django.http import FileResponse

from articles.models import Capture
from articles.warc import WarcFile

WACZ_VERSION = "1.1.1"
WARC_PATH = "archive/data.warc.gz"
SOFTWARE = "newsarchive"


def wacz_captures(articles):
    """Every capture of `articles` (a queryset), each with its article and revisits, in article
    order; the captures' texts and the articles' search vectors are not read, nor more than a few
    captures' bytes at a time."""
    return (
        Capture.objects.filter(article__in=articles)
        .select_related("article")
        .prefetch_related("revisits")
        .defer("text", "removed_boilerplate", "article__body", "article__search_vector")
        .order_by("article_id", *Capture._meta.ordering[1:])
        .iterator(chunk_size=50)
    )


def capture_page_url(base_url, capture):
    """The capture's own page in the archive (a memento): its article shown in that capture."""
    return f"{base_url.rstrip('/')}{capture.get_absolute_url()}"


def write_wacz(out, captures, *, base_url, title, description):
    """Write a WACZ of `captures` (with their articles loaded) to `out`, a binary file;
    `base_url` is the archive's address, for the pages of captures not retrieved by URL."""
    with tempfile.TemporaryFile() as warc_file:
        warc = WarcFile(warc_file, filename=WARC_PATH.split("/")[-1], description=description)
        pages = []
        for capture in captures:
            entry = warc.add(capture, page_url=capture_page_url(base_url, capture))
            pages.append(
                {
                    "id": f"capture-{capture.pk}",
                    "url": entry.url,
                    "ts": _iso(entry.date),
                    "title": capture.article.display_title,
                }
            )
        warc_file.seek(0)
        with zipfile.ZipFile(out, "w") as wacz:
            resources = [
                _add(wacz, WARC_PATH, warc_file, zipfile.ZIP_STORED),
                _add_bytes(wacz, "indexes/index.cdx", _cdxj(warc.index)),
                _add_bytes(wacz, "pages/pages.jsonl", _pages_jsonl(pages)),
            ]
            package = {
                "profile": "data-package",
                "wacz_version": WACZ_VERSION,
                "title": title,
                "description": description,
                "created": _iso(datetime.datetime.now(datetime.UTC)),
                "software": SOFTWARE,
                "resources": resources,
            }
            if len(pages) == 1:
                package["mainPageURL"] = pages[0]["url"]
                package["mainPageDate"] = pages[0]["ts"]
            package_bytes = json.dumps(package, indent=2).encode()
            wacz.writestr("datapackage.json", package_bytes, zipfile.ZIP_DEFLATED)
            digest = {"path": "datapackage.json", "hash": _sha256(package_bytes)}
            wacz.writestr(
                "datapackage-digest.json", json.dumps(digest, indent=2), zipfile.ZIP_DEFLATED
            )


def wacz_response(articles, *, base_url, filename, title, description):
    """Every capture of `articles` (a queryset) as a WACZ file to download. Written to a
    temporary file first: a ZIP's index comes after its members, and its WARC is hashed whole."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 -- FileResponse closes it once sent
    write_wacz(
        out, wacz_captures(articles), base_url=base_url, title=title, description=description
    )
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=filename, content_type="application/zip")


def _add(wacz, path, stream, compression):
    """Copy `stream` into the ZIP at `path`; its datapackage resource."""
    hasher, size = hashlib.sha256(), 0
    info = zipfile.ZipInfo(path, _zip_time())
    info.compress_type = compression
    with wacz.open(info, "w") as member:
        while block := stream.read(1024 * 1024):
            hasher.update(block)
            size += len(block)
            member.write(block)
    return _resource(path, f"sha256:{hasher.hexdigest()}", size)


def _add_bytes(wacz, path, data):
    info = zipfile.ZipInfo(path, _zip_time())
    info.compress_type = zipfile.ZIP_DEFLATED
    wacz.writestr(info, data)
    return _resource(path, _sha256(data), len(data))


def _resource(path, digest, size):
    return {"name": path.split("/")[-1], "path": path, "hash": digest, "bytes": size}


def _cdxj(entries):
    """The CDXJ index, a line per replayable record, sorted as readers binary-search it."""
    lines = []
    for entry in entries:
        fields = {
            "url": entry.url,
            "mime": entry.mime,
            "status": str(entry.status) if entry.status is not None else None,
            "digest": entry.digest,
            "length": str(entry.length),
            "offset": str(entry.offset),
            "filename": WARC_PATH.split("/")[-1],
        }
        fields = {name: value for name, value in fields.items() if value is not None}
        lines.append(f"{surt.surt(entry.url)} {_timestamp(entry.date)} {json.dumps(fields)}\n")
    return "".join(sorted(lines)).encode()


def _pages_jsonl(pages):
    header = {"format": "json-pages-1.0", "id": "pages", "title": "All pages"}
    return "".join(json.dumps(line) + "\n" for line in [header, *pages]).encode()


def _iso(when):
    return when.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _timestamp(when):
    return when.astimezone(datetime.UTC).strftime("%Y%m%d%H%M%S")


def _sha256(data):
    return f"sha256:{hashlib.sha256(data).hexdigest()}"


def _zip_time():
    return datetime.datetime.now(datetime.UTC).timetuple()[:6]
