import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.management.commands.propose_quotes import extracted_text
from articles.models import Article
from claims.appearance_proposals import propose_appearances, propose_appearances_for


class Command(BaseCommand):
    help = (
        "Propose where archived articles report the archive's claims, and the new claims they "
        "make, for editors to accept, correct or reject in the admin; or, with --json FILE, "
        "print the claims a capture file reports without storing a proposal."
    )

    def add_arguments(self, parser):
        parser.add_argument("article_ids", nargs="*", type=int, help="Articles to propose for.")
        parser.add_argument("--all", action="store_true", help="Propose for every article.")
        parser.add_argument(
            "--json",
            dest="capture_file",
            metavar="FILE",
            type=Path,
            help="An HTML or text capture: print the claims it reports as JSON, offsets into "
            "its extracted text; store no proposal (only the claims' vectors it had to make).",
        )

    def handle(self, *, article_ids, all, capture_file, **options):
        if capture_file:
            matches = propose_appearances(extracted_text(capture_file))
            rows = [found.as_json() for found in matches]
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        articles = Article.objects.all() if all else Article.objects.filter(pk__in=article_ids)
        missing = set(article_ids) - {*articles.values_list("pk", flat=True)}
        if missing or not (all or article_ids):
            raise CommandError(
                f"No article with id {sorted(missing)}." if missing else "Name articles, or --all."
            )
        for article in articles:
            proposed = propose_appearances_for(article)
            new_claims = sum(1 for proposal in proposed if proposal.claim_id is None)
            self.stdout.write(
                f"Article {article.pk}: {len(proposed) - new_claims} appearance proposal(s), "
                f"{new_claims} new-claim candidate(s)."
            )
