"""Provenance notes are shown on public article pages: the note on a site that is no outlet of
the archive says so, without the editor's to-do it used to end with (issue #26)."""

from django.db import migrations
from django.db.models import Value
from django.db.models.functions import Replace

TO_DO = ", which is no outlet of the archive yet; choose or add it."
FACT = ", which is not one of the archive's outlets."


def drop_the_to_do(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    Article.objects.filter(provenance_note__contains=TO_DO).update(
        provenance_note=Replace("provenance_note", Value(TO_DO), Value(FACT))
    )


class Migration(migrations.Migration):
    dependencies = [("articles", "0012_quote_transmission")]

    operations = [migrations.RunPython(drop_the_to_do, migrations.RunPython.noop)]
