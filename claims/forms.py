from django import forms

from articles.forms import AnchoredTextForm
from claims.exports import FORMATS
from claims.models import Appearance
from claims.search import RESULT_KINDS
from core.admin import VersionedRowForm
from core.search import SearchTextField


class ExportForm(forms.Form):
    q = SearchTextField(label="Search")
    format = forms.ChoiceField(choices=[(name, name) for name in FORMATS])


class SearchForm(forms.Form):
    q = SearchTextField(label="Search")
    type = forms.ChoiceField(
        choices=[("all", "Everything"), *((kind, kind.title()) for kind in RESULT_KINDS)],
        required=False,
    )
    page = forms.IntegerField(min_value=1, required=False)
    format = forms.ChoiceField(choices=[(name, name) for name in FORMATS], required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("format") and cleaned.get("type") in (None, "", "all"):
            raise forms.ValidationError("To download results, choose claims, quotes or articles.")
        return cleaned

    def clean_type(self):
        return self.cleaned_data["type"] or "all"

    def clean_page(self):
        return self.cleaned_data["page"] or 1


class AppearanceForm(VersionedRowForm, AnchoredTextForm):
    """A row of a claim's appearances: the editor chooses a reporting article and pastes the
    words that report the claim; only changed rows are checked and saved."""

    class Meta:
        model = Appearance
        fields = ["article", "text", "occurrence", "attribution", "source"]

    def clean(self):
        cleaned = super().clean()
        attribution = cleaned.get("attribution")
        capture = self.instance.capture if self.instance.capture_id else None
        if attribution and capture and attribution not in capture.text:
            self.add_error(
                "attribution",
                "Copy whom the article credits exactly as it stands in its text (e.g. "
                "“according to Bloomberg”), or leave this empty.",
            )
        return cleaned


class AppearanceFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        # The claim's form is posted with its formsets: the articles chosen there are the ones
        # that will report it once saved. Unchanged rows are not checked: an appearance outlives
        # its article's link, so that a revert restoring the link restores its words too.
        reporting = set(self.data.getlist("articles"))
        for form in self.forms:
            article = form.cleaned_data.get("article")
            if not form.has_changed() or form.cleaned_data.get("DELETE") or article is None:
                continue
            if str(article.pk) not in reporting:
                form.add_error(
                    "article",
                    "This article is not among the claim's reporting articles: add it to "
                    "“Articles” above, or remove this appearance.",
                )
