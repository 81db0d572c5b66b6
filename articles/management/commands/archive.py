"""`manage.py archive PATH_OR_URL...`: archive web pages, HTML and text files, folders of them and
WARC files, each through capture_archive(), reporting what became of every one."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from articles.capture import capture_archive
from articles.extraction import FILE_CONTENT_TYPES, CaptureRefused
from articles.fetch import fetch
from articles.models import Capture
from articles.warc import warc_pages

WARC_SUFFIXES = (".warc", ".warc.gz")


class Command(BaseCommand):
    help = (
        "Archive captures: http(s) URLs (retrieved now, within the archive's limits), HTML and "
        "text files, folders of them (recursively) and WARC files (their HTML and text response "
        "records). One bad item never stops the others; each failure is reported with its reason."
    )

    def add_arguments(self, parser):
        parser.add_argument("items", nargs="+", metavar="PATH_OR_URL")
        parser.add_argument(
            "--outlet",
            help="The outlet that published them (found by name, or added); by default the one "
            "each page names, if the archive has it.",
        )

    def handle(self, *, items, outlet, **options):
        self.counts = dict.fromkeys(["archived", "new version", "duplicate", "unchanged"], 0)
        self.failures = []
        self.outlet = outlet
        sources = list(self._expand(items))
        with tqdm(sources, unit="item", file=sys.stderr, disable=None) as progress:
            self.progress = progress
            for source in progress:
                self._archive_source(source)
        counts = self.counts
        self.stdout.write(
            f"Archived {counts['archived'] + counts['new version']} "
            f"({counts['new version']} as new versions of articles), "
            f"{counts['duplicate']} duplicate, {counts['unchanged']} unchanged, "
            f"{len(self.failures)} failed."
        )
        if self.failures:
            raise CommandError(
                "Not archived:\n" + "\n".join(f"  {where}: {why}" for where, why in self.failures)
            )

    def _expand(self, items):
        """URLs and files in order; a folder's files sorted, hidden ones left out."""
        for item in items:
            path = Path(item)
            if "://" in item:
                yield item
            elif path.is_dir():
                yield from sorted(
                    found
                    for found in path.rglob("*")
                    if found.is_file()
                    and not any(part.startswith(".") for part in found.relative_to(path).parts)
                )
            else:
                yield path

    def _archive_source(self, source):
        # One item's failure of any kind is reported and the batch goes on: a batch of thousands
        # of files must not stop at the first the archive can't read.
        try:
            if isinstance(source, str):
                self._archive(source, **fetch(source).as_capture())
            elif source.name.lower().endswith(WARC_SUFFIXES):
                self._archive_warc(source)
            else:
                self._archive(
                    source,
                    origin=Capture.Origin.FILE,
                    raw=source.read_bytes(),
                    content_type=FILE_CONTENT_TYPES.get(source.suffix.lower(), ""),
                )
        except CaptureRefused as refused:
            self._fail(source, str(refused))
        except Exception as error:  # see the comment above
            self._fail(source, f"{type(error).__name__}: {error}")

    def _archive_warc(self, path):
        pages = 0
        with path.open("rb") as stream:
            for page in warc_pages(stream):
                pages += 1
                where = f"{path} {page.where}"
                if page.refused:
                    self._fail(where, str(page.refused))
                    continue
                try:
                    self._archive(
                        where,
                        origin=Capture.Origin.WARC,
                        raw=page.raw,
                        url=page.url,
                        final_url=page.url,
                        retrieved_at=page.retrieved_at,
                        http_protocol=page.http_protocol,
                        http_status=page.http_status,
                        http_reason=page.http_reason,
                        http_headers=page.http_headers,
                        content_type=page.content_type,
                    )
                except CaptureRefused as refused:
                    self._fail(where, str(refused))
        if not pages:
            self._fail(path, "The WARC file holds no response records of HTML or text pages.")

    def _archive(self, where, **capture):
        archived = capture_archive(outlet=self.outlet, **capture)
        self.counts[archived.outcome] += 1
        style = self.style.SUCCESS if archived.stored else self.style.WARNING
        self._report(style(f"{archived.outcome:>11}  {where}: {archived}"))

    def _fail(self, where, reason):
        reason = reason.removeprefix(f"{where}: ")  # retrieval's reasons begin with their URL
        self.failures.append((str(where), reason))
        self._report(self.style.ERROR(f"{'failed':>11}  {where}: {reason}"))

    def _report(self, line):
        # Above the progress bar, which tqdm redraws below it; to the stream under Django's
        # wrapper, which would add a line break of its own.
        self.progress.write(line, file=self.stdout._out)
