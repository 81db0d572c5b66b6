import logging

from django.apps import AppConfig
from django.contrib.auth.signals import user_login_failed
from django.db.models.signals import post_init, post_migrate

logger = logging.getLogger("newsarchive.security")


class CoreConfig(AppConfig):
    """Building blocks both apps share: versioned models and their admin, slugs, permalinks,
    partial dates, text and search helpers, roles, the error pages and the `serve` command."""

    name = "core"
    verbose_name = "Core"

    def ready(self):
        post_migrate.connect(_sync_roles_after_migrate)
        post_migrate.connect(_install_page_change_triggers)
        from core.page_cache import note_instance

        post_init.connect(note_instance)
        user_login_failed.connect(_log_login_failure)


def _sync_roles_after_migrate(sender, **kwargs):
    # Permissions are created app by app as migrate finishes each; the roles are complete once
    # the last app's are there. Only apps with models are sent the signal (the reconciliation
    # app has none).
    from django.apps import apps

    from core.roles import sync_roles

    with_models = [config for config in apps.get_app_configs() if config.models_module]
    if sender is with_models[-1]:
        sync_roles()


def _install_page_change_triggers(sender, using, **kwargs):
    # Once every app's tables are there: after the last app with models.
    from django.apps import apps

    from core.page_cache import install_triggers

    with_models = [config for config in apps.get_app_configs() if config.models_module]
    if sender is with_models[-1]:
        install_triggers(using)


def _log_login_failure(sender, credentials, request=None, **kwargs):
    from core.sign_in import client_address

    address = (client_address(request) if request else None) or "unknown"
    logger.warning("Failed login for %r from %s", credentials.get("username"), address)
