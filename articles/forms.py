import re

from django import forms

from articles.models import Quote
from newsarchive.admin import VersionedForm


class ArticleViewForm(forms.Form):
    """Parameters of an article page: the quote to bring forward, from a quote's permalink."""

    quote = forms.IntegerField(min_value=1, required=False)


class QuoteForm(VersionedForm):
    """An editor pastes the quoted words; the form finds where they stand in the article."""

    occurrence = forms.IntegerField(
        min_value=1,
        required=False,
        help_text="Only when the words appear more than once in the article: which one "
        "(1 for the first).",
    )

    class Meta:
        model = Quote
        fields = [
            "article", "text", "occurrence", "speaker", "speaker_label", "occasion",
            "occasion_date", "occasion_date_precision", "note",
        ]  # fmt: skip

    def clean(self):
        cleaned = super().clean()
        article = cleaned.get("article") or getattr(self.instance, "article", None)
        text = cleaned.get("text")
        if article is None or not text:
            return cleaned
        starts = [match.start() for match in re.finditer(re.escape(text), article.body)]
        occurrence = cleaned.get("occurrence")
        if not starts:
            raise forms.ValidationError(
                {"text": "These words are not in the article's text. Paste them exactly as they "
                 "stand there: check quotation marks (’ “ ”), dashes and spaces."}
            )  # fmt: skip
        if len(starts) > 1 and not occurrence:
            raise forms.ValidationError(
                {"occurrence": f"These words appear {len(starts)} times in the article: say "
                 "which occurrence is the quote."}
            )  # fmt: skip
        if occurrence and occurrence > len(starts):
            raise forms.ValidationError(
                {"occurrence": f"The words appear only {len(starts)} time(s) in the article."}
            )
        start = starts[(occurrence or 1) - 1]
        self.instance.start_offset, self.instance.end_offset = start, start + len(text)
        return cleaned
