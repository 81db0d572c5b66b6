import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from claims.appearance_proposals import ClaimIndex
from claims.corpus import generate, holds_real_articles


class Command(BaseCommand):
    help = (
        "Fill the archive with a synthetic corpus for benchmarks, deterministic for a seed. "
        "It replaces an empty or synthetic archive and refuses one that holds real articles."
    )

    def add_arguments(self, parser):
        parser.add_argument("--claims", type=int, required=True, help="how many claims")
        parser.add_argument("--seed", type=int, default=1, help="same seed, same archive")

    def handle(self, *, claims, seed, **options):
        if claims < 1:
            raise CommandError("--claims must be at least 1.")
        if _migrations_pending():
            # An empty database (a fresh EMBEDDED_POSTGRES_DIR, as the refusal below suggests)
            # has no tables yet: make them, as `make run` would, rather than fail on the first
            # query. The check for real articles follows, on the migrated tables.
            self.stdout.write("Migrating the database first.")
            call_command("migrate", verbosity=0)
        if holds_real_articles():
            raise CommandError(
                f"The database {connection.settings_dict['NAME']!r} holds real articles; "
                "generate_corpus never writes over them. Point it at a separate archive, e.g. "
                "EMBEDDED_POSTGRES_DIR=var/bench-postgres (an embedded server of its own) or "
                "DATABASE_URL=postgresql://…/newsarchive_bench."
            )
        started = time.perf_counter()

        def progress(message):
            self.stdout.write(f"{time.perf_counter() - started:6.1f} s  {message}")

        generate(claims, seed, progress=progress)
        # Made here, not by the first capture archived, which would wait minutes for them.
        progress("making the claims' vectors for appearance proposals")
        ClaimIndex().short_vectors()
        self.stdout.write(
            f"Generated {claims} synthetic claims (seed {seed}) in "
            f"{time.perf_counter() - started:.0f} s."
        )


def _migrations_pending():
    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))
