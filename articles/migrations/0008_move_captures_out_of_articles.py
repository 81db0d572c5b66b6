"""An article gets captures: the raw capture, its hash, what cleaning removed and the retrieval
time move from each article to its first capture, and every quote is anchored in that capture's
text at the same offsets (the capture's text is the article's body, character for character)."""

from django.db import migrations

# The five seed captures (fixtures/captures/), so that migrated seeds say where they came from.
SEED_SHA256 = {
    "e2746618181e658a0779bea00b6808617307ba58c5043f991a106dde210c81b7",
    "4fd09f7070f57622cbbec53d5c2371ab19e2c1f8bc819ae08af825756a8d6fed",
    "e68f5a8fc8417ade5f17c64ac89f62a0964a2b02f21a8c01074322e32a458760",
    "dbb56b75988a24f889b6693795a37fc7a35f713d8f5a172a507d351fe60ab842",
    "d7dffa198dede404a2ac507160c3392de2a7a87f03fb4d5e290b1d45a01984f3",
}


def move_captures_out_of_articles(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    Capture = apps.get_model("articles", "Capture")
    Quote = apps.get_model("articles", "Quote")
    HistoricalQuote = apps.get_model("articles", "HistoricalQuote")
    for article in Article.objects.order_by("pk").iterator():
        capture = Capture.objects.create(
            article=article,
            origin="seed" if article.capture_sha256 in SEED_SHA256 else "paste",
            raw=article.raw_capture.encode(),
            sha256=article.capture_sha256,
            content_type="text/plain",
            retrieved_at=article.retrieved_at,
            archived_at=article.archived_at,
            text=article.body,
            removed_boilerplate=article.removed_boilerplate,
            extractor="plain-text rules (articles.cleaning)",
        )
        Quote.objects.filter(article=article).update(capture=capture)
        HistoricalQuote.objects.filter(article_id=article.pk).update(capture_id=capture.pk)


def move_captures_back(apps, schema_editor):
    """Back to one capture per article: the first, as the article held before."""
    Article = apps.get_model("articles", "Article")
    Capture = apps.get_model("articles", "Capture")
    for article in Article.objects.iterator():
        first = Capture.objects.filter(article=article).order_by("archived_at", "pk").first()
        article.raw_capture = bytes(first.raw).decode("utf-8", errors="replace")
        article.capture_sha256 = first.sha256
        article.removed_boilerplate = first.removed_boilerplate
        article.retrieved_at = first.retrieved_at
        article.body = first.text
        article.save()


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0007_captures'),
    ]

    operations = [
        migrations.RunPython(move_captures_out_of_articles, move_captures_back),
    ]
