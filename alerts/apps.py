from django.apps import AppConfig


class AlertsConfig(AppConfig):
    """Alerts, by email and Atom feed, on what a reader follows (issue #23)."""

    name = "alerts"
