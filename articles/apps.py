from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Archived articles"
    # core.page_cache: changes of every table here are logged for the cache of pages.
    page_cache_logged = True
