from django.apps import AppConfig


class WatchesConfig(AppConfig):
    """Pages and feeds the archive follows by itself, captured on a schedule (issue #23)."""

    name = "watches"
