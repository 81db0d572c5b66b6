import logging

from django.apps import AppConfig
from django.contrib.auth.signals import user_login_failed
from django.db.models.signals import post_migrate

logger = logging.getLogger("newsarchive.security")


class NewsarchiveConfig(AppConfig):
    """Site-wide pieces: the home page, error pages, roles, and the `serve` command."""

    name = "newsarchive"
    verbose_name = "News archive"

    def ready(self):
        post_migrate.connect(_sync_roles_after_migrate, sender=self)
        user_login_failed.connect(_log_login_failure)


def _sync_roles_after_migrate(**kwargs):
    # After every migrate (new models bring new permissions), keep the roles complete.
    from newsarchive.roles import sync_roles

    sync_roles()


def _log_login_failure(sender, credentials, request=None, **kwargs):
    address = request.META.get("REMOTE_ADDR", "unknown") if request else "unknown"
    logger.warning("Failed login for %r from %s", credentials.get("username"), address)
