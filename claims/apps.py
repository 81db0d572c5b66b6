from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"

    def ready(self):
        # Their receivers (articles.signals) propose the claims of every capture archived, and
        # tell articles.changes of the appearances anchored in an article.
        from claims import appearance_proposals, changes  # noqa: F401
