from django.core.management.base import BaseCommand

from claims.seed import SEED_FIXTURE, load_seed_if_empty


class Command(BaseCommand):
    help = (
        f"Load the seed corpus ({SEED_FIXTURE.name}) into an empty archive; otherwise do nothing."
    )

    def handle(self, **options):
        if load_seed_if_empty():
            self.stdout.write("Loaded the seed corpus.")
        else:
            self.stdout.write("The archive already has articles (or there is no seed); left as is.")
