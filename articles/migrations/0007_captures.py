"""Captures: an article may have several; quotes get a capture (filled in by 0008)."""

import core.text
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models



class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0006_normalised_text_fields'),
    ]

    operations = [
        migrations.CreateModel(
            name='Capture',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('origin', models.CharField(choices=[('url', 'retrieved by URL'), ('warc', 'read from a WARC file'), ('file', 'uploaded or read from a file'), ('paste', 'pasted text'), ('seed', 'seed corpus'), ('synthetic', 'synthetic benchmark corpus')], max_length=10)),
                ('raw', models.BinaryField(help_text='The bytes exactly as retrieved.')),
                ('sha256', models.CharField(max_length=64, unique=True, verbose_name='SHA-256 of the raw bytes')),
                ('content_type', models.CharField(help_text='text/html or text/plain: how the bytes were read.', max_length=100)),
                ('request_url', models.URLField(blank=True, max_length=2000)),
                ('final_url', models.URLField(blank=True, help_text='Where the last redirect led, when retrieved by URL.', max_length=2000)),
                ('http_status', models.PositiveSmallIntegerField(blank=True, null=True)),
                ('http_headers', models.JSONField(blank=True, default=list, help_text="The response's headers as received: [[name, value]].")),
                ('retrieved_at', models.DateTimeField(blank=True, help_text='When the bytes were retrieved, if known.', null=True)),
                ('archived_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('text', core.text.NormalisedTextField(help_text="The article's text extracted from the bytes.")),
                ('removed_boilerplate', models.JSONField(blank=True, default=list, help_text='What extraction left out of the text: [{"text": ..., "reason": ...}].')),
                ('extractor', models.CharField(help_text='What extracted the text.', max_length=100)),
            ],
            options={
                'ordering': ['article', models.OrderBy(models.F('retrieved_at'), nulls_first=True), 'archived_at', 'pk'],
            },
        ),
        migrations.AddField(
            model_name='capture',
            name='article',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='captures', to='articles.article'),
        ),
        migrations.AddConstraint(
            model_name='capture',
            constraint=models.CheckConstraint(condition=models.Q(('sha256__regex', '^[0-9a-f]{64}$')), name='capture_sha256_is_hex'),
        ),
        migrations.AddConstraint(
            model_name='capture',
            constraint=models.CheckConstraint(condition=models.Q(('text', ''), _negated=True), name='capture_text_not_empty'),
        ),
        migrations.AddField(
            model_name='quote',
            name='capture',
            field=models.ForeignKey(help_text='The capture whose text holds the quote; its offsets count in that text.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='quotes', to='articles.capture'),
        ),
        migrations.AddField(
            model_name='historicalquote',
            name='capture',
            field=models.ForeignKey(blank=True, db_constraint=False, help_text='The capture whose text holds the quote; its offsets count in that text.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='articles.capture'),
        ),
    ]
