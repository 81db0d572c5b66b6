from django.db import migrations


class Migration(migrations.Migration):
    """An article's search vector kept in its row (storage MAIN), not in the TOAST table.

    A vector of about a kilobyte made the row too long, so PostgreSQL moved it out of line, and
    ranking a search's articles read it back through the TOAST index, five buffers an article
    (issue #25: 59,794 buffers for a word in a third of 40,000 articles). With MAIN the body
    is compressed or moved out first. VACUUM FULL rewrites the rows already stored; it is run
    outside a transaction, and locks the table while it runs (seconds for 200,000 articles).
    """

    atomic = False
    dependencies = [("articles", "0020_capture_metadata_and_changes")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE articles_article ALTER COLUMN search_vector SET STORAGE MAIN",
            reverse_sql="ALTER TABLE articles_article ALTER COLUMN search_vector SET STORAGE EXTENDED",
        ),
        migrations.RunSQL("VACUUM FULL articles_article", reverse_sql=migrations.RunSQL.noop),
    ]
