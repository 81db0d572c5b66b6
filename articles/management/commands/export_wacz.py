"""`manage.py export_wacz FILE --base-url URL [--article ID ...]`: the whole archive, or the
articles named, as a WACZ file (articles/wacz.py) that web archives' tools read (issue #24)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import URLValidator

from articles.models import Article
from articles.wacz import wacz_captures, write_wacz


class Command(BaseCommand):
    help = (
        "Write the archive's captures, or those of the articles named, to FILE as a WACZ 1.1.1 "
        "file: a WARC file of them, its CDXJ index, the list of pages and their hashes."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The WACZ file to write (e.g. archive.wacz).")
        parser.add_argument(
            "--base-url",
            required=True,
            help="The archive's address (https://archive.example.org): captures not retrieved "
            "by URL are recorded at their page there.",
        )
        parser.add_argument(
            "--article", type=int, action="append", default=[], metavar="ID",
            help="An article to export (repeat for several); all articles without it.",
        )  # fmt: skip

    def handle(self, *args, file, base_url, article, **options):
        try:
            URLValidator(schemes=["http", "https"])(base_url)
        except ValidationError:
            raise CommandError(f"--base-url {base_url!r} is not an http(s) address.") from None
        articles = Article.objects.all()
        if article:
            articles = articles.filter(pk__in=article)
            missing = sorted(set(article) - set(articles.values_list("pk", flat=True)))
            if missing:
                raise CommandError(f"No article has the id {', '.join(map(str, missing))}.")
        count = articles.count()
        title = "The whole archive" if not article else f"{count} article(s) of the archive"
        with open(file, "wb") as out:
            write_wacz(
                out,
                wacz_captures(articles),
                base_url=base_url,
                title=title,
                description=f"{title}: every capture of {count} article(s), as archived.",
            )
        self.stdout.write(f"Wrote {file}: the captures of {count} article(s).")
