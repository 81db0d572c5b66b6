"""The migration to captures moves each article's raw capture, hash, removed boilerplate and
retrieval time to a first capture, and anchors every quote in it, keeping every id and offset."""

import base64
import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from articles.models import Article, Capture, Quote
from claims.seed_build import SEED_FIXTURE

BEFORE = [("articles", "0006_normalised_text_fields")]


def seed_rows(model):
    rows = json.loads(SEED_FIXTURE.read_text(encoding="utf-8"))
    return {row["pk"]: row["fields"] for row in rows if row["model"] == model}


@pytest.mark.django_db(transaction=True)
def test_seed_articles_migrate_to_captures_keeping_permalinks_and_offsets():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    OldArticle, OldQuote = old.get_model("articles", "Article"), old.get_model("articles", "Quote")
    captures, quotes = seed_rows("articles.capture"), seed_rows("articles.quote")
    for pk, fields in seed_rows("articles.article").items():
        capture = captures[pk]
        OldArticle.objects.create(
            pk=pk, title=fields["title"], slug=fields["slug"], body=fields["body"],
            raw_capture=base64.b64decode(capture["raw"]).decode("utf-8"),
            capture_sha256=capture["sha256"], removed_boilerplate=capture["removed_boilerplate"],
            archived_at=fields["archived_at"],
        )  # fmt: skip
    for pk, fields in quotes.items():
        OldQuote.objects.create(
            pk=pk, article_id=fields["article"], text=fields["text"], speaker_label="someone",
            start_offset=fields["start_offset"], end_offset=fields["end_offset"],
        )  # fmt: skip

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    for pk, fields in captures.items():
        capture = Capture.objects.get(article_id=pk)
        assert bytes(capture.raw) == base64.b64decode(fields["raw"])
        assert capture.sha256 == fields["sha256"]
        assert capture.text == fields["text"] == Article.objects.get(pk=pk).body
        assert capture.removed_boilerplate == fields["removed_boilerplate"]
        assert capture.origin == Capture.Origin.SEED
    for pk, fields in quotes.items():
        quote = Quote.objects.select_related("capture").get(pk=pk)
        assert quote.capture.article_id == quote.article_id == fields["article"]
        assert (quote.start_offset, quote.end_offset) == (
            fields["start_offset"],
            fields["end_offset"],
        )
        assert quote.capture.text[quote.start_offset : quote.end_offset] == quote.text
    assert [a.get_absolute_url() for a in Article.objects.order_by("pk")] == [
        f"/articles/{pk}/{fields['slug']}/" for pk, fields in seed_rows("articles.article").items()
    ]
