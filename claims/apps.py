from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    # core.page_cache: changes of every table here are logged for the cache of pages, but for
    # the statements' short vectors, which no page shows (made in bulk, they'd log every claim).
    page_cache_logged = True
    page_cache_unlogged = ["claimvector"]

    def ready(self):
        # Their receivers (articles.signals) propose the claims of every capture archived, and
        # tell articles.changes of the appearances anchored in an article.
        from claims import appearance_proposals, changes  # noqa: F401
