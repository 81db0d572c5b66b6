import re

from django import forms

from articles.models import Quote, QuoteProposal
from core.admin import VersionedForm, VersionedRowForm
from core.text import normalise_line_breaks


class ArticleForm(forms.ModelForm):
    """A new article's raw capture is kept as pasted, but for the text area's CRLF line breaks."""

    raw_capture = forms.CharField(widget=forms.Textarea, strip=False)

    def clean_raw_capture(self):
        return normalise_line_breaks(self.cleaned_data["raw_capture"])


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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Start from the occurrence the stored offset already says, so an unchanged save
            # keeps it.
            starts = occurrences(self.instance.text, self.instance.article.body)
            if len(starts) > 1 and self.instance.start_offset in starts:
                self.initial["occurrence"] = starts.index(self.instance.start_offset) + 1

    def clean(self):
        cleaned = super().clean()
        article = cleaned.get("article")  # also in an article's inline: its parent
        text = cleaned.get("text")
        if article is None or not text:
            return cleaned
        starts = occurrences(text, article.body)
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


class QuoteRowForm(VersionedRowForm, QuoteForm):
    """A quote in its article's form: checked and saved only when the editor changed it."""


class QuoteProposalForm(VersionedForm):
    """An editor's correction of a proposal's speaker: a chosen person replaces a proposed new
    one."""

    class Meta:
        model = QuoteProposal
        fields = ["speaker", "new_speaker_name", "speaker_label"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("speaker"):
            cleaned["new_speaker_name"] = self.instance.new_speaker_name = ""
        return cleaned


def occurrences(words, text):
    """Where the words start in the text, in order (overlapping occurrences included)."""
    return [match.start() for match in re.finditer(f"(?={re.escape(words)})", text)]
