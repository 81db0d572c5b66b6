from django import forms

from articles.forms import OriginalUrlField
from watches.models import MAX_EVERY_MINUTES, Watch


class WatchForm(forms.ModelForm):
    """A watch to add or change: the admin's form, and what `manage.py follow` checks."""

    url = OriginalUrlField(
        label="URL",
        error_messages={
            "invalid": "Enter the address of a page, a feed or a sitemap, starting with http:// "
            "or https://."
        },
    )
    every_minutes = forms.IntegerField(
        min_value=1,
        max_value=MAX_EVERY_MINUTES,
        initial=60,
        label="Every (minutes)",
        help_text=f"From 1 to {MAX_EVERY_MINUTES:,} (a week).",
    )

    class Meta:
        model = Watch
        fields = ["url", "kind", "every_minutes", "active"]
