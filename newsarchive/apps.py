from django.apps import AppConfig


class NewsarchiveConfig(AppConfig):
    """Site-wide pieces: the home page, error pages and the `serve` command."""

    name = "newsarchive"
    verbose_name = "News archive"
