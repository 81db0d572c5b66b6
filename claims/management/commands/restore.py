import time
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from claims import backups


class Command(BaseCommand):
    help = (
        "Restore a backup written by `manage.py backup` into an empty archive: every table, "
        "user account and history record, in one transaction. An archive that holds data is "
        "refused unless --replace is given. Stop the app first: a restore waits for its locks."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--replace",
            action="store_true",
            help="overwrite an archive that holds data with the backup's contents",
        )

    def handle(self, *, file, replace, **options):
        if not file.is_file():
            raise CommandError(f"There is no backup file {file}.")
        # A fresh database first gets the archive's tables, so that what it holds can be counted.
        call_command("migrate", interactive=False, verbosity=0)
        held = backups.contents()
        if any(held.values()):
            if not replace:
                raise CommandError(
                    f"This archive holds {backups.describe(held)}. Restoring would overwrite "
                    "them; give --replace to do so, or restore into an empty database."
                )
            self.stdout.write(
                self.style.WARNING(
                    f"Replacing this archive's {backups.describe(held)} and every other table "
                    f"with the contents of {file}."
                )
            )
        self.stdout.write(f"Restoring {file}...")
        started = time.monotonic()
        try:
            backups.restore(file, lambda table: self.stdout.write(f"  {table}"))
        except backups.BackupError as error:
            raise CommandError(f"The restore failed; nothing was changed:\n{error}") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {backups.describe(backups.contents())} "
                f"in {time.monotonic() - started:.1f} s."
            )
        )
