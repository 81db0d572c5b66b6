import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from claims import backups


class Command(BaseCommand):
    help = (
        "Write the whole archive to FILE as a PostgreSQL dump (pg_dump's custom format), one "
        "consistent snapshot taken while the archive keeps serving. `manage.py restore FILE` "
        "reads it back."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *, file, **options):
        if file.is_dir():
            raise CommandError(f"{file} is a folder; name the file to write.")
        self.stdout.write(f"Backing up {backups.describe(backups.contents())} to {file}...")
        started = time.monotonic()
        try:
            backups.dump(file, lambda table: self.stdout.write(f"  {table}"))
        except backups.BackupError as error:
            raise CommandError(f"The backup failed:\n{error}") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {file} ({file.stat().st_size / 1e6:,.1f} MB) "
                f"in {time.monotonic() - started:.1f} s."
            )
        )
