"""Quotes as they stood at each recorded version, with their article and speaker."""

from articles.models import Article, Person, Quote
from core.versions import RecordVersions, read_history


def quote_versions(pk):
    history = read_history(Quote, pk)
    records = [version.record for version in history.versions]
    articles = Article.objects.for_export().in_bulk({record.article_id for record in records})
    people = Person.objects.in_bulk({record.speaker_id for record in records} - {None})
    states = {}
    for version in history.versions:
        quote = version.instance
        quote.article = articles.get(quote.article_id) or Article(
            pk=quote.article_id, title="an article since deleted", title_is_supplied=True
        )
        # A speaker deleted since leaves the label the quote keeps.
        quote.speaker = people.get(quote.speaker_id)
        states[version.number] = quote
    return RecordVersions(history, states)
