from django.core.management.base import BaseCommand

from claims.seed import SEED_FIXTURE, load_seed_if_empty, record_first_versions


class Command(BaseCommand):
    help = (
        f"Load the seed corpus ({SEED_FIXTURE.name}) into an empty archive; otherwise leave it. "
        "Either way, record in history the first version of rows that have none yet."
    )

    def handle(self, **options):
        if load_seed_if_empty():
            self.stdout.write("Loaded the seed corpus.")
        else:
            self.stdout.write("The archive already has articles (or there is no seed); left as is.")
        # Archives loaded before their history was recorded get their first versions now.
        if recorded := record_first_versions():
            self.stdout.write(f"Recorded the first version of {recorded} rows in history.")
