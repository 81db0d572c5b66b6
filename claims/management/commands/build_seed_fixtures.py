from django.core.management.base import BaseCommand, CommandError

from claims.seed_build import SEED_FIXTURE, AnnotationError, build_seed, render_fixture


class Command(BaseCommand):
    help = (
        "Build fixtures/seed.json from the captures in fixtures/captures/ and the annotations in "
        "fixtures/annotations.yaml."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Write nothing; fail if the committed fixture is not what the build gives.",
        )

    def handle(self, *, check, **options):
        try:
            fixture = render_fixture(build_seed())
        except AnnotationError as error:
            raise CommandError(str(error)) from None
        if check:
            if not SEED_FIXTURE.exists() or SEED_FIXTURE.read_text(encoding="utf-8") != fixture:
                raise CommandError(f"{SEED_FIXTURE} is out of date: run build_seed_fixtures.")
            self.stdout.write(f"{SEED_FIXTURE} is up to date.")
            return
        SEED_FIXTURE.write_text(fixture, encoding="utf-8")
        self.stdout.write(f"Wrote {SEED_FIXTURE}.")
