from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"

    def ready(self):
        # Its receiver proposes the claims of every capture archived (articles.signals).
        from claims import appearance_proposals  # noqa: F401
