from django.core.management.base import BaseCommand

from core.roles import sync_roles


class Command(BaseCommand):
    help = "Create or update the Editor and Archivist groups and their permissions."

    def handle(self, **options):
        for group in sync_roles():
            self.stdout.write(f"{group.name}: {group.permissions.count()} permissions")
