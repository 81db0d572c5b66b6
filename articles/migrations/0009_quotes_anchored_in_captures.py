"""Every quote has its capture; the capture's fields leave the article."""

import core.text
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models



class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0008_move_captures_out_of_articles'),
    ]

    operations = [
        migrations.AlterField(
            model_name='quote',
            name='capture',
            field=models.ForeignKey(blank=True, help_text='The capture whose text holds the quote; its offsets count in that text.', on_delete=django.db.models.deletion.PROTECT, related_name='quotes', to='articles.capture'),
        ),
        migrations.RemoveConstraint(
            model_name='article',
            name='article_capture_sha256_is_hex',
        ),
        migrations.RemoveField(
            model_name='article',
            name='capture_sha256',
        ),
        migrations.RemoveField(
            model_name='article',
            name='raw_capture',
        ),
        migrations.RemoveField(
            model_name='article',
            name='removed_boilerplate',
        ),
        migrations.RemoveField(
            model_name='article',
            name='retrieved_at',
        ),
        migrations.AlterField(
            model_name='article',
            name='body',
            field=core.text.NormalisedTextField(editable=False, help_text='The text of its latest capture, which search and the explorer read.'),
        ),
        migrations.AlterField(
            model_name='historicalquote',
            name='start_offset',
            field=models.PositiveIntegerField(help_text="Character offset in the capture's text."),
        ),
        migrations.AlterField(
            model_name='historicalquote',
            name='text',
            field=core.text.NormalisedTextField(help_text='The exact quoted words, as they stand in the text.'),
        ),
        migrations.AlterField(
            model_name='quote',
            name='start_offset',
            field=models.PositiveIntegerField(help_text="Character offset in the capture's text."),
        ),
        migrations.AlterField(
            model_name='quote',
            name='text',
            field=core.text.NormalisedTextField(help_text='The exact quoted words, as they stand in the text.'),
        ),
    ]
