from django.db import migrations, models


class Migration(migrations.Migration):
    """article_export_cells: what a claims export reads of each reporting article (its date,
    title and outlet), in an index it reads alone (an index-only scan), a few megabytes where
    the table's pages, bodies and all, were a random read at every claim (issue #25). An
    index-only scan skips the table where VACUUM has marked its pages all-visible, as
    autovacuum does."""

    dependencies = [("articles", "0022_person_search_keys")]

    operations = [
        migrations.AddIndex(
            model_name="article",
            index=models.Index(
                fields=["id"],
                include=("published_date", "title", "title_is_supplied", "outlet"),
                name="article_export_cells",
            ),
        ),
    ]
