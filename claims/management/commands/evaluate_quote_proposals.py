from django.core.management.base import BaseCommand

from claims.seed_proposals import evaluate_seed_proposals


class Command(BaseCommand):
    help = (
        "Measure the quote proposals on the five seed captures archived afresh: the share of "
        "curated quotes proposed with their exact span, and of those with the right speaker."
    )

    def handle(self, **options):
        self.stdout.write(evaluate_seed_proposals().report())
