from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("articles", "0019_revisits")]

    operations = [
        migrations.AddField(
            model_name="capture",
            name="metadata",
            field=models.JSONField(
                blank=True,
                editable=False,
                help_text="What extraction read besides the text: the page's headline, byline "
                "and published date. Empty for captures archived before issue #23.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="capture",
            name="changes",
            field=models.JSONField(
                blank=True,
                editable=False,
                help_text="What changed since the article's previous version (articles.changes); "
                "empty for its first capture.",
                null=True,
            ),
        ),
    ]
