"""The claims' appearances in the changes of an article's versions (articles.changes): they are
anchored in captures like quotes, so a new version tells which are gone, and the claim page
which are no longer in their article."""

from django.dispatch import receiver

from articles.changes import vanished
from articles.models import Capture
from articles.signals import anchored_texts_wanted


@receiver(anchored_texts_wanted)
def appearances_in(sender, article, **kwargs):
    return article.claim_appearances.select_related("claim")


def mark_vanished(appearances):
    """Set `vanished` on each appearance (articles.changes.vanished): one query for the texts of
    their articles' captures."""
    if not appearances:
        return
    captures = {}
    articles = {appearance.article_id for appearance in appearances}
    fields = ["article", "text", "origin", "retrieved_at", "archived_at"]  # what a flag shows
    for capture in Capture.objects.filter(article__in=articles).only(*fields):
        captures.setdefault(capture.article_id, []).append(capture)
    for appearance in appearances:
        appearance.vanished = vanished(appearance.text, captures.get(appearance.article_id, []))
