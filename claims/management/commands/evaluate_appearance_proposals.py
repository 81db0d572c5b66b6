from django.core.management.base import BaseCommand

from claims.matching import DEFAULT_THRESHOLD, MEANING_WEIGHT
from claims.seed_appearances import evaluate_seed_appearances


class Command(BaseCommand):
    help = (
        "Measure the appearance proposals on the seed corpus, leaving one capture out at a "
        "time: recall of the curated appearances and precision of the proposals."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--threshold", type=float, default=DEFAULT_THRESHOLD, help="The score to propose at."
        )
        parser.add_argument(
            "--meaning-weight",
            type=float,
            default=MEANING_WEIGHT,
            help="0 compares words only, 1 meaning (embeddings) only.",
        )

    def handle(self, *, threshold, meaning_weight, **options):
        evaluation = evaluate_seed_appearances(threshold=threshold, meaning_weight=meaning_weight)
        self.stdout.write(evaluation.report())
