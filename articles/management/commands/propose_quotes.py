import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.extraction import FILE_CONTENT_TYPES, CaptureRefused, extract
from articles.models import Article
from articles.proposals import known_people, propose_quotations, propose_quotes_for


class Command(BaseCommand):
    help = (
        "Propose the quotations of archived articles for editors to accept or reject in the "
        "admin, or, with --json FILE, print the proposals for a capture file without storing "
        "anything."
    )

    def add_arguments(self, parser):
        parser.add_argument("article_ids", nargs="*", type=int, help="Articles to propose for.")
        parser.add_argument("--all", action="store_true", help="Propose for every article.")
        parser.add_argument(
            "--json",
            dest="capture_file",
            metavar="FILE",
            type=Path,
            help="An HTML or text capture: print its proposals as JSON, offsets into its "
            "extracted text; store nothing.",
        )

    def handle(self, *, article_ids, all, capture_file, **options):
        if capture_file:
            proposals = propose_quotations(extracted_text(capture_file), known_people())
            rows = [proposal.as_json() for proposal in proposals]
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        articles = Article.objects.all() if all else Article.objects.filter(pk__in=article_ids)
        missing = set(article_ids) - {*articles.values_list("pk", flat=True)}
        if missing or not (all or article_ids):
            raise CommandError(
                f"No article with id {sorted(missing)}." if missing else "Name articles, or --all."
            )
        for article in articles:
            proposed = propose_quotes_for(article)
            self.stdout.write(f"Article {article.pk}: {len(proposed)} quote proposal(s).")


def extracted_text(path):
    """The text the archive would keep of a capture file: extracted as capture_archive() extracts
    any capture (articles.extraction)."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise CommandError(f"Can't read {path}: {error.strerror}.") from None
    content_type = FILE_CONTENT_TYPES.get(path.suffix.lower(), "")
    try:
        return extract(raw, content_type=content_type).text
    except CaptureRefused as refused:
        raise CommandError(f"{path}: {refused}") from None
